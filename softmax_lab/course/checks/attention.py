"""Checkers for notebooks 11 (softmax inside attention) and 12 (the online softmax): the causal mask, the
variance of a score, one step of the online softmax, merging two partial states; and the answers of their
predict-then-run questions (``PREDICTIONS``).

Every checker runs the student's function on chosen inputs and, when an answer is wrong, names the slip first
(what the student probably did) and then shows expected against actual. The expected values are computed
another way than the formula the student is asked for: the mask element by element from its rule, the
online-softmax state from all the scores at once.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ._core import CheckResult, call_reporting, num

__all__ = ["check_causal_mask", "check_score_variance", "check_online_softmax_update", "check_online_merge",
           "PREDICTIONS"]


def _pair(got: Any) -> tuple[float, float]:
    """``got`` as two floats ``(m, l)``; ValueError/TypeError when it is not a pair of numbers."""
    gm, gl = (np.asarray(g, dtype=np.float64) for g in got)
    if gm.ndim or gl.ndim:
        raise ValueError("not scalars")
    return float(gm), float(gl)


def _state_from(res: CheckResult, desc: str, call: Callable[[], Any], names: str) -> tuple[float, float] | None:
    """The state ``(m, l)`` that the student's ``call()`` returns, or ``None`` after recording as a problem of
    ``res`` what it raised or that it did not return the pair ``names``."""
    problems_before = len(res.problems)
    got = call_reporting(res, desc, call)
    if len(res.problems) > problems_before:  # it raised, and call_reporting said what
        return None
    try:
        return _pair(got)
    except (TypeError, ValueError):
        res.problems.append(f"{desc}: return the pair {names} of two numbers, got {got!r}")
        return None


# The online-softmax checkers accept a state within this relative tolerance: arithmetic in float32 (scores cast
# with astype(np.float32), or np.float32 states) is off by at most a few 1e-7 here, which is fine for an exercise
# about the update's algebra; every slip they name is off by far more. A slip is named only when its value is
# not within this tolerance of the expected one.
RTOL = 1e-6


def _state(scores: np.ndarray) -> tuple[float, float]:
    """The online-softmax state of ``scores`` computed at once: ``(max, sum(exp(scores - max)))``;
    ``(-inf, 0)`` for no scores."""
    if scores.size == 0:
        return -math.inf, 0.0
    m = float(np.max(scores))
    return m, float(np.sum(np.exp(scores - m)))


# ------------------------------------------------------------------------------------------- notebook 11

def check_causal_mask(fn: Callable[[int], Any]) -> CheckResult:
    """Check a student's ``fn(n)`` returning the boolean causal mask of shape (n, n).

    ``mask[i, j]`` is True when query ``i`` may attend to key ``j``, i.e. when ``j <= i`` (itself and the
    past, never the future). The expected mask is built element by element from that rule.
    """
    res = CheckResult("causal mask")
    for n in (1, 2, 5, 8):
        desc = f"n = {n}"
        expected = np.array([[j <= i for j in range(n)] for i in range(n)], dtype=bool).reshape(n, n)
        try:
            got = fn(n)
        except Exception as exc:
            res.problems.append(f"{desc}: raised {type(exc).__name__}: {exc}")
            continue
        g = np.asarray(got)
        if g.shape != (n, n):
            res.problems.append(f"{desc}: wrong shape: expected ({n}, {n}), got {g.shape}")
            continue
        if g.dtype != np.bool_:
            res.problems.append(f"{desc}: the mask must be boolean (True = may attend), got dtype {g.dtype}; "
                                "build it with np.tril(np.ones((n, n), dtype=bool))")
            continue
        wrong = np.argwhere(g != expected)
        if wrong.size == 0:
            res.passed += 1
            continue
        i, j = (int(t) for t in wrong[0])
        if np.array_equal(g, ~expected):
            why = ("the mask is inverted: True must mean 'may attend' (itself and the past); you marked the "
                   "forbidden keys, the convention of some libraries (the boolean attn_mask of PyTorch's "
                   "nn.MultiheadAttention), not of this course")
        elif j > i:
            why = f"query {i} may attend to key {j}, which comes after it: the future leaks (keys j > i must be False)"
        elif i == j:
            why = f"query {i} may not attend to itself: the diagonal must be True"
        else:
            why = f"query {i} cannot see key {j}, which is in its past: keys j <= i must be True"
        res.problems.append(f"{desc}: {why}")
    return res


def check_score_variance(fn: Callable[[int, float, float], Any]) -> CheckResult:
    r"""Check a student's ``fn(d, sigma_q, sigma_k)``: the variance of :math:`q \cdot k` for ``d`` independent
    zero-mean entries with variances ``sigma_q**2`` and ``sigma_k**2``, which is :math:`d\,\sigma_q^2\sigma_k^2`.

    The cases have different ``d``, ``sigma_q`` and ``sigma_k`` so that each slip gives a value of its own:
    the sigmas left out, standard deviations multiplied instead of variances, sqrt(d) instead of d, the
    standard deviation of the score instead of its variance, variances added instead of multiplied, d squared.
    """
    cases = [(1, 1.0, 1.0), (64, 1.0, 1.0), (16, 2.0, 1.0), (16, 2.0, 3.0), (5, 0.5, 3.0), (1000, 0.1, 0.2)]
    res = CheckResult("score variance")
    for d, sq, sk in cases:
        desc = f"d = {d}, sigma_q = {sq:g}, sigma_k = {sk:g}"
        expected = d * sq**2 * sk**2
        try:
            with np.errstate(all="ignore"):
                got = float(np.asarray(fn(d, sq, sk), dtype=np.float64))
        except Exception as exc:  # the student's code may raise anything: report it, don't crash
            res.problems.append(f"{desc}: raised or returned a non-number: {type(exc).__name__}: {exc}")
            continue
        if math.isclose(got, expected, rel_tol=1e-6):  # float32 arithmetic is fine
            res.passed += 1
            continue
        slips = [
            (d, "the variances of q and k are missing: Var(q_t k_t) = E[q_t^2] E[k_t^2] = sigma_q^2 sigma_k^2, "
                "which is 1 only when both are 1"),
            (d * sq * sk, "standard deviations multiplied: a product's variance is E[q_t^2] E[k_t^2] = "
                          "sigma_q^2 sigma_k^2, the squares"),
            (math.sqrt(d) * sq**2 * sk**2, "sqrt(d) instead of d: the variances of the d independent terms add up, "
                                            "so the variance grows like d (the standard deviation like sqrt(d))"),
            (math.sqrt(d) * sq * sk, "that is the standard deviation of q . k; the variance is its square"),
            (d * (sq**2 + sk**2), "variances added: for independent zero-mean factors the variance of the "
                                  "product is the product of the variances"),
            (sq**2 * sk**2, "the factor d is missing: a score is a sum of d products, and their variances add"),
            (d**2 * sq**2 * sk**2, "d squared: Var(sum of d independent terms) = d Var(one term); d^2 would be "
                                   "Var(d times one term)"),
        ]
        default = ("close, but not exact: a sampled estimate? write the closed form you derived"
                   if math.isclose(got, expected, rel_tol=0.1) else "not d sigma_q^2 sigma_k^2")
        # two slips can give the same value (sqrt(16) * 2^2 = 16 = d): name every one that matches
        why = " or ".join(msg for value, msg in slips
                          if math.isclose(got, value, rel_tol=1e-9) and not math.isclose(value, expected, rel_tol=1e-9))
        why = why or default
        res.problems.append(f"{desc}: {why}: expected {num(expected, got)}, got {num(got, expected)}")
    return res


# ------------------------------------------------------------------------------------------- notebook 12

def _online_cases() -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(description, scores seen before, new block): the state (m, l) is built from the first part."""
    rng = np.random.default_rng(8)
    return [
        ("the first block (m = -inf, l = 0)", np.array([]), np.array([1.0, 2.0, 3.0])),
        ("a block with a larger max than before", np.array([0.5, 1.0]), np.array([4.0, 2.0])),
        ("a block with a smaller max than before", np.array([5.0, 1.0]), np.array([0.0, 2.0])),
        ("large scores [1000, 1001] then [1002, 999]", np.array([1000.0, 1001.0]), np.array([1002.0, 999.0])),
        ("very negative scores [-1000] then [-1001, -999]", np.array([-1000.0]), np.array([-1001.0, -999.0])),
        ("20 random scores then a block of 7", rng.normal(size=20) * 3, rng.normal(size=7) * 3),
    ]


