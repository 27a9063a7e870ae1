"""Checkers for notebooks 01 and 02: the logit gap and the logits of a given distribution (01); the stable
softmax of a vector or a batch, logsumexp and log_softmax (02); and the answers of their predict-then-run
questions (``PREDICTIONS``).

Each checker runs the student's function on inputs chosen to expose the classic slips. When a case fails, it
recomputes every slip it knows on the same input; if one reproduces the student's output (and is itself wrong
there), the problem line names that slip in words ("no max shift", "one max for the whole batch", ...) before
expected against actual. Otherwise :func:`._core.compare` says what it can tell from the values alone.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from softmax_lab import log_softmax, logsumexp, softmax

from ._core import FAR_APART, CheckResult, compare, digits_for, example_vectors, num, run_checks
from .predictions import Prediction

__all__ = ["check_softmax", "check_log_softmax", "check_logsumexp", "check_logit_gap", "check_logits_for",
           "PREDICTIONS"]

# A slip: (what the student probably did, in words; a function reproducing it on the case's input). A slip
# made with :func:`_fitted` also gets the student's output, to read off a free constant (the eps of a clip, the
# threshold below which probabilities were set to 0); the output must still equal what the slip gives with it,
# and a fitted slip is named only when it does so on every case.
Slip = tuple[str, Callable[..., Any]]


def _fitted(fn: Callable[[np.ndarray, np.ndarray], Any]) -> Callable[[np.ndarray, np.ndarray], Any]:
    """Mark ``fn(x, got)`` as a slip with a constant read off the student's output ``got`` (a float array)."""
    fn.fitted = True  # type: ignore[attr-defined]
    return fn


def _exp_shifted(z: np.ndarray, shift: Callable[[np.ndarray], Any]) -> np.ndarray:
    return np.exp(z - shift(z))


def _row(reduce: Callable[..., Any]) -> Callable[[np.ndarray], Any]:
    """``reduce`` over the last axis (one value per row), kept as a column so it broadcasts over the row."""
    return lambda z: reduce(z, axis=-1, keepdims=True)


def _values(got: Any, expected: np.ndarray, rtol: float = 1e-6, atol: float = 1e-12) -> str:
    """Expected against actual at the first entry where they differ (by more than the checker's tolerance;
    the whole value for a scalar), with as many digits as it takes to tell them apart."""
    g = np.asarray(got, dtype=np.float64)
    if g.shape != expected.shape:
        return f"expected shape {expected.shape}, got {g.shape}"
    digits = digits_for(rtol)
    if not expected.ndim:
        return (f"expected {num(float(expected), float(g), digits)}, "
                f"got {num(float(g), float(expected), digits)}")
    off = ~(np.isclose(g, expected, rtol=rtol, atol=atol, equal_nan=True) | (g == expected))
    i = tuple(int(k) for k in np.argwhere(off)[0]) if off.any() else (0,) * expected.ndim
    return f"at index {i} expected {num(expected[i], g[i], digits)}, got {num(g[i], expected[i], digits)}"


def _slip_output(slip: Callable[..., Any], x: np.ndarray, got: Any) -> np.ndarray | None:
    """What ``slip`` gives on ``x`` (a fitted slip reads its constant off ``got``); None if it cannot run."""
    try:
        with np.errstate(all="ignore"):
            g = np.asarray(got, dtype=np.float64)
            return np.asarray(slip(x.copy(), g) if getattr(slip, "fitted", False) else slip(x.copy()),
                              dtype=np.float64)
    except Exception:  # a slip that cannot run on this input (or an output that is not numbers) is no match
        return None


# Below the smallest normal float64 only subnormal rounding noise: a p of 9.9e-305 set to 0 is no match.
_TINIEST = float(np.finfo(np.float64).tiny)


def _equal(got: Any, want: np.ndarray | None, rtol: float = 1e-9) -> bool:
    """The student's output is the slip's, to ``rtol``: 1e-9, or the checker's tolerance if that is tighter (a
    slip is not said to explain an output farther from it than a right answer may be from the expected one)."""
    if want is None:
        return False
    try:
        g = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return g.shape == want.shape and bool(np.all(np.isclose(g, want, rtol=min(rtol, 1e-9), atol=_TINIEST,
                                                            equal_nan=True) | (g == want)))


def _reproduces(got: Any, slip: Callable[..., Any], x: np.ndarray, rtol: float = 1e-9) -> bool:
    return _equal(got, _slip_output(slip, x, got), rtol)


