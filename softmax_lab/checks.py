"""Self-checking exercises: run a student's function against the package's reference and say,
in words, what is wrong (wrong shape, overflow on large input, value off at index ...).

Every checker returns a :class:`CheckResult`; in a notebook its text is shown as the cell's output::

    check_softmax(my_softmax)
    # softmax: all 6 checks passed

The checkers never import the student's code: they only call the function they are given, on
inputs chosen to catch the classic mistakes (no max shift, wrong axis, sum over the batch ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .forward import log_softmax, softmax
from .jacobian import softmax_backward, softmax_jacobian
from .losses import cross_entropy_grad

__all__ = ["CheckResult", "compare", "run_checks", "check_softmax", "check_log_softmax", "check_jacobian",
           "check_backward", "check_cross_entropy_grad"]


@dataclass
class CheckResult:
    """Outcome of a checker: ``ok`` is True when every case passed; ``problems`` says what failed."""

    name: str
    passed: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        total = self.passed + len(self.problems)
        if self.ok:
            return f"{self.name}: all {total} checks passed"
        lines = [f"{self.name}: {len(self.problems)} of {total} checks failed"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


OVERFLOW_HINT = "overflow or underflow? subtract the max before exp, and never take log of a rounded probability"


def compare(got: Any, expected: np.ndarray, what: str, rtol: float = 1e-6, atol: float = 1e-9,
            hint: str = OVERFLOW_HINT) -> str | None:
    """Return ``None`` if ``got`` matches ``expected``, else a sentence that says how it differs."""
    try:
        g = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return f"{what}: returned {type(got).__name__}, which is not an array of numbers"
    if g.shape != expected.shape:
        return f"{what}: wrong shape: expected {expected.shape}, got {g.shape}"
    bad_nan = ~np.isfinite(g) & np.isfinite(expected)
    if bad_nan.any():
        i = tuple(int(k) for k in np.argwhere(bad_nan)[0])
        return (f"{what}: got {g[i]} at index {i} where {expected[i]:.6g} was expected "
                f"({hint})")
    close = np.isclose(g, expected, rtol=rtol, atol=atol, equal_nan=True) | (g == expected)
    if not close.all():
        i = tuple(int(k) for k in np.argwhere(~close)[0])
        where = f" at index {i}" if expected.ndim else ""
        return f"{what}: value off{where}: expected {expected[i]:.6g}, got {g[i]:.6g}"
    return None


def run_checks(name: str, cases: list[tuple[str, Callable[[], Any], np.ndarray]], **tol: float) -> CheckResult:
    """Run ``(description, call, expected)`` cases; exceptions and mismatches become problems."""
    res = CheckResult(name)
    for what, call, expected in cases:
        try:
            with np.errstate(all="ignore"):
                got = call()
        except Exception as exc:  # the student's code may raise anything: report it, don't crash
            res.problems.append(f"{what}: raised {type(exc).__name__}: {exc}")
            continue
        msg = compare(got, expected, what, **tol)
        if msg:
            res.problems.append(msg)
        else:
            res.passed += 1
    return res


def _vectors() -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(12345)
    return [
        ("a small vector [1, 2, 3]", np.array([1.0, 2.0, 3.0])),
        ("equal logits [5, 5, 5, 5]", np.full(4, 5.0)),
        ("negative logits [-3, -1, -2]", np.array([-3.0, -1.0, -2.0])),
        ("large logits [1000, 1001, 1002]", np.array([1000.0, 1001.0, 1002.0])),
        ("very negative logits [-1000, -1001]", np.array([-1000.0, -1001.0])),
        ("a random vector of 50 logits", rng.normal(size=50) * 4),
    ]


# Logits far apart: a shift by the mean or the min (instead of the max) overflows on these.
_FAR_APART = [("far-apart logits [1000, -1000]", np.array([1000.0, -1000.0])),
              ("far-apart logits [0, -1500]", np.array([0.0, -1500.0]))]


def check_softmax(fn: Callable[[np.ndarray], Any]) -> CheckResult:
    """Check a student's ``fn(z)`` for one vector ``z`` against :func:`softmax`."""
    vecs = _vectors() + _FAR_APART
    cases = [(desc, (lambda z=z: fn(z.copy())), softmax(z)) for desc, z in vecs]
    return run_checks("softmax", cases)


