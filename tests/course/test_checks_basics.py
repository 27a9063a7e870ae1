"""The checkers of notebooks 01 and 02 (softmax_lab.course.checks.basics): an untouched stub is "not attempted
yet", a right answer (written here with Python's math module, independently of the package) passes, and each
slip a checker names is named, in words, on the case that exposes it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from softmax_lab.course.checks import (PREDICTIONS, check_log_softmax, check_logit_gap, check_logits_for,
                                       check_logsumexp, check_prediction, check_softmax)
from softmax_lab.course.checks._core import num


@pytest.fixture(autouse=True)
def _private_progress(tmp_path, monkeypatch):
    """The checkers record results for progress(): keep them out of the student's record."""
    monkeypatch.setenv("SOFTMAX_LAB_PROGRESS", str(tmp_path / "progress.json"))


# ---------------------------------------------------------------- right answers, from the definitions
def softmax_rows(z):
    """Each row (or the one vector) with Python floats: m = max, e^(z - m) / sum."""
    z = np.asarray(z, dtype=float)
    rows = z.reshape(-1, z.shape[-1])
    out = []
    for row in rows:
        m = max(row)
        e = [math.exp(v - m) for v in row]
        s = math.fsum(e)
        out.append([v / s for v in e])
    return np.array(out).reshape(z.shape)


def lse(z):
    m = max(float(v) for v in z)
    return m + math.log(math.fsum(math.exp(float(v) - m) for v in z))


def log_softmax_right(z):
    c = lse(z)
    return np.array([float(v) - c for v in z])


def stub(z):
    raise NotImplementedError("write the body")


def stub_dots(z):
    return ...


def problems_of(res):
    return "\n".join(res.problems)


# ---------------------------------------------------------------- check_softmax
def _shifted(z, shift):
    return np.exp(z - shift(z))


def row(reduce):
    return lambda z: reduce(z, axis=-1, keepdims=True)


SOFTMAX_SLIPS = {
    "no max shift": (lambda z: np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True),
                     "large logits [1000, 1001, 1002]"),
    "a shift by the mean instead of the max": (
        lambda z: _shifted(z, row(np.mean)) / _shifted(z, row(np.mean)).sum(axis=-1, keepdims=True),
        "far-apart logits [1000, -1000]"),
    "a shift by the min instead of the max": (
        lambda z: _shifted(z, row(np.min)) / _shifted(z, row(np.min)).sum(axis=-1, keepdims=True),
        "one logit far below the others [0, 0, 0, -800]"),
    "one max for the whole batch": (
        lambda z: _shifted(z, np.max) / _shifted(z, np.max).sum(axis=-1, keepdims=True),
        "a batch with rows far apart"),
    "each column is normalised instead of each row": (
        lambda z: _shifted(z, np.max) / _shifted(z, np.max).sum(axis=0), "a batch of 2 rows"),
    "one sum for the whole batch": (
        lambda z: _shifted(z, row(np.max)) / _shifted(z, row(np.max)).sum(), "a square batch"),
    "the row sums lack keepdims=True": (
        lambda z: _shifted(z, row(np.max)) / _shifted(z, row(np.max)).sum(axis=-1), "a square batch"),
    "not normalised": (lambda z: _shifted(z, row(np.max)), "a small vector [1, 2, 3]"),
    "the max of each column (axis=0) instead of each row": (
        lambda z: (lambda e: e / e.sum(axis=-1, keepdims=True))(np.exp(z - z.max(axis=0, keepdims=True))),
        "a batch with rows far apart"),
}


def test_softmax_stub_is_not_attempted():
    for fn in (stub, stub_dots):
        res = check_softmax(fn)
        assert not res.ok and not res.attempted
        assert "not attempted yet" in repr(res) and "passed" not in repr(res)


def test_softmax_accepts_a_right_answer_for_vectors_and_batches():
    res = check_softmax(softmax_rows)
    assert res.ok, repr(res)
    assert res.passed == 14  # 11 vectors and 3 batches


