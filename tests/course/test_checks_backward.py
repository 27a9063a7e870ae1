"""The checkers of notebooks 05 and 06: check_backward (the Jacobian loop of 05, by any method), check_vjp (06:
the same values, and no C x C array), check_rounding_bound (05, a derivation) and check_jacobian_budget (06, a
derivation). Each is run on an untouched stub, on right answers written here independently of the package, and
on each slip it names; a slip must be named in words before the expected and actual values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from softmax_lab.course.checks import check_backward, check_jacobian_budget, check_rounding_bound, check_vjp


def rows_softmax(Z):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def two_cases_loop(P, G):
    """dL/dZ from the two cases of J written entry by entry: the oracle shares nothing with the package."""
    out = np.zeros_like(G)
    for n in range(P.shape[0]):
        C = P.shape[1]
        J = [[P[n, i] * (1 - P[n, i]) if i == j else -P[n, i] * P[n, j] for j in range(C)] for i in range(C)]
        out[n] = np.asarray(G[n]) @ np.asarray(J)
    return out


def finite_difference_backward(P, G):
    """dL/dZ by central differences of L(Z) = sum(G * softmax(Z)) at Z = log P (softmax(log P) = P)."""
    Z = np.log(P)
    eps = 1e-6
    out = np.zeros_like(Z)
    for idx in np.ndindex(Z.shape):
        zp, zm = Z.copy(), Z.copy()
        zp[idx] += eps
        zm[idx] -= eps
        out[idx] = (np.sum(G * rows_softmax(zp)) - np.sum(G * rows_softmax(zm))) / (2 * eps)
    return out


def vjp(P, G):
    return P * (G - np.sum(G * P, axis=1, keepdims=True))


def stub_raises(P, G):
    raise NotImplementedError("write it")


def stub_ellipsis(P, G):
    return ...


def inner(P, G):
    return np.sum(G * P, axis=1, keepdims=True)


BACKWARD_SLIPS = [
    ("diagonal only", lambda P, G: G * P * (1 - P), "the off-diagonal terms -p_i p_j are missing"),
    ("no diagonal", lambda P, G: -P * inner(P, G), "the diagonal term p_j is missing"),
    ("no factor p", lambda P, G: G - inner(P, G), "the factor p outside the bracket is missing"),
    ("flipped sign", lambda P, G: -vjp(P, G), "the sign is flipped"),
    ("axis 0", lambda P, G: P * (G - np.sum(G * P, axis=0, keepdims=True)), "summed over the batch (axis 0)"),
    ("whole-batch sum", lambda P, G: P * (G - np.sum(G * P)), "summed over the whole batch (no axis)"),
    ("unweighted sum", lambda P, G: P * (G - G.sum(axis=1, keepdims=True)), "lost its weights p"),
    ("no keepdims", lambda P, G: P * (G - np.sum(G * P, axis=1)), "keepdims=True is missing"),
]


# ---------------------------------------------------------------- check_backward (notebook 05)
def test_the_oracles_agree():
    rng = np.random.default_rng(3)
    P = rows_softmax(rng.normal(size=(3, 4)))
    G = rng.normal(size=(3, 4))
    np.testing.assert_allclose(two_cases_loop(P, G), finite_difference_backward(P, G), atol=1e-8)
    np.testing.assert_allclose(vjp(P, G), two_cases_loop(P, G), atol=1e-14)


@pytest.mark.parametrize("stub", [stub_raises, stub_ellipsis])
@pytest.mark.parametrize("check", [check_backward, check_vjp])
def test_an_untouched_stub_is_not_attempted(check, stub):
    res = check(stub)
    assert not res.ok and not res.attempted
    assert "not attempted yet" in repr(res) and "passed" not in repr(res)


@pytest.mark.parametrize("fn", [two_cases_loop, vjp])
def test_check_backward_passes_right_answers(fn):
    res = check_backward(fn)
    assert res.ok, repr(res)
    assert res.passed == 4


@pytest.mark.parametrize("label, fn, words", BACKWARD_SLIPS, ids=[s[0] for s in BACKWARD_SLIPS])
def test_check_backward_names_each_slip_before_the_values(label, fn, words):
    res = check_backward(fn)
    assert res.attempted and not res.ok
    named = [p for p in res.problems if words in p]
    assert named, repr(res)
    for p in named:
        assert p.startswith("a batch of N=")  # the failing case first, then the slip, then the values
        if "expected" in p and "got" in p:
            assert p.index(words) < p.index("expected") < p.index("got")


def test_check_backward_names_both_slips_where_they_coincide():
    # on one sample, summing <g, p> over the batch is the same as keeping the diagonal only
    res = check_backward(lambda P, G: P * (G - np.sum(G * P, axis=0, keepdims=True)))
    first = res.problems[0]
    assert first.startswith("a batch of N=1, C=3")
    assert "off-diagonal terms -p_i p_j are missing" in first and "summed over the batch (axis 0)" in first


def test_check_backward_does_not_name_a_slip_it_does_not_see():
    res = check_backward(lambda P, G: vjp(P, G) + 0.01 * np.cos(G))
    assert not res.ok
    assert all(words not in p for p in res.problems for _, _, words in BACKWARD_SLIPS), repr(res)


# ---------------------------------------------------------------- check_vjp (notebook 06)
def test_check_vjp_passes_the_vjp_and_a_row_loop_without_a_jacobian():
    def row_by_row(P, G):
        out = np.empty_like(P)
        for n in range(len(P)):
            out[n] = P[n] * (G[n] - G[n] @ P[n])
        return out

    for fn in (vjp, row_by_row):
        res = check_vjp(fn)
        assert res.ok, repr(res)
        assert res.passed == 5  # four batches and the memory check


@pytest.mark.parametrize("fn", [two_cases_loop,
                                lambda P, G: np.einsum("ni,nij->nj", G, P[:, :, None] * np.eye(P.shape[1])
                                                       - P[:, :, None] * P[:, None, :])],
                         ids=["per-row Jacobian", "batched Jacobian"])
def test_check_vjp_fails_a_right_answer_that_builds_a_jacobian(fn):
    res = check_vjp(fn)
    assert res.passed == 4 and len(res.problems) == 1
    assert res.problems[0].startswith("a batch of N=2, C=400: a C x C Jacobian (or another C x C array) was built")
    assert "kB" in res.problems[0]


@pytest.mark.parametrize("label, fn, words", BACKWARD_SLIPS, ids=[s[0] for s in BACKWARD_SLIPS])
def test_check_vjp_names_each_value_slip_and_skips_the_memory_check(label, fn, words):
    res = check_vjp(fn)
    assert not res.ok
    assert any(words in p for p in res.problems), repr(res)
    assert not any("C=400" in p for p in res.problems)


# ---------------------------------------------------------------- check_rounding_bound (notebook 05)
def worst_rounding_error(delta):
    """|J_hat_12 - J_12| for p = (1/2, 1/2) stored as (1/2 + delta, 1/2 + delta), computed from the definition."""
    p, q = np.array([0.5, 0.5]), np.array([0.5 + delta, 0.5 + delta])
    return abs(-q[0] * q[1] + p[0] * p[1])


def test_check_rounding_bound_stub_is_not_attempted():
    res = check_rounding_bound(lambda delta: ...)
    assert not res.attempted and "not attempted yet" in repr(res)


@pytest.mark.parametrize("fn", [lambda d: d + d * d, lambda d: d * (1 + d), lambda d: (d + 0.5) ** 2 - 0.25])
def test_check_rounding_bound_passes_tight_bounds(fn):
    res = check_rounding_bound(fn)
    assert res.ok, repr(res)
    for delta in (0.05, 0.005, 0.0005):  # and a passing bound really is one: the worst case is inside it
        assert fn(delta) >= worst_rounding_error(delta) * (1 - 1e-12)


@pytest.mark.parametrize("fn, words", [
    (lambda d: d, "the product term eps_j * eps_k is missing"),
    (lambda d: d * d, "not a bound: rounding p = (0.5, 0.5) up to (0.5 + delta, 0.5 + delta)"),
    (lambda d: d / 2, "not a bound"),
    (lambda d: 2 * d + d * d, "a valid bound, but"),
    (lambda d: 2 * d, "a valid bound, but"),
    (lambda d: 1.2 * (d + d**2), "a valid bound, but 1.2 times the smallest one"),
    (lambda d: 1.2 * d, "a valid bound, but"),
    (lambda d: d + 2 * d**2, "a valid bound, but"),
])
def test_check_rounding_bound_names_each_slip(fn, words):
    res = check_rounding_bound(fn)
    assert len(res.problems) == 3, repr(res)
    for p in res.problems:
        assert p.startswith("bound at delta = ") and words in p
        assert p.index(words) < p.index("expected")


def test_check_rounding_bound_reports_a_non_number():
    res = check_rounding_bound(lambda d: "small")
    assert len(res.problems) == 3 and "not an array of numbers" in res.problems[0]


# ---------------------------------------------------------------- check_jacobian_budget (notebook 06)
def test_the_budget_answer_is_the_largest_c_that_fits():
    c = math.isqrt(2**30 // (32 * 4))
    assert 32 * c * c * 4 <= 2**30 < 32 * (c + 1) ** 2 * 4
    assert check_jacobian_budget(c).ok and check_jacobian_budget(float(c)).ok


def test_check_jacobian_budget_stub_is_not_attempted():
    res = check_jacobian_budget(...)
    assert not res.attempted and "not attempted yet" in repr(res) and "c_max" in repr(res)


@pytest.mark.parametrize("value, words", [
    (math.isqrt(10**9 // (32 * 4)), "1 GiB read as 10^9 bytes"),
    (math.isqrt(2**30 // (32 * 8)), "8 bytes per number (float64"),
    (2**11, "the square root of 2^23 taken as 2^11"),  # sqrt(2^23) without its sqrt(2): the same 2048
    (math.isqrt(2**30 // 4), "the batch is missing"),
    (math.isqrt(2**30 // (32 * 4)) + 1, "rounded up"),
    (2**30 // (32 * 4), "C is not squared"),
    (math.sqrt(2**30 / (32 * 4)), "not a whole number"),
])
def test_check_jacobian_budget_names_each_slip(value, words):
    res = check_jacobian_budget(value)
    assert len(res.problems) == 1
    p = res.problems[0]
    assert words in p and p.index(words) < p.index("expected") < p.index("got")


def test_check_jacobian_budget_reports_an_unknown_wrong_value_plainly():
    res = check_jacobian_budget(1234)
    assert len(res.problems) == 1 and "expected 2896, got 1234" in res.problems[0]
    assert res.problems[0].count(";") == 0  # no slip named in front of the values