def check_log_softmax(fn: Callable[[np.ndarray], Any]) -> CheckResult:
    """Check a student's ``fn(z)`` for one vector against :func:`log_softmax` (catches log(softmax(z)))."""
    vecs = _vectors() + [("far-apart logits [0, -800]", np.array([0.0, -800.0]))] + _FAR_APART
    cases = [(desc, (lambda z=z: fn(z.copy())), log_softmax(z)) for desc, z in vecs]
    return run_checks("log_softmax", cases)


def check_jacobian(fn: Callable[[np.ndarray], Any]) -> CheckResult:
    """Check a student's ``fn(p)`` returning the C x C Jacobian of softmax at output ``p``."""
    cases = []
    for desc, z in _vectors():
        p = softmax(z)
        cases.append((f"J at softmax({desc})", (lambda p=p: fn(p.copy())), softmax_jacobian(p)))
    return run_checks("softmax Jacobian", cases)


def check_backward(fn: Callable[[np.ndarray, np.ndarray], Any]) -> CheckResult:
    """Check a student's batched ``fn(A, dLdA)`` returning dLdZ, rows are samples."""
    rng = np.random.default_rng(7)
    cases = []
    for n, c in [(1, 3), (2, 3), (5, 10), (3, 1)]:
        a = softmax(rng.normal(size=(n, c)) * 3, axis=-1)
        g = rng.normal(size=(n, c))
        cases.append((f"a batch of N={n}, C={c}", (lambda a=a, g=g: fn(a.copy(), g.copy())),
                      softmax_backward(a, g)))
    return run_checks("softmax backward", cases)


def check_cross_entropy_grad(fn: Callable[[np.ndarray, np.ndarray], Any]) -> CheckResult:
    """Check a student's ``fn(logits, labels)`` returning the gradient of the mean cross-entropy."""
    rng = np.random.default_rng(3)
    cases = []
    for n, c in [(1, 3), (4, 5), (8, 2)]:
        z = rng.normal(size=(n, c)) * 2
        t = rng.integers(0, c, size=n)
        cases.append((f"N={n}, C={c} with integer labels", (lambda z=z, t=t: fn(z.copy(), t.copy())),
                      cross_entropy_grad(z, t)))
    big = np.array([[1000.0, 0.0, -1000.0]])
    cases.append(("large logits [[1000, 0, -1000]]", (lambda: fn(big.copy(), np.array([1]))),
                  cross_entropy_grad(big, np.array([1]))))
    return run_checks("cross-entropy gradient", cases)


# --- Checkers for the derivation notebooks (02 overflow, 03 Jacobian, 04 worked example) ---------------

from .forward import logsumexp as _logsumexp  # noqa: E402  (kept next to the checkers that use it)

__all__ += ["check_logsumexp", "check_jacobian_row", "check_softmax_vjp"]


def check_logsumexp(fn: Callable[[np.ndarray], Any]) -> CheckResult:
    r"""Check a student's ``fn(z)`` returning the scalar :math:`\log \sum_j e^{z_j}` of one vector ``z``.

    Beyond the usual vectors it tries logits spread far apart ([800, -800]): shifting by the mean
    instead of the max overflows there, and forgetting to add the max back is caught everywhere.
    """
    vecs = _vectors() + [("a single logit [7]", np.array([7.0])),
                         ("logits spread far apart [800, -800]", np.array([800.0, -800.0]))]
    cases = [(desc, (lambda z=z: fn(z.copy())), np.asarray(_logsumexp(z))) for desc, z in vecs]
    return run_checks("logsumexp", cases)


