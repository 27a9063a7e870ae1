"""The machinery every checker shares: :class:`CheckResult`, :func:`compare`, :func:`run_checks`, the
:func:`checker` wrapper that spots an untouched stub and records the result for ``progress()``, and the
example logit vectors chosen to catch the classic mistakes (no max shift, a shift by the mean or the min).

Every checker returns a :class:`CheckResult`; in a notebook its text is shown as the cell's output::

    check_softmax(my_softmax)
    # softmax: all 8 checks passed

A problem line names the slip in words first, then shows expected against actual. The checkers never import
the student's code: they only call the function they are given.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

__all__ = ["CheckResult", "compare", "run_checks", "checker", "call_reporting", "nonfinite_cause", "OVERFLOW_HINT",
           "example_vectors", "FAR_APART", "digits_for"]


@dataclass
class CheckResult:
    """Outcome of a checker: ``ok`` is True only when at least one case was checked and every case passed.

    ``attempted`` is False for an untouched stub (it raised NotImplementedError or returned ``...``);
    ``function`` names the student's function (or, with ``value=True``, the variable that holds their answer)
    in the "not attempted yet" message.
    """

    name: str
    passed: int = 0
    problems: list[str] = field(default_factory=list)
    attempted: bool = True
    function: str = "your function"
    value: bool = False

    @property
    def ok(self) -> bool:
        return self.attempted and self.passed > 0 and not self.problems

    @property
    def status(self) -> str:
        """"passed", "tried" or "not attempted" (what ``progress()`` records)."""
        return "not attempted" if not self.attempted else "passed" if self.ok else "tried"

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        if not self.attempted:
            todo = f"set {self.function} to your answer" if self.value else f"write the body of {self.function}"
            return f"{self.name}: not attempted yet - {todo}, then run this cell again"
        total = self.passed + len(self.problems)
        if self.ok:
            return f"{self.name}: all {total} checks passed"
        if not total:
            return f"{self.name}: nothing was checked, so nothing passed"
        lines = [f"{self.name}: {len(self.problems)} of {total} checks failed"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


# What a nan/inf can come from when the checker cannot tell which (kept under this name for old imports).
OVERFLOW_HINT = ("a nan/inf; possible causes: no max shift before exp (exp overflows), or a log or a division "
                 "of a probability that underflowed to 0 (log(0) = -inf, 0 * inf = nan)")


def num(x: float, other: float | None = None, max_digits: int = 8) -> str:
    """``x`` with 4 significant digits, or more (up to ``max_digits``) when needed to tell it apart from
    ``other``."""
    for digits in range(4, max_digits + 1):
        if other is None or f"{x:.{digits}g}" != f"{other:.{digits}g}":
            break
    return f"{x:.{digits}g}"


def nonfinite_cause(shifted: Callable[[float], Any] | None) -> str:
    """Say why a student's function produced nan/inf, as far as it can be told.

    ``shifted(c)`` calls the student's function on fixed, small logits plus ``c``. A function that subtracts
    the max gives finite values for ``c = 0`` and ``c = 1000`` alike; one that does not overflows at 1000.
    Without ``shifted`` the possible causes are listed, none is asserted.
    """
    if shifted is None:
        return OVERFLOW_HINT

    def finite(c: float) -> bool:
        with np.errstate(all="ignore"):
            return bool(np.all(np.isfinite(np.asarray(shifted(c), dtype=np.float64))))

    try:
        small, large = finite(0.0), finite(1000.0)
    except Exception:  # the student's code may raise anything: fall back to the possible causes
        return OVERFLOW_HINT
    if not small:
        return ("a nan/inf even on small logits, so not an overflow: look for a division by zero or a log of 0")
    if not large:
        return ("no max shift: your function is finite on small logits but gives nan/inf on the same logits "
                "plus 1000, so exp overflows; subtract the max (of each row) before exp")
    return ("a nan/inf, and not from a missing max shift (your function is unchanged when the logits are shifted "
            "by 1000): typically a log or a division of a probability that underflowed to 0 (log(0) = -inf, "
            "0 * inf = nan); work with log-probabilities, z - max - log(sum(exp(z - max)))")


def digits_for(rtol: float) -> int:
    """The most significant digits a value is shown with: 8, or enough to show a difference just above a
    tighter ``rtol`` (13 for 1e-12), so that expected and actual never print alike."""
    return int(min(17, max(8, np.ceil(-np.log10(rtol)) + 1))) if rtol > 0 else 17


def _index(i: tuple[int, ...]) -> str:
    return str(i[0]) if len(i) == 1 else str(i)


def _same(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    return np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True) | (a == b)


def as_numbers(got: Any, what: str) -> tuple[np.ndarray | None, str | None]:
    """``(got as a float64 array, None)``, or ``(None, the problem in words)``: a missing return, or not numbers."""
    if got is None:
        return None, f"{what}: returned None: a missing return statement?"
    try:
        return np.asarray(got, dtype=np.float64), None
    except (TypeError, ValueError):
        return None, f"{what}: returned {type(got).__name__}, which is not an array of numbers"


def compare(got: Any, expected: np.ndarray, what: str, rtol: float = 1e-6, atol: float = 1e-9,
            hint: str | Callable[[], str] | None = None) -> str | None:
    """Return ``None`` if ``got`` matches ``expected``, else a sentence that names the slip, then the values.

    Slips it can tell from the values alone: a wrong or extra axis, a transposed matrix, a nan/inf (``hint``
    says why, default: the possible causes), a flipped sign, every value off by one constant factor (a missing
    normalisation or 1/N) or by one additive constant. ``hint`` may be a function, called only for a nan/inf.
    """
    expected = np.asarray(expected, dtype=np.float64)
    g, problem = as_numbers(got, what)
    if problem:
        return problem
    if g.shape != expected.shape:
        if g.size == expected.size and g.squeeze().shape == expected.squeeze().shape:
            return (f"{what}: an extra or missing axis of length 1 (keepdims?): expected shape {expected.shape}, "
                    f"got {g.shape}")
        return f"{what}: wrong shape: expected {expected.shape}, got {g.shape}"
    bad = ~np.isfinite(g) & np.isfinite(expected)
    if bad.any():
        i = tuple(int(k) for k in np.argwhere(bad)[0])
        at = f" at index {_index(i)}" if expected.ndim else ""
        cause = hint() if callable(hint) else hint or OVERFLOW_HINT
        return f"{what}: {cause}: got {g[i]}{at} where {num(expected[i])} was expected"
    close = _same(g, expected, rtol, atol)
    if close.all():
        return None
    if g.ndim == 2 and g.shape[0] == g.shape[1] and _same(g.T, expected, rtol, atol).all():
        return f"{what}: transposed: your row i is the expected column i"
    finite = np.isfinite(expected)
    if finite.sum() >= 2 and np.array_equal(np.isfinite(g), finite):
        e, v = expected[finite], g[finite]
        k = int(np.argmax(np.abs(e)))
        r, d = v[k] / e[k] if e[k] else np.nan, v[k] - e[k]
        # one constant factor: only said when at least two values are nonzero (with one, any factor fits it)
        if (np.count_nonzero(e) >= 2 and np.isfinite(r) and r != 0
                and _same(v, r * e, rtol, atol * max(1.0, abs(r))).all()):
            if np.isclose(r, -1.0):
                return f"{what}: the sign is flipped: every value is minus the expected one"
            factor = f"{r:.3g}" if f"{r:.3g}" != "1" else num(r, 1.0, digits_for(rtol))  # 1.00004, not 1
            return (f"{what}: every value is {factor} times the expected one: a constant factor is missing or "
                    "extra (a 1/N, a division by the sum)")
        if _same(v, e + d, rtol, atol).all():
            return (f"{what}: every value is off by the same constant {d:+.4g}: an additive term is missing "
                    "or extra (the log of the sum, the max added back)")
    i = tuple(int(k) for k in np.argwhere(~close)[0])
    where = f" at index {_index(i)}" if expected.ndim else ""
    count = f" ({int((~close).sum())} of {close.size} values are off)" if close.size > 1 else ""
    digits = digits_for(rtol)
    return (f"{what}: value off{where}{count}: expected {num(expected[i], g[i], digits)}, "
            f"got {num(g[i], expected[i], digits)}")


def call_reporting(res: CheckResult, what: str, call: Callable[[], Any]) -> Any:
    """``call()``, or ``None`` after recording what it raised as a problem of ``res`` (numpy's floating-point
    warnings off: a student's function may overflow on the inputs a checker chooses)."""
    try:
        with np.errstate(all="ignore"):
            return call()
    except Exception as exc:  # the student's code may raise anything: report it, don't crash
        res.problems.append(f"{what}: raised {type(exc).__name__}: {exc}")
        return None


def _is_stub(exc: BaseException | None = None, got: Any = None) -> bool:
    return isinstance(exc, NotImplementedError) or (exc is None and got is Ellipsis)


def run_checks(name: str, cases: list[tuple[str, Callable[[], Any], np.ndarray]],
               shifted: Callable[[float], Any] | None = None, **tol: Any) -> CheckResult:
    """Run ``(description, call, expected)`` cases; exceptions and mismatches become problems.

    A call that raises NotImplementedError or returns ``...`` means an untouched stub: the result is "not
    attempted yet" and no other case runs. ``shifted`` (see :func:`nonfinite_cause`) lets a nan/inf be
    blamed on its actual cause; ``tol`` (rtol, atol, hint) goes to :func:`compare`.
    """
    res = CheckResult(name)
    for what, call, expected in cases:
        try:
            with np.errstate(all="ignore"):
                got = call()
        except Exception as exc:  # the student's code may raise anything: report it, don't crash
            if _is_stub(exc):
                return CheckResult(name, attempted=False)
            res.problems.append(f"{what}: raised {type(exc).__name__}: {exc}")
            continue
        if _is_stub(got=got):
            return CheckResult(name, attempted=False)
        msg = compare(got, expected, what, **{"hint": lambda: nonfinite_cause(shifted), **tol})
        if msg:
            res.problems.append(msg)
        else:
            res.passed += 1
    return res


def checker(check: Callable[..., CheckResult]) -> Callable[..., CheckResult]:
    """Wrap a topic checker: spot an untouched stub, refuse an unchecked pass, record the result.

    The checker is handed a thin wrapper of each function it is given that notes whether the function is
    still a stub (raised NotImplementedError or returned ``...``); if so, whatever the checker made of it,
    the result is "not attempted yet". The result is recorded under the checker's name (``check_softmax``)
    by :mod:`softmax_lab.course.progress`.
    """
    from .. import progress  # the course's progress record (a local JSON file)

    @functools.wraps(check)
    def run(*args: Any, **kwargs: Any) -> CheckResult:
        calls: list[bool] = []  # one entry per call of a student's function: True if it was a stub
        names: list[str] = []

        def watch(fn: Any) -> Any:
            if not callable(fn) or isinstance(fn, type):
                return fn
            name = getattr(fn, "__name__", "")
            names.append(name if name.isidentifier() else "your function")

            @functools.wraps(fn)
            def watched(*a: Any, **k: Any) -> Any:
                try:
                    out = fn(*a, **k)
                except NotImplementedError:
                    calls.append(True)
                    raise
                calls.append(out is Ellipsis)
                return out
            return watched

        res = check(*(watch(a) for a in args), **{k: watch(v) for k, v in kwargs.items()})
        if names and any(calls):
            res = CheckResult(getattr(res, "name", check.__name__), attempted=False)
        if isinstance(res, CheckResult):
            if names and not calls and res.ok:  # a pass must come from calling the function
                res.problems.append(f"the checker never called {names[0]}, so it cannot say it works")
            if names:
                res.function = names[0]
        progress.record(check.__name__, getattr(res, "status", "tried"))
        return res
    return run


def example_vectors() -> list[tuple[str, np.ndarray]]:
    """(description, logits) pairs: small, equal, negative, large, very negative and 50 random logits."""
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
FAR_APART = [("far-apart logits [1000, -1000]", np.array([1000.0, -1000.0])),
             ("far-apart logits [0, -1500]", np.array([0.0, -1500.0]))]
