"""Checkers of notebook 09's exercises: an untouched stub is "not attempted yet", right answers pass, and every
slip a checker names is named for an answer that makes it (the checkers' expected values are a plain loop over
the bins and a refined grid of the NLL, never the student's function)."""

from __future__ import annotations

import numpy as np
import pytest

from softmax_lab import cross_entropy
from softmax_lab.course.calibration import expected_calibration_error, reliability_bins
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
    # another correct way: bin index ceil(c m) - 1 (the checker's edge confidences 0.5, 0.75 with m = 4 are
    # dyadic, so c m is exact there)
    conf = P.max(axis=1)
    right = P.argmax(axis=1) == t
    which = np.clip(np.ceil(conf * m).astype(int) - 1, 0, m - 1)
    total = 0.0
    for b in np.unique(which):
        sel = which == b
        total += sel.sum() * abs(right[sel].mean() - conf[sel].mean())
    return total / len(t)


def ece_loop(P, t, m):
    # the rule written plainly, as the notebook's solution does: bin b holds b/m < c <= (b+1)/m
    conf, right = P.max(axis=1), P.argmax(axis=1) == t
    total = 0.0
    for b in range(m):
        inside = (conf > b / m) & (conf <= (b + 1) / m)
        if inside.any():
            total += inside.sum() / len(t) * abs(right[inside].mean() - conf[inside].mean())
    return total


def ece_left_closed(P, t, m):
    # the slip: bins [lo, hi), a confidence of 1 clipped into the last bin (floor(c m), as np.digitize would)
    conf, right = P.max(axis=1), P.argmax(axis=1) == t
    which = np.minimum(np.floor(conf * m).astype(int), m - 1)
    return sum((which == b).sum() * abs(right[which == b].mean() - conf[which == b].mean())
               for b in np.unique(which)) / len(t)


@pytest.mark.parametrize("fn", [ece_right, ece_vectorised, ece_loop, expected_calibration_error])
def test_ece_checker_passes_right_answers(fn):
    res = check_ece(fn)
    assert res.ok and "all 5 checks passed" in repr(res)


def test_ece_checker_has_confidences_exactly_on_the_rules_inner_edges():
    seen = []
    check_ece(lambda P, t, m: seen.append((P, t, m)) or ece_right(P, t, m))
    on_edge = [(P, t, m) for P, t, m in seen
               if np.isin(P.max(axis=1), reliability_bins(P, t, m).edges[1:-1]).any()]
    assert on_edge, "no case puts a confidence on an inner edge of reliability_bins"
    for P, t, m in on_edge:  # and there left-closed bins change the ECE
        assert not np.isclose(ece_left_closed(P, t, m), expected_calibration_error(P, t, m))


def test_ece_checker_names_left_closed_bins():
    res = check_ece(ece_left_closed)
    assert_slip(res, "bins closed on the left, [lo, hi): a confidence exactly on an inner edge b/M belongs to "
                     "the bin below it, ((b-1)/M, b/M]")
    assert "1 of 5 checks failed" in repr(res) and "inner edges 0.5 and 0.75" in repr(res)


@pytest.mark.parametrize("wrong, words", [
    (lambda P, t, m: float(np.mean([abs(g) for _, g in _bins(P, t, m)])), "an unweighted mean over the non-empty"),
    (lambda P, t, m: sum(abs(g) for _, g in _bins(P, t, m)) / m, "divided by the number of bins"),
    (lambda P, t, m: abs(sum(k * g for k, g in _bins(P, t, m))) / len(t), "the absolute value is missing"),
    (lambda P, t, m: sum(k * g * g for k, g in _bins(P, t, m)) / len(t), "squared gaps"),
    (lambda P, t, m: sum(k * abs(g) for k, g in _bins(P, t, m, score=P[np.arange(len(t)), t])) / len(t),
     "binned by the probability of the true class"),
    (lambda P, t, m: sum(k * abs(g) for k, g in _bins(P, t, m, closed_right=False)) / len(t),
     "a confidence of exactly 1 was left out"),
    (lambda P, t, m: sum(k * abs(g) for k, g in _bins(P, t, m, closed_right=False)) / len(t),
     "bins closed on the left, [lo, hi)"),
    (ece_left_closed, "bins closed on the left, [lo, hi)"),
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
