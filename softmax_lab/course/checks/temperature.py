"""Checkers for notebook 07 (temperature): entropy, the limits T -> 0 and T -> inf, the slope dH/dT, the
top-p mask and Gumbel-max sampling; and the answers of its predict-then-run questions (``PREDICTIONS``).

Every checker runs the student's function on chosen inputs and, when an answer is wrong, names the slip first
(what the student probably did) and then shows expected against actual.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from softmax_lab import entropy, softmax

from ._core import CheckResult, call_reporting

__all__ = ["check_entropy", "check_softmax_limit", "check_entropy_slope", "check_top_p_mask",
           "check_gumbel_max", "PREDICTIONS"]


_LN2 = float(np.log(2.0))


def check_entropy(fn: Callable[[np.ndarray], Any]) -> CheckResult:
    r"""Check a student's ``fn(p)``: the entropy :math:`-\sum_i p_i \ln p_i` of one probability vector, in nats.

    Expected values are closed forms (uniform: ln C; one-hot: 0; [1/2, 1/4, 1/4]: 1.5 ln 2) and, for a
    random vector, the sum written out. The classic mistakes are named: ``0 * log(0)`` giving NaN,
    log base 2 instead of the natural log, a missing minus sign, a mean instead of a sum, a small constant
    added inside the log.
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
        got = call_reporting(res, what, lambda p=p: float(np.asarray(fn(p.copy()), dtype=np.float64)))
        if got is None:
            continue
        if np.isclose(got, expected, rtol=1e-9, atol=1e-12):
            res.passed += 1
        elif np.isnan(got):
            res.problems.append(f"{what}: 0 * log(0) is nan in numpy, but 0 ln 0 counts as 0 (leave the zero "
                                f"entries out of the sum): expected {expected:.6g}, got nan")
        elif expected != 0 and np.isclose(got, expected / _LN2, rtol=1e-9):
            res.problems.append(f"{what}: log base 2 (bits) instead of the natural log (nats): expected "
                                f"{expected:.6g}, got {got:.6g} = {expected:.6g} / ln 2")
        elif expected != 0 and np.isclose(got, -expected, rtol=1e-9):
            res.problems.append(f"{what}: the minus sign is missing, H = MINUS sum p ln p: expected "
                                f"{expected:.6g}, got {got:.6g}")
        elif expected != 0 and any(np.isclose(got, expected / k, rtol=1e-9) for k in (p.size, np.count_nonzero(p))):
            res.problems.append(f"{what}: a mean instead of a sum (np.mean divides by the number of entries): "
                                f"expected {expected:.6g}, got {got:.6g}")
        elif abs(got - expected) < 1e-6:
            res.problems.append(f"{what}: close, but not exact (a small constant added inside the log?): leave the "
                                f"zero entries out of the sum instead: expected {expected:.6g}, got {got:.6g}")
        else:
            res.problems.append(f"{what}: expected {expected:.6g}, got {got:.6g}")
    return res


