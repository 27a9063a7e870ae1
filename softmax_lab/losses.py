r"""Cross-entropy on logits and its fused gradient ``p - y``.

For one sample with target distribution ``y`` (one-hot for a hard label) and logits ``z``,

.. math:: L = -\sum_k y_k \log p_k = -\sum_k y_k \,\mathrm{log\_softmax}(z)_k ,
          \qquad \frac{\partial L}{\partial z} = p - y \quad (\text{when } \textstyle\sum_k y_k = 1).

The loss is computed from :func:`~softmax_lab.log_softmax`, never as ``log(softmax(z))``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from ._validate import as_array, as_real_array, compute_dtype, first_index, sum_tolerance
from .forward import _fit_bufsize, _log_softmax, _Logits, _row_blocks, _softmax

__all__ = ["cross_entropy", "cross_entropy_grad"]

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


def _picked_log_softmax(x: _Logits, labels: np.ndarray) -> np.ndarray:
    r"""``log_softmax(z)[n, labels[n]]`` for each row, without forming the whole (N, C) log-softmax.

    Per row: :math:`(z_t - m) - \log \sum_j e^{z_j - m}`, the same operations as
    :func:`~softmax_lab.log_softmax` (so the same bits), with the sum of exponentials computed one
    block of rows at a time in a small scratch buffer. Returned in the compute dtype.
    """
    z = np.ascontiguousarray(x.arr)
    picked = np.empty(z.shape[0], x.ctype)
    with np.errstate(over="ignore"):  # z - m may overflow to -inf for |z| ~ 1e308: exp gives 0, exact
        _fit_bufsize(z)
        start = 0
        for (zb,) in _row_blocks(z):
            rows = slice(start, start + zb.shape[0])
            start = rows.stop
            m = x.row_max(zb, None, -1)
            work = np.empty(zb.shape, x.ctype)
            x.shift(zb, m, None, work)
            np.exp(work, out=work)
            s = np.add.reduce(work, axis=-1)  # >= 1: the max term is exp(0) = 1
            zt = zb[np.arange(zb.shape[0]), labels[rows]].astype(x.ctype, copy=False)
            picked[rows] = (zt - m[:, 0]) - np.log(s)
    return picked


def _reduce(per_sample: np.ndarray, reduction: str, dtype: np.dtype) -> np.ndarray:
    """Sum or mean over the batch in the compute dtype (float32 for float16 logits), rounded to ``dtype`` once."""
    with np.errstate(over="ignore"):  # a loss beyond the dtype's range is inf, its correct rounding
        if reduction == "none":
            total = per_sample
        else:
            total = per_sample.sum()
            if reduction == "mean":
                n = per_sample.shape[0]
                if np.isinf(total) and np.isfinite(per_sample).all():  # the sum overflowed, the mean need not
                    total = (per_sample / n).sum()
                else:
                    total = total / n
        return total.astype(dtype, copy=False)


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
    x = _Logits(z.astype(compute_dtype(z.dtype), copy=False), 1, 1.0, None, "logits")
    if labels is not None:
        return _reduce(-_picked_log_softmax(x, labels), reduction, z.dtype)
    logp = _log_softmax(x, None)
    prod = np.zeros(logp.shape, dtype=np.result_type(logp.dtype, y.dtype))
    np.multiply(y, logp, out=prod, where=y > 0)  # 0 * log 0 counts as 0
    return _reduce(-prod.sum(axis=1), reduction, np.result_type(z.dtype, y.dtype))


def cross_entropy_grad(logits: ArrayLike, targets: ArrayLike, reduction: Reduction = "mean") -> np.ndarray:
    r"""Gradient of :func:`cross_entropy` with respect to the logits: :math:`(p - y)/N` for ``"mean"``.

    The fused form: the Jacobian of softmax and the ``1/p`` of the log cancel, leaving ``p - y``.
    For ``"sum"`` and ``"none"`` it is ``p - y`` (for ``"none"``, row n is the gradient of L_n).
    Same input rules as :func:`cross_entropy`; for float16 logits ``(p - y) / N`` is computed in float32
    and rounded once, so large batches keep their (small) gradients. An empty batch gives ``(0, C)``.
    """
    z, labels, y = _check(logits, targets, reduction)
    ctype = compute_dtype(z.dtype)  # float16: p - y and the division by N in float32, rounded once
    g = _softmax(_Logits(z.astype(ctype, copy=False), 1, 1.0, None, "logits"), None)
    if labels is not None:
        g[np.arange(z.shape[0]), labels] -= 1
    else:
        g = g - y.astype(g.dtype, copy=False)
    if reduction == "mean":
        g /= z.shape[0]
    return g.astype(z.dtype, copy=False)
