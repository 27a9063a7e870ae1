r"""Cross-entropy on logits and its fused gradient ``p - y``.

For one sample with target distribution ``y`` (one-hot for a hard label) and logits ``z``,

.. math:: L = -\sum_k y_k \log p_k = -\sum_k y_k \,\mathrm{log\_softmax}(z)_k ,
          \qquad \frac{\partial L}{\partial z} = p - y \quad (\text{when } \textstyle\sum_k y_k = 1).

The loss is computed from :func:`~softmax_lab.log_softmax`, never as ``log(softmax(z))``.

Its relative, the Shannon entropy of one distribution (in nats), is :func:`entropy`:

.. math::  H(p) = -\sum_i p_i \ln p_i , \qquad 0 \ln 0 := 0 ,

the cross-entropy of ``p`` with itself. ``0 ln 0 = 0`` is the limit of :math:`x \ln x` as
:math:`x \to 0^+`; it makes a one-hot vector have entropy exactly 0. The uniform distribution over
C classes has the largest entropy, ``ln C``.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from . import _fast
from ._validate import Logits, as_array, as_real_array, check_class_axis, compute_dtype, first_index, normalize_axis, sum_tolerance
from .forward import log_softmax, softmax

__all__ = ["cross_entropy", "cross_entropy_grad", "entropy"]

Reduction = Literal["mean", "sum", "none"]


def _check(logits: ArrayLike, targets: ArrayLike, reduction: str):
    z = as_real_array(logits, "logits")
    if z.ndim != 2:
        raise ValueError(f"logits must have shape (N, C), got shape {z.shape}")
    n, c = z.shape
    if c == 0:
        raise ValueError("logits has zero classes (shape (N, 0))")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    if reduction == "mean" and n == 0:
        raise ValueError("cannot take the mean over an empty batch (logits has N = 0 rows)")
    t = as_array(targets, "targets")
    if t.dtype.kind == "b" or t.dtype.kind not in "iuf":
        raise TypeError(f"targets must be integer class labels (N,) or probabilities (N, C), got dtype {t.dtype}")
    if t.ndim == 1:
        if t.shape[0] != n:
            raise ValueError(f"targets has {t.shape[0]} labels but logits has {n} rows")
        if t.dtype.kind == "f":
            raise TypeError(f"targets of shape (N,) must be integer class labels, got dtype {t.dtype}; "
                            "pass one-hot or soft labels as an (N, C) array")
        bad = (t < 0) | (t >= c)
        if bad.any():
            i = first_index(bad)
            raise ValueError(f"targets[{i[0]}] = {t[i]} is not a class label: labels must be in 0..{c - 1}")
        return z, t.astype(np.intp), None
    if t.ndim == 2:
        if t.shape != z.shape:
            raise ValueError(f"soft targets must have the shape of logits {z.shape}, got {t.shape}")
        y = as_real_array(t, "targets")
        if not np.isfinite(y).all():
            raise ValueError(f"targets contains a non-finite value at index {first_index(~np.isfinite(y))}")
        if (y < 0).any():
            i = first_index(y < 0)
            raise ValueError(f"targets must be probabilities >= 0, found {y[i]} at index {i}")
        s = y.sum(axis=1, dtype=np.float64)
        off = np.abs(s - 1) > sum_tolerance(y.dtype, c)
        if off.any():
            i = int(np.argmax(off))
            raise ValueError(f"each row of targets must sum to 1; row {i} sums to {s[i]:.6g}")
        return z, None, y
    raise ValueError(f"targets must have shape (N,) or (N, C), got shape {t.shape}")


def _reduce(per_sample: np.ndarray, reduction: str, dtype: np.dtype) -> np.ndarray:
    """Sum or mean over the batch in the compute dtype (float32 for float16 logits), rounded to ``dtype`` once."""
    if reduction == "none":
        total = per_sample
    else:
        total = per_sample.sum()
        if reduction == "mean":
            n = per_sample.shape[0]
            if math.isinf(total) and np.isfinite(per_sample).all():  # the sum overflowed, the mean need not
                total = (per_sample / n).sum()
            else:
                total = total / n
    return total if total.dtype == dtype else total.astype(dtype)


def cross_entropy(logits: ArrayLike, targets: ArrayLike, reduction: Reduction = "mean") -> np.ndarray:
    r"""Cross-entropy :math:`L_n = -\sum_k y_{nk} \log \mathrm{softmax}(z_n)_k` from logits of shape (N, C).

    ``targets`` is either integer labels of shape (N,) (``0 <= label < C``), for which
    :math:`L_n = -\log p_{n, t_n}`, or soft labels of shape (N, C) (rows >= 0 summing to 1).
    ``reduction``: ``"mean"`` (over N; an empty batch is an error), ``"sum"`` or ``"none"`` (shape (N,)).
    A class with logit ``-inf`` and target weight 0 contributes 0; a target on such a class gives ``inf``.

    dtypes: the result has the logits' dtype (ints and lists: float64; soft targets promote with it).
    The per-sample losses, their sum and the mean (divided by N) are computed in the compute dtype
    (float32 for float16 logits, else the logits' own) and rounded to the result dtype once, at the
    end; a loss beyond the dtype's range is ``inf``, its correct rounding. Soft targets are checked with a
    tolerance scaled to their dtype. ndarray subclasses are read as plain arrays, masked arrays are
    refused; 0-d logits or targets are a ``ValueError``; an empty batch gives an empty result for
    ``"none"`` and 0 for ``"sum"``.
    """
    z, labels, y = _check(logits, targets, reduction)
    # float16 logits are computed in float32; NaN, +inf or an all -inf row raise, naming "logits"
    x = Logits(z if z.dtype.char != "e" else z.astype(np.float32), 1, 1.0, None, "logits")
    if labels is None:
        logp = log_softmax(x)
        prod = np.zeros(logp.shape, dtype=np.result_type(logp.dtype, y.dtype))
        np.multiply(y, logp, out=prod, where=y > 0)  # L_n = -sum_k y_nk log p_nk, with 0 * log 0 = 0
        per_sample, dtype = -prod.sum(axis=1), np.result_type(z.dtype, y.dtype)
    # a loss or a sum beyond the dtype's range is inf, its correct rounding (no warning)
    with np.errstate(over="ignore", invalid="ignore"):
        if labels is not None:  # L_n = -log_softmax(z)[n, t_n], without forming the (N, C) log-softmax
            per_sample, dtype = -_fast.picked_log_softmax(x, labels), z.dtype
        return _reduce(per_sample, reduction, dtype)


def cross_entropy_grad(logits: ArrayLike, targets: ArrayLike, reduction: Reduction = "mean") -> np.ndarray:
    r"""Gradient of :func:`cross_entropy` with respect to the logits: :math:`(p - y)/N` for ``"mean"``.

    The fused form: the Jacobian of softmax and the ``1/p`` of the log cancel, leaving ``p - y``.
    For ``"sum"`` and ``"none"`` it is ``p - y`` (for ``"none"``, row n is the gradient of L_n).
    Same input rules as :func:`cross_entropy`; for float16 logits ``(p - y) / N`` is computed in float32
    and rounded once, so large batches keep their (small) gradients. An empty batch gives ``(0, C)``.
    """
    z, labels, y = _check(logits, targets, reduction)
    ctype = compute_dtype(z.dtype)  # float16: p - y and the division by N in float32, rounded once
    g = softmax(Logits(z.astype(ctype, copy=False), 1, 1.0, None, "logits"))  # p
    if labels is not None:
        g[np.arange(z.shape[0]), labels] -= 1                                   # p - y, y one-hot
    else:
        g = g - y.astype(g.dtype, copy=False)                                   # p - y
    if reduction == "mean":
        g /= z.shape[0]
    return g.astype(z.dtype, copy=False)


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
