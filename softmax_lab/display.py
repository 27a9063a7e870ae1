"""How the notebooks print numbers and catch numpy's warnings, so that stored outputs stay stable.

numpy 2 prints a bare scalar as ``np.float64(0.1)`` and chooses its own number of digits; the
notebooks instead print every array with a fixed number of decimals through :func:`show`.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["show", "show_with", "warnings_raised"]


def show(x: ArrayLike, digits: int = 6, suppress_small: bool = True) -> str:
    """``x`` as text with exactly ``digits`` decimals, e.g. ``[0.090031, 0.244728, 0.665241]``.

    With ``suppress_small=False`` tiny values keep their exponent (``1.0e-300`` instead of ``0.000000``).
    """
    return np.array2string(np.asarray(x), precision=digits, floatmode="fixed", separator=", ",
                           suppress_small=suppress_small)


def show_with(digits: int, suppress_small: bool = True) -> Callable[..., str]:
    """A :func:`show` whose default number of decimals is ``digits``: one notebook, one format.

    ``show = show_with(7)`` then ``show(x)`` prints 7 decimals and ``show(x, 2)`` still prints 2.
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