def check_jacobian_row(fn: Callable[[np.ndarray, int], Any]) -> CheckResult:
    r"""Check a student's ``fn(p, i)`` returning row ``i`` of the softmax Jacobian at output ``p``.

    Row ``i`` is :math:`\partial p_i / \partial z_j` for every ``j``: :math:`p_i(\delta_{ij} - p_j)`.
    One case per probability vector: all its rows are stacked and compared with ``J``, so a mismatch
    is reported at ``(row i, column j)``. A row of the wrong shape is reported as such.
    """
    def all_rows(p: np.ndarray) -> np.ndarray:
        rows = []
        for i in range(p.size):
            row = np.asarray(fn(p.copy(), i), dtype=np.float64)
            if row.shape != p.shape:
                raise ValueError(f"fn(p, {i}) returned shape {row.shape}; a row of J has one entry per "
                                 f"logit z_j, shape {p.shape}")
            rows.append(row)
        return np.stack(rows)

    cases = []
    for desc, z in _vectors()[:4]:
        p = softmax(z)
        cases.append((f"rows of J at softmax({desc})", (lambda p=p: all_rows(p)),
                      softmax_jacobian(p)))
    return run_checks("Jacobian row", cases)


def check_softmax_vjp(fn: Callable[[np.ndarray, np.ndarray], Any]) -> CheckResult:
    r"""Check a student's batched ``fn(Z, dLdA)`` that runs softmax forward on the logits ``Z`` (rows are
    samples) and returns :math:`dL/dZ` for the upstream gradient ``dLdA``.

    It includes large logits, so a forward pass without the max shift (``np.exp(Z)``) is caught.
    """
    rng = np.random.default_rng(11)
    inputs = [("the worked example Z = [[1, 2, 3], [2, 2, 1]]", np.array([[1.0, 2.0, 3.0], [2.0, 2.0, 1.0]]),
               np.array([[0.1, -0.2, 0.1], [-0.1, 0.3, -0.2]])),
              ("a batch of N=4, C=6", rng.normal(size=(4, 6)) * 3, rng.normal(size=(4, 6))),
              ("large logits [[1000, 1001, 1002]]", np.array([[1000.0, 1001.0, 1002.0]]),
               np.array([[0.5, -1.0, 0.25]]))]
    cases = [(desc, (lambda z=z, g=g: fn(z.copy(), g.copy())), softmax_backward(softmax(z, axis=-1), g))
             for desc, z, g in inputs]
    return run_checks("softmax forward + backward", cases)


# --- Checkers for notebook 06 (cross-entropy and softmax regression) ----------------------------------

__all__ += ["check_softmax_regression_step"]


