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
    assert res.passed == 12  # 9 vectors and 3 batches


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
    assert res.ok and res.passed == 9, repr(res)


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
    assert res.ok and res.passed == 10, repr(res)


@pytest.mark.parametrize("words", list(LOG_SOFTMAX_SLIPS))
def test_log_softmax_names_each_slip(words):
    fn, case = LOG_SOFTMAX_SLIPS[words]
    line = next(p for p in check_log_softmax(fn).problems if p.startswith(case))
    assert f": {words}" in line and line.index(words) < line.index("expected")


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
