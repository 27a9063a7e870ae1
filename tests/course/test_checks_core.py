"""The checkers' shared core: "not attempted yet" for a stub, no unchecked pass, slips named in words before
expected vs actual, a nan/inf blamed on its actual cause, and predict-then-run questions.

Stand-in checkers built here with run_checks and checker keep these tests independent of the topic checkers.
Expected values come from closed forms written out in the test, not from softmax_lab.
"""

import numpy as np
import pytest

from softmax_lab.course.checks import (PREDICTIONS, CheckResult, Prediction, check_prediction, checker, compare,
                                       run_checks)
from softmax_lab.course.checks._core import digits_for, nonfinite_cause, num
from softmax_lab.course.checks.predictions import PredictionResult

Z = np.array([[1.0, 2.0, 3.0], [2.0, 2.0, 1.0]])
BIG = Z + 1000.0


def softmax_rows(z):  # the reference, written out: exp(z - max) / sum
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def xent_grad_rows(z, t):  # d(mean cross-entropy)/dz = (p - y) / N
    p = softmax_rows(z)
    p[np.arange(len(t)), t] -= 1
    return p / len(t)


T = np.array([2, 0])


@checker
def check_rows(fn):
    """Stand-in checker: fn(z) must be the row-wise softmax, on small and on large logits."""
    return run_checks("rows", [("small logits", lambda: fn(Z.copy()), softmax_rows(Z)),
                               ("large logits", lambda: fn(BIG.copy()), softmax_rows(Z))],
                      shifted=lambda c: fn(Z + c))


@checker
def check_grad(fn):
    """Stand-in for the cross-entropy gradient: fn(z, t) on logits with one class far below the others."""
    z = np.array([[0.0, -800.0, 5.0], [1.0, 2.0, 3.0]])
    t = np.array([1, 0])
    return run_checks("grad", [("far-below logits", lambda: fn(z.copy(), t.copy()), xent_grad_rows(z, t))],
                      shifted=lambda c: fn(Z + c, T))


@checker
def check_custom(fn):
    """A checker that calls the function itself and reports every exception as a problem."""
    res = CheckResult("custom")
    try:
        got = fn(3)
        res.passed += int(got == 9)
    except Exception as exc:
        res.problems.append(f"raised {type(exc).__name__}")
    return res


@checker
def check_never_calls(fn):
    return CheckResult("lazy", passed=1)


# ------------------------------------------------------------------------------------------ not attempted
def stub_raise(z):
    # subtract the row max, exponentiate, divide by the row sum
    raise NotImplementedError("write stub_raise")


def stub_ellipsis(z):
    return ...


@pytest.mark.parametrize("stub", [stub_raise, stub_ellipsis])
def test_an_untouched_stub_is_not_attempted_and_named(stub):
    res = check_rows(stub)
    assert res.status == "not attempted" and not res.ok and not res
    assert repr(res) == (f"rows: not attempted yet - write the body of {stub.__name__}, "
                         "then run this cell again")


def test_a_stub_is_spotted_even_by_a_checker_that_catches_every_exception():
    def square(x):
        raise NotImplementedError

    res = check_custom(square)
    assert res.status == "not attempted" and "write the body of square" in repr(res)
    assert check_custom(lambda x: x * x).ok


def test_run_checks_alone_spots_a_stub():
    res = run_checks("raw", [("case", lambda: stub_raise(Z), np.zeros(3))])
    assert not res.attempted and not res.ok


def test_no_pass_without_a_checked_case():
    assert not CheckResult("empty").ok
    assert repr(CheckResult("empty")) == "empty: nothing was checked, so nothing passed"
    res = check_never_calls(softmax_rows)
    assert not res.ok and "never called softmax_rows" in repr(res)


def test_right_answers_pass():
    assert repr(check_rows(softmax_rows)) == "rows: all 2 checks passed"
    assert check_grad(xent_grad_rows).ok


# ------------------------------------------------------------------------------------------ nan / inf
def no_shift(z):
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def jacobian_route(z, t):
    """The gradient through log(p): dL/dp = -y / p, then J^T dL/dp. Shifted, but p underflows to 0."""
    p = softmax_rows(z)
    n, c = p.shape
    out = np.empty_like(p)
    for i in range(n):
        g = np.zeros(c)
        g[t[i]] = -1.0 / p[i, t[i]]  # -1 / 0 = -inf when p underflows
        out[i] = (np.diag(p[i]) - np.outer(p[i], p[i])) @ g  # 0 * inf = nan
    return out / n


def test_a_missing_max_shift_is_named_when_the_function_overflows_on_shifted_logits():
    res = check_rows(no_shift)
    assert res.passed == 1 and len(res.problems) == 1
    assert res.problems[0].startswith("large logits: no max shift: your function is finite on small logits but "
                                      "gives nan/inf on the same logits plus 1000")
    assert res.problems[0].endswith("got nan at index (0, 0) where 0.09003 was expected")


def test_a_nan_from_0_times_inf_is_not_blamed_on_the_max_shift():
    res = check_grad(jacobian_route)
    (problem,) = res.problems
    assert "no max shift:" not in problem
    assert "not from a missing max shift" in problem and "0 * inf = nan" in problem


def test_without_a_shift_probe_the_causes_are_listed_not_asserted():
    msg = compare(np.array([np.nan, 0.5]), np.array([0.5, 0.5]), "case")
    assert msg.startswith("case: a nan/inf; possible causes: no max shift before exp (exp overflows), or a log")
    assert nonfinite_cause(lambda c: np.array([np.inf])).startswith("a nan/inf even on small logits")
    assert nonfinite_cause(None) == nonfinite_cause(lambda c: 1 / 0)  # a probe that raises: cannot tell


