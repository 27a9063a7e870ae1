r"""Softmax inside attention: scaled dot-product attention, the online softmax, and tiled ("flash") attention.

Scaled dot-product attention of queries ``q`` (Lq x d), keys ``k`` (Lk x d) and values ``v`` (Lk x dv) is

.. math:: \operatorname{attention}(q, k, v) = \operatorname{softmax}\!\big(s \, q k^\top\big)\, v,
          \qquad s = 1/\sqrt{d}\ \text{by default},

with the softmax taken over the keys (the last axis of the Lq x Lk score matrix). A boolean ``mask``
(True = the query may attend to the key) removes keys: their weight is exactly 0. A query that may
attend to no key at all gets the output 0 (as PyTorch's ``scaled_dot_product_attention`` does), never NaN.

The *online softmax* computes the normaliser in one pass over blocks of the scores, keeping a running
maximum ``m`` and a running sum ``l`` of exponentials measured relative to ``m``:

.. math:: m' = \max(m, \max_j x_j), \qquad l' = l\, e^{m - m'} + \sum_j e^{x_j - m'},

so safe softmax needs two passes (statistics, then normalisation) instead of three (max, sum,
normalise). :func:`flash_attention` applies the same rescaling to the running output ``o``
(:math:`o' = o\, e^{m - m'} + \sum_j e^{x_j - m'} v_j`), so it visits the keys block by block and never
holds more than an Lq x block_size piece of the score matrix.
"""

from __future__ import annotations

import math
import numbers
import operator
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._validate import (
    as_array,
    as_real_array,
    check_class_axis,
    compute_dtype,
    first_index,
    normalize_axis,
    raise_for_bad_logits,
)
from .forward import softmax

__all__ = ["attention", "online_softmax", "flash_attention"]


# ----------------------------------------------------------------------------------------- validation

