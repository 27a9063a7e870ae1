r"""Sampling class indices from softmax with temperature, top-k and top-p (nucleus) filtering.

Draws use inverse-CDF sampling with a ``numpy.random.Generator``: for ``u ~ U[0, 1)`` the class
is the first ``k`` with :math:`\sum_{j \le k} p_j > u`, so class ``k`` is drawn with probability ``p_k``.

Input rules shared by every function here: float16/32/64, ints and lists are accepted
(probabilities are checked with a tolerance scaled to their dtype, see
``softmax_lab._validate.sum_tolerance``, so float16 output of :func:`~softmax_lab.softmax` is
accepted); ndarray subclasses are read as plain arrays and masked arrays refused; 0-d input is a
``ValueError``; an empty batch (shape ``(0, C)``) gives an empty result; ``rng`` is a Generator,
a non-negative int seed or None.
"""

from __future__ import annotations

import numbers
import operator
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._validate import Logits, as_generator, check_probabilities, real_scalar
from .forward import softmax

__all__ = ["sample", "sample_probabilities", "top_k_top_p_mask"]

Size = int | tuple[int, ...] | None


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

    ``p`` must be finite, >= 0 and sum to 1 along the last axis (tolerance scaled to its dtype):
    anything else is a ``ValueError``, never a silent renormalisation. A class with p = 0 is never
    drawn. The result is an ``intp`` ndarray (0-d for one vector and ``size=None``).
    float16 (e.g. the output of ``softmax`` on float16 logits) passes the sum check, whose tolerance
    scales with the dtype; ndarray subclasses are read as plain arrays, masked arrays refused; 0-d
    ``p`` is a ``ValueError``; an empty batch (0, C) gives an empty result of shape ``(0,) + size``.
    """
    arr = check_probabilities(p, "p")
    shape = _size(size)
    gen = as_generator(rng)
    c = arr.shape[-1]
    batch = arr.shape[:-1]
    b = int(np.prod(batch))
    if b == 0:  # an empty batch: nothing to draw
        return np.empty(batch + shape, dtype=np.intp)
    cdf = np.cumsum(arr.reshape(-1, c), axis=-1, dtype=np.float64)  # (B, C)
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
    (always at least one class), as common text-generation libraries do. ``p`` is checked as in
    :func:`sample_probabilities` (NaN, negative entries or sums other than 1 are a ``ValueError``;
    float16, subclasses, 0-d and empty input follow its rules too; an empty batch gives an empty mask).
    """
    arr = check_probabilities(p, "p").astype(np.float64, copy=False)
    c = arr.shape[-1]
    if top_k is not None:
        if isinstance(top_k, (bool, np.bool_)) or not isinstance(top_k, numbers.Integral):
            raise TypeError(f"top_k must be an int, got {type(top_k).__name__} {top_k!r}")
        if not 1 <= top_k <= c:
            raise ValueError(f"top_k must be between 1 and the number of classes {c}, got {top_k}")
    if top_p is not None:
        top_p = real_scalar(top_p, "top_p")
        if not 0 < top_p <= 1:
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
        keep_ranked &= mass_before < top_p * total
    mask = np.empty(arr.shape, dtype=bool)
    np.put_along_axis(mask, order, keep_ranked, axis=-1)
    return mask


def sample(logits: ArrayLike, temperature: float = 1.0, *, size: Size = None, rng: Any = None,
           top_k: int | None = None, top_p: float | None = None) -> np.ndarray:
    r"""Draw class indices from :math:`\mathrm{softmax}(z / T)` restricted to the top-k / top-p classes.

    ``logits`` has shape ``(..., C)``; the result has shape ``(...) + size`` (a 0-d ``intp`` array for a
    single vector and ``size=None``). ``rng`` is a ``numpy.random.Generator`` (or an int seed): the same
    seed gives the same draws. T=0 is greedy: the argmax (ties drawn evenly); T=inf is uniform over the
    classes that are not ``-inf``. ``-inf`` logits are never drawn. Logits follow the rules of
    :func:`~softmax_lab.softmax` (errors name ``logits``): float16 is computed in float32, ndarray
    subclasses are read as plain arrays, masked arrays refused, 0-d logits are a ``ValueError``, and
    an empty batch (0, C) gives an empty result of shape ``(0,) + size``.
    """
    probs = softmax(Logits(logits, -1, temperature, None, "logits"))
    if top_k is not None or top_p is not None:
        keep = top_k_top_p_mask(probs, top_k=top_k, top_p=top_p)
        probs = softmax(Logits(logits, -1, temperature, keep, "logits"))
    return sample_probabilities(probs, size=size, rng=rng)
