"""Slow, obviously-correct reference computations used as test oracles.

They use a different formulation from the package (p_i = 1 / sum_j exp(z_j - z_i), Python floats and
math.fsum), so a shared mistake is unlikely.
"""

from __future__ import annotations

import math

import numpy as np


def softmax_ref(z) -> np.ndarray:
    """softmax of one vector: p_i = 1 / sum_j exp(z_j - z_i), with -inf entries mapped to 0."""
    z = [float(v) for v in z]
    out = []
    for zi in z:
        if zi == -math.inf:
            out.append(0.0)
            continue
        terms = []
        for zj in z:
            d = zj - zi
            terms.append(0.0 if d == -math.inf else (math.inf if d > 709 else math.exp(d)))
        s = math.fsum(terms)
        out.append(0.0 if s == math.inf else 1.0 / s)
    return np.array(out)


def log_softmax_ref(z) -> np.ndarray:
    """log p_i = -log(sum_j exp(z_j - z_i)); -inf for masked entries."""
    z = [float(v) for v in z]
    out = []
    for zi in z:
        if zi == -math.inf:
            out.append(-math.inf)
            continue
        m = max(z)
        # log sum_j exp(z_j - z_i) = (m - z_i) + log sum_j exp(z_j - m)
        s = math.fsum(math.exp(zj - m) for zj in z if zj != -math.inf)
        out.append(-((m - zi) + math.log(s)))
    return np.array(out)


def jacobian_ref(p) -> np.ndarray:
    """J[i][j] = p_i (1 - p_i) if i == j else -p_i p_j, element by element."""
    c = len(p)
    return np.array([[p[i] * (1 - p[i]) if i == j else -p[i] * p[j] for j in range(c)] for i in range(c)])


def rowwise(fn, z: np.ndarray, axis: int = -1) -> np.ndarray:
    """Apply a 1-D reference along ``axis`` of an n-d array."""
    return np.apply_along_axis(fn, axis, np.asarray(z, dtype=np.float64))