def _explains(got: Any, slip: Callable[..., Any], x: np.ndarray, expected: np.ndarray, rtol: float,
              atol: float, post: Callable[[Any], Any] | None = None) -> bool:
    """``slip`` gives the student's output on ``x`` and is itself wrong there (by the checker's tolerance, after
    ``post``): a slip that is right on this input (a clip at 1e-300 where no probability is that small)
    explains nothing."""
    want = _slip_output(slip, x, got)
    if not _equal(got, want, rtol):
        return False
    try:
        with np.errstate(all="ignore"):
            return compare(post(want) if post else want, expected, "", rtol=rtol, atol=atol) is not None
    except Exception:  # post may not run on a slip's output: then the slip is not shown to be wrong
        return False


def _run_naming_slips(name: str, fn: Callable[[np.ndarray], Any],
                      cases: list[tuple[str, np.ndarray, np.ndarray]], slips: list[Slip],
                      post: Callable[[Any], Any] | None = None, **tol: Any) -> CheckResult:
    """Run ``fn`` on each ``(description, input, expected)`` case; name a known slip where one fits.

    ``post`` turns the student's output into what is compared with ``expected`` (the slips are matched on the
    raw output). Cases are described by text that ends in ``]`` or ``)``, never in ``:``.
    """
    raw: dict[str, Any] = {}

    def call(what: str, x: np.ndarray) -> Callable[[], Any]:
        def run() -> Any:
            raw[what] = out = fn(x.copy())
            return post(out) if post is not None and out is not Ellipsis else out
        return run

    res = run_checks(name, [(what, call(what, x), expected) for what, x, expected in cases], **tol)
    rtol, atol = tol.get("rtol", 1e-6), tol.get("atol", 1e-9)
    # Two slips can agree on one input (for [1000, -1000] the mean is 0, so a shift by the mean is no shift):
    # a slip that reproduces the student's output on every case (and is itself wrong on one the student
    # failed) is preferred to one that fits a single case.
    failed = [(what, x, expected) for what, x, expected in cases
              if what in raw and any(p.startswith(f"{what}: ") for p in res.problems)]
    overall = next((w for w, slip in slips
                    if raw and all(_reproduces(raw[what], slip, x, rtol) for what, x, _ in cases if what in raw)
                    and any(_explains(raw[what], slip, x, e, rtol, atol, post) for what, x, e in failed)), None)
    for k, problem in enumerate(res.problems):
        for what, x, expected in cases:
            if not problem.startswith(f"{what}: "):
                continue
            if "could not be broadcast" in problem:
                res.problems[k] = (f"{what}: the row sums (or maxima) need keepdims=True, shape (N, 1), to "
                                   f"divide (or shift) each row by its own value: {problem[len(what) + 2:]}")
            elif what in raw:
                # overall's slips first; a fitted slip (a constant read off the output) only if it is overall's:
                # one case alone can fit it by accident (on equal logits, 1 + 1e-10 times p is p + 2.5e-11)
                fits = (w for w, slip in sorted(slips, key=lambda ws: ws[0] != overall)
                        if (w == overall or not getattr(slip, "fitted", False))
                        and _explains(raw[what], slip, x, expected, rtol, atol, post))
                words = next(fits, None)
                if words:
                    got = post(raw[what]) if post else raw[what]
                    res.problems[k] = f"{what}: {words}: {_values(got, expected, rtol, atol)}"
            break
    return res


# --------------------------------------------------------------------------------------------- notebook 01
_LOGIT_GAP_SLIPS: list[Slip] = [
    ("the log is missing: p / (1 - p) are the odds, the gap is their log", lambda p: p / (1 - p)),
    ("the sign is flipped: log((1 - p) / p) is z_B - z_A", lambda p: np.log((1 - p) / p)),
    ("only log p: the gap is log P(A) - log P(B) = log p - log(1 - p)", lambda p: np.log(p)),
    ("log base 10 instead of the natural log (softmax uses e)", lambda p: np.log10(p / (1 - p))),
    ("log base 2 instead of the natural log (softmax uses e)", lambda p: np.log2(p / (1 - p))),
]


