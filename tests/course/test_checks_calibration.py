"""Checkers of notebook 09's exercises: an untouched stub is "not attempted yet", right answers pass, and every
slip a checker names is named for an answer that makes it (the checkers' expected values are a plain loop over
the bins and a refined grid of the NLL, never the student's function)."""

from __future__ import annotations

import numpy as np
import pytest

from softmax_lab import cross_entropy
from softmax_lab.course.checks import PREDICTIONS, check_ece, check_prediction, check_temperature_fit
from stubs import assert_slip, raises_stub, returns_ellipsis


@pytest.mark.parametrize("check", [check_ece, check_temperature_fit])
@pytest.mark.parametrize("stub", [raises_stub, returns_ellipsis])
def test_an_untouched_stub_is_not_attempted(check, stub):
    res = check(stub)
    assert not res.ok and not res.attempted
    assert "not attempted yet" in repr(res) and "passed" not in repr(res)


# ---------------------------------------------------------------------------------------------- ECE
def _bins(P, t, m, score=None, closed_right=True):
    conf = P.max(axis=1) if score is None else score
    right = (P.argmax(axis=1) == t).astype(float)
    out = []
    for b in range(m):
        lo, hi = b / m, (b + 1) / m
        inside = ((conf > lo) & (conf <= hi)) if closed_right else ((conf >= lo) & (conf < hi))
        if b == 0 and closed_right:
            inside |= conf == 0
        if inside.any():
            out.append((inside.sum(), right[inside].mean() - conf[inside].mean()))
    return out


def ece_right(P, t, m):
    return sum(k * abs(g) for k, g in _bins(P, t, m)) / len(t)


def ece_vectorised(P, t, m):
    # another correct way: bin index ceil(c m) - 1 (no confidence sits on an inner edge in the checker's cases)
    conf = P.max(axis=1)
    right = P.argmax(axis=1) == t
    which = np.clip(np.ceil(conf * m).astype(int) - 1, 0, m - 1)
    total = 0.0
    for b in np.unique(which):
        sel = which == b
        total += sel.sum() * abs(right[sel].mean() - conf[sel].mean())
    return total / len(t)


@pytest.mark.parametrize("fn", [ece_right, ece_vectorised])
def test_ece_checker_passes_right_answers(fn):
    res = check_ece(fn)
    assert res.ok and "all 4 checks passed" in repr(res)


@pytest.mark.parametrize("wrong, words", [
    (lambda P, t, m: float(np.mean([abs(g) for _, g in _bins(P, t, m)])), "an unweighted mean over the non-empty"),
    (lambda P, t, m: sum(abs(g) for _, g in _bins(P, t, m)) / m, "divided by the number of bins"),
    (lambda P, t, m: abs(sum(k * g for k, g in _bins(P, t, m))) / len(t), "the absolute value is missing"),
    (lambda P, t, m: sum(k * g * g for k, g in _bins(P, t, m)) / len(t), "squared gaps"),
    (lambda P, t, m: sum(k * abs(g) for k, g in _bins(P, t, m, score=P[np.arange(len(t)), t])) / len(t),
     "binned by the probability of the true class"),
    (lambda P, t, m: sum(k * abs(g) for k, g in _bins(P, t, m, closed_right=False)) / len(t),
     "a confidence of exactly 1 was left out"),
    (lambda P, t, m: 100 * ece_right(P, t, m), "in percent"),
])
def test_ece_checker_names_each_slip(wrong, words):
    assert_slip(check_ece(wrong), words)


def test_ece_checker_reports_an_exception_and_a_missing_return():
    assert_slip(check_ece(lambda P, t, m: P[5, 5, 5]), "raised IndexError")
    assert_slip(check_ece(lambda P, t, m: None), "missing return")


def test_ece_checker_does_not_pass_the_accuracy_gap_of_the_whole_set():
    # one bin for everything: |accuracy - mean confidence| overall; right only where it happens to coincide
    res = check_ece(lambda P, t, m: abs(np.mean(P.argmax(1) == t) - P.max(1).mean()))
    assert not res.ok


# ---------------------------------------------------------------------------------------------- temperature
def fit_grid(Z, t):
    # an independent search: a dense grid of log T, refined once
    g = np.exp(np.linspace(np.log(1e-3), np.log(1e4), 3001))
    k = int(np.argmin([cross_entropy(Z / T, t) for T in g]))
    fine = np.exp(np.linspace(np.log(g[k - 1]), np.log(g[k + 1]), 501))
    return float(fine[int(np.argmin([cross_entropy(Z / T, t) for T in fine]))])


def test_temperature_checker_passes_a_right_answer():
    res = check_temperature_fit(fit_grid)
    assert res.ok and "all 3 checks passed" in repr(res)


def test_temperature_checker_names_each_slip():
    assert_slip(check_temperature_fit(lambda Z, t: 1.0 / fit_grid(Z, t)), "the reciprocal 1/T")
    assert_slip(check_temperature_fit(lambda Z, t: 1.0), "T = 1 returned")
    assert_slip(check_temperature_fit(lambda Z, t: min(fit_grid(Z, t), 20.0)), "the search range stops short")
    assert_slip(check_temperature_fit(lambda Z, t: -2.0), "must be a positive number")
    assert_slip(check_temperature_fit(lambda Z, t: 1.1 * fit_grid(Z, t)), "not the minimiser")


def test_temperature_checker_blames_only_the_case_that_needs_a_wide_range():
    res = check_temperature_fit(lambda Z, t: min(fit_grid(Z, t), 20.0))
    assert "2 of 3" not in repr(res) and "1 of 3 checks failed" in repr(res)


# ---------------------------------------------------------------------------------------------- prediction
def test_the_prediction_question_is_registered_and_judged():
    assert PREDICTIONS["09-smoothed-temperature"].answer == "c"
    assert check_prediction("09-smoothed-temperature", "c").ok
    assert not check_prediction("09-smoothed-temperature", "a").ok