@pytest.mark.parametrize("words", list(SOFTMAX_SLIPS))
def test_softmax_names_each_slip_on_the_case_that_exposes_it(words):
    fn, case = SOFTMAX_SLIPS[words]
    res = check_softmax(fn)
    assert not res.ok
    line = next(p for p in res.problems if p.startswith(case))
    assert line.startswith(f"{case}") and f": {words}" in line and "expected" in line and "got" in line
    # the slip is named first, before any values
    assert line.index(words) < line.index("expected")


def test_softmax_a_mean_shift_is_not_blamed_on_a_missing_shift():
    # on [1000, -1000] the mean is 0, so mean shift and no shift agree there; the other cases tell them apart
    fn = SOFTMAX_SLIPS["a shift by the mean instead of the max"][0]
    text = problems_of(check_softmax(fn))
    assert "no max shift" not in text and text.count("a shift by the mean") == 2


def test_softmax_a_global_max_passes_every_single_vector_and_fails_only_the_far_apart_batch():
    fn = SOFTMAX_SLIPS["one max for the whole batch"][0]
    res = check_softmax(fn)
    assert len(res.problems) == 1 and res.problems[0].startswith("a batch with rows far apart")


def test_softmax_row_sums_without_keepdims_that_raise_are_explained():
    def no_keepdims(z):
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1)
    text = problems_of(check_softmax(no_keepdims))
    assert "a batch of 2 rows [[1, 2, 3], [2, 2, 1]]: the row sums (or maxima) need keepdims=True" in text
    assert "could not be broadcast" in text


def test_softmax_wrong_shape_and_exception():
    res = check_softmax(lambda z: softmax_rows(z)[..., :-1])
    assert "wrong shape: expected (3,), got (2,)" in problems_of(res)

    def broken(z):
        raise ZeroDivisionError("oops")
    res = check_softmax(broken)
    assert not res.ok and "raised ZeroDivisionError: oops" in problems_of(res)


# ------------------------------------------- check_softmax: guards, rounding, shifts other than the max
TINY = "tiny probabilities [0, -30, -300, -700]"
FAR_ABOVE = "one logit far above the others [0, -800, -800]"


def row_softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def zero_small(p, threshold):
    p = p.copy()
    p[p < threshold] = 0.0
    return p


# words -> wrong answers that gave "all 12 checks passed" (or a misleading message) before rtol 1e-12, atol 0
SOFTMAX_GUARD_SLIPS = {
    "probabilities clipped/floored: a tiny p is not eps": [
        lambda z: np.clip(row_softmax(z), 1e-9, 1), lambda z: np.maximum(row_softmax(z), 2.2e-16),
        lambda z: np.clip(row_softmax(z), 1e-12, 1 - 1e-12), lambda z: np.maximum(row_softmax(z), 3e-250)],
    "small probabilities set to 0": [lambda z: np.where(row_softmax(z) < 1e-10, 0, row_softmax(z)),
                                     lambda z: zero_small(row_softmax(z), 3e-200)],
    "rounded": [lambda z: np.round(row_softmax(z), 9), lambda z: np.round(row_softmax(z), 15)],
    "an eps in the denominator: rows no longer sum to 1": [
        lambda z: (lambda e: e / (e.sum(axis=-1, keepdims=True) + 1e-6))(np.exp(z - z.max(axis=-1, keepdims=True))),
        lambda z: (lambda e: e / (e.sum(axis=-1, keepdims=True) + 1e-12))(np.exp(z - z.max(axis=-1, keepdims=True)))],
    "an eps added to every exp(z - m) before normalising": [
        lambda z: (lambda e: e / e.sum(axis=-1, keepdims=True))(np.exp(z - z.max(axis=-1, keepdims=True)) + 1e-10)],
    "a constant added to every probability": [lambda z: row_softmax(z) + 1e-5, lambda z: row_softmax(z) - 1e-9],
}


