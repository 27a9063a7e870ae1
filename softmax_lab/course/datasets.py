"""Small seeded synthetic data sets for the course's classifiers."""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["BLOB_CENTERS", "make_blobs"]

#: Centres of the three default 2-D classes: the corners of a triangle, 4.4 to 4.6 apart.
BLOB_CENTERS = np.array([[0.0, 2.5], [-2.2, -1.3], [2.2, -1.3]])


def make_blobs(n_per_class: int, rng: np.random.Generator | int, centers: ArrayLike | None = None,
               std: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs: ``n_per_class`` points around each centre with standard deviation ``std``.

    Returns ``X`` of shape (K * n_per_class, D) (float64) and integer labels ``y`` of shape (K * n_per_class,)
    where K = number of centres (default :data:`BLOB_CENTERS`, K = 3, D = 2). The rows are shuffled.
    ``rng`` is a ``numpy.random.Generator`` or an int seed: the same seed gives the same data.
    """
    if isinstance(n_per_class, bool) or not isinstance(n_per_class, numbers.Integral) or n_per_class < 1:
        raise ValueError(f"n_per_class must be an int >= 1, got {n_per_class!r}")
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        rng = np.random.default_rng(int(rng))
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator or an int seed, got {type(rng).__name__}")
    c = BLOB_CENTERS if centers is None else np.asarray(centers, dtype=float)
    if c.ndim != 2 or c.shape[0] < 1 or c.shape[1] < 1:
        raise ValueError(f"centers must have shape (K, D), got shape {c.shape}")
    if not np.isfinite(c).all():
        raise ValueError("centers must be finite")
    if isinstance(std, bool) or not isinstance(std, numbers.Real) or not std > 0 or not np.isfinite(std):
        raise ValueError(f"std must be a positive finite number, got {std!r}")
    k, d = c.shape
    X = np.repeat(c, n_per_class, axis=0) + std * rng.normal(size=(k * n_per_class, d))
    y = np.repeat(np.arange(k), n_per_class)
    order = rng.permutation(k * n_per_class)
    return X[order], y[order]