def check_softmax_regression_step(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a student's ``fn(W, b, X, y, lr)`` returning ``(W_new, b_new)`` after one gradient-descent step.

    The model is :math:`Z = XW + b` with the mean cross-entropy on integer labels ``y``; the step is
    :math:`W - \eta X^\top (P - Y)/N`, :math:`b - \eta \sum_n (P - Y)_n / N`
    (:func:`softmax_lab.regression.gradient_step`). Cases with different N catch a missing ``1/N``;
    large logits catch a forward pass without the max shift; ``W`` and ``b`` are reported separately.
    """
    from .regression import gradient_step  # local import: checks stays importable without it

    rng = np.random.default_rng(5)
    inputs = [("N=4 points, D=2, C=3", rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=(4, 2)),
               np.array([0, 2, 1, 2]), 0.5),
              ("N=10 points, D=3, C=4", rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(10, 3)),
               rng.integers(0, 4, size=10), 0.1),
              ("large logits (W of size 1000)", np.array([[1000.0, -1000.0], [0.0, 500.0]]), np.zeros(2),
               np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([1, 0, 1]), 0.01)]
    cases = []
    for desc, W, b, X, y, lr in inputs:
        W_ref, b_ref = gradient_step(W, b, X, y, lr)

        def part(k: int, W=W, b=b, X=X, y=y, lr=lr):
            out = fn(W.copy(), b.copy(), X.copy(), y.copy(), lr)
            if not isinstance(out, (tuple, list)) or len(out) != 2:
                raise TypeError(f"must return a pair (W_new, b_new), got {type(out).__name__}")
            return out[k]

        cases.append((f"{desc}: W_new", (lambda part=part: part(0)), W_ref))
        cases.append((f"{desc}: b_new", (lambda part=part: part(1)), b_ref))
    return run_checks("softmax regression step", cases)


__all__ += ["check_logit_gap"]


def check_logit_gap(fn: Callable[[float], Any]) -> CheckResult:
    """Check a student's ``fn(p)``: the gap ``z_A - z_B`` that gives class A probability ``p`` in a
    two-class softmax (the answer is log(p / (1 - p)), the logit function)."""
    cases = []
    for p in (0.5, 0.9, 0.25, 0.999, 1e-6):
        expected = np.array(np.log(p) - np.log1p(-p))
        cases.append((f"p = {p:g}", (lambda p=p: fn(p)), expected))
    return run_checks("logit gap", cases, rtol=1e-6, atol=1e-9)


# --- attention exercises (notebook 08) ------------------------------------------------------------

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

    ``m`` is the max of the scores seen so far, ``l = sum(exp(seen - m))``, ``x`` the next block. The
    expected answer is computed from all the scores at once (max, then a sum of shifted exponentials),
    not with the update formula, and the usual mistakes are named: no rescaling of ``l``, the factor
    upside down, the block not shifted by the new max.
    """
    res = CheckResult("online softmax update")
    for desc, seen, x in _online_cases():
        m = float(np.max(seen)) if seen.size else -np.inf
        l = float(np.sum(np.exp(seen - m))) if seen.size else 0.0
        every = np.concatenate([seen, x])
        m_exp = float(np.max(every))
        l_exp = float(np.sum(np.exp(every - m_exp)))
        try:
            with np.errstate(all="ignore"):
                got = fn(m, l, x.copy())
        except Exception as exc:  # the student's code may raise anything: report it, don't crash
            res.problems.append(f"{desc}: raised {type(exc).__name__}: {exc}")
            continue
        try:
            gm, gl = (np.asarray(g, dtype=np.float64) for g in got)
            if gm.ndim or gl.ndim:
                raise ValueError("not scalars")
            gm, gl = float(gm), float(gl)
        except (TypeError, ValueError):
            res.problems.append(f"{desc}: return the pair (m_new, l_new) of two numbers, got {got!r}")
            continue
        if not np.isclose(gm, m_exp, rtol=1e-12, atol=0):
            res.problems.append(f"{desc}: m_new should be max(m, max(x)) = {m_exp:.6g}, got {gm:.6g}")
            continue
        if np.isclose(gl, l_exp, rtol=1e-9, atol=0):
            res.passed += 1
            continue
        with np.errstate(all="ignore"):
            block = float(np.sum(np.exp(x - m_exp)))
            mistakes = [
                (l + block, "the old sum l was measured against the old max m: multiply it by exp(m - m_new) "
                            "before adding the block"),
                (l * np.exp(m_exp - m) + block, "the rescale factor is exp(m - m_new) (at most 1), "
                                                "not exp(m_new - m)"),
                (l * np.exp(m - m_exp) + float(np.sum(np.exp(x))), "the block's terms must be exp(x - m_new), "
                                                                  "shifted by the new max"),
            ]
        if not np.isfinite(gl):
            if m == -np.inf:
                why = ("at the start m = -inf and l = 0, so the old part l * exp(m - m_new) is 0 * exp(-inf) = 0; "
                       "an upside-down factor exp(m_new - m) gives 0 * inf = nan")
            else:
                why = "overflow? shift every exponent by the new max m_new so that it is <= 0"
            res.problems.append(f"{desc}: l_new is {gl} where {l_exp:.6g} was expected ({why})")
            continue
        why = next((msg for value, msg in mistakes if np.isfinite(value) and np.isclose(gl, value, rtol=1e-9)),
                   "l_new should be l * exp(m - m_new) + sum(exp(x - m_new))")
        res.problems.append(f"{desc}: l_new should be {l_exp:.6g}, got {gl:.6g}: {why}")
    return res


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
        if j > i:
            why = f"query {i} may attend to key {j}, which comes after it: the future leaks (keys j > i must be False)"
        elif i == j:
            why = f"query {i} may not attend to itself: the diagonal must be True"
        else:
            why = f"query {i} cannot see key {j}, which is in its past: keys j <= i must be True"
        res.problems.append(f"{desc}: {why}")
    return res


__all__ += ["check_online_softmax_update", "check_causal_mask"]


# --- temperature exercises (notebook 07) ----------------------------------------------------------

__all__ += ["check_entropy", "check_tempered_softmax", "check_top_p_mask", "check_gumbel_max"]

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