@pytest.mark.parametrize("words,k", [(w, k) for w, fns in SOFTMAX_GUARD_SLIPS.items() for k in range(len(fns))])
def test_softmax_names_a_guard_or_rounding_on_every_case_it_fails(words, k):
    res = check_softmax(SOFTMAX_GUARD_SLIPS[words][k])
    assert not res.ok and res.attempted, repr(res)
    assert any(p.startswith(TINY) for p in res.problems), repr(res)  # tiny but positive p: all of these fail it
    for line in res.problems:  # every failing case names the slip first, then expected against actual
        assert f": {words}" in line and line.index(words) < line.index("expected") < line.index("got"), line
    assert " 1 times" not in repr(res) and "1/N" not in repr(res)


def test_softmax_shows_a_clipped_tiny_probability_against_its_true_value():
    text = problems_of(check_softmax(lambda z: np.clip(row_softmax(z), 1e-9, 1)))
    assert f"{TINY}: probabilities clipped/floored: a tiny p is not eps" in text
    assert "at index (1,) expected 9.358e-14, got 1e-09" in text
    zeroed = problems_of(check_softmax(lambda z: np.where(row_softmax(z) < 1e-10, 0, row_softmax(z))))
    assert zeroed.startswith(f"{TINY}: small probabilities set to 0") and "expected 9.358e-14, got 0" in zeroed


def test_softmax_a_constant_added_is_not_called_a_factor_of_1():
    # +1e-5 on [5, 5, 5, 5] is both 1.00004 times and 1e-5 more than 0.25: it is named as what it is
    text = problems_of(check_softmax(lambda z: row_softmax(z) + 1e-5))
    assert ("equal logits [5, 5, 5, 5]: a constant added to every probability: every value is off by the same "
            "amount, so the rows do not sum to 1 (and a p of 0 is not 0): at index (0,) expected 0.25, got 0.25001"
            in text)
    assert "times the expected" not in text and "the log of the sum" not in text


@pytest.mark.parametrize("shift", [lambda z: np.median(z, axis=-1, keepdims=True),
                                   lambda z: np.sort(z, axis=-1)[..., -2:-1]], ids=["median", "second-largest"])
def test_softmax_a_shift_by_something_else_than_the_max_is_not_called_a_mean_shift(shift):
    def shifted(z):
        e = np.exp(z - shift(z))
        return e / e.sum(axis=-1, keepdims=True)
    res = check_softmax(shifted)
    text = problems_of(res)
    assert "mean" not in text and "no max shift" not in text
    assert len(res.problems) == 3 and all(": shifted by something other than the row max" in p for p in res.problems)
    assert f"{FAR_ABOVE}: shifted by something other than the row max" in text
    assert "far-apart logits [1000, -1000]: shifted by something other than the row max" in text


def test_softmax_a_mean_shift_passes_the_logit_far_above_and_is_still_named():
    fn = SOFTMAX_SLIPS["a shift by the mean instead of the max"][0]
    res = check_softmax(fn)
    assert not any(p.startswith(FAR_ABOVE) for p in res.problems)  # the mean, -533.3, is within 709 of 0
    assert len(res.problems) == 2 and all(": a shift by the mean instead of the max" in p for p in res.problems)


def _softmax_in_place(z):
    z -= z.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)
    return z


def _softmax_via_lse(z):
    m = z.max(axis=-1, keepdims=True)
    return np.exp(z - (m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True))))


def _softmax_times_reciprocal(z):
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e * (1.0 / np.sum(e, axis=-1, keepdims=True))


@pytest.mark.parametrize("fn", [row_softmax, softmax_rows, _softmax_in_place, _softmax_via_lse,
                                _softmax_times_reciprocal],
                         ids=["max shift with keepdims", "python floats", "in place", "exp(z - LSE)", "reciprocal"])
def test_softmax_passes_right_answers_by_any_route_at_rtol_1e_12(fn):
    res = check_softmax(fn)
    assert res.ok and res.passed == 14, repr(res)


def test_softmax_passes_scipy():
    special = pytest.importorskip("scipy.special")
    assert check_softmax(lambda z: special.softmax(z, axis=-1)).ok
    assert check_softmax(lambda z: np.exp(z - special.logsumexp(z, axis=-1, keepdims=True))).ok
    assert check_softmax(lambda z: np.exp(special.log_softmax(z, axis=-1))).ok