def check_logit_gap(fn: Callable[[float], Any]) -> CheckResult:
    r"""Check a student's ``fn(p)``: the gap :math:`z_A - z_B` that gives class A probability ``p`` in a
    two-class softmax. The answer, :math:`\ln\frac{p}{1-p}`, is computed here as ``log(p) - log1p(-p)``.

    Slips named: the odds without the log, the sign flipped, ``log p`` alone, log base 10 or 2.
    """
    cases = [(f"p = {p:g}", np.array(p), np.array(np.log(p) - np.log1p(-p))) for p in (0.5, 0.9, 0.25, 0.999, 1e-6)]
    return _run_naming_slips("logit gap", lambda p: fn(float(p)), cases, _LOGIT_GAP_SLIPS, rtol=1e-6, atol=1e-9)


def _softmax_written_out(z: Any) -> np.ndarray:
    """softmax of the student's logits, written out here (any real input, no validation that could raise)."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


# The small constants students add inside a log "to be safe": log(p + eps) is wrong wherever p is not >> eps.
_EPSILONS = (1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-12, 1e-15, 1e-16, 1e-20)


# Guards so small that they only show where a probability rounded to 0 (the smallest normal float64 among them).
_TINY_GUARDS = (1e-30, 1e-40, 1e-50, 1e-100, 1e-200, 1e-300, float(np.finfo(np.float64).tiny))


def _log_plus_eps(words: str, probabilities: Callable[[np.ndarray], np.ndarray],
                  epsilons: tuple[float, ...] = _EPSILONS) -> list[Slip]:
    return [(words, lambda x, eps=eps: np.log(probabilities(x) + eps)) for eps in epsilons]


_LOGITS_FOR_SLIPS: list[Slip] = [
    ("you returned p itself: logits are not probabilities, softmax(p) is much flatter than p", lambda p: p),
    ("exp(p) is not it: softmax undoes an exp, so the logits are a log", np.exp),
    ("the sign is flipped: -log p puts the largest logit on the least likely class", lambda p: -np.log(p)),
    ("log base 10 instead of the natural log (softmax exponentiates with e)", np.log10),
    ("log base 2 instead of the natural log (softmax exponentiates with e)", np.log2),
    *_log_plus_eps("a small constant inside the log: log(p + eps) is far from log p where p is tiny (every p here "
                   "is positive, so log p needs no guard)", lambda p: p),
]


def check_logits_for(fn: Callable[[np.ndarray], Any]) -> CheckResult:
    r"""Check a student's ``fn(p)``: logits ``z`` with ``softmax(z) = p`` for a vector ``p`` of positive entries
    summing to 1 (any ``log(p) + c`` is right). Compared: softmax of the student's logits against ``p``,
    entry by entry with a relative tolerance (so a tiny probability must come out right too).

    Slips named: ``p`` itself, ``exp(p)``, ``-log p``, log base 10 or 2, ``log(p + eps)``.
    """
    cases = [("p = [0.2, 0.3, 0.5]", np.array([0.2, 0.3, 0.5])),
             ("uniform p = [0.25, 0.25, 0.25, 0.25]", np.full(4, 0.25)),
             ("p = [0.7, 0.1, 0.1, 0.1]", np.array([0.7, 0.1, 0.1, 0.1])),
             ("a tiny probability p = [1e-12, 0.25, 0.75 - 1e-12]", np.array([1e-12, 0.25, 0.75 - 1e-12])),
             ("one class p = [1]", np.array([1.0]))]
    return _run_naming_slips("logits for p", fn, [(w, p, p) for w, p in cases], _LOGITS_FOR_SLIPS,
                             post=_softmax_written_out, rtol=1e-6, atol=0.0)


# --------------------------------------------------------------------------------------------- notebook 02
# Far below the others: a shift by the min overflows here (exp(800)), a shift by the mean (-200) does not.
_ONE_FAR_BELOW = ("one logit far below the others [0, 0, 0, -800]", np.array([0.0, 0.0, 0.0, -800.0]))
# Far above the others: a shift by the median, the second-largest or the min (-800) overflows here (exp(800)),
# a shift by the mean (-533.3) does not, so a shift by the mean is named only when it is one. LSE is exactly 0
# here, so log(S + eps) shows as eps itself.
_ONE_FAR_ABOVE = ("one logit far above the others [0, -800, -800]", np.array([0.0, -800.0, -800.0]))
# Tiny but positive probabilities (9.4e-14, 5.1e-131, 9.9e-305, all normal floats): exact to rtol, so a clip,
# a floor, zeroing or rounding shows.
_TINY = ("tiny probabilities [0, -30, -300, -700]", np.array([0.0, -30.0, -300.0, -700.0]))

# Tolerances: a right stable softmax, LSE or log-softmax in float64 is within a few ulps of the expected value
# (the max shift with keepdims, exp(z - LSE), scipy, in place, a Python loop: at most 5e-14 apart here, 2.3e-13
# with an LSE one ulp off), so the checkers compare to rtol 1e-12 and an eps anywhere (a clip, a floor, S + eps)
# is caught. Probabilities have atol 0: a tiny p must be right relatively and an exact 0 must stay 0. LSE has
# atol 1e-15 (it is near 0 only when the max is, so its rounding is relative); log-softmax has atol 1e-12, as
# z - LSE(z) carries the rounding of LSE, an ulp of 1000 (1.1e-13), even where it is 0.
_P_TOL = {"rtol": 1e-12, "atol": 0.0}
_LSE_TOL = {"rtol": 1e-12, "atol": 1e-15}
_LOG_P_TOL = {"rtol": 1e-12, "atol": 1e-12}

# Shifts other than by the max (and the mean and the min, named as such): a student's own choice of s.
_OTHER_SHIFTS: tuple[Callable[[np.ndarray], Any], ...] = (
    lambda z: np.median(z, axis=-1, keepdims=True),       # the median
    lambda z: np.sort(z, axis=-1)[..., -2:-1],            # the second-largest
    lambda z: z[..., :1], lambda z: z[..., -1:],          # the first or the last logit
)

# Constants students use "to be safe" in a denominator or a log: the powers of ten from 1e-1 to 1e-16 and
# float64's eps (2.2e-16).
_GUARDS = tuple(10.0 ** -k for k in range(1, 17)) + (float(np.finfo(np.float64).eps),)


def _normalised(e: np.ndarray, **sum_kw: Any) -> np.ndarray:
    return e / e.sum(**sum_kw)


def _p(z: np.ndarray) -> np.ndarray:
    """softmax of each row (the max shift with keepdims), written out here for the slips."""
    return _normalised(_exp_shifted(z, _row(np.max)), axis=-1, keepdims=True)


def _lse(z: np.ndarray) -> Any:
    """LSE of each row, as one number for a vector (written out here for the slips)."""
    m = z.max(axis=-1, keepdims=True)
    return (m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True))).squeeze(-1)


_FLOAT32 = ("computed in float32 (about 7 significant digits): every value is a float32 number near the right one; "
            "the logits are float64, keep the arithmetic float64 (no astype(np.float32))")


def _in_float32(right: Callable[[np.ndarray], Any], atol: float) -> Callable[[np.ndarray, np.ndarray], Any]:
    """A fitted slip: the student's output itself if every value is a float32 number within float32 rounding
    (rtol 1e-5, ``atol``) of ``right(z)`` (float32 rounding depends on the order of operations, so the output is
    not recomputed)."""
    def slip(z: np.ndarray, got: np.ndarray) -> np.ndarray:
        want = np.asarray(right(z), dtype=np.float64)
        if (got.shape != want.shape or not np.array_equal(got.astype(np.float32).astype(np.float64), got)
                or not np.allclose(got, want, rtol=1e-5, atol=atol)):
            raise ValueError("not float32 rounding")
        return got
    return _fitted(slip)


_CLIPPED = ("probabilities clipped/floored: a tiny p is not eps (np.clip or np.maximum with a small constant); "
            "softmax needs no guard, a tiny or 0 probability is the right answer")
_ZEROED = ("small probabilities set to 0: a tiny p is not 0 (exp rounds it to 0 only where it underflows); "
           "return the probabilities as computed")
_ROUNDED = "rounded: np.round turns a tiny p into 0 and moves the others; round only when printing"
_DENOMINATOR = ("an eps in the denominator: rows no longer sum to 1; after the max shift the sum is at least 1, "
                "so it needs no guard")
_PLUS_EPS = ("an eps added to every exp(z - m) before normalising: a tiny p becomes about eps / sum instead of p; "
             "after the max shift the sum is at least 1, so nothing needs a guard")
_PLUS_CONSTANT = ("a constant added to every probability: every value is off by the same amount, so the rows do "
                  "not sum to 1 (and a p of 0 is not 0)")


def _floored(p: np.ndarray, eps: float, top: float) -> np.ndarray:
    """``np.clip(p, eps, top)`` for a floor ``eps`` at or below some probability (a floor above them all,
    0.25000001 for four equal logits, is not a guard against tiny values)."""
    if not (p >= eps).any():
        raise ValueError("no probability above the floor")
    return np.clip(p, eps, top)


def _plus_constant(p: np.ndarray, got: np.ndarray) -> np.ndarray:
    """``p`` plus the constant read off the student's output where ``p`` is smallest (where it is exact)."""
    k = np.unravel_index(np.argmin(p), p.shape)
    return p + (got[k] - p[k])


