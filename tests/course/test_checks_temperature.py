"""Checkers of notebook 07's exercises: an untouched stub is "not attempted yet", right answers pass, and every
slip a checker names is named for an answer that makes it (the expected values inside the checkers are closed
forms or, for dH/dT, a complex-step derivative of the entropy, never the student's function)."""

from __future__ import annotations

import numpy as np
import pytest

from softmax_lab import gumbel_max_sample, sample, softmax
from softmax_lab.course.checks import (PREDICTIONS, check_entropy, check_entropy_slope, check_gumbel_max,
                                       check_prediction, check_softmax_limit, check_top_p_mask)
from stubs import assert_slip, raises_stub, returns_ellipsis


@pytest.mark.parametrize("check", [check_entropy, check_softmax_limit, check_entropy_slope, check_top_p_mask,
                                   check_gumbel_max])
@pytest.mark.parametrize("stub", [raises_stub, returns_ellipsis])
def test_an_untouched_stub_is_not_attempted(check, stub):
    res = check(stub)
    assert not res.ok and not res.attempted
    assert "not attempted yet" in repr(res) and "passed" not in repr(res)


# ---------------------------------------------------------------------------------------------- entropy
def entropy_right(p):
    p = np.asarray(p, dtype=float)
    nz = p[p > 0]
    return -np.sum(nz * np.log(nz))


def test_entropy_checker_passes_a_right_answer():
    res = check_entropy(entropy_right)
    assert res.ok and "all 5 checks passed" in repr(res)


@pytest.mark.parametrize("wrong, words", [
    (lambda p: -np.sum(p * np.log(p)), "0 ln 0 counts as 0"),
    (lambda p: entropy_right(p) / np.log(2), "log base 2"),
    (lambda p: -entropy_right(p), "the minus sign is missing"),
    (lambda p: -np.mean(p[p > 0] * np.log(p[p > 0])), "a mean instead of a sum"),
    (lambda p: -np.sum(p * np.log(p + 1e-12)), "a small constant added inside the log"),
    (lambda p: float(np.log(len(p))), "expected 0, got 1.09861"),
    (lambda p: 1 / 0, "ZeroDivisionError"),
])
def test_entropy_checker_names_each_slip(wrong, words):
    assert_slip(check_entropy(wrong), words)


# ------------------------------------------------------------------------------ limits T -> 0, T -> inf
def limit_right(z, t):
    if t == 0:
        top = (z == z.max()).astype(float)      # every tied maximum
    else:
        top = np.isfinite(z).astype(float)      # every class that is not masked
    return top / top.sum()


def test_limit_checker_passes_a_right_answer():
    assert check_softmax_limit(limit_right).ok


def test_limit_checker_agrees_with_the_package_limits():
    """The package's temperature=0 and temperature=inf are a second, independent right answer."""
    assert check_softmax_limit(lambda z, t: softmax(z, temperature=t)).ok


@pytest.mark.parametrize("wrong, words", [
    (lambda z, t: np.eye(z.size)[np.argmax(z)] if t == 0 else limit_right(z, t), "tie given to the first maximum"),
    (lambda z, t: np.exp(z / t) / np.exp(z / t).sum(), "T = 0 plugged into z / T"),
    (lambda z, t: np.exp(z / t) / np.exp(z / t).sum(), "-inf / inf is nan"),
    (lambda z, t: limit_right(z, t) if t == 0 else np.full(z.size, 1 / z.size), "-inf logit counted in the uniform"),
    (lambda z, t: limit_right(z, np.inf if t == 0 else 0.0), "the two limits swapped"),
    (lambda z, t: softmax(z), "softmax(z) at T = 1"),
    (lambda z, t: limit_right(z, t)[:-1], "wrong shape"),
])
def test_limit_checker_names_each_slip(wrong, words):
    assert_slip(check_softmax_limit(wrong), words)


# ------------------------------------------------------------------------------------------ dH/dT
def slope_right(z, t):
    p = softmax(z, temperature=t)
    zbar = np.sum(p * z)
    return np.sum(p * (z - zbar) ** 2) / t**3


def slope_raw_moments(z, t):
    """E_p[z^2] - E_p[z]^2 on the raw logits: right, but it loses digits to cancellation (3e-9 of the slope at
    z = [1000, 1001, 998], 1e-8 at T = 0.05): the checker's tolerance allows for that rounding."""
    u = z / t
    p = np.exp(u - u.max())
    p /= p.sum()
    return (np.sum(p * z * z) - np.sum(p * z) ** 2) / t**3


def slope_in_units_of_t(z, t):
    """Var_p(z / T) / T, written with u = z / T and a matrix product."""
    u = z / t
    p = softmax(u)
    return p @ (u - p @ u) ** 2 / t


