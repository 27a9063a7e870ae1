"""A softmax layer in the style of course frameworks: ``forward`` caches, ``backward`` uses the cache."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._validate import as_real_array
from .forward import _Logits, _softmax
from .jacobian import _backward

__all__ = ["Softmax"]


class Softmax:
    r"""Softmax over the last axis as a layer.

    ``forward(Z)`` computes and stores :math:`A = \operatorname{softmax}(Z)` row by row and returns it;
    ``backward(dLdA)`` returns :math:`dL/dZ = A \odot (dL/dA - \sum_j dL/dA_j\, A_j)`, the
    vector-Jacobian product, using the stored ``A``.

    Input rules as :func:`~softmax_lab.softmax` and :func:`~softmax_lab.softmax_backward` (errors
    name ``Z`` and ``dLdA``): float16 is computed in float32 and returned as float16; ndarray
    subclasses are read as plain arrays, masked arrays refused; 0-d input is a ``ValueError``; an
    empty batch gives an empty result.
    """

    def __init__(self) -> None:
        self.A: np.ndarray | None = None

    def forward(self, Z: ArrayLike) -> np.ndarray:
        self.A = _softmax(_Logits(Z, -1, 1.0, None, "Z"), None)
        return self.A

    def backward(self, dLdA: ArrayLike) -> np.ndarray:
        if self.A is None:
            raise RuntimeError("Softmax.backward called before forward: there is no stored output A")
        g = as_real_array(dLdA, "dLdA")
        if g.shape != self.A.shape:
            raise ValueError(f"dLdA must have the shape of the forward output {self.A.shape}, got {g.shape}")
        return _backward(self.A, g, -1, "A", "dLdA")

    def __call__(self, Z: ArrayLike) -> np.ndarray:
        return self.forward(Z)
