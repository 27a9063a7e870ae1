"""Checkers of notebook 08-geometry-and-convexity: the Hessian of the smooth maximum
:math:`f_T(z) = T \\operatorname{LSE}(z / T)`, and the answers of its predict-then-run questions (``PREDICTIONS``).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from softmax_lab import softmax

from ._core import CheckResult
from .losses import Slip, _explain, _run
from .predictions import Prediction

__all__ = ["check_smooth_max_hessian", "PREDICTIONS"]


def _hessian_of_lse(p: np.ndarray) -> np.ndarray:
    return np.diag(p) - np.outer(p, p)


def _smooth_max_hessian_slips(z: np.ndarray, T: float) -> list[Slip]:
    """What each plausible slip returns for the Hessian of T LSE(z / T)."""
    p = softmax(z / T)
    H = _hessian_of_lse(p)
    return [("the factor 1/T is missing: the gradient softmax(z / T) depends on z through z / T, so the chain "
             "rule gives one factor 1/T", H),
            ("the Hessian of LSE(z) itself, at softmax(z) and without the factor 1/T: differentiate "
             "T LSE(z / T), whose gradient is softmax(z / T)", _hessian_of_lse(softmax(z))),
            ("1/T^2 in place of 1/T: the T in front of LSE cancels one of the two factors 1/T", H / T**2),
            ("T in place of 1/T: the chain rule through z / T multiplies by 1/T", T * H),
            ("p = softmax(z) where softmax(z / T) belongs: the gradient of T LSE(z / T) is softmax(z / T)",
             _hessian_of_lse(softmax(z)) / T),
            ("the diagonal term diag(p) is missing: dp_i/dz_i has the extra p_i (1/T) from d e^(z_i/T)/dz_i",
             -np.outer(p, p) / T),
            ("the term -p p^T is missing: differentiating the denominator sum_j e^(z_j/T) gives -p_i p_j / T",
             np.diag(p) / T),
            ("the sign is flipped: the Hessian of a convex function is positive semi-definite, diag(p) - p p^T",
             -H / T)]


_CASES = [("logits [1, 2, 3] at T = 0.5", np.array([1.0, 2.0, 3.0]), 0.5),
          ("logits [1, 2, 3] at T = 2", np.array([1.0, 2.0, 3.0]), 2.0),
          ("logits [0.5, -1, 2, 0] at T = 0.7", np.array([0.5, -1.0, 2.0, 0.0]), 0.7),
          ("equal logits [5, 5, 5, 5] at T = 3", np.full(4, 5.0), 3.0),
          ("large logits [1000, 1001, 1002] at T = 1.25", np.array([1000.0, 1001.0, 1002.0]), 1.25)]


def check_smooth_max_hessian(fn: Callable[[np.ndarray, float], Any]) -> CheckResult:
    r"""Check a student's ``fn(z, T)`` returning the C x C Hessian of :math:`f_T(z) = T\,\operatorname{LSE}(z/T)`:
    :math:`\nabla^2 f_T(z) = \frac1T\big(\operatorname{diag}(p) - pp^\top\big)` with :math:`p = \operatorname{softmax}(z/T)`.

    A wrong answer is compared with what each plausible slip gives (the Hessian of plain LSE, a missing or
    squared or inverted 1/T, softmax(z) for softmax(z / T), a missing diag(p) or p p^T, a flipped sign). The
    last case's logits are near 1000: exp(z / T) overflows there without the max shift.
    """
    cases = []
    for desc, z, T in _CASES:
        expected = _hessian_of_lse(softmax(z / T)) / T
        what = f"Hessian of T LSE(z / T) for {desc}"
        nonfinite = ("a nan/inf although every entry is finite: no max shift? exp(z / T) overflows for logits "
                     "near 1000; subtract max(z) before exp" if z.max() > 100 else
                     "a nan/inf although every entry is finite (a division by zero?)")
        judge = (lambda got, what=what, expected=expected, z=z, T=T, nonfinite=nonfinite:
                 _explain(what, got, expected, _smooth_max_hessian_slips(z, T), nonfinite,
                          lambda i: f"(row {i[0]}, column {i[1]})", {}))
        cases.append((what, (lambda z=z, T=T: fn(z.copy(), T)), judge))
    return _run("Hessian of the smooth max", cases)


PREDICTIONS: dict[str, Prediction] = {
    "08-squared-error-convex": Prediction(
        question=("Cross-entropy -z_t + LSE(z) is convex in the logits z. Is the squared error of the probabilities, "
                  "L(z) = ||softmax(z) - y||^2 with a one-hot y, also convex in z? (True or False)"),
        answer=False,
        explanation=("No. With two classes, z = (a, 0) and y = (1, 0), L = 2 (1 - s)^2 with s = sigmoid(a), and "
                     "L''(a) = -4 s (1 - s)^2 (1 - 3 s), negative wherever s < 1/3, that is a < -ln 2: far on "
                     "the wrong side, the loss flattens out (a plateau) instead of curving up. Cross-entropy has "
                     "L''(a) = s (1 - s) > 0 everywhere.")),
}
