"""The exercise checkers must pass right answers and explain wrong ones in words."""

import numpy as np
import pytest

from softmax_lab.course.checks import (check_backward, check_cross_entropy_grad, check_jacobian, check_log_softmax,
                                check_softmax, compare)


def stable_softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def naive_softmax(z):
    return np.exp(z) / np.exp(z).sum()


def test_check_softmax_right_and_wrong():
    assert check_softmax(stable_softmax).ok
    res = check_softmax(naive_softmax)
    assert not res.ok
    assert "large logits [1000, 1001, 1002]" in repr(res) and "subtract the max" in repr(res)
    res = check_softmax(lambda z: np.exp(z - z.max()))  # forgot to normalise
    assert "value off at index" in repr(res)
    res = check_softmax(lambda z: stable_softmax(z)[:-1])
    assert "wrong shape: expected (3,), got (2,)" in repr(res)


def test_check_softmax_catches_a_shift_by_the_mean():
    def mean_shift(z):
        e = np.exp(z - z.mean())
        return e / e.sum()
    res = check_softmax(mean_shift)
    assert not res.ok and "far-apart logits [1000, -1000]" in repr(res)
    res = check_log_softmax(lambda z: (z - z.mean()) - np.log(np.exp(z - z.mean()).sum()))
    assert not res.ok and "far-apart logits [0, -1500]" in repr(res)


def test_check_softmax_reports_exceptions_without_crashing():
    def broken(z):
        raise ZeroDivisionError("oops")
    res = check_softmax(broken)
    assert not res.ok and "raised ZeroDivisionError: oops" in repr(res)


def test_check_log_softmax_catches_log_of_softmax():
    assert check_log_softmax(lambda z: z - z.max() - np.log(np.exp(z - z.max()).sum())).ok
    res = check_log_softmax(lambda z: np.log(stable_softmax(z)))
    assert not res.ok and "[0, -800]" in repr(res)


def test_check_jacobian():
    assert check_jacobian(lambda p: np.diag(p) - np.outer(p, p)).ok
    assert not check_jacobian(lambda p: np.diag(p * (1 - p))).ok  # forgot the off-diagonal -p_i p_j
    assert not check_jacobian(lambda p: np.diag(p) + np.outer(p, p)).ok  # sign error


def test_check_backward():
    assert check_backward(lambda a, g: a * (g - (a * g).sum(axis=1, keepdims=True))).ok
    res = check_backward(lambda a, g: a * (g - (a * g).sum()))  # summed over the whole batch
    assert not res.ok and "N=2, C=3" in repr(res)
    assert not check_backward(lambda a, g: a * g).ok


def test_check_cross_entropy_grad():
    def right(z, t):
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(t)), t] -= 1
        return p / len(t)
    assert check_cross_entropy_grad(right).ok
    res = check_cross_entropy_grad(lambda z, t: right(z, t) * len(t))  # forgot the mean
    assert not res.ok and "value off" in repr(res)


def test_repr_counts_and_bool():
    res = check_softmax(stable_softmax)
    assert repr(res) == "softmax: all 8 checks passed" and bool(res)


@pytest.mark.parametrize("got,msg", [
    ("text", "not an array of numbers"),
    ([1.0, 2.0], "wrong shape"),
    ([np.nan, 1.0, 2.0], "got nan at index (0,)"),
    ([1.0, 2.5, 3.0], "value off at index (1,): expected 2, got 2.5"),
])
def test_compare_messages(got, msg):
    assert msg in compare(got, np.array([1.0, 2.0, 3.0]), "case")
    assert compare([1.0, 2.0, 3.0], np.array([1.0, 2.0, 3.0]), "case") is None


def test_check_logit_gap():
    from softmax_lab.course.checks import check_logit_gap
    assert check_logit_gap(lambda p: np.log(p / (1 - p))).ok
    res = check_logit_gap(lambda p: p / (1 - p))  # forgot the log: odds instead of log-odds
    assert not res.ok and "p = 0.9: value off: expected 2.19722, got 9" in repr(res)
