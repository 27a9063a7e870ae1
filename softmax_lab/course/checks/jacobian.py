"""Notebook 04 (the Jacobian of softmax): the checker of its log-softmax Jacobian exercise and the answers of
its predict-then-run questions (``PREDICTIONS``).

Its other code exercise uses :func:`~softmax_lab.course.checks.derivatives.check_jacobian_row`.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from softmax_lab import softmax

from ._core import CheckResult, example_vectors
from .losses import Slip, _explain, _run
from .predictions import Prediction

__all__ = ["check_log_softmax_jacobian", "PREDICTIONS"]


def _log_softmax_jacobian_slips(p: np.ndarray) -> list[Slip]:
    """What each plausible slip returns for the Jacobian of log-softmax at probabilities ``p``."""
    C = p.size
    ones = np.ones(C)
    return [("the Jacobian of softmax, diag(p) - p p^T, not of log-softmax: d log p_i = dp_i / p_i, so divide "
             "row i by p_i", np.diag(p) - np.outer(p, p)),
            ("transposed: entry (i, j) is d log p_i / dz_j = delta_ij - p_j, so row i is e_i - p", np.eye(C) - np.outer(p, ones)),
            ("the identity is missing: d z_i / dz_j = delta_ij gives the 1 on the diagonal", -np.outer(ones, p)),
            ("p p^T in place of 1 p^T: the LSE term contributes -p_j to every row, not -p_i p_j",
             np.eye(C) - np.outer(p, p)),
            ("the sign is flipped: log p_i = z_i - LSE(z), so the z_i term is +delta_ij", np.outer(ones, p) - np.eye(C)),
            ("only the diagonal has -p_j: the LSE term depends on every z_j, so every row i gets -p_j in column j",
             np.eye(C) - np.diag(p)),
            ("a matrix of ones in place of the identity: d z_i / dz_j = delta_ij is 1 only where i = j",
             1.0 - np.outer(ones, p))]


def check_log_softmax_jacobian(fn: Callable[[np.ndarray], Any]) -> CheckResult:
    r"""Check a student's ``fn(p)`` returning the C x C Jacobian of log-softmax at probabilities ``p``:
    :math:`\partial \log p_i / \partial z_j = \delta_{ij} - p_j`, the matrix :math:`I - \mathbf 1 p^\top`.

    A wrong answer is compared with what each plausible slip gives (the softmax Jacobian itself, the
    transpose, a missing identity, :math:`pp^\top` for :math:`\mathbf 1 p^\top`, a flipped sign, :math:`-p_j` on the
    diagonal only, ones in place of the identity).
    """
    cases = []
    for desc, z in example_vectors():
        p = softmax(z)
        expected = np.eye(p.size) - np.outer(np.ones(p.size), p)
        what = f"d log p / dz at softmax({desc})"
        where = (lambda i: f"(row {i[0]}, column {i[1]})")
        judge = (lambda got, what=what, expected=expected, p=p, where=where:
                 _explain(what, got, expected, _log_softmax_jacobian_slips(p),
                          "a nan/inf, but every entry is delta_ij - p_j, between -1 and 1: a division by a p "
                          "that rounded to 0?", where, {}))
        cases.append((what, (lambda p=p: fn(p.copy())), judge))
    return _run("log-softmax Jacobian", cases)


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
