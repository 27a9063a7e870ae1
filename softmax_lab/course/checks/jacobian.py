"""Notebook 04 (the Jacobian of softmax): the answers of its predict-then-run questions (``PREDICTIONS``).

Its code exercises use :func:`~softmax_lab.course.checks.derivatives.check_jacobian_row` and
:func:`~softmax_lab.course.checks.derivatives.check_jacobian`.
"""

from __future__ import annotations

from .predictions import Prediction

__all__ = ["PREDICTIONS"]


PREDICTIONS: dict[str, Prediction] = {
    "04-saturated-rank": Prediction(
        question=("Section 6 showed that J = diag(p) - p p^T has rank C - 1 = 2 for C = 3. What is the rank of J "
                  "at p = softmax([0, 800, 0]) computed in float64?"),
        answer=0,
        explanation=("In float64, softmax([0, 800, 0]) is exactly [0, 1, 0]: e^-800 underflows to 0. Then every "
                     "entry of J is 0: the diagonal p_i (1 - p_i) is 0 * 1 or 1 * 0, and every off-diagonal "
                     "-p_i p_j has a factor 0. J is the zero matrix, of rank 0. The rank C - 1 argument needs every "
                     "p_i > 0, which holds in exact arithmetic for finite logits but not after rounding."),
        rtol=0.0),
}
