r"""Sampling class indices from softmax with temperature, top-k and top-p (nucleus) filtering.

Draws use inverse-CDF sampling with a ``numpy.random.Generator``: for ``u ~ U[0, 1)`` the class
is the first ``k`` with :math:`\sum_{j \le k} p_j > u`, so class ``k`` is drawn with probability ``p_k``.
"""

from __future__ import annotations

import numbers
import operator
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._validate import as_real_array, compute_dtype, first_index
from .forward import softmax

__all__ = ["sample", "sample_probabilities", "top_k_top_p_mask"]

Size = int | tuple[int, ...] | None


def _rng(rng: Any) -> np.random.Generator:
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(f"rng must be a numpy.random.Generator, an int seed or None, got {type(rng).__name__}")


def _size(size: Size) -> tuple[int, ...]:
    if size is None:
        return ()
    try:
        shape = (operator.index(size),) if not isinstance(size, tuple) else tuple(operator.index(s) for s in size)
    except TypeError:
        raise TypeError(f"size must be None, an int or a tuple of ints, got {size!r}") from None
    if any(s < 0 for s in shape):
        raise ValueError(f"size must not be negative, got {size!r}")
    return shape


def sample_probabilities(p: ArrayLike, *, size: Size = None, rng: Any = None) -> np.ndarray:
    """Draw class indices from probabilities ``p`` of shape ``(..., C)``; result shape ``(...) + size``.

    ``p`` must be finite, >= 0 and sum to 1 along the last axis (tolerance sqrt(eps) of its dtype):
    anything else is a ``ValueError``, never a silent renormalisation. A class with p = 0 is never drawn.
    """
    arr = as_real_array(p, "p")
    c = arr.shape[-1]
    if c == 0:
        raise ValueError("p has no classes (last axis has length 0)")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"p contains {arr[first_index(bad)]} at index {first_index(bad)}; probabilities must be finite")
    if (arr < 0).any():
        i = first_index(arr < 0)
        raise ValueError(f"p contains the negative value {arr[i]} at index {i}")
    s = arr.sum(axis=-1, dtype=np.float64)
    tol = float(np.sqrt(np.finfo(compute_dtype(arr.dtype)).eps))
    if (s == 0).any():
        raise ValueError(f"p is all zeros in the slice at {first_index(s == 0)}: there is nothing to sample")
    off = np.abs(s - 1) > tol
    if off.any():
        i = first_index(off)
        raise ValueError(f"p must sum to 1 along the last axis; the slice at {i} sums to {s[i]:.6g}")
    shape = _size(size)
    gen = _rng(rng)
    batch = arr.shape[:-1]
    cdf = np.cumsum(arr.reshape(-1, c), axis=-1, dtype=np.float64)  # (B, C)
    b = cdf.shape[0]
    u = gen.random((b,) + shape).reshape(b, -1) * cdf[:, -1:]  # scale by the exact total: no bias
    idx = np.empty(u.shape, dtype=np.intp)
    last = c - 1 - np.argmax(arr.reshape(-1, c)[:, ::-1] > 0, axis=-1)  # last class with p > 0
    for r in range(b):
        idx[r] = np.searchsorted(cdf[r], u[r], side="right")
    np.minimum(idx, last[:, None], out=idx)  # u * total can round up to the total itself
    return idx.reshape(batch + shape)


def top_k_top_p_mask(p: ArrayLike, top_k: int | None = None, top_p: float | None = None) -> np.ndarray:
    """Boolean mask of the classes kept by top-k and then top-p filtering of probabilities ``p`` (..., C).

    top-k keeps the ``k`` most probable classes (ties broken towards the lower index); top-p then keeps
    the smallest set of most probable survivors whose renormalised total probability reaches ``top_p``
    (always at least one class), as common text-generation libraries do.
    """
    arr = np.asarray(p, dtype=np.float64)
    c = arr.shape[-1]
    if top_k is not None:
        if isinstance(top_k, bool) or not isinstance(top_k, numbers.Integral):
            raise TypeError(f"top_k must be an int, got {type(top_k).__name__} {top_k!r}")
        if not 1 <= top_k <= c:
            raise ValueError(f"top_k must be between 1 and the number of classes {c}, got {top_k}")
    if top_p is not None:
        if isinstance(top_p, bool) or not isinstance(top_p, numbers.Real):
            raise TypeError(f"top_p must be a real number, got {type(top_p).__name__} {top_p!r}")
        if not 0 < float(top_p) <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {top_p!r}")
    order = np.argsort(-arr, axis=-1, kind="stable")  # most probable first
    ranked = np.take_along_axis(arr, order, axis=-1)
    keep_ranked = np.ones(arr.shape, dtype=bool)
    if top_k is not None:
        keep_ranked[..., top_k:] = False
    if top_p is not None:
        kept = np.where(keep_ranked, ranked, 0)
        mass_before = np.cumsum(kept, axis=-1) - kept  # mass of the classes ranked above this one
        total = kept.sum(axis=-1, keepdims=True)
        keep_ranked &= mass_before < float(top_p) * total
    mask = np.empty(arr.shape, dtype=bool)
    np.put_along_axis(mask, order, keep_ranked, axis=-1)
    return mask


def sample(logits: ArrayLike, temperature: float = 1.0, *, size: Size = None, rng: Any = None,
           top_k: int | None = None, top_p: float | None = None) -> np.ndarray:
    r"""Draw class indices from :math:`\mathrm{softmax}(z / T)` restricted to the top-k / top-p classes.

    ``logits`` has shape ``(..., C)``; the result has shape ``(...) + size`` (a 0-d integer array for a
    single vector and ``size=None``). ``rng`` is a ``numpy.random.Generator`` (or an int seed): the same
    seed gives the same draws. T=0 is greedy: the argmax (ties drawn evenly). ``-inf`` logits are never drawn.
    """
    probs = softmax(logits, axis=-1, temperature=temperature)
    if top_k is not None or top_p is not None:
        keep = top_k_top_p_mask(probs, top_k=top_k, top_p=top_p)
        probs = softmax(logits, axis=-1, temperature=temperature, where=keep)
    return sample_probabilities(probs, size=size, rng=rng)