_SOFTMAX_SLIPS: list[Slip] = [
    ("no max shift: exp of the raw logits overflows to inf (or underflows to 0), and inf/inf or 0/0 is nan",
     lambda z: _normalised(np.exp(z), axis=-1, keepdims=True)),
    ("a shift by the mean instead of the max: exp(z - mean) still overflows when logits are far apart",
     lambda z: _normalised(_exp_shifted(z, _row(np.mean)), axis=-1, keepdims=True)),
    ("a shift by the min instead of the max: exp(z - min) overflows as soon as the logits are far apart",
     lambda z: _normalised(_exp_shifted(z, _row(np.min)), axis=-1, keepdims=True)),
    *[("shifted by something other than the row max: exp(z - s) overflows (inf/inf = nan) once a logit lies "
       "more than about 709.78 above s; subtract each row's max", lambda z, s=s: _normalised(_exp_shifted(z, s),
                                                                                            axis=-1, keepdims=True))
      for s in _OTHER_SHIFTS],
    ("one max for the whole batch (np.max(z)) instead of one per row: a row far below the batch's max "
     "underflows to 0/0", lambda z: _normalised(_exp_shifted(z, np.max), axis=-1, keepdims=True)),
    ("each column is normalised instead of each row (a sum over axis 0): use axis=-1",
     lambda z: _normalised(_exp_shifted(z, np.max), axis=0, keepdims=True)),
    ("each column is normalised instead of each row (a sum over axis 0): use axis=-1",
     lambda z: _normalised(_exp_shifted(z, _row(np.max)), axis=0, keepdims=True)),
    ("one sum for the whole batch: all entries together sum to 1, each row should",
     lambda z: _normalised(_exp_shifted(z, _row(np.max)))),
    ("one sum for the whole batch: all entries together sum to 1, each row should",
     lambda z: _normalised(_exp_shifted(z, np.max))),
    ("the row sums lack keepdims=True: e / e.sum(axis=1) divides column j by the sum of row j",
     lambda z: _exp_shifted(z, _row(np.max)) / np.exp(z - z.max(axis=-1, keepdims=True)).sum(axis=-1)),
    ("the row maxima and sums lack keepdims=True: z - z.max(axis=1) shifts column j by the max of row j",
     lambda z: np.exp(z - z.max(axis=-1)) / np.exp(z - z.max(axis=-1)).sum(axis=-1)),
    ("not normalised: exp(z - max) is missing the division by its sum",
     lambda z: _exp_shifted(z, _row(np.max))),
    ("the max of each column (axis=0) instead of each row: a row far below a column's max underflows to 0/0; "
     "use axis=-1", lambda z: _normalised(_exp_shifted(z, lambda x: x.max(axis=0, keepdims=True)), axis=-1,
                                          keepdims=True)),
    # Guards: the eps (or the threshold) is read off the student's output, which must then equal the slip's.
    (_CLIPPED, _fitted(lambda z, got: _floored(_p(z), got.min(), 1.0))),
    (_CLIPPED, _fitted(lambda z, got: _floored(_p(z), got.min(), 1.0 - got.min()))),
    (_ZEROED, _fitted(lambda z, got: (lambda p: np.where(p < p[got != 0].min(), 0.0, p))(_p(z)))),
    *[(_ROUNDED, lambda z, d=d: np.round(_p(z), d)) for d in range(17)],
    *[(_DENOMINATOR, lambda z, eps=eps: (lambda e: e / (e.sum(axis=-1, keepdims=True) + eps))(
        _exp_shifted(z, _row(np.max)))) for eps in _GUARDS],
    *[(_PLUS_EPS, lambda z, eps=eps: _normalised(_exp_shifted(z, _row(np.max)) + eps, axis=-1, keepdims=True))
      for eps in _GUARDS],
    (_PLUS_CONSTANT, _fitted(lambda z, got: _plus_constant(_p(z), got))),
    (_FLOAT32, _in_float32(_p, atol=1e-37)),  # float32 underflows below 1e-45: a p of 5e-131 becomes 0
]