def test_softmax_an_error_no_slip_explains_is_shown_with_the_digits_that_tell_it():
    # 1e-10 too large everywhere: no guard, rounding or shift gives that, so no slip is named
    text = problems_of(check_softmax(lambda z: row_softmax(z) * (1 + 1e-10)))
    for words in ("clipped", "rounded", "set to 0", "eps", "constant added", "shift"):
        assert words not in text
    assert "a small vector [1, 2, 3]: every value is 1.0000000001 times the expected one" in text


# ---------------------------------------------------------------- check_logsumexp
LSE_SLIPS = {
    "no max shift": (lambda z: np.log(np.sum(np.exp(z))), "large logits [1000, 1001, 1002]"),
    "a shift by the mean instead of the max": (lambda z: z.mean() + np.log(np.sum(np.exp(z - z.mean()))),
                                               "logits spread far apart [800, -800]"),
    "a shift by the min instead of the max": (lambda z: z.min() + np.log(np.sum(np.exp(z - z.min()))),
                                              "one logit far below the others"),
    "the max is not added back": (lambda z: np.log(np.sum(np.exp(z - z.max()))), "a small vector"),
    "the max is subtracted instead of added back": (lambda z: np.log(np.sum(np.exp(z - z.max()))) - z.max(),
                                                    "a small vector"),
    "a mean instead of a sum": (lambda z: z.max() + np.log(np.mean(np.exp(z - z.max()))), "a small vector"),
    "only the max": (lambda z: z.max(), "a small vector"),
}


def test_logsumexp_stub_and_right_answer():
    assert "not attempted yet" in repr(check_logsumexp(stub))
    res = check_logsumexp(lse)
    assert res.ok and res.passed == 10, repr(res)


@pytest.mark.parametrize("words", list(LSE_SLIPS))
def test_logsumexp_names_each_slip(words):
    fn, case = LSE_SLIPS[words]
    line = next(p for p in check_logsumexp(fn).problems if p.startswith(case))
    assert f": {words}" in line and line.index(words) < line.index("expected")


def test_logsumexp_mean_shift_fails_only_where_logits_are_spread():
    res = check_logsumexp(LSE_SLIPS["a shift by the mean instead of the max"][0])
    assert len(res.problems) == 1 and "expected 800, got inf" in res.problems[0]


def test_logsumexp_vector_instead_of_scalar_is_a_shape_problem():
    assert "wrong shape" in problems_of(check_logsumexp(lambda z: np.exp(z)))


# ------------------------------------------------------ check_logsumexp: eps in the log, one number
def lse_eps_in_log(eps):
    return lambda z: np.max(z) + np.log(np.sum(np.exp(z - np.max(z))) + eps)


@pytest.mark.parametrize("fn", [lse_eps_in_log(1e-7), lse_eps_in_log(1e-8), lse_eps_in_log(1e-9),
                                lse_eps_in_log(1e-12),
                                lambda z: np.max(z) + np.log(np.sum(np.exp(z - np.max(z)) + 1e-10))],
                         ids=["1e-7", "1e-8", "1e-9", "1e-12", "1e-10 in every term"])
def test_logsumexp_names_an_eps_inside_the_log(fn):
    res = check_logsumexp(fn)
    assert not res.ok, repr(res)
    assert all(": an eps added inside the log" in p for p in res.problems), repr(res)
    # LSE(0, -800, -800) is exactly 0: log(S + eps) shows as eps itself
    line = next(p for p in res.problems if p.startswith(FAR_ABOVE))
    assert line.endswith("expected 0, got " + num(float(fn(np.array([0.0, -800.0, -800.0]))), 0.0))


def test_logsumexp_eps_1e_7_message():
    text = problems_of(check_logsumexp(lse_eps_in_log(1e-7)))
    assert (f"{FAR_ABOVE}: an eps added inside the log: log(S + eps) is not log S; after the max shift the sum S "
            "is at least 1, so the log needs no guard: expected 0, got 1e-07") in text