def check_online_softmax_update(fn: Callable[[float, float, np.ndarray], Any]) -> CheckResult:
    r"""Check a student's ``fn(m, l, x) -> (m_new, l_new)``: one step of the online softmax.

    ``m`` is the max of the scores seen so far, ``l = sum(exp(seen - m))``, ``x`` the next block; the answer
    is :math:`m' = \max(m, \max x)`, :math:`l' = l e^{m - m'} + \sum e^{x - m'}`. The expected answer is
    computed from all the scores at once (max, then a sum of shifted exponentials), not with the update
    formula, and the usual slips are named: no rescaling of ``l``, the factor upside down, the block not
    shifted by the new max (or shifted by the old one, or by its own), the old sum dropped, overflow. Both
    numbers are compared to a relative 1e-6 (:data:`RTOL`), so the update computed in float32 passes; a slip is
    named only when its value differs from the expected one.
    """
    res = CheckResult("online softmax update")
    for desc, seen, x in _online_cases():
        m, l = _state(seen)
        m_exp, l_exp = _state(np.concatenate([seen, x]))
        state = _state_from(res, desc, lambda m=m, l=l, x=x: fn(m, l, x.copy()), "(m_new, l_new)")
        if state is None:
            continue
        gm, gl = state
        if not np.isclose(gm, m_exp, rtol=RTOL, atol=0):
            res.problems.append(f"{desc}: m_new is not the max of everything seen, max(m, max(x)): "
                                f"expected {num(m_exp, gm)}, got {num(gm, m_exp)}")
            continue
        if np.isclose(gl, l_exp, rtol=RTOL, atol=0):
            res.passed += 1
            continue
        if not np.isfinite(gl):
            if m == -np.inf and np.isnan(gl):
                why = ("at the start m = -inf and l = 0, so the old part l * exp(m - m_new) is 0 * exp(-inf) = 0; "
                       "an upside-down factor exp(m_new - m) gives 0 * inf = nan")
            elif m == -np.inf:
                why = ("the block was shifted by the old max: at the start m = -inf and exp(x - m) is inf; "
                       "its terms must be exp(x - m_new)")
            else:
                why = "overflow: shift every exponent by the new max m_new so that it is <= 0"
            res.problems.append(f"{desc}: {why}: expected l_new = {num(l_exp)}, got {gl}")
            continue
        with np.errstate(all="ignore"):
            block = float(np.sum(np.exp(x - m_exp)))
            slips = [
                (l + block, "no rescale: the old sum l was measured against the old max m; multiply it by "
                            "exp(m - m_new) before adding the block"),
                (l * np.exp(m_exp - m) + block, "the rescale factor is upside down: it is exp(m - m_new) "
                                                "(at most 1), not exp(m_new - m)"),
                (l * np.exp(m - m_exp) + float(np.sum(np.exp(x))), "the block is not shifted: its terms must "
                                                                  "be exp(x - m_new)"),
                (block, "the old sum is missing: l_new is the rescaled old sum plus the block's terms"),
                (l * np.exp(m - m_exp) + float(np.sum(np.exp(x - m))), "the block was shifted by the old max m: "
                                                                       "its terms must be exp(x - m_new)"),
                (l * np.exp(m - m_exp) + float(np.sum(np.exp(x - np.max(x)))), "the block was shifted by its own "
                 "max: its terms must be exp(x - m_new), measured against the same max as the rescaled old sum"),
            ]
        # a slip whose value is the expected one (no rescale at the start, where l = 0) is not a slip here
        why = next((msg for value, msg in slips if np.isfinite(value)
                    and not np.isclose(value, l_exp, rtol=RTOL, atol=0) and np.isclose(gl, value, rtol=RTOL, atol=0)),
                   "not l * exp(m - m_new) + sum(exp(x - m_new))")
        res.problems.append(f"{desc}: {why}: expected l_new = {num(l_exp, gl)}, got {num(gl, l_exp)}")
    return res