def check_softmax_limit(fn: Callable[[np.ndarray, float], Any]) -> CheckResult:
    r"""Check a student's ``fn(z, T)`` for ``T = 0`` and ``T = inf``: the limits of softmax(z / T).

    T -> 0: probability 1/m on each of the m largest logits (ties split evenly), 0 elsewhere.
    T -> inf: uniform over the classes whose logit is finite (a -inf logit has probability 0 at every T).
    Expected values are these closed forms, written out. Slips named: a tie given to the first maximum only
    (``np.argmax``), T = 0 plugged into z / T (inf and NaN), a -inf logit given 1/C at T = inf, the two
    limits swapped.
    """
    inf = np.inf
    cases = [
        ([1.0, 3.0, 2.0], 0.0, [0, 1, 0]),
        ([2.0, 2.0, 0.5], 0.0, [1 / 2, 1 / 2, 0]),
        ([-1.0, 4.0, 4.0, 4.0, 0.0], 0.0, [0, 1 / 3, 1 / 3, 1 / 3, 0]),
        ([0.0, -inf, -3.0], 0.0, [1, 0, 0]),
        ([1000.0, 999.0, 1000.0], 0.0, [1 / 2, 0, 1 / 2]),
        ([1.0, 3.0, 2.0], inf, [1 / 3, 1 / 3, 1 / 3]),
        ([0.0, -inf, 5.0, 1.0], inf, [1 / 3, 0, 1 / 3, 1 / 3]),
    ]
    res = CheckResult("limits of softmax(z / T)")
    for z, t, want in cases:
        zz, expected = np.array(z), np.array(want, dtype=np.float64)
        what = f"z = {z}, T = {t:g}"
        got = call_reporting(res, what, lambda zz=zz, t=t: np.asarray(fn(zz.copy(), t), dtype=np.float64))
        if got is None:
            continue
        if got.shape != expected.shape:
            res.problems.append(f"{what}: wrong shape: one probability per class, expected shape "
                                f"{expected.shape}, got {got.shape}")
            continue
        if np.allclose(got, expected, rtol=1e-12, atol=1e-12):
            res.passed += 1
            continue
        finite = np.isfinite(zz)
        first_max = np.eye(zz.size)[np.argmax(zz)]
        if not np.isfinite(got).all():
            slip = ("T = 0 plugged into z / T: dividing by zero gives inf and inf - inf = nan; the limit has its "
                    "own formula" if t == 0 else
                    "-inf / inf is nan: a -inf logit stays -inf at every T, its probability is 0")
        elif t == 0 and np.count_nonzero(zz == zz.max()) > 1 and np.allclose(got, first_max):
            slip = ("a tie given to the first maximum only (np.argmax picks the first): the m tied classes "
                    "share the limit, 1/m each")
        elif t == inf and not finite.all() and np.allclose(got, 1 / zz.size):
            slip = ("a -inf logit counted in the uniform limit: its probability is 0 at every T, so the limit "
                    "is uniform over the finite logits only")
        elif t == inf and np.allclose(got, first_max) or t == 0 and np.allclose(got, 1 / zz.size):
            slip = "the two limits swapped: T -> 0 is the argmax, T -> inf the uniform distribution"
        elif np.allclose(got, softmax(zz)):
            slip = "softmax(z) at T = 1, not the limit"
        else:
            slip = "value off"
        res.problems.append(f"{what}: {slip}: expected {np.round(expected, 4).tolist()}, "
                            f"got {np.round(got, 4).tolist()}")
    return res


def _entropy_slope_by_complex_step(z: np.ndarray, t: float) -> float:
    """dH/dT of H(softmax(z / T)) by the complex step: H(T + ih) = H(T) + ih H'(T) + O(h^2), so
    Im H(T + ih) / h is H'(T) to rounding, with no difference of two nearby values (h = 1e-30). The oracle
    differentiates the entropy itself, written as log S - sum_i p_i v_i with v = (z - max z) / T and
    S = sum_i e^{v_i}; it uses no closed form of the slope."""
    h = 1e-30
    v = (z - np.max(z)) / complex(t, h)
    e = np.exp(v)
    s = np.sum(e)
    return float((np.log(s) - np.sum(e / s * v)).imag / h)


def _slope_tolerance(z: np.ndarray, t: float, expected: float) -> float:
    """How far a closed form of dH/dT evaluated in float64 may be from the exact slope: 1e-10 of it, plus
    the rounding of a form that subtracts two second moments (E_p[z^2] - E_p[z]^2 on the raw logits, or the
    same on log p): 8 eps times the sum of those moments, / T^3. Equivalent algebra passes; a difference
    quotient of H is off by more on the cases with a large T (a tiny slope) or a small T."""
    p = softmax(z, temperature=t)
    nz = p > 0
    log_p = np.log(p[nz])
    moments = float(np.sum(p * z**2)) + t**2 * float(np.sum(p[nz] * log_p**2))
    return 1e-10 * abs(expected) + 8 * np.finfo(np.float64).eps * moments / t**3


