"""A softmax layer in the style of course frameworks: ``forward`` caches, ``backward`` uses the cache."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .forward import softmax
from .jacobian import softmax_backward

__all__ = ["Softmax"]


class Softmax:
    r"""Softmax over the last axis as a layer.

    ``forward(Z)`` computes and stores :math:`A = \operatorname{softmax}(Z)` row by row and returns it;
    ``backward(dLdA)`` returns :math:`dL/dZ = A \odot (dL/dA - \sum_j dL/dA_j\, A_j)`, the
    vector-Jacobian product, using the stored ``A``.
    """

    def __init__(self) -> None:
        self.A: np.ndarray | None = None

    def forward(self, Z: ArrayLike) -> np.ndarray:
        self.A = softmax(Z, axis=-1)
        return self.A

    def backward(self, dLdA: ArrayLike) -> np.ndarray:
        if self.A is None:
            raise RuntimeError("Softmax.backward called before forward: there is no stored output A")
        g = np.asarray(dLdA)
        if g.shape != self.A.shape:
            raise ValueError(f"dLdA must have the shape of the forward output {self.A.shape}, got {g.shape}")
        return softmax_backward(self.A, g, axis=-1)

    def __call__(self, Z: ArrayLike) -> np.ndarray:
        return self.forward(Z)
