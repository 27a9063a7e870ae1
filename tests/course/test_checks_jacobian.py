"""Notebook 04's predict-then-run question ("04-saturated-rank"): not attempted until set, the stored answer is
what an independent computation gives, and right and wrong predictions are told apart."""

import numpy as np

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
