"""Static temperature figures for notebook 07 and ``make figures``: bar charts of softmax(z / T) at a few
temperatures side by side, and the entropy of softmax(z / T) against T on a log axis.

Only ASCII text is used in labels (the DejaVu fonts matplotlib ships render it everywhere).
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from .entropy import entropy
from .forward import softmax

__all__ = ["entropy_curve", "plot_temperature_panel", "plot_entropy_curve"]


def entropy_curve(logits: ArrayLike, temperatures: ArrayLike) -> np.ndarray:
    """Entropy (nats) of softmax(logits / T) for each T in ``temperatures`` (each T > 0, finite)."""
    z = np.asarray(logits, dtype=np.float64)
    ts = np.asarray(temperatures, dtype=np.float64)
    if z.ndim != 1:
        raise ValueError(f"logits must be one vector, got shape {z.shape}")
    if ts.ndim != 1 or not (np.isfinite(ts).all() and (ts > 0).all()):
        raise ValueError("temperatures must be a 1-d array of finite values > 0")
    p = softmax(z[None, :] / ts[:, None], axis=-1)  # one row per temperature
    return entropy(p, axis=-1)


def plot_temperature_panel(logits: ArrayLike, labels: Sequence[str] | None = None,
                           temperatures: Sequence[float] = (0.25, 1.0, 4.0), fontsize: float = 10) -> Figure:
    """One bar chart of softmax(logits / T) per temperature, side by side, sharing the y axis 0..1."""
    z = np.asarray(logits, dtype=np.float64)
    names = list(labels) if labels is not None else [str(i) for i in range(z.size)]
    fig, axes = plt.subplots(1, len(temperatures), figsize=(3.6 * len(temperatures), 3.4), sharey=True,
                             layout="constrained")
    for ax, t in zip(np.atleast_1d(axes), temperatures):
        p = softmax(z, temperature=t)
        bars = ax.bar(names, p, color="C0")
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in p], padding=2, fontsize=fontsize - 1)
        ax.set_ylim(0, 1.12)
        ax.set_title(f"T = {t:g}   entropy = {float(entropy(p)):.2f} nats", fontsize=fontsize + 1)
        ax.tick_params(labelsize=fontsize)
    np.atleast_1d(axes)[0].set_ylabel("softmax(z / T)", fontsize=fontsize)
    fig.suptitle("Temperature: low T sharpens towards the argmax, high T flattens towards uniform",
                 fontsize=fontsize + 2)
    return fig


def plot_entropy_curve(logits: ArrayLike, t_min: float = 0.01, t_max: float = 100.0, mark: float | None = None,
                       ax: Axes | None = None, fontsize: float = 10) -> Axes:
    """Entropy of softmax(logits / T) against T (log axis), between 0 and its upper limit ln C."""
    z = np.asarray(logits, dtype=np.float64)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.6), layout="constrained")
    ts = np.geomspace(t_min, t_max, 400)
    ax.semilogx(ts, entropy_curve(z, ts), color="C0", lw=2, label="H(softmax(z / T))")
    ax.axhline(np.log(z.size), color="0.4", ls="--", lw=1, label=f"ln C = ln {z.size} (uniform)")
    ax.axhline(0, color="0.4", ls=":", lw=1, label="0 (one-hot, argmax)")
    if mark is not None:
        h = float(entropy(softmax(z, temperature=mark)))
        ax.plot([mark], [h], "o", color="C3", ms=8, label=f"T = {mark:g}: H = {h:.3f}")
    ax.set_xlabel("temperature T (log scale)", fontsize=fontsize)
    ax.set_ylabel("entropy (nats)", fontsize=fontsize)
    ax.set_ylim(-0.08, np.log(z.size) * 1.12)
    ax.tick_params(labelsize=fontsize)
    ax.legend(fontsize=fontsize - 1, loc="upper left")
    ax.set_title("Entropy grows with temperature", fontsize=fontsize + 1)
    return ax
