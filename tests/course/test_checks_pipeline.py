"""Checkers of notebook 10's exercises: an untouched stub is "not attempted yet", right answers pass, and every
slip a checker names is named for an answer that makes it. The right answers here are written independently of
the checkers (a loop over the classes, not the checker's own helper)."""

from __future__ import annotations

import numpy as np
import pytest

from softmax_lab.course.checks import PREDICTIONS, check_filter_pipeline, check_min_p_mask, check_prediction
from stubs import assert_slip, raises_stub, returns_ellipsis


@pytest.mark.parametrize("check", [check_min_p_mask, check_filter_pipeline])
@pytest.mark.parametrize("stub", [raises_stub, returns_ellipsis])
def test_an_untouched_stub_is_not_attempted(check, stub):
    res = check(stub)
    assert not res.ok and not res.attempted
    assert "not attempted yet" in repr(res) and "passed" not in repr(res)


# ---------------------------------------------------------------------------------------------- min-p
def min_p_right(p, p_min):
    return np.asarray(p) >= p_min * np.max(p)


def test_min_p_checker_passes_a_right_answer():
    res = check_min_p_mask(min_p_right)
    assert res.ok and "all 5 checks passed" in repr(res)


@pytest.mark.parametrize("wrong, words", [
    (lambda p, m: p >= m, "an absolute threshold"),
    (lambda p, m: p > m * p.max(), "a strict >"),
    (lambda p, m: p < m * p.max(), "the mask is inverted"),
    (lambda p, m: np.where(p >= m * p.max(), p, 0.0), "not a boolean mask"),
    (lambda p, m: (p >= m * p.max())[:-1], "wrong shape"),
    (lambda p, m: p >= m * p.min(), "not the classes with p_i >= p_min * max p"),
    (lambda p, m: 1 / 0, "ZeroDivisionError"),
])
def test_min_p_checker_names_each_slip(wrong, words):
    assert_slip(check_min_p_mask(wrong), words)


# ------------------------------------------------------------------------------------ the filter order
def keep_top_k(q, k):
    keep = np.zeros(q.size, dtype=bool)
    keep[np.argsort(-q, kind="stable")[:k]] = True
    return keep


def keep_top_p(q, top_p):
    """A loop: walk the classes from the most probable, keep one while the mass before it is < top_p."""
    keep, before = np.zeros(q.size, dtype=bool), 0.0
    for i in np.argsort(-q, kind="stable"):
        if q[i] > 0 and before < top_p:
            keep[i] = True
        before += q[i]
    return keep


def renormalised(p, keep):
    q = np.where(keep, p, 0.0)
    return q / q.sum()


def filters_right(p, top_k, top_p, min_p):
    q = renormalised(p, keep_top_k(p, top_k))
    q = renormalised(q, keep_top_p(q, top_p))
    return renormalised(q, q >= min_p * q.max())


def test_filter_checker_passes_a_right_answer():
    res = check_filter_pipeline(filters_right)
    assert res.ok and "all 5 checks passed" in repr(res)


def top_p_on_original(p, top_k, top_p, min_p):
    keep = keep_top_k(p, top_k) & keep_top_p(p, top_p)
    q = renormalised(p, keep)
    return renormalised(q, q >= min_p * q.max())


def min_p_first(p, top_k, top_p, min_p):
    q = renormalised(p, keep_top_k(p, top_k))
    q = renormalised(q, q >= min_p * q.max())
    return renormalised(q, keep_top_p(q, top_p))


def absolute_min_p(p, top_k, top_p, min_p):
    q = renormalised(p, keep_top_k(p, top_k))
    keep = keep_top_p(q, top_p) & (p >= min_p)
    return renormalised(p, keep)


def not_renormalised(p, top_k, top_p, min_p):
    q = filters_right(p, top_k, top_p, min_p)
    return np.where(q > 0, p, 0.0)


@pytest.mark.parametrize("wrong, words", [
    (top_p_on_original, "top-p measured on the original p"),
    (min_p_first, "min-p applied before top-p"),
    (absolute_min_p, "an absolute min-p threshold"),
    (not_renormalised, "not renormalised"),
    (lambda p, k, t, m: renormalised(p, keep_top_k(p, k)), "value off"),
    (lambda p, k, t, m: filters_right(p, k, t, m)[:-1], "wrong shape"),
    (lambda p, k, t, m: "q", "not an array of probabilities"),
])
def test_filter_checker_names_each_slip(wrong, words):
    assert_slip(check_filter_pipeline(wrong), words)


def test_the_straight_through_prediction_reveals_its_answer_only_once_predicted():
    assert "10-straight-through-linear" in PREDICTIONS
    assert "not attempted yet" in repr(check_prediction("10-straight-through-linear", ...))
    res = check_prediction("10-straight-through-linear", "biased")
    assert res.ok and "the answer is 'biased'" in repr(res)
    assert not check_prediction("10-straight-through-linear", "unbiased").ok
