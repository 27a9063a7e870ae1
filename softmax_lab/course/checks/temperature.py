"""Checkers for notebook 07 (temperature): entropy, softmax with a temperature, the top-p mask, Gumbel-max sampling."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from softmax_lab import softmax

from ._core import CheckResult, run_checks

__all__ = ["check_entropy", "check_tempered_softmax", "check_top_p_mask", "check_gumbel_max"]


_LN2 = float(np.log(2.0))



def check_entropy(fn: Callable[[np.ndarray], Any]) -> CheckResult:
    r"""Check a student's ``fn(p)``: the entropy :math:`-\sum_i p_i \ln p_i` of one probability vector, in nats.

    Expected values are closed forms (uniform: ln C; one-hot: 0; [1/2, 1/4, 1/4]: 1.5 ln 2) and, for a
    random vector, the sum written out. The classic mistakes are named: ``0 * log(0)`` giving NaN,
    log base 2 instead of the natural log, a missing minus sign.
    """
    rng = np.random.default_rng(70)
    q = softmax(rng.normal(size=50) * 2)
    cases = [
        ("uniform over 4 classes (answer ln 4)", np.full(4, 0.25), float(np.log(4.0))),
        ("one-hot [0, 1, 0] (answer 0)", np.array([0.0, 1.0, 0.0]), 0.0),
        ("[1/2, 1/4, 1/4] (answer 1.5 ln 2)", np.array([0.5, 0.25, 0.25]), 1.5 * _LN2),
        ("[1/2, 1/2, 0] with a zero (answer ln 2)", np.array([0.5, 0.5, 0.0]), _LN2),
        ("a random distribution over 50 classes", q, float(-np.sum(q * np.log(q)))),
    ]
    res = CheckResult("entropy")
    for what, p, expected in cases:
        try:
            with np.errstate(all="ignore"):
                got = fn(p.copy())
            g = float(np.asarray(got, dtype=np.float64))
        except Exception as exc:  # the student's code may raise anything: report it, don't crash
            res.problems.append(f"{what}: raised or returned a non-number: {type(exc).__name__}: {exc}")
            continue
        if np.isclose(g, expected, rtol=1e-9, atol=1e-12):
            res.passed += 1
        elif np.isnan(g):
            res.problems.append(f"{what}: got nan; 0 * log(0) is nan in numpy, but 0 ln 0 counts as 0 "
                                "(leave the zero entries out of the sum)")
        elif expected != 0 and np.isclose(g, expected / _LN2, rtol=1e-9):
            res.problems.append(f"{what}: got {g:.6g} = {expected:.6g} / ln 2: that is log base 2 (bits); "
                                "use the natural log (nats)")
        elif expected != 0 and np.isclose(g, -expected, rtol=1e-9):
            res.problems.append(f"{what}: got {g:.6g}, the negative of {expected:.6g}: H = MINUS sum p ln p")
        else:
            res.problems.append(f"{what}: expected {expected:.6g}, got {g:.6g}")
    return res



def check_tempered_softmax(fn: Callable[[np.ndarray, float], Any]) -> CheckResult:
    """Check a student's ``fn(z, T)``: softmax(z / T) for one vector and a temperature T > 0."""
    cases = []
    for z, t in [([1.0, 2.0, 3.0], 1.0), ([1.0, 2.0, 3.0], 0.5), ([1.0, 2.0, 3.0], 10.0),
                 ([2.0, 1.0, 0.5, -1.0], 100.0), ([10.0, 20.0, 30.0], 0.01), ([1000.0, 1001.0, 1002.0], 2.0),
                 ([-1000.0, -1001.0], 0.5)]:
        zz = np.array(z)
        expected = softmax(zz, temperature=t)
        cases.append((f"z = {z}, T = {t:g}", (lambda zz=zz, t=t: fn(zz.copy(), t)), expected))
    res = run_checks("softmax with temperature", cases)
    # name the commonest slip: multiplying by T instead of dividing
    try:
        with np.errstate(all="ignore"):
            got = np.asarray(fn(np.array([1.0, 2.0, 3.0]), 0.5), dtype=np.float64)
        if got.shape == (3,) and np.allclose(got, softmax(np.array([0.5, 1.0, 1.5]))):
            res.problems.append("at T = 0.5 you return softmax(z * T): divide the logits by T")
    except Exception:  # already reported by the cases above
        pass
    return res