def slope_from_log_p(z, t):
    """Var_p(log p) / T (log p = z / T - log Z): the spread of the log-probabilities."""
    log_p = np.log(softmax(z, temperature=t))
    return np.sum(softmax(z, temperature=t) * (log_p - np.sum(softmax(z, temperature=t) * log_p)) ** 2) / t


def slope_by_differences(z, t, h=1e-5, relative=False):
    """Not a closed form: the entropy's central difference, with a step h (or h * T)."""
    h = h * t if relative else h
    return (entropy_right(softmax(z, temperature=t + h)) - entropy_right(softmax(z, temperature=t - h))) / (2 * h)


@pytest.mark.parametrize("fn", [slope_right, slope_raw_moments, slope_in_units_of_t, slope_from_log_p,
                                lambda z, t: float(np.cov(z, aweights=softmax(z, temperature=t), ddof=0)) / t**3])
def test_slope_checker_passes_right_answers(fn):
    """Any closed form in float64, whatever its algebra, passes all 8 cases."""
    res = check_entropy_slope(fn)
    assert res.ok and repr(res) == "slope of the entropy dH/dT: all 8 checks passed", repr(res)


@pytest.mark.parametrize("relative", [False, True], ids=["h", "h*T"])
@pytest.mark.parametrize("h", [1e-3, 1e-4, 1e-5, 1e-6, 1e-7])
def test_slope_checker_catches_a_difference_quotient(h, relative):
    """(H(T + h) - H(T - h)) / 2h with any step is caught, on 4 cases or more, and named."""
    res = check_entropy_slope(lambda z, t: slope_by_differences(z, t, h, relative))
    assert not res.ok and len(res.problems) >= 4, repr(res)
    assert any(p.startswith("z = [1.0, 2.0, 3.0], T = 1000: ") for p in res.problems), repr(res)
    named = [p for p in res.problems if "a difference quotient of H, not the closed form Var_p(z) / T^3: off by "
             "about" in p]
    assert len(named) >= 3, repr(res)
    assert all("where a closed form in float64 is within" in p and ", got " in p for p in named)


def test_a_forward_difference_is_caught_too():
    res = check_entropy_slope(lambda z, t: (entropy_right(softmax(z, temperature=t + 1e-7))
                                            - entropy_right(softmax(z, temperature=t))) / 1e-7)
    assert_slip(res, "a difference quotient of H, not the closed form Var_p(z) / T^3")


def test_a_closed_form_in_float32_is_caught_and_float32_is_mentioned():
    """float32 loses the slope after 7 digits, like a difference quotient: the message says both."""
    def slope_float32(z, t):
        z, t = z.astype(np.float32), np.float32(t)
        u = z / t
        p = np.exp(u - u.max())
        p /= p.sum()
        return np.sum(p * (z - np.sum(p * z)) ** 2) / t**3
    res = check_entropy_slope(slope_float32)
    assert not res.ok and all("(or was it computed in float32?)" in p for p in res.problems), repr(res)


def test_slope_oracle_is_exact_to_rounding():
    """The checker's expected slope (the complex step on H) against Var_p(z) / T^3 in 50-digit decimals."""
    from decimal import Decimal, localcontext

    from softmax_lab.course.checks.temperature import _entropy_slope_by_complex_step

    cases = [([3.0, 2.2, 1.6, 0.5, -0.6, -1.4], 0.5), ([1.0, 2.0, 3.0], 1000.0), ([0.0, 1.0], 50.0),
             ([0.0, -0.8, -1.4, -2.5, -3.6, -4.4], 0.05), ([1000.0, 1001.0, 998.0], 0.25)]
    with localcontext() as ctx:
        ctx.prec = 50
        for z, t in cases:
            zd, td = [Decimal(v) for v in z], Decimal(t)
            e = [(v / td).exp() for v in zd]
            p = [v / sum(e) for v in e]
            zbar = sum(pi * v for pi, v in zip(p, zd))
            exact = float(sum(pi * (v - zbar) ** 2 for pi, v in zip(p, zd)) / td**3)
            assert abs(_entropy_slope_by_complex_step(np.array(z), t) - exact) <= 1e-13 * exact, (z, t)


@pytest.mark.parametrize("wrong, words", [
    (lambda z, t: slope_right(z, t) * t, "a missing 1/T"),
    (lambda z, t: slope_right(z, t) * t**3, "no power of T"),
    (lambda z, t: slope_right(z, t) * t**2, "a missing 1/T^2"),
    (lambda z, t: -slope_right(z, t) * t**2, "the slope against beta = 1/T"),
    (lambda z, t: np.sum(softmax(z, temperature=t) * (z - z.mean()) ** 2) / t**3, "around the plain mean"),
    (lambda z, t: np.var(z) / t**3, "without the weights p"),
    (lambda z, t: np.sqrt(slope_right(z, t) * t**3) / t**3, "standard deviation"),
    (lambda z, t: -slope_right(z, t), "the sign"),
    (lambda z, t: (lambda p: np.sum(p * (z - np.sum(p * z)) ** 2) / t**3)(np.exp(z / t) / np.exp(z / t).sum()),
     "exp(z / T) overflows"),
    (lambda z, t: slope_right(z, t) + 0.1, "value off"),
])
def test_slope_checker_names_each_slip(wrong, words):
    assert_slip(check_entropy_slope(wrong), words)


