r"""Shannon entropy of a probability vector, in nats.

.. math::  H(p) = -\sum_i p_i \ln p_i , \qquad 0 \ln 0 := 0 .

``0 ln 0 = 0`` is the limit of :math:`x \ln x` as :math:`x \to 0^+`; it makes a one-hot vector
have entropy exactly 0. The uniform distribution over C classes has the largest entropy, ``ln C``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._validate import as_real_array, check_class_axis, normalize_axis

__all__ = ["entropy"]


def entropy(p: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""Entropy :math:`-\sum_i p_i \ln p_i` (nats) of probabilities ``p`` along ``axis``.

    ``p`` must be finite and >= 0 (it is not renormalised: pass a distribution). Zeros contribute 0.
    Returns an array with ``axis`` removed (a 0-d array for one vector); float64 for any input dtype.
    Negative, NaN or infinite entries raise ``ValueError`` naming ``p``.

    float16/32 and ints are computed in float64; ndarray subclasses are read as plain arrays, masked
    arrays refused; 0-d input and an empty class axis are a ``ValueError``; an empty batch gives an
    empty result.
    """
    arr = as_real_array(p, "p").astype(np.float64, copy=False)
    ax = normalize_axis(axis, arr.ndim)
    check_class_axis(arr, ax, "p")
    if not np.isfinite(arr).all():
        raise ValueError("p contains NaN or inf; probabilities must be finite")
    if (arr < 0).any():
        raise ValueError(f"p contains the negative value {arr[arr < 0].flat[0]}; probabilities must be >= 0")
    terms = np.zeros_like(arr)
    pos = arr > 0
    np.multiply(arr, np.log(arr, where=pos, out=np.zeros_like(arr)), out=terms, where=pos)
    return 0.0 - np.sum(terms, axis=ax)  # 0.0 - 0.0 is +0.0, so a one-hot vector prints as 0, not -0