def check_top_p_mask(fn: Callable[[np.ndarray, float], Any]) -> CheckResult:
    """Check a student's ``fn(p, top_p)``: boolean mask of the nucleus, the fewest most-probable classes
    whose total probability reaches ``top_p`` (the class that crosses ``top_p`` is kept)."""
    cases = [
        ([0.5, 0.3, 0.2], 0.7, [True, True, False]),
        ([0.5, 0.3, 0.2], 0.5, [True, False, False]),
        ([0.1, 0.6, 0.3], 0.8, [False, True, True]),
        ([0.1, 0.6, 0.3], 0.05, [False, True, False]),
        ([0.4, 0.35, 0.25], 0.9, [True, True, True]),
        ([0.05, 0.05, 0.6, 0.2, 0.1], 0.85, [False, False, True, True, True]),
    ]
    res = CheckResult("top-p mask")
    for p, top_p, want in cases:
        what = f"p = {p}, top_p = {top_p:g}"
        expected = np.array(want)
        try:
            got = np.asarray(fn(np.array(p), top_p))
        except Exception as exc:  # the student's code may raise anything: report it, don't crash
            res.problems.append(f"{what}: raised {type(exc).__name__}: {exc}")
            continue
        if got.shape != expected.shape:
            res.problems.append(f"{what}: wrong shape: expected {expected.shape}, got {got.shape}")
        elif got.dtype != np.bool_:
            res.problems.append(f"{what}: return a boolean mask (dtype bool), got dtype {got.dtype}")
        elif not np.array_equal(got, expected):
            kept_got, kept_exp = np.flatnonzero(got).tolist(), np.flatnonzero(expected).tolist()
            hint = ""
            if set(kept_got) < set(kept_exp):
                hint = " (keep the class that crosses top_p: keep a class while the mass ranked ABOVE it is < top_p)"
            elif set(kept_got) > set(kept_exp):
                hint = " (stop once the kept mass reaches top_p)"
            res.problems.append(f"{what}: kept classes {kept_got}, expected {kept_exp}{hint}")
        else:
            res.passed += 1
    return res



def check_gumbel_max(fn: Callable[[np.ndarray, int, np.random.Generator], Any], n: int = 100_000) -> CheckResult:
    """Check a student's ``fn(z, n, rng)``: ``n`` class indices drawn as argmax(z + Gumbel noise).

    The draws must look like samples of softmax(z): every class frequency within 5 standard errors
    (and 0.005) of its probability, for a seeded generator; a ``-inf`` logit must never be drawn.
    """
    res = CheckResult("Gumbel-max sampling")
    for what, z in [("z = [1, 2, 3, 0.5]", np.array([1.0, 2.0, 3.0, 0.5])),
                    ("z = [0, -inf, 1] (class 1 masked)", np.array([0.0, -np.inf, 1.0])),
                    ("large logits [1000, 1001, 999]", np.array([1000.0, 1001.0, 999.0]))]:
        try:
            with np.errstate(all="ignore"):
                got = np.asarray(fn(z.copy(), n, np.random.default_rng(2024)))
        except Exception as exc:  # the student's code may raise anything: report it, don't crash
            res.problems.append(f"{what}: raised {type(exc).__name__}: {exc}")
            continue
        if got.shape != (n,):
            res.problems.append(f"{what}: expected {n} draws (shape ({n},)), got shape {got.shape}")
            continue
        if got.dtype.kind not in "iu":
            res.problems.append(f"{what}: draws must be integer class indices, got dtype {got.dtype}")
            continue
        if got.min() < 0 or got.max() >= z.size:
            res.problems.append(f"{what}: class indices must be in 0..{z.size - 1}, got {got.min()}..{got.max()}")
            continue
        p = softmax(z)
        freq = np.bincount(got, minlength=z.size) / n
        tol = np.maximum(5 * np.sqrt(p * (1 - p) / n), 0.005)
        bad = np.flatnonzero(np.abs(freq - p) > tol)
        if np.isneginf(z).any() and (freq[np.isneginf(z)] > 0).any():
            res.problems.append(f"{what}: a class with logit -inf was drawn")
        elif bad.size:
            i = int(bad[0])
            res.problems.append(f"{what}: class {i} drawn with frequency {freq[i]:.4f}, but softmax(z) gives "
                                f"{p[i]:.4f} (use Gumbel noise -log(-log(u)) with u ~ U(0, 1), and argmax)")
        else:
            res.passed += 1
    return res