# --------------------------------------------------------------------------------------------- top-p
def top_p_right(p, top_p):
    order = np.argsort(-p, kind="stable")
    before = np.cumsum(p[order]) - p[order]
    mask = np.zeros(p.size, dtype=bool)
    mask[order[before < top_p]] = True
    return mask


def _least_probable_first(p, top_p):
    order = np.argsort(p, kind="stable")
    before = np.cumsum(p[order]) - p[order]
    mask = np.zeros(p.size, dtype=bool)
    mask[order[before < top_p]] = True
    return mask


def test_top_p_checker_passes_a_right_answer():
    assert check_top_p_mask(top_p_right).ok


@pytest.mark.parametrize("wrong, words", [
    (lambda p, t: top_p_right(p, t) & (np.cumsum(np.sort(p)[::-1])[np.argsort(np.argsort(-p))] <= t),
     "the class that crosses top_p was dropped"),
    (lambda p, t: np.ones(p.size, bool), "too many classes kept"),
    (lambda p, t: np.cumsum(p) - p < t, "summed in the given order"),
    (lambda p, t: (lambda s: np.cumsum(s) - s < t)(np.sort(p)[::-1]), "the flags are in sorted order"),
    (_least_probable_first, "sorted the wrong way round"),
    (lambda p, t: top_p_right(p, t).astype(int), "not a boolean mask"),
    (lambda p, t: top_p_right(p, t)[:1], "wrong shape"),
])
def test_top_p_checker_names_each_slip(wrong, words):
    assert_slip(check_top_p_mask(wrong), words)


# ----------------------------------------------------------------------------------------- Gumbel-max
def gumbel_right(z, n, rng):
    u = rng.random((n, z.size))
    return np.argmax(z - np.log(-np.log(u)), axis=1)


@pytest.mark.parametrize("right", [
    gumbel_right,
    lambda z, n, rng: np.argmax(z + rng.gumbel(size=(n, z.size)), axis=1),                       # numpy's Gumbel
    lambda z, n, rng: np.argmax(z - np.log(-np.log(1.0 - rng.random((n, z.size)))), axis=1),     # u in (0, 1]
    lambda z, n, rng: np.argmax(z[:, None] - np.log(-np.log(rng.random((z.size, n)))), axis=0),  # noise (C, n)
    lambda z, n, rng: np.argmin(rng.exponential(size=(n, z.size)) / np.exp(z - z.max()), axis=1),  # -log Exp(1)
    lambda z, n, rng: np.argmax(np.log(softmax(z)) + rng.gumbel(size=(n, z.size)), axis=1),      # log-probs
    lambda z, n, rng: gumbel_max_sample(z, size=n, rng=rng),                                     # the package
], ids=["-log(-log u)", "rng.gumbel", "1 - u", "noise (C, n)", "exponential race", "log-probs", "package"])
def test_gumbel_checker_passes_every_form_of_the_trick(right):
    res = check_gumbel_max(right)
    assert res.ok and res.passed == 4, repr(res)


def test_gumbel_checker_passes_a_loop_with_one_noise_vector_per_draw():
    def loop(z, n, rng):
        return np.array([np.argmax(z - np.log(-np.log(rng.random(z.size)))) for _ in range(n)])
    assert check_gumbel_max(loop, n=20_000).ok


@pytest.mark.parametrize("sampler, words", [
    (lambda z, n, rng: rng.choice(z.size, n, p=softmax(z)), "you called rng.choice"),
    (lambda z, n, rng: rng.multinomial(1, softmax(z), size=n).argmax(axis=1), "you called rng.multinomial"),
    (lambda z, n, rng: sample(z, size=n, rng=rng), "an inverse-CDF sampler"),
    (lambda z, n, rng: np.minimum(np.searchsorted(np.cumsum(softmax(z)), rng.random(n), side="right"), z.size - 1),
     "an inverse-CDF sampler"),
])
def test_gumbel_checker_tells_the_trick_from_other_right_samplers(sampler, words):
    """These draw from softmax(z) with the right frequencies, but use no Gumbel noise: the trick is not done."""
    res = check_gumbel_max(sampler)
    assert res.passed == 3, repr(res)  # the frequencies are right ...
    assert_slip(res, "not the Gumbel-max trick")  # ... the trick is missing, and named
    assert words in repr(res)