def lse_keepdims(z):  # hint 1 of exercise 1, then the formula: shape (1,)
    m = z.max(axis=-1, keepdims=True)
    return m + np.log(np.sum(np.exp(z - m)))


def lse_keepdims_both(z):
    m = z.max(axis=-1, keepdims=True)
    return m + np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))


@pytest.mark.parametrize("fn", [lse, lse_keepdims, lse_keepdims_both, np.logaddexp.reduce,
                                lambda z: [lse(z)], lambda z: float(lse(z))],
                         ids=["python floats", "keepdims max", "keepdims max and sum", "logaddexp.reduce",
                              "a list of one number", "float"])
def test_logsumexp_passes_one_number_also_as_a_one_element_array(fn):
    res = check_logsumexp(fn)
    assert res.ok and res.passed == 10, repr(res)


def test_logsumexp_passes_scipy():
    special = pytest.importorskip("scipy.special")
    assert check_logsumexp(special.logsumexp).ok


def test_logsumexp_a_keepdims_answer_with_a_slip_is_still_named():
    def not_added_back(z):
        m = z.max(axis=-1, keepdims=True)
        return np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))
    text = problems_of(check_logsumexp(not_added_back))
    assert "a small vector [1, 2, 3]: the max is not added back" in text and "shape" not in text


def test_logsumexp_a_vector_result_is_still_a_shape_problem_and_the_stub_not_attempted():
    assert "wrong shape: expected (), got (3,)" in problems_of(check_logsumexp(lambda z: z - lse(z)))
    for fn in (stub, stub_dots):
        assert "not attempted yet" in repr(check_logsumexp(fn))


def test_logsumexp_a_median_shift_is_not_called_a_mean_shift():
    res = check_logsumexp(lambda z: np.median(z) + np.log(np.sum(np.exp(z - np.median(z)))))
    text = problems_of(res)
    assert "mean" not in text and f"{FAR_ABOVE}: shifted by something other than the max" in text


# ---------------------------------------------------------------- check_log_softmax
LOG_SOFTMAX_SLIPS = {
    "log of softmax": (lambda z: np.log(softmax_rows(z)), "far-apart logits [0, -800]"),
    "no max shift": (lambda z: z - np.log(np.sum(np.exp(z))), "large logits [1000, 1001, 1002]"),
    "a shift by the mean instead of the max": (
        lambda z: z - z.mean() - np.log(np.sum(np.exp(z - z.mean()))), "far-apart logits [1000, -1000]"),
    "a shift by the min instead of the max": (
        lambda z: z - z.min() - np.log(np.sum(np.exp(z - z.min()))), "one logit far below the others"),
    "the log of the sum is missing": (lambda z: z - z.max(), "a small vector"),
    "the sign is flipped": (lambda z: lse(z) - z, "a small vector"),
    "the max is not added back into LSE": (lambda z: z - np.log(np.sum(np.exp(z - z.max()))), "equal logits [5, 5, 5, 5]"),
    "you returned softmax(z), not its log": (softmax_rows, "a small vector"),
    "log(softmax(z) + eps)": (lambda z: np.log(softmax_rows(z) + 1e-10), "far-apart logits [0, -800]"),
    "log(softmax(z) + eps) (or a clip at eps)": (lambda z: np.log(softmax_rows(z) + 1e-30), "far-apart logits [0, -800]"),
    "log(max(softmax(z), eps)), a clip": (lambda z: np.log(np.clip(softmax_rows(z), 1e-12, 1.0)),
                                          "far-apart logits [0, -800]"),
}


def test_log_softmax_stub_and_right_answer():
    assert "not attempted yet" in repr(check_log_softmax(stub_dots))
    res = check_log_softmax(log_softmax_right)
    assert res.ok and res.passed == 11, repr(res)


@pytest.mark.parametrize("words", list(LOG_SOFTMAX_SLIPS))
def test_log_softmax_names_each_slip(words):
    fn, case = LOG_SOFTMAX_SLIPS[words]
    line = next(p for p in check_log_softmax(fn).problems if p.startswith(case))
    assert f": {words}" in line and line.index(words) < line.index("expected")