def check_softmax(fn: Callable[[np.ndarray], Any]) -> CheckResult:
    """Check a student's ``fn(z)`` against :func:`softmax` for one vector (shape (C,)) and for a batch
    (shape (N, C), one row per sample): large, very negative and far-apart logits, one logit far below or far
    above the others, tiny but positive probabilities, a square batch and a batch whose rows lie far apart.
    Compared to rtol 1e-12 with atol 0 (a right float64 softmax is within a few ulps).

    Slips named: no max shift, a shift by the mean or the min or by something else than the max (the median,
    the second-largest), one max for the whole batch, columns normalised instead of rows, one sum for the
    whole batch, row sums or maxima without keepdims, no division by the sum, the max of each column instead
    of each row; probabilities clipped or floored at an eps, small ones set to 0, rounded, an eps in the
    denominator or added to every term, a constant added to every probability, float32 arithmetic.
    """
    batches = [("a batch of 2 rows [[1, 2, 3], [2, 2, 1]]", np.array([[1.0, 2.0, 3.0], [2.0, 2.0, 1.0]])),
               ("a square batch [[1, 2, 3], [3, 1, 2], [0, 0, 5]]",
                np.array([[1.0, 2.0, 3.0], [3.0, 1.0, 2.0], [0.0, 0.0, 5.0]])),
               ("a batch with rows far apart [[0, 1], [-1000, -1001], [1000, 999]]",
                np.array([[0.0, 1.0], [-1000.0, -1001.0], [1000.0, 999.0]]))]
    vecs = example_vectors() + FAR_APART + [_ONE_FAR_BELOW, _ONE_FAR_ABOVE, _TINY]
    cases = [(what, z, softmax(z)) for what, z in vecs + batches]
    return _run_naming_slips("softmax", fn, cases, _SOFTMAX_SLIPS,
                             shifted=lambda c: fn(np.array([1.0, 2.0, 3.0]) + c), **_P_TOL)