@pytest.mark.parametrize("wrong, words", [
    (lambda z, n, rng: np.argmax(z + rng.random((n, z.size)), axis=1), "uniform noise"),
    (lambda z, n, rng: np.argmax(z - np.log(rng.random((n, z.size))), axis=1), "one log too few"),
    (lambda z, n, rng: np.argmax(z + np.log(-np.log(rng.random((n, z.size)))), axis=1), "a sign slip"),
    (lambda z, n, rng: np.argmin(z - np.log(-np.log(rng.random((n, z.size)))), axis=1), "argmin instead of argmax"),
    (lambda z, n, rng: np.argmax(softmax(z) - np.log(-np.log(rng.random((n, z.size)))), axis=1),
     "added to the probabilities"),
    (lambda z, n, rng: np.full(n, np.argmax(z - np.log(-np.log(rng.random(z.size))))), "every draw is class"),
    (lambda z, n, rng: np.full(n, np.argmax(z)), "every draw is class"),
    (lambda z, n, rng: rng.integers(0, z.size, n), "do not follow softmax(z)"),
    (lambda z, n, rng: np.argmax(z + np.random.default_rng().gumbel(size=(n, z.size)), axis=1),
     "does not come from the rng argument"),
    (lambda z, n, rng: np.argmax(z - np.log(-np.log(rng.random((n, z.size))))), "argmax needs axis=1"),
    (lambda z, n, rng: np.argmax(z - np.log(-np.log(rng.random((n, z.size)))), axis=0), "the wrong axis"),
    (lambda z, n, rng: gumbel_right(z, n, rng).astype(float), "integer class indices"),
    (lambda z, n, rng: gumbel_right(z, n - 1, rng), "wrong number of draws"),
])
def test_gumbel_checker_names_each_slip(wrong, words):
    assert_slip(check_gumbel_max(wrong), words)


def test_gumbel_checker_catches_a_drawn_masked_class():
    def ignores_mask(z, n, rng):
        return np.argmax(np.nan_to_num(z, neginf=0.0) - np.log(-np.log(rng.random((n, z.size)))), axis=1)
    assert_slip(check_gumbel_max(ignores_mask), "a class with logit -inf was drawn")


# --------------------------------------------------------------------------------------------- predictions
def test_rise_then_fall_prediction_is_what_the_curves_do():
    """The answer of "07-rise-then-fall", recomputed: count the words whose p(T) has an interior maximum."""
    z = np.array([3.0, 2.2, 1.6, 0.5, -0.6, -1.4])
    ts = np.geomspace(100, 0.01, 4001)                  # T falling
    P = np.array([softmax(z, temperature=t) for t in ts])
    rise_then_fall = [i for i in range(z.size) if P[:, i].max() > max(P[0, i], P[-1, i]) + 1e-9]
    assert rise_then_fall == [1, 2]                     # sofa and floor
    assert PREDICTIONS["07-rise-then-fall"].answer == len(rise_then_fall)
    assert check_prediction("07-rise-then-fall", 2).ok
    assert not check_prediction("07-rise-then-fall", 3).ok
    assert "not attempted yet" in repr(check_prediction("07-rise-then-fall", ...))


def test_more_smoothing_prediction_is_what_the_held_out_text_says():
    """The answer of "07-more-smoothing", recomputed: held-out perplexity at T = 1 with alpha 0.01, 0.1 and 1, the
    log-probabilities written out here from the model's counts (not from softmax)."""
    from softmax_lab.course.charlm import CharNGram, load_text

    text = load_text()
    perplexity = {}
    for alpha in (0.01, 0.1, 1.0):
        lm = CharNGram(text[:4000], order=3, alpha=alpha)
        nll = []
        for i in range(4000, len(text)):
            weights = lm.next_counts(text[i - 2:i]) + alpha       # T = 1: probability proportional to count + alpha
            nll.append(-np.log(weights[lm.index[text[i]]] / weights.sum()))
        perplexity[alpha] = float(np.exp(np.mean(nll)))
    assert perplexity[0.1] < perplexity[0.01] and perplexity[1.0] > perplexity[0.1]
    assert abs(perplexity[0.01] - 12.21) < 0.01 and abs(perplexity[0.1] - 9.905) < 0.01 and abs(perplexity[1.0] - 13.3) < 0.05
    assert PREDICTIONS["07-more-smoothing"].answer == "lower"
    assert check_prediction("07-more-smoothing", "Lower").ok
    assert not check_prediction("07-more-smoothing", "higher").ok
    assert "not attempted yet" in repr(check_prediction("07-more-smoothing", ...))
    with pytest.raises(ValueError, match="not one of the choices"):
        check_prediction("07-more-smoothing", "same")
