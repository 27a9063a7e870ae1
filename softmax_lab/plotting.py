"""Matplotlib helpers shared by the notebooks and by ``make figures``.

Each function draws on an ``Axes`` it is given (or a new one) and returns it, so a notebook can
compose them and the figure script can save them. No function calls ``plt.show()``.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

__all__ = ["bar_probabilities", "new_axes"]


def new_axes(width: float = 6.0, height: float = 3.5) -> Axes:
    """A fresh figure with one ``Axes`` of the given size in inches."""
    _, ax = plt.subplots(figsize=(width, height), layout="constrained")
    return ax


def bar_probabilities(probs: ArrayLike, labels: Sequence[str] | None = None, ax: Axes | None = None,
                      title: str | None = None, color: str = "C0", annotate: bool = True) -> Axes:
    """Bar chart of a probability vector with each bar labelled by its value (3 decimals)."""
    p = np.asarray(probs, dtype=float)
    ax = ax or new_axes()
    names = list(labels) if labels is not None else [str(i) for i in range(p.size)]
    bars = ax.bar(names, p, color=color)
    if annotate:
        ax.bar_label(bars, labels=[f"{v:.3f}" for v in p], padding=2, fontsize=9)
    ax.set_ylim(0, max(1.0, float(p.max()) * 1.15))
    ax.set_ylabel("probability")
    if title:
        ax.set_title(title)
    return ax
