"""Checkers for notebook 06: the gradient of the mean cross-entropy and one softmax-regression step."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from softmax_lab import cross_entropy_grad

from ..regression import gradient_step
from ._core import CheckResult, run_checks

__all__ = ["check_cross_entropy_grad", "check_softmax_regression_step"]


def check_cross_entropy_grad(fn: Callable[[np.ndarray, np.ndarray], Any]) -> CheckResult:
    """Check a student's ``fn(logits, labels)`` returning the gradient of the mean cross-entropy."""
    rng = np.random.default_rng(3)
    cases = []
    for n, c in [(1, 3), (4, 5), (8, 2)]:
        z = rng.normal(size=(n, c)) * 2
        t = rng.integers(0, c, size=n)
        cases.append((f"N={n}, C={c} with integer labels", (lambda z=z, t=t: fn(z.copy(), t.copy())),
                      cross_entropy_grad(z, t)))
    big = np.array([[1000.0, 0.0, -1000.0]])
    cases.append(("large logits [[1000, 0, -1000]]", (lambda: fn(big.copy(), np.array([1]))),
                  cross_entropy_grad(big, np.array([1]))))
    return run_checks("cross-entropy gradient", cases)



def check_softmax_regression_step(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a student's ``fn(W, b, X, y, lr)`` returning ``(W_new, b_new)`` after one gradient-descent step.

    The model is :math:`Z = XW + b` with the mean cross-entropy on integer labels ``y``; the step is
    :math:`W - \eta X^\top (P - Y)/N`, :math:`b - \eta \sum_n (P - Y)_n / N`
    (:func:`softmax_lab.course.regression.gradient_step`). Cases with different N catch a missing ``1/N``;
    large logits catch a forward pass without the max shift; ``W`` and ``b`` are reported separately.
    """
    rng = np.random.default_rng(5)
    inputs = [("N=4 points, D=2, C=3", rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=(4, 2)),
               np.array([0, 2, 1, 2]), 0.5),
              ("N=10 points, D=3, C=4", rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(10, 3)),
               rng.integers(0, 4, size=10), 0.1),
              ("large logits (W of size 1000)", np.array([[1000.0, -1000.0], [0.0, 500.0]]), np.zeros(2),
               np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([1, 0, 1]), 0.01)]
    cases = []
    for desc, W, b, X, y, lr in inputs:
        W_ref, b_ref = gradient_step(W, b, X, y, lr)

        def part(k: int, W=W, b=b, X=X, y=y, lr=lr):
            out = fn(W.copy(), b.copy(), X.copy(), y.copy(), lr)
            if not isinstance(out, (tuple, list)) or len(out) != 2:
                raise TypeError(f"must return a pair (W_new, b_new), got {type(out).__name__}")
            return out[k]

        cases.append((f"{desc}: W_new", (lambda part=part: part(0)), W_ref))
        cases.append((f"{desc}: b_new", (lambda part=part: part(1)), b_ref))
    return run_checks("softmax regression step", cases)