# ------------------------------------------------------ check_log_softmax: a clip, an eps in the LSE
@pytest.mark.parametrize("eps", [1e-320, 5e-324, 3e-250, 1e-12])
def test_log_softmax_names_the_log_of_a_clipped_softmax_for_any_eps(eps):
    res = check_log_softmax(lambda z: np.log(np.maximum(softmax_rows(z), eps)))
    text = problems_of(res)
    assert "far-apart logits [0, -800]: log(max(softmax(z), eps)), a clip: it caps log p at log(eps)" in text
    assert "times the expected" not in text and "1/N" not in text
    assert all(": log(max(softmax(z), eps)), a clip" in p for p in res.problems), text


def test_log_softmax_clip_at_1e_320_shows_the_cap():
    text = problems_of(check_log_softmax(lambda z: np.log(np.maximum(softmax_rows(z), 1e-320))))
    assert "far-apart logits [0, -800]: log(max(softmax(z), eps)), a clip: it caps log p at log(eps), far above " \
           "the true value where p is tiny; use z - LSE(z): at index (1,) expected -800, got -736.8" in text


def test_log_softmax_names_an_eps_inside_the_lse():
    res = check_log_softmax(lambda z: z - z.max() - np.log(np.sum(np.exp(z - z.max())) + 1e-7))
    assert len(res.problems) == 11  # it gave "off by the same constant" on 3 cases and passed the other 7
    assert all(": an eps added inside the log of the sum" in p for p in res.problems), repr(res)
    assert f"{FAR_ABOVE}: an eps added inside the log of the sum" in problems_of(res)


def test_log_softmax_a_median_shift_is_not_called_a_mean_shift():
    med = lambda z: z - np.median(z) - np.log(np.sum(np.exp(z - np.median(z))))
    text = problems_of(check_log_softmax(med))
    assert "mean" not in text and f"{FAR_ABOVE}: shifted by something other than the max" in text


@pytest.mark.parametrize("fn", [log_softmax_right, lambda z: z - lse_keepdims(z),
                                lambda z: z - np.logaddexp.reduce(z),
                                lambda z: z - np.nextafter(lse(z), np.inf)],  # an LSE one ulp off
                         ids=["python floats", "keepdims", "logaddexp.reduce", "LSE one ulp off"])
def test_log_softmax_passes_right_answers_at_rtol_1e_12(fn):
    res = check_log_softmax(fn)
    assert res.ok and res.passed == 11, repr(res)


def test_log_softmax_passes_scipy():
    special = pytest.importorskip("scipy.special")
    assert check_log_softmax(special.log_softmax).ok


# ---------------------------------------------------------------- check_logit_gap (notebook 01)
def test_logit_gap_stub_and_right_answer():
    assert "not attempted yet" in repr(check_logit_gap(lambda p: ...))
    assert check_logit_gap(lambda p: math.log(p) - math.log(1 - p)).ok


@pytest.mark.parametrize("fn,words", [
    (lambda p: p / (1 - p), "the log is missing"),
    (lambda p: math.log((1 - p) / p), "the sign is flipped"),
    (lambda p: math.log(p), "only log p"),
    (lambda p: math.log10(p / (1 - p)), "log base 10"),
    (lambda p: math.log2(p / (1 - p)), "log base 2"),
])
def test_logit_gap_names_each_slip(fn, words):
    text = problems_of(check_logit_gap(fn))
    assert "p = 0.9: " + words in text


def test_logit_gap_shows_expected_against_actual():
    res = check_logit_gap(lambda p: p / (1 - p))
    assert "p = 0.9: the log is missing: p / (1 - p) are the odds, the gap is their log: expected 2.197, got 9" \
        in problems_of(res)


# ---------------------------------------------------------------- check_logits_for (notebook 01)
def test_logits_for_stub_and_right_answers_up_to_a_constant():
    assert "not attempted yet" in repr(check_logits_for(stub))
    assert check_logits_for(lambda p: np.log(p)).ok
    assert check_logits_for(lambda p: np.log(p) + 3.5).ok  # any constant: softmax is shift invariant
    assert check_logits_for(lambda p: [math.log(v) - 7 for v in p]).ok  # a list is fine too