def check_entropy_slope(fn: Callable[[np.ndarray, float], Any]) -> CheckResult:
    r"""Check a student's ``fn(z, T)`` returning the slope :math:`dH/dT` of the entropy of softmax(z / T) by a
    closed form, :math:`\operatorname{Var}_p(z)/T^3` or any equivalent algebra.

    The expected value is the complex-step derivative of the entropy (exact to rounding, and not the closed
    form), at temperatures other than 1 so that a wrong power of T shows. The tolerance is 1e-10 of the slope
    plus the rounding of a float64 closed form (:func:`_slope_tolerance`), so a difference quotient
    (H(T + h) - H(T - h)) / 2h is caught, whatever h: at T = 1000 the slope is 7e-10 and a difference of two
    entropies near ln 3 loses it to rounding, at T = 0.05 the entropy changes so fast that the truncation or
    the rounding error is well above 1e-10 of the slope for every h. Slips named: a difference quotient, a
    missing power of T (Var / T^2, Var / T, Var), dH/dbeta in place of dH/dT, the variance taken with the
    plain mean or without the weights p, the standard deviation in place of the variance, the sign, overflow.
    A slip is named only when its value is not the expected one.
    """
    z6 = np.array([3.0, 2.2, 1.6, 0.5, -0.6, -1.4])
    cases = [(z6, 0.5), (z6, 2.0), (np.array([1.0, 2.0, 3.0]), 3.0), (np.array([4.0, 4.0, 4.0]), 0.7),
             (np.array([1000.0, 1001.0, 998.0]), 0.25),
             (np.array([1.0, 2.0, 3.0]), 1000.0),          # a large T: the slope is 6.7e-10, H is near ln 3
             (np.array([0.0, 1.0]), 50.0),
             (np.array([0.0, -0.8, -1.4, -2.5, -3.6, -4.4]), 0.05)]   # a small T: H changes fast, slope 5.8e-4
    res = CheckResult("slope of the entropy dH/dT")
    for z, t in cases:
        what = f"z = {z.tolist()}, T = {t:g}"
        expected = _entropy_slope_by_complex_step(z, t)
        tol = _slope_tolerance(z, t, expected)
        got = call_reporting(res, what, lambda z=z, t=t: float(np.asarray(fn(z.copy(), t), dtype=np.float64)))
        if got is None:
            continue
        if abs(got - expected) <= tol:
            res.passed += 1
            continue
        p = softmax(z, temperature=t)
        zbar = float(np.sum(p * z))
        var = float(np.sum(p * (z - zbar) ** 2))
        slips = [("a missing 1/T: Var_p(z) / T^2, but dH/dT = Var_p(z) / T^3", var / t**2),
                 ("a missing 1/T^2: Var_p(z) / T, but dH/dT = Var_p(z) / T^3", var / t),
                 ("the slope against beta = 1/T, dH/dbeta = -Var_p(z) / T: multiply it by dbeta/dT = -1/T^2",
                  -var / t),
                 ("no power of T: Var_p(z) alone; dH/dT = Var_p(z) / T^3", var),
                 ("the variance around the plain mean of z: the centre is the average under p, "
                  "sum_j p_j z_j", float(np.sum(p * (z - z.mean()) ** 2)) / t**3),
                 ("the variance without the weights p (np.var(z)): Var_p(z) = sum_i p_i (z_i - zbar)^2",
                  float(np.var(z)) / t**3),
                 ("the standard deviation in place of the variance", np.sqrt(var) / t**3),
                 ("the sign: entropy grows with T, so dH/dT >= 0", -var / t**3)]
        # a slip is named only when its value is not the expected one, and the answer is that value
        slip = next((s for s, v in slips if abs(v - expected) > tol
                     and np.isclose(got, v, rtol=1e-8, atol=tol)), None)
        if not np.isfinite(got):
            slip = "a non-finite value: exp(z / T) overflows for large logits; take p from a max-shifted softmax"
        elif slip is None and abs(got - expected) <= 1e-3 * abs(expected):
            off = abs(got - expected) / abs(expected)
            res.problems.append(f"{what}: a difference quotient of H, not the closed form Var_p(z) / T^3: off by "
                                f"about {off:.0e} of the slope, where a closed form in float64 is within "
                                f"{max(tol / abs(expected), 1e-10):.0e} (or was it computed in float32?): "
                                f"expected {expected:.12g}, got {got:.12g}")
            continue
        res.problems.append(f"{what}: {slip or 'value off'}: expected {expected:.6g}, got {got:.6g}")
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
        got = call_reporting(res, what, lambda p=p, top_p=top_p: np.asarray(fn(np.array(p), top_p)))
        if got is None:
            continue
        if got.shape != expected.shape:
            res.problems.append(f"{what}: wrong shape: one entry per class, expected {expected.shape}, "
                                f"got {got.shape}")
        elif got.dtype != np.bool_:
            res.problems.append(f"{what}: not a boolean mask: return dtype bool, got dtype {got.dtype}")
        elif not np.array_equal(got, expected):
            kept_got, kept_exp = np.flatnonzero(got).tolist(), np.flatnonzero(expected).tolist()
            pp = np.array(p)
            ascending = np.argsort(pp, kind="stable")
            least_first = np.zeros(pp.size, dtype=bool)
            least_first[ascending[np.cumsum(pp[ascending]) - pp[ascending] < top_p]] = True
            order = np.argsort(-pp, kind="stable")
            if np.array_equal(got, np.cumsum(pp[order]) - pp[order] < top_p):
                slip = ("the flags are in sorted order: write them back to the classes' own positions "
                        "(mask[order[keep]] = True)")
            elif np.array_equal(got, np.cumsum(pp) - pp < top_p):
                slip = "the mass was summed in the given order: sort by probability first, most probable first"
            elif np.array_equal(got, least_first):
                slip = "sorted the wrong way round: the nucleus takes the MOST probable first (np.argsort(-p))"
            elif set(kept_got) < set(kept_exp):
                slip = "the class that crosses top_p was dropped (keep a class while the mass ranked ABOVE it is < top_p)"
            elif set(kept_got) > set(kept_exp):
                slip = "too many classes kept (stop once the kept mass reaches top_p)"
            else:
                slip = "not the most probable classes: sort by probability, most probable first"
            res.problems.append(f"{what}: {slip}: expected classes {kept_exp}, got {kept_got}")
        else:
            res.passed += 1
    return res


