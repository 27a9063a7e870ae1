r"""Measurements and plots for notebooks 11 (softmax inside attention) and 12 (tiled attention).

* :func:`scaling_study` measures how the softmax Jacobian (the gradient of the attention weights with
  respect to the scores) shrinks as the feature size ``d`` grows when the scores are not scaled by
  :math:`1/\sqrt{d}`; :func:`plot_scaling_study` draws it. Notebook 11 writes the same study out in a cell
  (it is what the section teaches) and draws it with :func:`plot_scaling_study`; ``tools/figures.py`` calls
  :func:`scaling_study` for ``images/attention_scaling.png``.
* :func:`plot_peak_memory` (notebook 12) draws the peak memory (:func:`~softmax_lab.course.memory.peak_memory`) of
  :func:`~softmax_lab.attention` and :func:`~softmax_lab.flash_attention` against the sequence length.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from matplotlib.axes import Axes

from softmax_lab import softmax, softmax_jacobian

from .plots import new_axes

__all__ = ["scaling_study", "plot_scaling_study", "plot_peak_memory"]


def scaling_study(dims: Sequence[int], *, n_queries: int = 512, n_keys: int = 64,
                  seed: int = 0) -> dict[str, np.ndarray]:
    r"""Attention weights of random unit-variance queries and keys, with and without the 1/sqrt(d) scale.

    For each ``d`` in ``dims`` draws ``q`` (n_queries x d) and ``k`` (n_keys x d) with i.i.d. N(0, 1)
    entries (``np.random.default_rng(seed)``), forms the scores :math:`q k^\top` and
    :math:`q k^\top / \sqrt{d}`, and measures per query row

    * the Frobenius norm of the softmax Jacobian :math:`J = \mathrm{diag}(p) - p p^\top`, i.e. how much
      the weights react to the scores (the gradient that reaches the scores in a backward pass);
    * whether the row is saturated (largest weight > 0.99).

    Returns a dict of arrays indexed like ``dims``: ``dims``, ``score_std_raw``, ``score_std_scaled``,
    ``median_raw``, ``q25_raw``, ``q75_raw``, ``median_scaled``, ``q25_scaled``, ``q75_scaled`` (median and
    quartiles of the Jacobian norm over the query rows),
    ``saturated_raw``, ``saturated_scaled`` (fractions of rows).
    """
    rng = np.random.default_rng(seed)
    keys = ["score_std", "median", "q25", "q75", "saturated"]
    out: dict[str, list[float]] = {f"{k}_{kind}": [] for k in keys for kind in ("raw", "scaled")}
    for d in dims:
        q = rng.normal(size=(n_queries, d))
        k = rng.normal(size=(n_keys, d))
        raw = q @ k.T
        for kind, scores in (("raw", raw), ("scaled", raw / math.sqrt(d))):
            p = softmax(scores, axis=-1)
            norms = np.linalg.norm(softmax_jacobian(p), axis=(-2, -1))
            out[f"score_std_{kind}"].append(float(scores.std()))
            out[f"median_{kind}"].append(float(np.median(norms)))
            out[f"q25_{kind}"].append(float(np.quantile(norms, 0.25)))
            out[f"q75_{kind}"].append(float(np.quantile(norms, 0.75)))
            out[f"saturated_{kind}"].append(float(np.mean(p.max(axis=-1) > 0.99)))
    result = {k: np.array(v) for k, v in out.items()}
    result["dims"] = np.array(dims)
    return result


def plot_scaling_study(study: dict[str, np.ndarray], ax: Axes | None = None) -> Axes:
    """Median Jacobian norm (with the band between the quartiles) against d, scaled and unscaled, log-log axes."""
    ax = ax or new_axes(6.5, 3.8)
    d = study["dims"]
    for kind, label, color in (("raw", "scores q.k (no scaling)", "C3"),
                               ("scaled", "scores q.k / sqrt(d)", "C0")):
        ax.plot(d, study[f"median_{kind}"], "o-", color=color, label=f"{label}: median")
        ax.fill_between(d, study[f"q25_{kind}"], study[f"q75_{kind}"], color=color, alpha=0.2,
                        label=f"{label}: middle half of the queries")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(d, labels=[str(int(x)) for x in d])
    ax.set_xlabel("feature size d")
    ax.set_ylabel("||J|| (Frobenius) per query")
    ax.set_title("How strongly the attention weights react to the scores")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    return ax


def plot_peak_memory(lengths: Sequence[int], full: Sequence[float], tiled: Sequence[float],
                     block_size: int, ax: Axes | None = None) -> Axes:
    """Peak memory in MiB of attention and flash attention against the sequence length L (log-log)."""
    ax = ax or new_axes(6.0, 3.6)
    ax.plot(lengths, full, "o-", color="C3", label="attention (full L x L scores)")
    ax.plot(lengths, tiled, "s-", color="C0", label=f"flash_attention (block_size={block_size})")
    for x, y in zip(lengths, full):
        ax.annotate(f"{y:.1f}", (x, y), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    for x, y in zip(lengths, tiled):
        ax.annotate(f"{y:.1f}", (x, y), textcoords="offset points", xytext=(0, -13), ha="center", fontsize=8)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(list(lengths), labels=[str(int(x)) for x in lengths])
    ax.set_ylim(min(tiled) / 2.5, max(full) * 2.5)
    ax.set_xlabel("sequence length L (queries = keys)")
    ax.set_ylabel("peak memory of one call, MiB")
    ax.set_title("Memory: O(L^2) against O(L x (block + d_v))")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    return ax