@pytest.mark.parametrize("fn,words", [
    (lambda p: p, "you returned p itself"),
    (np.exp, "exp(p) is not it"),
    (lambda p: -np.log(p), "the sign is flipped"),
    (np.log10, "log base 10"),
    (np.log2, "log base 2"),
])
def test_logits_for_names_each_slip(fn, words):
    text = problems_of(check_logits_for(fn))
    assert "p = [0.2, 0.3, 0.5]: " + words in text


def test_logits_for_checks_a_tiny_probability_relatively():
    # log(p + 1e-9) is a plausible "safe log"; it gets the 1e-12 entry wrong by a factor of about 1000
    res = check_logits_for(lambda p: np.log(p + 1e-9))
    assert len(res.problems) == 1 and res.problems[0].startswith("a tiny probability")
    assert "a small constant inside the log" in res.problems[0]


# ---------------------------------------------------------------- predictions of notebooks 01 and 02
def test_prediction_shift_or_scale_matches_what_numpy_computes():
    z = np.array([0.5, -1.0, 2.0])
    changed = [z + 5, 5 * z, z - z.mean(), z + 5 * (z == z.max()), z - z.min()]
    truth = tuple(bool(np.allclose(softmax_rows(c), softmax_rows(z), rtol=1e-12, atol=0)) for c in changed)
    assert PREDICTIONS["shift-or-scale"].answer == truth
    assert check_prediction("shift-or-scale", list(truth)).ok
    assert not check_prediction("shift-or-scale", [True, True, True, False, True]).ok
    assert "not attempted yet" in repr(check_prediction("shift-or-scale", ...))


def test_prediction_literal_formula_matches_what_numpy_computes():
    def literal(z):
        with np.errstate(all="ignore"):
            return np.exp(z) / np.exp(z).sum()
    zs = [[1000.0, 1000.0], [-1000.0, -1000.0], [0.0, -1000.0], [700.0, 0.0]]
    truth = tuple(bool(np.allclose(literal(np.array(z)), softmax_rows(z), rtol=1e-12, atol=0)) for z in zs)
    assert PREDICTIONS["literal-formula-float64"].answer == truth
    assert check_prediction("literal-formula-float64", list(truth)).ok


def test_prediction_sigmoid_slope_is_the_largest_finite_difference_slope():
    # the answer of "01-sigmoid-slope" against central differences of 1 / (1 + e^-a) on a fine grid
    a = np.linspace(-10, 10, 20001)
    h = 1e-5
    sig = lambda v: 1 / (1 + np.exp(-v))
    slope = (sig(a + h) - sig(a - h)) / (2 * h)
    assert abs(a[np.argmax(slope)]) < 1e-9                     # the steepest point is a = 0
    assert np.isclose(PREDICTIONS["01-sigmoid-slope"].answer, slope.max(), rtol=1e-8)
    assert check_prediction("01-sigmoid-slope", 0.25).ok
    for wrong in (0.5, 1.0, 0.125):                             # softmax's Lipschitz constant, e^0, half the slope
        assert not check_prediction("01-sigmoid-slope", wrong).ok
    assert "not attempted yet" in repr(check_prediction("01-sigmoid-slope", ...))


# ---------------------------------------------- notebook 02: float32 arithmetic is named, not "value off"
@pytest.mark.parametrize("check,fn", [
    (check_softmax, lambda z: row_softmax(z.astype(np.float32))),
    (check_logsumexp, lambda z: np.float32(lse(z))),
    (check_log_softmax, lambda z: log_softmax_right(z).astype(np.float32)),
], ids=["softmax", "logsumexp", "log_softmax"])
def test_a_float32_computation_is_named(check, fn):
    # rtol 1e-12 fails float32 answers (they passed at 1e-6); the problem line says why
    res = check(fn)
    assert not res.ok and res.problems, repr(res)
    assert all(": computed in float32 (about 7 significant digits)" in p for p in res.problems), repr(res)