# --------------------------------------------------------------------------------------------- Gumbel-max
_SAMPLERS = ("choice", "multinomial", "integers")   # they draw classes directly: no noise on the logits


class _RecordingGenerator(np.random.Generator):
    """A seeded numpy ``Generator`` (so ``isinstance`` checks pass) that records which of its methods the
    student's code called, and the arrays its uniform draws returned."""

    def __init__(self, seed: int) -> None:
        super().__init__(np.random.PCG64(seed))
        self.called: list[str] = []
        self.uniforms: list[np.ndarray] = []

    def random(self, *args: Any, **kwargs: Any) -> Any:
        out = super().random(*args, **kwargs)
        self.called.append("random")
        self.uniforms.append(np.asarray(out, dtype=np.float64))
        return out

    def uniform(self, *args: Any, **kwargs: Any) -> Any:
        out = super().uniform(*args, **kwargs)
        self.called.append("uniform")
        self.uniforms.append(np.asarray(out, dtype=np.float64))
        return out

    def choice(self, *args: Any, **kwargs: Any) -> Any:
        self.called.append("choice")
        return super().choice(*args, **kwargs)

    def multinomial(self, *args: Any, **kwargs: Any) -> Any:
        self.called.append("multinomial")
        return super().multinomial(*args, **kwargs)

    def integers(self, *args: Any, **kwargs: Any) -> Any:
        self.called.append("integers")
        return super().integers(*args, **kwargs)


