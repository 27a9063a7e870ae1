"""How the notebooks print numbers, tables and numpy's warnings, so that stored outputs stay stable.

numpy 2 prints a bare scalar as ``np.float64(0.1)`` and chooses its own number of digits; the
notebooks instead print every array with a fixed number of decimals through :func:`show`, and a lecture note's
(or a student's) numbers next to the exact ones through :func:`error_table`. Printed outputs compare
strictly under nbval, so nothing here relies on numpy's scalar repr.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["show", "fixed_decimals", "warnings_raised", "error_table"]


def show(x: ArrayLike, digits: int = 6, suppress_small: bool = True) -> str:
    """``x`` as text with exactly ``digits`` decimals, e.g. ``[0.090031, 0.244728, 0.665241]``.

    With ``suppress_small=False`` tiny values keep their exponent (``1.0e-300`` instead of ``0.000000``).
    """
    return np.array2string(np.asarray(x), precision=digits, floatmode="fixed", separator=", ",
                           suppress_small=suppress_small)


def fixed_decimals(digits: int, suppress_small: bool = True) -> Callable[..., str]:
    """A :func:`show` whose default number of decimals is ``digits``: one notebook, one format.

    ``show = fixed_decimals(7)`` then ``show(x)`` prints 7 decimals and ``show(x, 2)`` still prints 2.
    """
    def show_n(x: ArrayLike, digits: int = digits) -> str:
        return show(x, digits, suppress_small)
    return show_n


def warnings_raised(fn: Callable[[], Any]) -> tuple[Any, list[str]]:
    """Run ``fn()`` and return ``(its result, the sorted distinct warning messages it raised)``.

    Lets a notebook show numpy's ``overflow encountered in exp`` as data instead of stderr noise.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn()
    return result, sorted({str(w.message) for w in caught})


def error_table(rows: Sequence[tuple[str, float, float]], digits: int = 5,
                headers: tuple[str, str, str] = ("note", "exact", "error")) -> str:
    """Format ``(name, claimed, exact)`` rows as a table with columns claimed, exact, error and relative error.

    ``error = claimed - exact`` and ``relative error = |error| / |exact|`` (shown as a percentage;
    ``-`` when ``exact`` is 0). Numbers get ``digits`` decimals. Raises ``ValueError`` for no rows,
    a negative ``digits`` or a non-finite number.
    """
    if not rows:
        raise ValueError("rows must contain at least one (name, claimed, exact) row")
    if not isinstance(digits, int) or isinstance(digits, bool) or digits < 0:
        raise ValueError(f"digits must be a non-negative integer, got {digits!r}")
    body = []
    for name, claimed, exact in rows:
        c, e = float(claimed), float(exact)
        if not (np.isfinite(c) and np.isfinite(e)):
            raise ValueError(f"row {name!r} has a non-finite number: claimed {c}, exact {e}")
        rel = "-" if e == 0 else f"{abs(c - e) / abs(e) * 100:.2f}%"
        body.append([str(name), f"{c:.{digits}f}", f"{e:.{digits}f}", f"{c - e:+.{digits}f}", rel])
    head = ["", *headers, "rel. error"]
    widths = [max(len(r[k]) for r in [head, *body]) for k in range(len(head))]
    fmt = lambda r: "  ".join([r[0].ljust(widths[0])] + [r[k].rjust(widths[k]) for k in range(1, len(r))])  # noqa: E731
    lines = [fmt(head), "  ".join("-" * w for w in widths)] + [fmt(r) for r in body]
    return "\n".join(lines)
