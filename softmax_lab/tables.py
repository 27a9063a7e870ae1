"""Plain-text tables for the notebooks: a seed's (or a student's) number next to the exact one.

Printed tables compare strictly under nbval, so every number is formatted with a fixed number of
decimals and never relies on numpy's scalar repr.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["error_table"]


def error_table(rows: Sequence[tuple[str, float, float]], digits: int = 5,
                headers: tuple[str, str, str] = ("seed", "exact", "error")) -> str:
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