def _noise_slip(z: np.ndarray, got: np.ndarray, uniforms: list[np.ndarray]) -> str | None:
    """The wrong noise (or argmin) the student used, when their draws equal what it gives on the very
    uniform numbers their code drew; ``None`` when no slip matches."""
    n, c = got.size, z.size
    if len(uniforms) == n and all(u.shape == (c,) for u in uniforms):  # one draw per loop iteration
        uniforms = [np.stack(uniforms)]
    for u in uniforms:
        if u.shape not in ((n, c), (c, n)):
            continue
        u = u if u.shape == (n, c) else u.T
        with np.errstate(all="ignore"):
            for v in (u, 1.0 - u):
                gumbel = -np.log(-np.log(v))
                for slip, draws in [
                    ("uniform noise: argmax(z + u) is not a softmax sample; the noise is -log(-log(u))",
                     np.argmax(z + v, axis=1)),
                    ("one log too few: -log(u) is exponential noise; Gumbel noise is -log(-log(u))",
                     np.argmax(z - np.log(v), axis=1)),
                    ("a sign slip: log(-log(u)) is minus the Gumbel noise; use -log(-log(u))",
                     np.argmax(z - gumbel, axis=1)),
                    ("argmin instead of argmax: the sample is the class with the LARGEST z_i + noise_i",
                     np.argmin(z + gumbel, axis=1)),
                    ("the noise was added to the probabilities softmax(z): add it to the logits z",
                     np.argmax(softmax(z) + gumbel, axis=1)),
                ]:
                    if np.array_equal(draws, got):
                        return slip
    return None


def check_gumbel_max(fn: Callable[[np.ndarray, int, np.random.Generator], Any], n: int = 100_000) -> CheckResult:
    r"""Check a student's ``fn(z, n, rng)``: ``n`` class indices drawn as argmax(z + Gumbel noise).

    1. Frequencies: for a seeded generator every class frequency must be within 5 standard errors (and 0.005)
       of softmax(z), and a ``-inf`` logit must never be drawn.
    2. The trick itself, which right frequencies alone cannot show (``rng.choice(C, n, p=softmax(z))`` has
       them too): two calls with the same seed must give the same draws (the noise comes from ``rng``), and
       raising one logit z_k with the same seed may change a draw only INTO class k. That holds for
       argmax(z + noise) with any noise that does not depend on z, whatever its layout or formula
       (``-log(-log(u))``, ``rng.gumbel``, ``-log`` of exponentials), and fails for inverse-CDF samplers such
       as ``rng.choice``, where moving one boundary of the cumulative sums moves the others.
    When the frequencies are off, the uniforms the student's code drew are used to name the wrong noise
    (uniform, exponential, the sign, argmin, noise added to the probabilities).
    """
    res = CheckResult("Gumbel-max sampling")
    for what, z in [("z = [1, 2, 3, 0.5]", np.array([1.0, 2.0, 3.0, 0.5])),
                    ("z = [0, -inf, 1] (class 1 masked)", np.array([0.0, -np.inf, 1.0])),
                    ("large logits [1000, 1001, 999]", np.array([1000.0, 1001.0, 999.0]))]:
        rng = _RecordingGenerator(2024)
        got = call_reporting(res, what, lambda z=z, rng=rng: np.asarray(fn(z.copy(), n, rng)))
        if got is None:
            continue
        if got.shape != (n,):
            slip = {(): "one index for all draws: argmax needs axis=1 (one argmax per row of noisy logits)",
                    (z.size,): "argmax over the wrong axis: each of the n rows of z + noise gives one index"}
            res.problems.append(f"{what}: {slip.get(got.shape, 'wrong number of draws')}: expected shape "
                                f"({n},), got shape {got.shape}")
            continue
        if got.dtype.kind not in "iu":
            res.problems.append(f"{what}: the draws must be integer class indices: got dtype {got.dtype}")
            continue
        if got.min() < 0 or got.max() >= z.size:
            res.problems.append(f"{what}: class indices outside 0..{z.size - 1}: got {got.min()}..{got.max()}")
            continue
        p = softmax(z)
        freq = np.bincount(got, minlength=z.size) / n
        tol = np.maximum(5 * np.sqrt(p * (1 - p) / n), 0.005)
        bad = np.flatnonzero(np.abs(freq - p) > tol)
        if np.isneginf(z).any() and (freq[np.isneginf(z)] > 0).any():
            res.problems.append(f"{what}: a class with logit -inf was drawn (z + noise must stay -inf there): "
                                f"expected frequency 0, got {freq[np.isneginf(z)].max():.4f}")
        elif bad.size:
            i = int(bad[0])
            slip = _noise_slip(z, got, rng.uniforms)
            if slip is None and np.unique(got).size == 1:
                slip = (f"every draw is class {got[0]}: draw fresh noise for every sample (an array of shape "
                        f"(n, C)), not one noise vector for all, or none")
            res.problems.append(f"{what}: {slip or 'the draws do not follow softmax(z)'}: class {i} drawn with "
                                f"frequency {freq[i]:.4f}, softmax(z) gives {p[i]:.4f}")
        else:
            res.passed += 1

    if res.problems:
        return res  # the frequencies are off already: the trick cannot be judged yet

    # 2. the trick itself: same seed -> same draws; raising z_k changes draws only into class k
    z, k = np.array([1.0, 2.0, 3.0, 0.5]), 1
    what = f"z = {z.tolist()}, then z_{k} raised by 1, with the same seed"
    rngs = [_RecordingGenerator(7) for _ in range(3)]
    draws = [call_reporting(res, what, lambda zz=zz, r=r: np.asarray(fn(zz.copy(), n, r)))
             for zz, r in zip([z, z, z + np.eye(z.size)[k]], rngs)]
    if res.problems:
        return res
    before, again, after = draws
    if not np.array_equal(before, again):
        res.problems.append(f"{what}: the noise does not come from the rng argument (np.random?): the same "
                            f"seed must give the same draws: {np.count_nonzero(before != again)} of {n} differ")
        return res
    moved = np.flatnonzero((after != before) & (after != k))
    if moved.size:
        called = [name for name in rngs[0].called if name in _SAMPLERS]
        slip = (f"you called rng.{called[0]}: it samples softmax(z) directly" if called else
                "an inverse-CDF sampler (like rng.choice(C, n, p=softmax(z)))")
        i = int(moved[0])
        res.problems.append(f"{what}: not the Gumbel-max trick: {slip}, with no Gumbel noise on the logits. "
                            f"The frequencies are right, but with argmax(z + noise) and the same noise a larger "
                            f"z_{k} can only turn draws INTO class {k}: expected 0 draws moved between other "
                            f"classes, got {moved.size} of {n} (draw {i}: class {before[i]} -> {after[i]})")
    else:
        res.passed += 1
    return res


