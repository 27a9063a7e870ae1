"""The exercise checkers must pass right answers and explain wrong ones in words.

The checkers of notebooks 01 and 02 (softmax, logsumexp, log_softmax, the logit gap) are tested in
test_checks_basics.py, check_cross_entropy_grad in test_checks_losses.py."""

import numpy as np
import pytest

from softmax_lab.course.checks import check_backward, check_jacobian, check_softmax, compare


@pytest.fixture(autouse=True)
def private_progress(tmp_path, monkeypatch):
    """The checkers record results for progress(): never into a real student's file."""
    monkeypatch.setenv("SOFTMAX_LAB_PROGRESS", str(tmp_path / "progress.json"))


def stable_softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_check_jacobian():
    assert check_jacobian(lambda p: np.diag(p) - np.outer(p, p)).ok
    assert not check_jacobian(lambda p: np.diag(p * (1 - p))).ok  # forgot the off-diagonal -p_i p_j
    assert not check_jacobian(lambda p: np.diag(p) + np.outer(p, p)).ok  # sign error


def test_check_backward():
    assert check_backward(lambda a, g: a * (g - (a * g).sum(axis=1, keepdims=True))).ok
    res = check_backward(lambda a, g: a * (g - (a * g).sum()))  # summed over the whole batch
    assert not res.ok and "N=2, C=3" in repr(res)
    assert not check_backward(lambda a, g: a * g).ok


def test_repr_counts_and_bool():
    res = check_softmax(stable_softmax)
    assert repr(res) == "softmax: all 14 checks passed" and bool(res)


@pytest.mark.parametrize("got,msg", [
    ("text", "not an array of numbers"),
    ([1.0, 2.0], "wrong shape"),
    ([np.nan, 1.0, 2.0], "got nan at index 0 where 1 was expected"),
    ([1.0, 2.5, 3.0], "value off at index 1 (1 of 3 values are off): expected 2, got 2.5"),
])
def test_compare_messages(got, msg):
    assert msg in compare(got, np.array([1.0, 2.0, 3.0]), "case")
    assert compare([1.0, 2.0, 3.0], np.array([1.0, 2.0, 3.0]), "case") is None