# ------------------------------------------------------------------------------------------ named slips
E = np.array([[0.5, 0.25, 0.25], [0.1, 0.2, 0.7]])


@pytest.mark.parametrize("got, words", [
    (E * 4, "every value is 4 times the expected one: a constant factor is missing or extra"),
    (E / 5, "every value is 0.2 times the expected one"),
    (-E, "the sign is flipped: every value is minus the expected one"),
    (E + 0.75, "every value is off by the same constant +0.75: an additive term is missing or extra"),
    (E[:, :, None], "an extra or missing axis of length 1 (keepdims?): expected shape (2, 3), got (2, 3, 1)"),
    (E[:1], "wrong shape: expected (2, 3), got (1, 3)"),
    ("text", "returned str, which is not an array of numbers"),
    (None, "returned None: a missing return statement?"),
])
def test_compare_names_the_slip_first(got, words):
    assert compare(got, E, "case").startswith(f"case: {words}")


def test_compare_spots_a_transposed_matrix_and_otherwise_shows_the_first_wrong_value():
    m = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert compare(m.T, m, "J") == "J: transposed: your row i is the expected column i"
    got = E.copy()
    got[1, 2] = 0.71
    assert compare(got, E, "case") == "case: value off at index (1, 2) (1 of 6 values are off): expected 0.7, got 0.71"
    assert compare(1.0, np.array(2.0), "s") == "s: value off: expected 2, got 1"
    assert compare(E * (1 + 1e-9), E, "case") is None  # within the tolerance


def test_numbers_are_shown_with_the_digits_that_tell_them_apart():
    assert num(0.123456789) == "0.1235"
    assert (num(1.0, 1.0000021), num(1.0000021, 1.0)) == ("1", "1.000002")
    assert num(2.0 / 3.0, 2.0 / 3.0 + 1e-15) == "0.66666667"  # never more than 8 digits: no rounding noise


def test_a_tight_tolerance_shows_the_digits_that_tell_expected_from_actual():
    # rtol 1e-12: values 1e-10 apart print alike with 8 digits; compare shows up to 13 (never more than needed)
    assert (digits_for(1e-6), digits_for(1e-9), digits_for(1e-12)) == (8, 10, 13)
    assert num(2.0 / 3.0, 2.0 / 3.0 + 1e-10, max_digits=13) == "0.6666666667"
    msg = compare(np.array([1.0, 2.0 + 2e-10]), np.array([1.0, 2.0]), "case", rtol=1e-12, atol=0.0)
    assert msg == "case: value off at index 1 (1 of 2 values are off): expected 2, got 2.0000000002"


def test_a_constant_factor_needs_two_nonzero_values_and_never_reads_1_times():
    # with one nonzero value any factor fits: [0, -736.8] against [0, -800] is a value off, not "0.921 times"
    assert compare(np.array([0.0, -736.8]), np.array([0.0, -800.0]), "case") == \
        "case: value off at index 1 (1 of 2 values are off): expected -800, got -736.8"
    assert compare(E * 1.00004, E, "case").startswith("case: every value is 1.00004 times the expected one")


# ------------------------------------------------------------------------------------------ predictions
@pytest.fixture
def questions(monkeypatch):
    monkeypatch.setitem(PREDICTIONS, "test-number", Prediction(answer=0.25, explanation="1/4 by symmetry.",
                                                               question="p of one of 4 equal logits?"))
    monkeypatch.setitem(PREDICTIONS, "test-choice", Prediction(answer="b", explanation="b sharpens.",
                                                               choices=("a", "b", "c")))


def test_an_unset_prediction_is_not_attempted_and_reveals_nothing(questions):
    for unset in (..., None):
        res = check_prediction("test-number", unset)
        assert res.status == "not attempted" and "0.25" not in repr(res) and "symmetry" not in repr(res)
        assert repr(res).startswith('prediction "test-number": not attempted yet')


def test_a_prediction_reveals_the_answer_and_says_whether_it_matched(questions):
    right = check_prediction("test-number", 0.26)  # within the default 5 %
    assert right.ok and repr(right) == ('prediction "test-number": passed: your prediction matches. You predicted '
                                        '0.26; the answer is 0.25.\n  Question: p of one of 4 equal logits?\n'
                                        '  Why: 1/4 by symmetry.')
    wrong = check_prediction("test-number", 0.5)
    assert not wrong.ok and wrong.status == "tried" and "not quite" in repr(wrong) and "Why: 1/4" in repr(wrong)
    assert check_prediction("test-choice", " B ").ok and not check_prediction("test-choice", "a").ok


def test_bad_prediction_input_names_the_argument(questions):
    with pytest.raises(ValueError, match="question_id 'no-such-question' is not a known question"):
        check_prediction("no-such-question", 1)
    with pytest.raises(ValueError, match=r"prediction 'd' is not one of the choices 'a', 'b', 'c'"):
        check_prediction("test-choice", "d")


def test_every_registered_prediction_accepts_its_own_answer_and_is_explained():
    assert PREDICTIONS, "the topic modules define predict-then-run questions"
    for qid, q in PREDICTIONS.items():
        assert isinstance(q, Prediction) and q.explanation.strip(), qid
        assert q.matches(q.answer), qid
        assert isinstance(PredictionResult(qid, q.answer, q).status, str)