# ------------------------------------------------------------------------------------------- predictions
PREDICTIONS: dict[str, dict[str, Any]] = {
    "07-rise-then-fall": {
        "question": "As T falls from 100 to 0.01, how many of the six words (mat, sofa, floor, roof, moon, "
                    "piano) have a probability that first rises and then falls?",
        "answer": 2,
        "explanation": "sofa and floor: dp_i/dT = -p_i (z_i - zbar_T) / T^2, and zbar_T climbs from the plain "
                       "mean 0.88 (T -> inf) to z_mat = 3 (T -> 0). A word rises while zbar_T is below its logit "
                       "and falls after: sofa (2.2) and floor (1.6) start above 0.88 and are passed; roof, moon "
                       "and piano are below 0.88 from the start and only fall; mat only rises.",
    },
    "07-more-smoothing": {
        "question": "Section 8.1's trigram model uses alpha = 0.01. Trained on the same 4000 characters with "
                    "alpha = 0.1 instead, is its perplexity on the held-out 1001 characters at T = 1 higher or lower?",
        "answer": "lower",
        "choices": ("higher", "lower"),
        "explanation": "Lower: about 9.9 instead of 12.21. 19 % of the held-out characters never followed their "
                       "context in the training part, and each cost about 7 nats with alpha = 0.01; alpha = 0.1 "
                       "gives every unseen continuation ten times more weight, which those characters need more than "
                       "the seen ones lose. It is the same repair a higher T made in section 8.1. More is not always "
                       "better: alpha = 1 takes too much from the seen continuations, and the perplexity rises to "
                       "about 13.3.",
    },
}
