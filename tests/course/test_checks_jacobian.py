"""Notebook 04's predict-then-run question ("04-saturated-rank"): not attempted until set, the stored answer is
what an independent computation gives, and right and wrong predictions are told apart."""

import numpy as np
import pytest

from softmax_lab.course.checks import PREDICTIONS, check_prediction


def _jacobian_from_logits(z):
    # independent of the package: softmax with the max shift, then diag(p) - p p^T written out entry by entry
    e = np.exp(z - z.max())
    p = e / e.sum()
    C = len(p)
    return np.array([[p[i] * ((i == j) - p[j]) for j in range(C)] for i in range(C)])


def test_saturated_rank_not_attempted_until_predicted():
    res = check_prediction("04-saturated-rank", ...)
    assert not res.ok and "not attempted yet" in repr(res) and "answer" not in repr(res).split("(")[0]


def test_saturated_rank_answer_matches_an_independent_computation():
    J = _jacobian_from_logits(np.array([0.0, 800.0, 0.0]))
    assert np.all(J == 0)                                        # e^-800 underflows: p is exactly one-hot
    assert np.linalg.matrix_rank(J) == PREDICTIONS["04-saturated-rank"].answer == 0
    # the same logits less extreme keep every p_i > 0 and the rank C - 1 = 2 of the notebook's section 6
    # (rank counted as eigenvalues above 1e-12: the zero eigenvalue comes out as rounding noise)
    assert int(np.sum(np.linalg.eigvalsh(_jacobian_from_logits(np.array([0.0, 8.0, 0.0]))) > 1e-12)) == 2


def test_saturated_rank_tells_right_from_wrong():
    assert check_prediction("04-saturated-rank", 0).ok
    assert "passed" in repr(check_prediction("04-saturated-rank", 0))
    for wrong in (1, 2):
        res = check_prediction("04-saturated-rank", wrong)
        assert not res.ok and "not quite" in repr(res) and "the answer is 0" in repr(res)


# --- check_log_softmax_jacobian (notebook 04, exercise 2) -------------------------------------------------------

from softmax_lab.course.checks import check_jacobian_row, check_log_softmax_jacobian  # noqa: E402


def _ones(p):
    return np.ones(p.size)


def log_softmax_jacobian_by_finite_differences(p):
    # independent oracle: central differences of log softmax at logits log p (softmax(log p) = p)
    z, h = np.log(p), 1e-6
    def log_sm(v):
        return v - v.max() - np.log(np.sum(np.exp(v - v.max())))
    return np.stack([(log_sm(z + h * e) - log_sm(z - h * e)) / (2 * h) for e in np.eye(p.size)], axis=1)


def test_log_softmax_jacobian_stub_is_not_attempted():
    def my_log_softmax_jacobian(p):
        raise NotImplementedError("write my_log_softmax_jacobian")
    res = check_log_softmax_jacobian(my_log_softmax_jacobian)
    assert not res.ok and "not attempted yet" in repr(res) and "my_log_softmax_jacobian" in repr(res)


def test_log_softmax_jacobian_right_answers_pass():
    for fn in (lambda p: np.eye(p.size) - np.outer(_ones(p), p),
               lambda p: np.eye(p.size) - p):                      # broadcasting: row i is e_i - p
        res = check_log_softmax_jacobian(fn)
        assert res.ok and repr(res) == "log-softmax Jacobian: all 6 checks passed", repr(res)


def test_log_softmax_jacobian_formula_agrees_with_finite_differences():
    # the checker's reference I - 1 p^T against the oracle, where p is not too small for log p to be accurate
    for p in (np.array([0.09, 0.24, 0.67]), np.full(4, 0.25), np.array([0.7, 0.2, 0.05, 0.05])):
        np.testing.assert_allclose(log_softmax_jacobian_by_finite_differences(p),
                                   np.eye(p.size) - np.outer(_ones(p), p), atol=1e-8)


@pytest.mark.parametrize("fn, slip, n_named", [
    (lambda p: np.diag(p) - np.outer(p, p), "the Jacobian of softmax, diag(p) - p p^T, not of log-softmax", 6),
    (lambda p: np.eye(p.size) - np.outer(p, _ones(p)), "transposed", 5),       # equal logits: symmetric, right
    (lambda p: -np.outer(_ones(p), p), "the identity is missing", 6),
    (lambda p: np.eye(p.size) - np.outer(p, p), "p p^T in place of 1 p^T", 6),
    (lambda p: np.outer(_ones(p), p) - np.eye(p.size), "the sign is flipped", 6),
    (lambda p: np.eye(p.size) - np.diag(p), "only the diagonal has -p_j", 6),
    (lambda p: 1.0 - np.outer(_ones(p), p), "a matrix of ones in place of the identity", 6),
])
def test_log_softmax_jacobian_slips_are_named(fn, slip, n_named):
    res = check_log_softmax_jacobian(fn)
    assert not res.ok
    assert sum(f": {slip}" in p for p in res.problems) == n_named == len(res.problems), repr(res)
    assert all("expected" in p and "got" in p for p in res.problems)


# ---------------------------------------------------------------- check_jacobian_row (notebook 04, exercise 1)
def _row_with_diagonal(extra):
    """Row i of -p p^T, plus extra(p, i) on its diagonal entry."""
    def row(p, i):
        r = -p[i] * p
        r[i] += extra(p, i)
        return r
    return row


def test_jacobian_row_right_answer_passes():
    res = check_jacobian_row(_row_with_diagonal(lambda p, i: p[i]))
    assert res.ok and res.passed == 4, repr(res)


@pytest.mark.parametrize("fn, slip", [
    (_row_with_diagonal(lambda p, i: 0.0), "the diagonal term p_i is missing from row i"),
    (_row_with_diagonal(lambda p, i: p[i] * (1 - p[i])), "p_i^2 is subtracted twice on the diagonal"),
    (_row_with_diagonal(lambda p, i: 1.0), "1 added on the diagonal instead of p_i"),
    (lambda p, i: np.where(np.arange(p.size) == i, p[i] * (1 - p[i]), 0.0), "the off-diagonal terms -p_i p_j are missing"),
])
def test_jacobian_row_names_each_slip_before_expected_against_actual(fn, slip):
    res = check_jacobian_row(fn)
    assert len(res.problems) == 4, repr(res)
    # the slip in words first, then expected against actual, checked against J = diag(p) - p p^T built here
    assert all(p.index(slip) < p.index("expected") for p in res.problems), repr(res)
    p = np.array([np.exp(1.0), np.exp(2.0), np.exp(3.0)]) / (np.exp(1.0) + np.exp(2.0) + np.exp(3.0))
    J = np.diag(p) - np.outer(p, p)
    wrong = np.stack([fn(p.copy(), i) for i in range(3)])
    assert not np.allclose(wrong, J)


def test_jacobian_row_a_flipped_sign_keeps_its_own_words():
    right = _row_with_diagonal(lambda p, i: p[i])
    res = check_jacobian_row(lambda p, i: -right(p, i))
    assert all(": the sign is flipped" in p for p in res.problems) and len(res.problems) == 4, repr(res)