_LOG_EPS = ("an eps added inside the log: log(S + eps) is not log S; after the max shift the sum S is at least 1, "
            "so the log needs no guard")

_LOGSUMEXP_SLIPS: list[Slip] = [
    ("no max shift: log(sum(exp(z))) overflows to inf (or underflows to log 0 = -inf)",
     lambda z: np.log(np.sum(np.exp(z)))),
    ("a shift by the mean instead of the max: exp(z - mean) overflows when logits are far apart",
     lambda z: np.mean(z) + np.log(np.sum(np.exp(z - np.mean(z))))),
    ("a shift by the min instead of the max: exp(z - min) overflows when one logit is far below the others",
     lambda z: np.min(z) + np.log(np.sum(np.exp(z - np.min(z))))),
    *[("shifted by something other than the max: exp(z - s) overflows once a logit lies more than about 709.78 "
       "above s; use s = max(z)", lambda z, s=s: (s(z) + np.log(np.sum(np.exp(z - s(z))))).squeeze(-1))
      for s in _OTHER_SHIFTS],
    ("the max is not added back: log(sum(exp(z - m))) is LSE(z) - m",
     lambda z: np.log(np.sum(np.exp(z - np.max(z))))),
    ("the max is subtracted instead of added back: LSE(z) = m + log(sum(exp(z - m)))",
     lambda z: np.log(np.sum(np.exp(z - np.max(z)))) - np.max(z)),
    ("a mean instead of a sum: log(mean(exp(z - m))) is off by -ln C",
     lambda z: np.max(z) + np.log(np.mean(np.exp(z - np.max(z))))),
    ("only the max: LSE(z) lies between max(z) and max(z) + ln C, the log of the sum is missing",
     lambda z: np.max(z)),
    *[(_LOG_EPS, lambda z, eps=eps: np.max(z) + np.log(np.sum(np.exp(z - np.max(z))) + eps)) for eps in _GUARDS],
    *[(_LOG_EPS, lambda z, eps=eps: np.max(z) + np.log(np.sum(np.exp(z - np.max(z)) + eps))) for eps in _GUARDS],
    (_FLOAT32, _in_float32(_lse, atol=1e-6)),
]


