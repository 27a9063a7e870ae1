"""Checkers for notebooks 03 to 05: a row of the softmax Jacobian, the whole Jacobian, the batched backward
pass (vector-Jacobian product) and a forward + backward pass from the logits.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from softmax_lab import softmax, softmax_backward, softmax_jacobian

from ._core import CheckResult, example_vectors, run_checks

__all__ = ["check_jacobian_row", "check_jacobian", "check_backward", "check_softmax_vjp"]


def check_jacobian_row(fn: Callable[[np.ndarray, int], Any]) -> CheckResult:
    r"""Check a student's ``fn(p, i)`` returning row ``i`` of the softmax Jacobian at output ``p``.

    Row ``i`` is :math:`\partial p_i / \partial z_j` for every ``j``: :math:`p_i(\delta_{ij} - p_j)`.
    One case per probability vector: all its rows are stacked and compared with ``J``, so a mismatch
    is reported at ``(row i, column j)``. A row of the wrong shape is reported as such.
    """
    def all_rows(p: np.ndarray) -> np.ndarray:
        rows = []
        for i in range(p.size):
            row = np.asarray(fn(p.copy(), i), dtype=np.float64)
            if row.shape != p.shape:
                raise ValueError(f"fn(p, {i}) returned shape {row.shape}; a row of J has one entry per "
                                 f"logit z_j, shape {p.shape}")
            rows.append(row)
        return np.stack(rows)

    cases = []
    for desc, z in example_vectors()[:4]:
        p = softmax(z)
        cases.append((f"rows of J at softmax({desc})", (lambda p=p: all_rows(p)),
                      softmax_jacobian(p)))
    return run_checks("Jacobian row", cases)



def check_jacobian(fn: Callable[[np.ndarray], Any]) -> CheckResult:
    """Check a student's ``fn(p)`` returning the C x C Jacobian of softmax at output ``p``."""
    cases = []
    for desc, z in example_vectors():
        p = softmax(z)
        cases.append((f"J at softmax({desc})", (lambda p=p: fn(p.copy())), softmax_jacobian(p)))
    return run_checks("softmax Jacobian", cases)



def check_backward(fn: Callable[[np.ndarray, np.ndarray], Any]) -> CheckResult:
    """Check a student's batched ``fn(A, dLdA)`` returning dLdZ, rows are samples."""
    rng = np.random.default_rng(7)
    cases = []
    for n, c in [(1, 3), (2, 3), (5, 10), (3, 1)]:
        a = softmax(rng.normal(size=(n, c)) * 3, axis=-1)
        g = rng.normal(size=(n, c))
        cases.append((f"a batch of N={n}, C={c}", (lambda a=a, g=g: fn(a.copy(), g.copy())),
                      softmax_backward(a, g)))
    return run_checks("softmax backward", cases)



def check_softmax_vjp(fn: Callable[[np.ndarray, np.ndarray], Any]) -> CheckResult:
    r"""Check a student's batched ``fn(Z, dLdA)`` that runs softmax forward on the logits ``Z`` (rows are
    samples) and returns :math:`dL/dZ` for the upstream gradient ``dLdA``.

    It includes large logits, so a forward pass without the max shift (``np.exp(Z)``) is caught.
    """
    rng = np.random.default_rng(11)
    inputs = [("the worked example Z = [[1, 2, 3], [2, 2, 1]]", np.array([[1.0, 2.0, 3.0], [2.0, 2.0, 1.0]]),
               np.array([[0.1, -0.2, 0.1], [-0.1, 0.3, -0.2]])),
              ("a batch of N=4, C=6", rng.normal(size=(4, 6)) * 3, rng.normal(size=(4, 6))),
              ("large logits [[1000, 1001, 1002]]", np.array([[1000.0, 1001.0, 1002.0]]),
               np.array([[0.5, -1.0, 0.25]]))]
    cases = [(desc, (lambda z=z, g=g: fn(z.copy(), g.copy())), softmax_backward(softmax(z, axis=-1), g))
             for desc, z, g in inputs]
    return run_checks("softmax forward + backward", cases)