def _merge_cases() -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(description, scores of part a, scores of part b): each part's state is computed at once."""
    rng = np.random.default_rng(9)
    return [
        ("part b has the larger max", np.array([0.5, 1.0, -2.0]), np.array([3.0, 2.5])),
        ("part a has the larger max", np.array([4.0, 1.0]), np.array([0.0, 2.0, 1.5])),
        ("equal maxima", np.array([2.0, 0.0]), np.array([2.0, 1.0])),
        ("large scores", np.array([1000.0, 998.0]), np.array([1003.0])),
        ("very negative scores", np.array([-1000.0]), np.array([-1002.0, -999.5])),
        ("part a is empty (m = -inf, l = 0)", np.array([]), np.array([1.0, -1.0])),
        ("both parts are empty", np.array([]), np.array([])),
        ("100 random scores split 63 / 37", rng.normal(size=63) * 4, rng.normal(size=37) * 4),
    ]


def check_online_merge(fn: Callable[[float, float, float, float], Any]) -> CheckResult:
    r"""Check a student's ``fn(m_a, l_a, m_b, l_b) -> (m, l)``: merge the online-softmax states of two parts.

    The answer is :math:`m = \max(m_a, m_b)`, :math:`l = l_a e^{m_a - m} + l_b e^{m_b - m}`, with an empty part
    being :math:`(-\infty, 0)` and two empty parts giving :math:`(-\infty, 0)`. The expected state is computed
    from the scores of both parts at once. Slips named: a part not rescaled (l_a + l_b, or one factor left out), the
    factors upside down, the max added or taken as a min, an empty part's max winning, and the nan of :math:`-\infty - (-\infty)` for two empty parts.
    Both numbers are compared to a relative 1e-6 (:data:`RTOL`), so a merge computed in float32 passes; a slip
    is named only when its value differs from the expected one.
    """
    res = CheckResult("online softmax merge")
    for desc, a, b in _merge_cases():
        (ma, la), (mb, lb) = _state(a), _state(b)
        m_exp, l_exp = _state(np.concatenate([a, b]))
        state = _state_from(res, desc, lambda ma=ma, la=la, mb=mb, lb=lb: fn(ma, la, mb, lb), "(m, l)")
        if state is None:
            continue
        gm, gl = state
        if not (gm == m_exp or np.isclose(gm, m_exp, rtol=RTOL, atol=0)):
            if gm == -np.inf and -np.inf in (ma, mb):
                why = "an empty part has m = -inf, which must not win: the merged max is max(m_a, m_b)"
            elif np.isclose(gm, min(ma, mb), rtol=RTOL, atol=0):
                why = "the smaller max was taken: the merged max is max(m_a, m_b)"
            elif np.isclose(gm, ma + mb, rtol=RTOL, atol=0):
                why = "the maxima were added: the merged max is max(m_a, m_b)"
            elif np.isnan(gm) and m_exp == -np.inf:
                why = "two empty parts have m = -inf each, and so does their merge"
            else:
                why = "m is not max(m_a, m_b)"
            res.problems.append(f"{desc}: {why}: expected m = {num(m_exp)}, got {num(gm, m_exp)}")
            continue
        if gl == l_exp or np.isclose(gl, l_exp, rtol=RTOL, atol=0):
            res.passed += 1
            continue
        if np.isnan(gl) and m_exp == -np.inf:
            why = ("both parts are empty, so m = -inf and m_a - m = -inf - (-inf) = nan; when m = -inf there is "
                   "nothing to rescale: return (m, 0.0), or shift by 0 instead of m")
        elif np.isnan(gl) and (ma == -np.inf or mb == -np.inf):
            why = ("an empty part (m = -inf, l = 0) must contribute 0 * exp(-inf - m) = 0; an upside-down factor "
                   "exp(m - m_a) gives 0 * inf = nan")
        elif not np.isfinite(gl):
            why = "overflow: every factor must be exp(m_part - m), at most 1"
        else:
            with np.errstate(all="ignore"):
                fa, fb = math.exp(ma - m_exp) if la else 0.0, math.exp(mb - m_exp) if lb else 0.0
                up_a = la * math.exp(m_exp - ma) if la else 0.0
                up_b = lb * math.exp(m_exp - mb) if lb else 0.0
            not_a = "l_a is measured against m_a, not m: multiply it by exp(m_a - m)"
            not_b = "l_b is measured against m_b, not m: multiply it by exp(m_b - m)"
            slips = [
                (la * fa + lb, f"part b not rescaled: {not_b}"),
                (la + lb * fb, f"part a not rescaled: {not_a}"),
                (up_a + up_b, "the factors are upside down: each is exp(m_part - m) (at most 1), not exp(m - m_part)"),
            ]
            # a slip whose value is the expected one (part b not rescaled when m_b = m) is not a slip here
            why = next((msg for value, msg in slips if math.isfinite(value)
                        and not math.isclose(value, l_exp, rel_tol=RTOL) and math.isclose(gl, value, rel_tol=RTOL)),
                       "not l_a exp(m_a - m) + l_b exp(m_b - m)")
        res.problems.append(f"{desc}: {why}: expected l = {num(l_exp, gl)}, got {num(gl, l_exp)}")
    return res


# ------------------------------------------------------------------------------------------- predictions
PREDICTIONS: dict[str, dict[str, Any]] = {
    "11-mask-bias-gap": {
        "question": "With the mask bias -1e4 instead of -inf, one allowed key (score s_a) and one forbidden key "
                    "(score s_f): at which gap s_f - s_a does the forbidden key get half of the weight?",
        "answer": 1e4,
        "rtol": 1e-3,
        "explanation": "two weights are equal when their exponents are: s_f - 1e4 = s_a, so s_f - s_a = 1e4 "
                       "(softmax([0, 1e4 - 1e4]) = [0.5, 0.5]). Unscaled scores at d = 4096 have a standard "
                       "deviation of 64, so the gap between two independent ones has 64 * sqrt(2) = 91: a gap "
                       "of 1e4 is about 110 of those and practically never happens. With the bias -100 a gap "
                       "of 100 is enough, about 1.1 of them, which about 13% of pairs exceed.",
    },
}