def _finite_matrix_stack(x: Any, name: str, last: str) -> np.ndarray:
    """``x`` as a real array of shape (..., L, ``last``) with only finite entries."""
    arr = as_real_array(x, name)
    if arr.ndim < 2:
        raise ValueError(f"{name} must have shape (..., L, {last}) (at least 2 dimensions), "
                         f"got shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        i = first_index(bad)
        raise ValueError(f"{name} contains {arr[i]} at index {i}; q, k and v must be finite "
                         "(use mask= to hide keys, not -inf in k)")
    return arr


def _check_scale(scale: Any, d: int) -> float:
    """Return the scale as a float; None means 1/sqrt(d)."""
    if scale is None:
        return 1.0 / math.sqrt(d)
    if isinstance(scale, np.ndarray) and scale.ndim == 0 and scale.dtype.kind in "fiu":
        scale = scale.item()
    if isinstance(scale, (bool, np.bool_)) or not isinstance(scale, numbers.Real):
        raise TypeError(f"scale must be a real number or None (None means 1/sqrt(d)), "
                        f"got {type(scale).__name__} {scale!r}")
    s = float(scale)
    if not math.isfinite(s) or s < 0:
        raise ValueError(f"scale must be a finite number >= 0, got {s!r}")
    return s


def _check_block_size(block_size: Any) -> int:
    if isinstance(block_size, (bool, np.bool_)):
        raise TypeError(f"block_size must be a positive int, got bool {block_size!r}")
    try:
        b = operator.index(block_size)
    except TypeError:
        raise TypeError(f"block_size must be a positive int, got {type(block_size).__name__} "
                        f"{block_size!r}") from None
    if b < 1:
        raise ValueError(f"block_size must be a positive int, got {b}")
    return b


def _prepare(q: Any, k: Any, v: Any, mask: Any, scale: Any):
    """Validate the attention inputs.

    Returns ``(qc, kc, vc, mask, scale, score_shape, out_dtype)``: the inputs in the compute dtype,
    the mask broadcast to the score shape (…, Lq, Lk) or None, the scale as a float, and the dtype
    of the result (float16 in, float16 out; the computation runs in float32 then).
    """
    qa = _finite_matrix_stack(q, "q", "d")
    ka = _finite_matrix_stack(k, "k", "d")
    va = _finite_matrix_stack(v, "v", "dv")
    d = qa.shape[-1]
    if d == 0:
        raise ValueError(f"q has d=0 features (shape {qa.shape}); attention needs d >= 1")
    if ka.shape[-1] != d:
        raise ValueError(f"k has d={ka.shape[-1]} but q has d={d}: queries and keys need the same "
                         f"feature size (q {qa.shape}, k {ka.shape})")
    lk = ka.shape[-2]
    if lk == 0:
        raise ValueError(f"k has no keys (Lk=0, shape {ka.shape}); there is nothing to attend to")
    if va.shape[-2] != lk:
        raise ValueError(f"v has Lk={va.shape[-2]} rows but k has Lk={lk}: every key needs one value "
                         f"(k {ka.shape}, v {va.shape})")
    try:
        batch = np.broadcast_shapes(qa.shape[:-2], ka.shape[:-2], va.shape[:-2])
    except ValueError:
        raise ValueError(f"the batch dimensions of q {qa.shape[:-2]}, k {ka.shape[:-2]} and "
                         f"v {va.shape[:-2]} do not broadcast") from None
    score_shape = batch + (qa.shape[-2], lk)

    allowed = None
    if mask is not None:
        m = as_array(mask, "mask")
        if m.dtype != np.bool_:
            raise TypeError(f"mask must be boolean (True = the query may attend to the key), got dtype "
                            f"{m.dtype}; an additive mask of -inf/-1e4 values is not accepted")
        try:
            allowed = np.broadcast_to(m, score_shape)
        except ValueError:
            raise ValueError(f"mask of shape {m.shape} does not broadcast to the score shape "
                             f"(..., Lq, Lk) = {score_shape}") from None

    s = _check_scale(scale, d)
    out_dtype = np.result_type(qa.dtype, ka.dtype, va.dtype)
    ctype = compute_dtype(out_dtype)
    return (qa.astype(ctype, copy=False), ka.astype(ctype, copy=False), va.astype(ctype, copy=False),
            allowed, s, score_shape, out_dtype)


def _may_overflow(qc: np.ndarray, kc: np.ndarray, scale: float) -> bool:
    r"""False when no score can overflow: :math:`|s\, q \cdot k| \le s \lVert q 
Vert \lVert k 
Vert`
    (Cauchy-Schwarz) stays below the dtype's max with a margin of 4 for rounding. O((Lq + Lk) d)."""
    if qc.size == 0 or kc.size == 0:
        return False
    with np.errstate(over="ignore", invalid="ignore"):
        bound = (float(np.max(np.linalg.norm(qc.astype(np.float64), axis=-1)))
                 * float(np.max(np.linalg.norm(kc.astype(np.float64), axis=-1))) * scale)
    return not bound < float(np.finfo(qc.dtype).max) / 4


def _overflow_error(dtype: np.dtype) -> ValueError:
    return ValueError(f"the scores scale * q @ k^T overflow {dtype}: q and k are too large for "
                      "this dtype (scale them down, or compute in float64)")


def _scores(qc: np.ndarray, kc: np.ndarray, scale: float, check: bool = True) -> np.ndarray:
    """``scale * q @ k^T`` in the compute dtype; raises if it overflows (q and k are finite)."""
    with np.errstate(over="ignore", invalid="ignore"):
        sc = np.matmul(qc, np.swapaxes(kc, -1, -2))
        sc *= sc.dtype.type(scale)
    # q, k finite: a non-finite score can only come from overflow. min/max see NaN and +-inf
    # without allocating a full-size boolean array.
    if check and sc.size and not (np.isfinite(sc.max()) and np.isfinite(sc.min())):
        raise _overflow_error(sc.dtype)
    return sc


# ----------------------------------------------------------------------------------------- attention

def attention(q: ArrayLike, k: ArrayLike, v: ArrayLike, mask: ArrayLike | None = None,
              scale: float | None = None) -> np.ndarray:
    r"""Scaled dot-product attention :math:`\operatorname{softmax}(s\, q k^\top)\, v`, softmax over the keys.

    Shapes: ``q`` (..., Lq, d), ``k`` (..., Lk, d), ``v`` (..., Lk, dv); leading batch dimensions
    broadcast; the result has shape (..., Lq, dv).

    * ``scale`` s defaults to :math:`1/\sqrt{d}`, which keeps the variance of a score at about 1
      when the entries of q and k have variance 1 (the variance of q.k is d).
    * ``mask`` (boolean, broadcast to (..., Lq, Lk)): True where a query may attend to a key. A
      masked key gets weight exactly 0; a query with no allowed key outputs zeros, never NaN.
    * The full Lq x Lk score matrix is formed: memory O(Lq Lk). :func:`flash_attention` gives the
      same result in O(Lq block_size).
    * dtypes: float32 stays float32, float16 is computed in float32 and returned as float16, ints
      become float64; mixed inputs use numpy's promotion.
    * Non-finite q/k/v, mismatched shapes, a non-boolean mask, a bad scale, or scores that overflow
      raise ``ValueError``/``TypeError`` naming the argument.
    * ndarray subclasses are read as plain arrays, masked arrays refused (use ``mask=``); 0-d inputs
      are a ``ValueError``; no queries (Lq = 0) or an empty batch give an empty result.
    """
    qc, kc, vc, allowed, s, _, out_dtype = _prepare(q, k, v, mask, scale)
    weights = softmax(_scores(qc, kc, s, check=_may_overflow(qc, kc, s)), axis=-1, where=allowed)
    return np.matmul(weights, vc).astype(out_dtype, copy=False)


def flash_attention(q: ArrayLike, k: ArrayLike, v: ArrayLike, mask: ArrayLike | None = None,
                    scale: float | None = None, block_size: int = 64) -> np.ndarray:
    r"""Attention computed over blocks of ``block_size`` keys with the online softmax; same contract
    and result as :func:`attention`.

    For each block of keys :math:`K_b, V_b` with scores :math:`x = s\, q K_b^\top` (masked keys -inf),
    every query row updates its running max ``m``, sum ``l`` and unnormalised output ``o``:

    .. math:: m' = \max(m, \max_j x_j), \quad
              l' = l\, e^{m - m'} + \sum_j e^{x_j - m'}, \quad
              o' = o\, e^{m - m'} + \sum_j e^{x_j - m'}\, V_{b,j},

    starting from :math:`m = -\infty, l = 0, o = 0`; the answer is :math:`o / l` (0 where l = 0: a
    query that saw no allowed key). Only an Lq x block_size block of scores exists at any time, so
    the extra memory is O(Lq (block_size + dv)) instead of the O(Lq Lk) of :func:`attention`.
    (A GPU kernel also tiles the queries; here numpy handles all queries of a block at once.)
    Input rules (float16, subclasses, empty and 0-d input) as :func:`attention`.
    """
    b = _check_block_size(block_size)
    qc, kc, vc, allowed, s, score_shape, out_dtype = _prepare(q, k, v, mask, scale)
    batch, lq, lk = score_shape[:-2], score_shape[-2], score_shape[-1]
    ctype = qc.dtype
    if math.prod(score_shape) == 0:  # no queries (or an empty batch): nothing to compute
        return np.zeros(batch + (lq, vc.shape[-1]), dtype=out_dtype)
    check = _may_overflow(qc, kc, s)
    neg_inf = ctype.type(-np.inf)

    m = np.full(batch + (lq, 1), -np.inf, dtype=ctype)   # running max of the allowed scores
    l = np.zeros(batch + (lq, 1), dtype=ctype)           # running sum of exp(x - m)
    o = np.zeros(batch + (lq, vc.shape[-1]), dtype=ctype)  # running sum of exp(x - m) * v
    for j0 in range(0, lk, b):
        j1 = min(j0 + b, lk)
        x = _scores(qc, kc[..., j0:j1, :], s, check)
        if allowed is not None:
            np.copyto(x, neg_inf, where=~allowed[..., j0:j1])
        m_new = np.maximum(m, x.max(axis=-1, keepdims=True))
        # a row with no allowed key so far has m_new = -inf; shifting by 0 keeps every term exp(-inf) = 0
        shift = np.where(np.isneginf(m_new), 0, m_new)
        alpha = np.exp(m - shift)  # rescales what was summed relative to the old max; exp(-inf) = 0
        np.subtract(x, shift, out=x)
        np.exp(x, out=x)
        l *= alpha
        l += x.sum(axis=-1, keepdims=True)
        o *= alpha
        o += np.matmul(x, vc[..., j0:j1, :])
        m = m_new
    l[l == 0] = 1  # rows that never saw an allowed key: o is 0 there and stays 0
    o /= l
    return o.astype(out_dtype, copy=False)


# ----------------------------------------------------------------------------------------- online softmax

def online_softmax(z: ArrayLike, block_size: int = 64, axis: int = -1) -> np.ndarray:
    r"""Softmax along ``axis`` in two passes, the first one over blocks of ``block_size`` entries.

    Pass 1 keeps a running max ``m`` and a running sum ``l`` relative to it, for each block ``x``:

    .. math:: m' = \max(m, \max_j x_j), \qquad l' = l\, e^{m - m'} + \sum_j e^{x_j - m'};

    at the end :math:`m = \max_j z_j` and :math:`l = \sum_j e^{z_j - m}`. Pass 2 normalises:
    :math:`p_j = e^{z_j - m} / l`. Equal to :func:`softmax` to rounding; same input rules:
    ``-inf`` entries get probability 0, an all ``-inf`` slice, NaN and +inf raise ``ValueError``;
    float16 is computed in float32 and returned as float16, ints give float64. Logits ~1e308 apart
    give no warning (the shift overflows to -inf, whose exp is an exact 0). ndarray subclasses are
    read as plain arrays, masked arrays refused; 0-d input is a ``ValueError``; an empty batch gives an
    empty result.
    """
    b = _check_block_size(block_size)
    arr = as_real_array(z, "z")
    ax = normalize_axis(axis, arr.ndim)
    check_class_axis(arr, ax, "z")
    ctype = compute_dtype(arr.dtype)
    zc = np.moveaxis(arr.astype(ctype, copy=False), ax, -1)
    n = zc.shape[-1]

    m = np.full(zc.shape[:-1] + (1,), -np.inf, dtype=ctype)
    l = np.zeros(zc.shape[:-1] + (1,), dtype=ctype)
    with np.errstate(over="ignore"):  # x - m overflows to -inf only for logits ~1e308 apart: exp gives 0, exact
        for j0 in range(0, n, b):  # pass 1: statistics
            blk = zc[..., j0:j0 + b]
            m_blk = blk.max(axis=-1, keepdims=True)
            if np.isnan(m_blk).any() or np.isposinf(m_blk).any():
                raise_for_bad_logits(arr, ax, "z", None)
            m_new = np.maximum(m, m_blk)
            shift = np.where(np.isneginf(m_new), 0, m_new)
            l = l * np.exp(m - shift) + np.exp(blk - shift).sum(axis=-1, keepdims=True)
            m = m_new
        if np.isneginf(m).any():  # some slice is -inf everywhere
            raise_for_bad_logits(arr, ax, "z", None)
        p = np.exp(zc - m)  # pass 2: normalise
    p /= l
    return np.moveaxis(p, -1, ax).astype(arr.dtype, copy=False)
