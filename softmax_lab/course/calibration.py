r"""Calibration of a classifier: the digits data of notebook 09, reliability bins, the expected calibration error
and the reliability diagram.

A classifier with probabilities ``P`` (N, C) predicts :math:`\hat t_n = \arg\max_k P_{nk}` with *confidence*
:math:`c_n = \max_k P_{nk}`. Split (0, 1] into ``n_bins`` equal-width bins :math:`B_b = ((b-1)/M, b/M]`
(M = ``n_bins``; a confidence of exactly 1 falls in the last bin). In each bin, :math:`\mathrm{acc}(B_b)` is the
fraction of its samples predicted right and :math:`\mathrm{conf}(B_b)` their mean confidence. The expected
calibration error (Naeini, Cooper & Hauskrecht 2015; Guo et al. 2017) is the bin-size-weighted gap

.. math:: \mathrm{ECE} = \sum_{b=1}^{M} \frac{|B_b|}{N}\, \bigl|\mathrm{acc}(B_b) - \mathrm{conf}(B_b)\bigr| ,

empty bins contributing 0. A reliability diagram draws :math:`\mathrm{acc}(B_b)` against the bin: bars below the
diagonal mean overconfidence (the model is right less often than it claims).
"""

from __future__ import annotations

import gzip
import io
import numbers
from dataclasses import dataclass
from importlib import resources

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["load_digits", "split_indices", "ReliabilityBins", "reliability_bins", "expected_calibration_error",
           "plot_reliability_diagram"]


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The UCI "Optical Recognition of Handwritten Digits" test set as scikit-learn ships it (``digits.csv.gz``).

    Returns ``X`` of shape (1797, 64), float64, pixel counts 0..16 of an 8x8 image read row by row, and integer
    labels ``y`` of shape (1797,), the digits 0..9. Licence CC BY 4.0, E. Alpaydin and C. Kaynak (1998); see
    ``softmax_lab/course/data/README.md``. Read with :mod:`importlib.resources`, so an installed copy finds it.
    """
    raw = resources.files("softmax_lab.course").joinpath("data", "digits.csv.gz").read_bytes()
    table = np.loadtxt(io.StringIO(gzip.decompress(raw).decode("ascii")), delimiter=",")
    return table[:, :-1], table[:, -1].astype(np.int64)


def split_indices(n: int, sizes: tuple[int, ...], seed: int) -> list[np.ndarray]:
    """Disjoint index sets of the given ``sizes`` drawn from a seeded permutation of ``range(n)``."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"n must be an int >= 0, got {n!r}")
    if any(isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 0 for s in sizes) or sum(sizes) > n:
        raise ValueError(f"sizes must be ints >= 0 adding up to at most n = {n}, got {sizes!r}")
    order = np.random.default_rng(seed).permutation(n)
    ends = np.cumsum(sizes)
    return [order[end - size:end] for size, end in zip(sizes, ends)]


@dataclass
class ReliabilityBins:
    """Per bin b: ``count[b]`` samples, their mean confidence ``confidence[b]`` and accuracy ``accuracy[b]``
    (both NaN for an empty bin); ``edges`` has ``n_bins + 1`` entries, 0 to 1."""

    edges: np.ndarray
    count: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray


def _probs_labels(probs: ArrayLike, labels: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    P = np.asarray(probs, dtype=np.float64)
    t = np.asarray(labels)
    if P.ndim != 2 or P.shape[0] == 0:
        raise ValueError(f"probs must have shape (N, C) with N >= 1, got shape {P.shape}")
    if t.shape != (P.shape[0],) or t.dtype.kind not in "iu":
        raise ValueError(f"labels must be N = {P.shape[0]} integer class indices, got dtype {t.dtype} and shape "
                         f"{t.shape}")
    if not np.isfinite(P).all() or (P < 0).any() or not np.allclose(P.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError("probs must be finite, >= 0, and each row must sum to 1")
    if (t < 0).any() or (t >= P.shape[1]).any():
        raise ValueError(f"labels must lie in 0..{P.shape[1] - 1}")
    return P, t


def reliability_bins(probs: ArrayLike, labels: ArrayLike, n_bins: int = 10) -> ReliabilityBins:
    """Group the samples by confidence ``max_k P[n, k]`` into ``n_bins`` equal-width bins ((b-1)/M, b/M]."""
    if isinstance(n_bins, bool) or not isinstance(n_bins, numbers.Integral) or n_bins < 1:
        raise ValueError(f"n_bins must be an int >= 1, got {n_bins!r}")
    P, t = _probs_labels(probs, labels)
    conf = P.max(axis=1)
    right = (P.argmax(axis=1) == t).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # bin b (0-based) holds edges[b] < c <= edges[b + 1]; c = 0 joins the first bin
    which = np.clip(np.searchsorted(edges, conf, side="left") - 1, 0, n_bins - 1)
    count = np.bincount(which, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        confidence = np.bincount(which, weights=conf, minlength=n_bins) / count
        accuracy = np.bincount(which, weights=right, minlength=n_bins) / count
    return ReliabilityBins(edges, count, confidence, accuracy)


def expected_calibration_error(probs: ArrayLike, labels: ArrayLike, n_bins: int = 10) -> float:
    """ECE = sum over bins of (bin size / N) * |accuracy - mean confidence| (module docstring); empty bins add 0."""
    bins = reliability_bins(probs, labels, n_bins)
    used = bins.count > 0
    gaps = np.abs(bins.accuracy[used] - bins.confidence[used])
    return float(np.sum(bins.count[used] * gaps) / bins.count.sum())


def plot_reliability_diagram(probs: ArrayLike, labels: ArrayLike, n_bins: int = 10, ax=None, title: str = ""):
    """Bars: accuracy per confidence bin (empty bins left out); the diagonal: perfect calibration; the gap to each
    bin's mean confidence shaded. The legend gives the ECE with ``n_bins`` bins. Returns the axes."""
    import matplotlib.pyplot as plt

    bins = reliability_bins(probs, labels, n_bins)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 4.2), layout="constrained")
    width = 1.0 / n_bins
    used = bins.count > 0
    left = bins.edges[:-1][used]
    ax.bar(left, bins.accuracy[used], width=width, align="edge", color="#4c72b0", edgecolor="white",
           label="accuracy in the bin")
    gap = bins.confidence[used] - bins.accuracy[used]
    ax.bar(left, gap, bottom=bins.accuracy[used], width=width, align="edge", color="#dd8452", alpha=0.45,
           edgecolor="#dd8452", label="gap to mean confidence")
    ax.plot([0, 1], [0, 1], color="0.3", linestyle="--", linewidth=1, label="perfect calibration")
    ece = expected_calibration_error(probs, labels, n_bins)
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="confidence (max probability)", ylabel="accuracy",
           title=f"{title}\nECE = {ece:.3f} ({n_bins} bins)" if title else f"ECE = {ece:.3f} ({n_bins} bins)")
    ax.legend(loc="upper left", fontsize=8)
    return ax
