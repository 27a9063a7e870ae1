"""Notebook 08: the probability simplex of three classes drawn in the plane (barycentric coordinates).

A probability vector :math:`p = (p_1, p_2, p_3)` is drawn as the point :math:`\\sum_i p_i V_i`, where
:math:`V_1, V_2, V_3` are the corners of an equilateral triangle with side 1 (:data:`CORNERS`). Corner
:math:`V_i` is the one-hot vector :math:`e_i`, the edge opposite :math:`V_i` is :math:`p_i = 0`, the centre is
the uniform distribution, and the distance from the point to that edge is :math:`p_i \\sqrt 3 / 2` (the height
of the triangle times :math:`p_i`).
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

__all__ = ["CORNERS", "to_plane", "draw_simplex"]

CORNERS = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3.0) / 2.0]])
"""The corners V_1, V_2, V_3 of the triangle (rows), for the one-hot vectors e_1, e_2, e_3."""


def to_plane(P: ArrayLike) -> np.ndarray:
    """Points in the plane of probability vectors: ``P`` of shape (..., 3) -> ``P @ CORNERS``, shape (..., 2).

    Each row is sum_i p_i V_i; rows that do not sum to 1 are not normalised (the caller passes probabilities).
    """
    P = np.asarray(P, dtype=np.float64)
    if P.shape[-1] != 3:
        raise ValueError(f"P must have 3 entries in its last axis (three classes), got shape {P.shape}")
    return P @ CORNERS


def draw_simplex(ax: Axes | None = None, labels: Sequence[str] = ("class 1", "class 2", "class 3")) -> Axes:
    """Draw the triangle's edges (dashed: they are not part of the open simplex), its corners' labels and the
    centre (the uniform distribution) on ``ax`` (a new square figure if None), with equal aspect and no axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 5.0), layout="constrained")
    closed = np.vstack([CORNERS, CORNERS[:1]])
    ax.plot(closed[:, 0], closed[:, 1], color="0.4", linestyle="--", linewidth=1.0)
    offsets = [(-0.04, -0.05), (0.04, -0.05), (0.0, 0.04)]
    for (x, y), (dx, dy), label, ha in zip(CORNERS, offsets, labels, ("right", "left", "center")):
        ax.text(x + dx, y + dy, f"{label}\n(one-hot)" if ha != "center" else f"{label} (one-hot)",
                ha=ha, va="center", fontsize=9)
    centre = CORNERS.mean(axis=0)
    ax.plot(*centre, marker="+", color="black", markersize=10)
    ax.set_xlim(-0.25, 1.25)
    ax.set_ylim(-0.15, 1.0)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
