"""Notebook 08's checker (check_smooth_max_hessian) and predict-then-run question ("08-squared-error-convex"):
an untouched stub is not attempted, right answers pass, each slip the checker names is named, and the reference
and the stored answer agree with independent oracles (finite differences written here)."""

import numpy as np
import pytest

from softmax_lab.course.checks import PREDICTIONS, check_prediction, check_smooth_max_hessian


def _p(z, T):
    # softmax(z / T) with the max shift, written out here (not the package's)
    e = np.exp((z - z.max()) / T)
    return e / e.sum()


def _smooth_max(z, T):
    m = z.max()
    return m + T * np.log(np.sum(np.exp((z - m) / T)))


def _hessian_by_differences(f, z, h=1e-3):
    E = np.eye(z.size) * h
    return np.array([[(f(z + a + b) - f(z + a - b) - f(z - a + b) + f(z - a - b)) / (4 * h * h) for b in E]
                     for a in E])


def _right(z, T):
    p = _p(z, T)
    return (np.diag(p) - np.outer(p, p)) / T


def test_reference_agrees_with_second_differences_of_the_smooth_max():
    # the closed form (diag(p) - p p^T) / T against second differences of T LSE(z / T) alone
    for z, T in ((np.array([1.0, 2.0, 3.0]), 0.5), (np.array([0.5, -1.0, 2.0, 0.0]), 0.7),
                 (np.array([1.0, 2.0, 3.0]), 2.0), (np.full(4, 5.0), 3.0)):
        np.testing.assert_allclose(_hessian_by_differences(lambda v: _smooth_max(v, T), z), _right(z, T),
                                   atol=2e-6)


def test_stub_is_not_attempted():
    def smooth_max_hessian(z, T):
        raise NotImplementedError("write smooth_max_hessian")
    res = check_smooth_max_hessian(smooth_max_hessian)
    assert not res.ok and "not attempted yet" in repr(res) and "smooth_max_hessian" in repr(res)


def test_ellipsis_stub_is_not_attempted():
    res = check_smooth_max_hessian(lambda z, T: ...)
    assert not res.ok and "not attempted yet" in repr(res)


def test_right_answers_pass():
    def entrywise(z, T):                       # written entry by entry: p_i (delta_ij - p_j) / T
        p = _p(np.asarray(z, dtype=float), T)
        C = p.size
        return np.array([[p[i] * ((i == j) - p[j]) / T for j in range(C)] for i in range(C)])
    for fn in (_right, entrywise):
        res = check_smooth_max_hessian(fn)
        assert res.ok and repr(res) == "Hessian of the smooth max: all 5 checks passed", repr(res)


def _lse_hessian(z, T):
    p = _p(z, 1.0)
    return np.diag(p) - np.outer(p, p)


def _no_shift(z, T):
    e = np.exp(z / T)
    p = e / e.sum()
    return (np.diag(p) - np.outer(p, p)) / T


# (slip function, the words the checker must use, in how many of its 5 cases the slip is named, how many fail).
# Equal logits [5, 5, 5, 5] give softmax(z) = softmax(z / T) (uniform), so softmax(z) for softmax(z / T) is right
# there; the Hessian of plain LSE then equals the one missing 1/T and is named as that (the test after this one).
SLIPS = [
    (lambda z, T: _right(z, T) * T, "the factor 1/T is missing", 5, 5),
    (_lse_hessian, "the Hessian of LSE(z) itself", 4, 5),
    (lambda z, T: _right(z, T) / T, "1/T^2 in place of 1/T", 5, 5),
    (lambda z, T: _right(z, T) * T * T, "T in place of 1/T", 5, 5),
    (lambda z, T: _lse_hessian(z, T) / T, "p = softmax(z) where softmax(z / T) belongs", 4, 4),
    (lambda z, T: -np.outer(_p(z, T), _p(z, T)) / T, "the diagonal term diag(p) is missing", 5, 5),
    (lambda z, T: np.diag(_p(z, T)) / T, "the term -p p^T is missing", 5, 5),
    (lambda z, T: -_right(z, T), "the sign is flipped", 5, 5),
]


@pytest.mark.parametrize("fn, slip, n_named, n_failed", SLIPS)
def test_slips_are_named(fn, slip, n_named, n_failed):
    res = check_smooth_max_hessian(fn)
    assert not res.ok and len(res.problems) == n_failed, repr(res)
    assert sum(f": {slip}" in p for p in res.problems) == n_named, repr(res)
    assert all("expected" in p and "got" in p for p in res.problems)


def test_missing_1_over_T_at_equal_logits_is_named_as_such():
    res = check_smooth_max_hessian(_lse_hessian)
    equal = [p for p in res.problems if "equal logits" in p]
    assert len(equal) == 1 and ": the factor 1/T is missing" in equal[0]


def test_no_max_shift_is_named_on_the_large_logits():
    res = check_smooth_max_hessian(_no_shift)
    assert not res.ok and len(res.problems) == 1, repr(res)
    assert "large logits" in res.problems[0] and "no max shift" in res.problems[0]


# --- the prediction "08-squared-error-convex" ------------------------------------------------------------------

def test_squared_error_prediction_not_attempted_until_predicted():
    res = check_prediction("08-squared-error-convex", ...)
    assert not res.ok and "not attempted yet" in repr(res)


def test_squared_error_answer_matches_second_differences():
    # two classes, z = (a, 0), y = (1, 0): squared error of the probabilities against cross-entropy
    a, h = np.linspace(-6, 6, 1201), 1e-3
    sig = lambda x: 1 / (1 + np.exp(-x))                                  # noqa: E731
    sq = lambda x: 2 * (1 - sig(x)) ** 2                                  # noqa: E731
    ce = lambda x: np.log1p(np.exp(-x))                                   # noqa: E731
    second_sq = (sq(a + h) - 2 * sq(a) + sq(a - h)) / h**2
    second_ce = (ce(a + h) - 2 * ce(a) + ce(a - h)) / h**2
    assert second_sq.min() < -0.01 and np.all(second_ce > 0)
    assert PREDICTIONS["08-squared-error-convex"].answer is False
    # the explanation's closed form and its sign change at a = -ln 2
    s = sig(a)
    np.testing.assert_allclose(second_sq, -4 * s * (1 - s) ** 2 * (1 - 3 * s), atol=1e-5)
    away = np.abs(a + np.log(2)) > 0.01                    # away from the sign change, where the value is ~0
    assert np.all((second_sq < 0)[away] == (a < -np.log(2))[away])


def test_squared_error_prediction_tells_right_from_wrong():
    assert check_prediction("08-squared-error-convex", False).ok
    res = check_prediction("08-squared-error-convex", True)
    assert not res.ok and "not quite" in repr(res)
