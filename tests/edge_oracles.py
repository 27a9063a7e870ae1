"""Exact oracles for the edge tests: rational arithmetic (fractions.Fraction), rounded once at the end.

They share no code and no formulation with the package: the shift (z_i - max z) / T is formed
exactly, so a spread beyond any dtype's range or a temperature beyond it costs nothing here.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

DTYPES = (np.float16, np.float32, np.float64)


def _to_float(q: Fraction) -> float:
    """Round an exact rational to float64; beyond float64's range it is +-inf."""
    try:
        return float(q)
    except OverflowError:
        return math.inf if q > 0 else -math.inf


def exact_shift(z, temperature: float, allowed=None) -> list[float]:
    """(z_i - max z) / T for one vector, exact then rounded; masked entries (-inf or not allowed) give -inf.

    T = 0 gives 0 for the maxima and -inf elsewhere (the argmax limit); T = inf gives 0 for every
    entry not masked (the uniform limit).
    """
    vals = [float(v) for v in z]
    ok = [v != -math.inf and (allowed is None or bool(allowed[i])) for i, v in enumerate(vals)]
    if not any(ok):
        return [-math.inf] * len(vals)
    m = max(v for v, k in zip(vals, ok) if k)
    out = []
    for v, k in zip(vals, ok):
        if not k:
            out.append(-math.inf)
        elif temperature == 0:
            out.append(0.0 if v == m else -math.inf)
        elif temperature == math.inf:
            out.append(0.0)
        else:
            out.append(_to_float((Fraction(v) - Fraction(m)) / Fraction(temperature)))
    return out


def softmax_exact(z, temperature: float = 1.0, allowed=None) -> np.ndarray:
    """softmax of one vector from the exact shift: e^{s_i} / sum_j e^{s_j} (all zeros if nothing is allowed)."""
    s = exact_shift(z, temperature, allowed)
    e = [math.exp(v) if v != -math.inf else 0.0 for v in s]
    total = math.fsum(e)
    return np.array([v / total if total else 0.0 for v in e])


def log_softmax_exact(z, temperature: float = 1.0, allowed=None) -> np.ndarray:
    """log-softmax of one vector: s_i - log sum_j e^{s_j} (-inf where masked)."""
    s = exact_shift(z, temperature, allowed)
    total = math.fsum(math.exp(v) if v != -math.inf else 0.0 for v in s)
    if total == 0:
        return np.full(len(s), -np.inf)
    return np.array([v - math.log(total) for v in s])


def backward_exact(p, g) -> np.ndarray:
    """p_j (g_j - sum_i g_i p_i) for one vector, exact then rounded to float64."""
    pf = [Fraction(float(v)) for v in p]
    gf = [Fraction(float(v)) for v in g]
    dot = sum(a * b for a, b in zip(gf, pf))
    return np.array([_to_float(pj * (gj - dot)) for pj, gj in zip(pf, gf)])


def rows(fn, z: np.ndarray, *args, allowed=None) -> np.ndarray:
    """Apply a one-vector oracle to every row (last axis) of a 2-d array."""
    z = np.asarray(z)
    if allowed is None:
        return np.array([fn(r, *args) for r in z.reshape(-1, z.shape[-1])]).reshape(z.shape)
    allowed = np.broadcast_to(allowed, z.shape)
    return np.array([fn(r, *args, allowed=a) for r, a in zip(z.reshape(-1, z.shape[-1]),
                                                              allowed.reshape(-1, z.shape[-1]))]).reshape(z.shape)


def _eps(dtype) -> float:
    return float(np.finfo(dtype).eps)


def assert_matches_exact(got: np.ndarray, z, temperature: float, allowed=None, log: bool = False) -> None:
    """``got`` is softmax (or log-softmax) of ``z`` along the last axis, to a few rounding errors.

    The bound: the shift s = (z - m) / T carries a relative error of one rounding in the compute
    dtype (float32 for float16), so e^s carries eps_c * |s|; then a few roundings for the exp, the
    sum and the division, and for float16 one more rounding to the result dtype. log-softmax has no
    cancellation (s <= 0 and -log(sum) <= 0), so a relative bound plus a few eps absolute holds.
    """
    got = np.asarray(got)
    dtype = got.dtype
    eps_c = _eps(np.float32 if dtype == np.float16 else dtype)
    z2 = np.asarray(z, dtype=np.float64).reshape(-1, np.shape(z)[-1])
    g2 = got.reshape(z2.shape).astype(np.float64)
    a2 = None if allowed is None else np.broadcast_to(allowed, np.shape(z)).reshape(z2.shape)
    for i, row in enumerate(z2):
        ok = None if a2 is None else a2[i]
        s = exact_shift(row, temperature, ok)
        want = (log_softmax_exact if log else softmax_exact)(row, temperature, ok)
        with np.errstate(over="ignore"):
            want_d = want.astype(dtype).astype(np.float64)  # the oracle rounded once to the result dtype
        big = float(np.finfo(dtype).max) * (1 - 16 * eps_c)
        edge = np.abs(want_d) >= big  # a few roundings from the dtype's largest value: -inf is as right
        if edge.any():
            assert np.all(np.isinf(g2[i][edge]) | (np.abs(g2[i][edge]) >= big)), (g2[i], want_d)
            assert np.all(np.sign(g2[i][edge]) == np.sign(want_d[edge]))
            g2[i][edge] = want_d[edge]
        live = [abs(v) for v in s if v != -math.inf and v > -800]
        rtol = eps_c * (8 + 2 * max(live, default=0.0)) + 2 * _eps(dtype)
        atol = 4 * _eps(dtype) if log else 4 * float(np.finfo(dtype).smallest_subnormal)
        np.testing.assert_allclose(g2[i], want_d, rtol=rtol, atol=atol,
                                   err_msg=f"row {i} of {np.shape(z)} {dtype} at T={temperature}")


def as_dtype(x: np.ndarray, dtype) -> np.ndarray:
    """Round float64 oracle values to ``dtype`` once (values beyond its range become +-inf, silently)."""
    with np.errstate(over="ignore"):
        return np.asarray(x, dtype=np.float64).astype(dtype)
