"""Matplotlib helpers shared by the notebooks and by ``tools/figures.py``.

Each function draws on an ``Axes`` it is given (or a new one) and returns it (or returns a new ``Figure``),
so a notebook can compose them and the figure script can save them. No function calls ``plt.show()``.
Only ASCII text is used in labels (the DejaVu fonts matplotlib ships render it everywhere).

* notebook 01: :func:`bar_probabilities`, :func:`plot_logits_and_probabilities`, :func:`plot_soft_vs_hard`;
* notebook 03: :func:`plot_loss_curve`, :func:`plot_decision_regions`;
* notebook 04: :func:`plot_jacobian_heatmap`;
* notebook 07: :func:`entropy_curve` (the numbers), :func:`plot_temperature_panel`, :func:`plot_entropy_curve`.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from softmax_lab import entropy, softmax, softmax_jacobian

__all__ = ["new_axes", "bar_probabilities", "plot_logits_and_probabilities", "plot_soft_vs_hard",
           "plot_jacobian_heatmap", "plot_loss_curve", "plot_decision_regions",
           "entropy_curve", "plot_temperature_panel", "plot_entropy_curve"]


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


def plot_jacobian_heatmap(p: ArrayLike, labels: Sequence[str] | None = None, ax: Axes | None = None,
                          vmax: float | None = None) -> Axes:
    r"""Heat map of the softmax Jacobian :math:`J = \mathrm{diag}(p) - p p^\top` at the probabilities ``p``.

    Cell ``(i, j)`` shows :math:`\partial p_i / \partial z_j`, annotated with its value (3 decimals) when
    there are at most 12 classes. The colour scale is symmetric about 0 (blue negative, red positive),
    so the positive diagonal and the negative off-diagonal terms read at a glance; it runs from ``-vmax``
    to ``vmax`` (default: the largest ``|J_ij|``; pass 0.25, the largest value any entry can take, to put
    several maps on one scale). Returns the ``Axes``; its first image holds ``J`` itself.
    """
    jac = softmax_jacobian(np.asarray(p, dtype=float))
    if jac.ndim != 2:
        raise ValueError(f"p must be one probability vector, got shape {np.shape(p)}")
    c = jac.shape[0]
    names = list(labels) if labels is not None else [str(i) for i in range(c)]
    if len(names) != c:
        raise ValueError(f"labels must have one name per class ({c}), got {len(names)}")
    ax = ax or new_axes(4.8, 4.0)
    if vmax is not None and not (isinstance(vmax, (int, float)) and vmax > 0):
        raise ValueError(f"vmax must be a positive number, got {vmax!r}")
    lim = float(vmax) if vmax is not None else (float(np.abs(jac).max()) or 1.0)
    im = ax.imshow(jac, cmap="RdBu_r", vmin=-lim, vmax=lim)
    ax.figure.colorbar(im, ax=ax, shrink=0.8, label="dp_i / dz_j")
    ax.set_xticks(range(c), names)
    ax.set_yticks(range(c), names)
    ax.set_xlabel("logit z_j")
    ax.set_ylabel("output p_i")
    if c <= 12:
        for i in range(c):
            for j in range(c):
                v = jac[i, j]
                txt = f"{v:.3f}"
                ax.text(j, i, "0.000" if txt == "-0.000" else txt, ha="center", va="center", fontsize=9,
                        color="white" if abs(v) > 0.6 * lim else "black")
    ax.set_title("softmax Jacobian  J = diag(p) - p p^T")
    return ax


# --- Plots for notebook 03 (cross-entropy, softmax regression) ---------------------------------------

def plot_loss_curve(losses: ArrayLike, ax: Axes | None = None, title: str | None = "training loss") -> Axes:
    """Loss against gradient-descent step (``losses[k]`` = loss after k steps), on a linear axis."""
    y = np.asarray(losses, dtype=float)
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"losses must be a non-empty 1-D array, got shape {y.shape}")
    ax = ax or new_axes(5.0, 3.2)
    ax.plot(np.arange(y.size), y, color="C0")
    ax.set_xlabel("gradient-descent step")
    ax.set_ylabel("mean cross-entropy")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    if title:
        ax.set_title(title)
    return ax


def plot_decision_regions(predict, X: ArrayLike, y: ArrayLike, ax: Axes | None = None, resolution: int = 200,
                          class_names: Sequence[str] | None = None, title: str | None = None) -> Axes:
    """Colour the plane by the class ``predict`` gives each point, and scatter the labelled 2-D data on top.

    ``predict`` maps an (M, 2) array of points to M integer class labels (e.g. ``model.predict``);
    ``X`` is (N, 2) and ``y`` its N integer labels. The grid spans the data plus a margin of 1, with
    ``resolution`` points per side. Class k is drawn in colour ``C{k}``. Returns the ``Axes``.
    """
    from matplotlib.colors import ListedColormap

    pts = np.asarray(X, dtype=float)
    labels = np.asarray(y)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"X must have shape (N, 2), got shape {pts.shape}")
    if labels.shape != (pts.shape[0],):
        raise ValueError(f"y must have one label per row of X ({pts.shape[0]}), got shape {labels.shape}")
    k = int(labels.max()) + 1
    names = list(class_names) if class_names is not None else [f"class {i}" for i in range(k)]
    ax = ax or new_axes(5.0, 4.2)
    lo, hi = pts.min(axis=0) - 1, pts.max(axis=0) + 1
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid_pred = np.asarray(predict(np.column_stack([gx.ravel(), gy.ravel()]))).reshape(gx.shape)
    colours = [f"C{i}" for i in range(k)]
    ax.contourf(gx, gy, grid_pred, levels=np.arange(k + 1) - 0.5, cmap=ListedColormap(colours), alpha=0.25)
    for i in range(k):
        sel = labels == i
        ax.scatter(pts[sel, 0], pts[sel, 1], s=14, color=colours[i], edgecolor="black", linewidth=0.4,
                   label=names[i] if i < len(names) else f"class {i}")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.legend(fontsize=8, loc="best")
    if title:
        ax.set_title(title)
    return ax


def plot_logits_and_probabilities(z: ArrayLike, labels: Sequence[str] | None = None) -> Figure:
    """Two panels side by side: the logits (any real numbers) and their softmax (a distribution)."""
    logits = np.asarray(z, dtype=float)
    names = list(labels) if labels is not None else [str(i) for i in range(logits.size)]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8, 3.2), layout="constrained")
    colors = ["C3" if v < 0 else "C7" for v in logits]
    bars = ax1.bar(names, logits, color=colors)
    ax1.bar_label(bars, labels=[f"{v:g}" for v in logits], padding=2, fontsize=9)
    ax1.axhline(0, color="black", linewidth=0.8)
    ax1.set_title("logits z (any real numbers)")
    pad = 0.2 * (logits.max() - min(logits.min(), 0) + 1)
    ax1.set_ylim(min(logits.min(), 0) - pad, max(logits.max(), 0) + pad)
    bar_probabilities(softmax(logits), names, ax=ax2, title="softmax(z): positive, sums to 1")
    return fig


def plot_soft_vs_hard(z_other: float = 2.1, half_width: float = 4.0, marks: Sequence[float] = (),
                      ax: Axes | None = None) -> Axes:
    """Two classes with logits (a, z_other): P(class A) under softmax and under a hard argmax as ``a``
    sweeps ``z_other +- half_width``; ``marks`` are values of ``a`` to highlight with a dot."""
    ax = ax or new_axes(6.0, 3.2)
    a = np.linspace(z_other - half_width, z_other + half_width, 801)
    z = np.stack([a, np.full_like(a, z_other)], axis=1)
    ax.plot(a, softmax(z)[:, 0], label="softmax: P(A)", color="C0", linewidth=2)
    ax.step(a, (a > z_other).astype(float), where="post", label="argmax: 1 if A wins", color="C3", linestyle="--")
    for i, m in enumerate(marks):  # labels alternate left/right so that neighbours don't overlap
        pm = softmax([m, z_other])[0]
        ax.plot([m], [pm], "o", color="black", markersize=5)
        ax.annotate(f"a={m:g}: P(A)={pm:.3f}", (m, pm), textcoords="offset points", fontsize=8,
                    xytext=(-10, 8) if i % 2 == 0 else (10, -14), ha="right" if i % 2 == 0 else "left")
    ax.axvline(z_other, color="gray", linewidth=0.8)
    ax.set_xlabel(f"logit of A (logit of B fixed at {z_other:g})")
    ax.set_ylabel("weight on A")
    ax.set_ylim(-0.05, 1.05)
    ax.legend(loc="upper left", fontsize=9)
    ax.set_title("softmax moves smoothly; argmax jumps")
    return ax


# --- Temperature figures for notebook 07 ------------------------------------------------------------


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