def _one_number(out: Any) -> Any:
    """A one-element array, shape (1,) (what ``m = z.max(axis=-1, keepdims=True)`` leads to), as one number."""
    if isinstance(out, (np.ndarray, list, tuple)):
        try:
            a = np.asarray(out, dtype=np.float64)
        except (TypeError, ValueError):
            return out
        if a.shape == (1,):
            return a.reshape(())
    return out


def check_logsumexp(fn: Callable[[np.ndarray], Any]) -> CheckResult:
    r"""Check a student's ``fn(z)`` returning the scalar :math:`\log \sum_j e^{z_j}` of one vector ``z`` (a
    one-element array, shape (1,), counts as one number). Compared to rtol 1e-12, atol 1e-15.

    Slips named: no max shift, a shift by the mean (caught by [800, -800]), the min or something else than the
    max (the median, the second-largest: caught by [0, -800, -800]), the max not added back or subtracted, a
    mean instead of the sum, the max alone, an eps inside the log (caught by [0, -800, -800], whose LSE is 0),
    float32 arithmetic.
    """
    vecs = example_vectors() + [("a single logit [7]", np.array([7.0])),
                                ("logits spread far apart [800, -800]", np.array([800.0, -800.0])),
                                _ONE_FAR_BELOW, _ONE_FAR_ABOVE]
    cases = [(what, z, np.asarray(logsumexp(z))) for what, z in vecs]
    return _run_naming_slips("logsumexp", lambda z: _one_number(fn(z)), cases, _LOGSUMEXP_SLIPS,
                             shifted=lambda c: fn(np.array([1.0, 2.0, 3.0]) + c), **_LSE_TOL)


_LOG_OF_CLIP = ("log(max(softmax(z), eps)), a clip: it caps log p at log(eps), far above the true value where p "
                "is tiny; use z - LSE(z)")
_LOG_PLUS_EPS = ("log(softmax(z) + eps) (or a clip at eps): the small constant caps log p at about log(eps), far "
                 "above the true value where p is tiny; use z - LSE(z)")

_LOG_SOFTMAX_SLIPS: list[Slip] = [
    ("log of softmax: a probability that rounded to 0 gives log 0 = -inf; use z - LSE(z)",
     lambda z: np.log(_normalised(_exp_shifted(z, np.max)))),
    ("no max shift: z - log(sum(exp(z))) overflows", lambda z: z - np.log(np.sum(np.exp(z)))),
    ("a shift by the mean instead of the max: exp(z - mean) overflows when logits are far apart",
     lambda z: z - np.mean(z) - np.log(np.sum(np.exp(z - np.mean(z))))),
    ("a shift by the min instead of the max: exp(z - min) overflows when one logit is far below the others",
     lambda z: z - np.min(z) - np.log(np.sum(np.exp(z - np.min(z))))),
    *[("shifted by something other than the max: exp(z - s) overflows once a logit lies more than about 709.78 "
       "above s; use s = max(z)", lambda z, s=s: z - s(z) - np.log(np.sum(np.exp(z - s(z)))))
      for s in _OTHER_SHIFTS],
    ("the log of the sum is missing: z - max(z) is only the shift", lambda z: z - np.max(z)),
    ("the max is not added back into LSE: z - log(sum(exp(z - m))) is log softmax(z) + m; subtract "
     "LSE(z) = m + log(sum(exp(z - m)))", lambda z: z - np.log(np.sum(np.exp(z - np.max(z))))),
    ("the sign is flipped: log_softmax(z) = z - LSE(z), not LSE(z) - z",
     lambda z: np.max(z) + np.log(np.sum(np.exp(z - np.max(z)))) - z),
    ("you returned softmax(z), not its log", lambda z: _normalised(_exp_shifted(z, np.max))),
    *_log_plus_eps(_LOG_PLUS_EPS, lambda z: _normalised(_exp_shifted(z, np.max)), _EPSILONS + _TINY_GUARDS),
    *[(_LOG_OF_CLIP, lambda z, eps=eps: np.log(np.maximum(_normalised(_exp_shifted(z, np.max)), eps)))
      for eps in _EPSILONS + _TINY_GUARDS],
    # Any other eps, down to the subnormal 5e-324, read off the output: log(eps) is its smallest value.
    (_LOG_OF_CLIP, _fitted(lambda z, got: np.maximum(np.log(_normalised(_exp_shifted(z, np.max))),
                                                     got[np.isfinite(got)].min()))),
    (_LOG_PLUS_EPS, _fitted(lambda z, got: np.logaddexp(np.log(_normalised(_exp_shifted(z, np.max))),
                                                        got[np.isfinite(got)].min()))),
    *[("an eps added inside the log of the sum: z - m - log(S + eps) is off by about eps / S; after the max "
       "shift S is at least 1, so the log needs no guard",
       lambda z, eps=eps: z - np.max(z) - np.log(np.sum(np.exp(z - np.max(z))) + eps)) for eps in _GUARDS],
    (_FLOAT32, _in_float32(lambda z: z - _lse(z)[..., None], atol=1e-6)),
]


