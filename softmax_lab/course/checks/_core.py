"""The machinery every checker shares: :class:`CheckResult`, :func:`compare`, :func:`run_checks`, and the
example logit vectors chosen to catch the classic mistakes (no max shift, a shift by the mean or the min).

Every checker returns a :class:`CheckResult`; in a notebook its text is shown as the cell's output::

    check_softmax(my_softmax)
    # softmax: all 8 checks passed

The checkers never import the student's code: they only call the function they are given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

__all__ = ["CheckResult", "compare", "run_checks", "OVERFLOW_HINT", "example_vectors", "FAR_APART"]


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