def check_log_softmax(fn: Callable[[np.ndarray], Any]) -> CheckResult:
    """Check a student's ``fn(z)`` for one vector against :func:`log_softmax`, to rtol 1e-12, atol 1e-12.

    Slips named: log of softmax (caught by [0, -800]), no max shift, a shift by the mean or the min or by
    something else than the max (the median, the second-largest: caught by [0, -800, -800]), the log of the sum
    missing, the max not added back into LSE, the sign flipped, softmax returned instead of its log,
    ``log(softmax(z) + eps)`` and ``log(max(softmax(z), eps))`` (a clip), for any eps down to the smallest
    subnormal float, an eps inside the log of the sum, float32 arithmetic.
    """
    vecs = (example_vectors() + [("far-apart logits [0, -800]", np.array([0.0, -800.0]))] + FAR_APART
            + [_ONE_FAR_BELOW, _ONE_FAR_ABOVE])
    cases = [(what, z, log_softmax(z)) for what, z in vecs]
    return _run_naming_slips("log_softmax", fn, cases, _LOG_SOFTMAX_SLIPS,
                             shifted=lambda c: fn(np.array([1.0, 2.0, 3.0]) + c), **_LOG_P_TOL)


# ------------------------------------------------------------------------------- predict, then run
PREDICTIONS: dict[str, Prediction] = {
    "shift-or-scale": Prediction(
        question=("For z = [0.5, -1.0, 2.0], which changes leave softmax(z) unchanged: (a) z + 5, (b) 5 z, "
                  "(c) z - mean(z), (d) 5 added to the largest logit only, (e) z - min(z)?"),
        answer=(True, False, True, False, True),
        explanation=("softmax depends only on the differences z_i - z_j. Adding 5 to every logit (a), subtracting "
                     "their mean (c) or their min (e) moves every logit by the same amount and keeps every "
                     "difference; multiplying by 5 (b) multiplies every difference by 5, so every ratio "
                     "p_i / p_j = exp(z_i - z_j) is raised to the 5th power (sharper); adding 5 to the largest "
                     "logit only (d) widens its gaps to the others."),
        rtol=0.0),
    "literal-formula-float64": Prediction(
        question=("In float64, does the literal formula exp(z) / sum(exp(z)) give the right answer for "
                  "(a) [1000, 1000], (b) [-1000, -1000], (c) [0, -1000], (d) [700, 0]?"),
        answer=(False, False, True, True),
        explanation=("(a) exp(1000) = inf, so inf/inf = nan; (b) exp(-1000) underflows to 0, so 0/0 = nan; "
                     "(c) exp(0) = 1 and exp(-1000) = 0 give [1, 0], which is the true answer rounded to float64 "
                     "(its second entry, about 5e-435, is below the smallest float); (d) exp(700) is about 1e304, "
                     "below float64's largest number 1.8e308, so nothing overflows and the literal formula is "
                     "right. Overflow needs a logit above 709.78, underflow of every term needs all logits "
                     "below -745.13."),
        rtol=0.0),
    "01-sigmoid-slope": Prediction(
        question="What is the largest slope sigma'(a) of the sigmoid sigma(a) = 1 / (1 + e^-a), over all real a?",
        answer=0.25,
        rtol=0.01,
        explanation=("sigma'(a) = sigma(a) (1 - sigma(a)) = s (1 - s) with s = sigma(a) in (0, 1); s (1 - s) is largest "
                     "at s = 1/2, that is at a = 0, where it is 1/4. Not 1/2: that is softmax's Lipschitz constant "
                     "(notebook 01, section 5), measured on the two logits (a/2, -a/2), whose distance moves only "
                     "1/sqrt(2) as fast as a, while the output (sigma(a), 1 - sigma(a)) moves sqrt(2) times as fast as "
                     "sigma(a): the stretch is 2 sigma'(a), at most 1/2.")),
}
