r"""The forward pass: softmax, log-softmax and log-sum-exp, numerically stable.

All three use the max shift. Softmax is unchanged when a constant is added to every logit,

.. math::  \operatorname{softmax}(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}
           = \frac{e^{z_i - m}}{\sum_j e^{z_j - m}}, \qquad m = \max_j z_j ,

so after subtracting the row max every exponent is ``<= 0``: ``exp`` cannot overflow, and the
largest term of the sum is exactly 1, so the sum cannot underflow to 0 either.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._validate import (
    as_real_array,
    broadcast_where,
    check_class_axis,
    check_temperature,
    compute_dtype,
    normalize_axis,
    raise_for_bad_logits,
)

__all__ = ["softmax", "log_softmax", "logsumexp"]


def _shifted(z: Any, axis: Any, temperature: Any, where: Any, name: str = "z"):
    """Validate the input and return ``(z - max) / T`` in the compute dtype.

    Returns ``(buf, in_dtype, axis, t, allowed)`` where ``buf`` is a fresh array holding the
    shifted, tempered logits with masked classes set to ``-inf`` (for T=0 and T=inf ``buf``
    holds the shifted logits and the caller takes the limit), and ``allowed`` is the where-mask
    or None.
    """
    arr = as_real_array(z, name)
    ax = normalize_axis(axis, arr.ndim)
    check_class_axis(arr, ax, name)
    t = check_temperature(temperature)
    allowed = None if where is None else broadcast_where(where, arr.shape)

    ctype = compute_dtype(arr.dtype)
    if allowed is None:
        m = np.max(arr, axis=ax, keepdims=True)
    else:
        m = np.max(arr, axis=ax, keepdims=True, where=allowed, initial=-np.inf)
    if not np.isfinite(m).all():
        raise_for_bad_logits(arr, ax, name, allowed)
        # only reachable with where=: slices with nothing allowed get probability 0
        m = np.where(np.isneginf(m), 0, m)

    buf = np.empty(arr.shape, dtype=ctype)
    with np.errstate(over="ignore"):  # z - m may overflow to -inf for |z| ~ 1e308: exp gives 0, exact
        np.subtract(arr, m.astype(ctype, copy=False), out=buf)
    if allowed is not None:
        np.copyto(buf, -np.inf, where=~allowed)
    if 0 < t < math.inf and t != 1:
        tc = ctype.type(t)
        if tc == 0:  # T underflows in this dtype: the T -> 0 limit is what the formula gives
            t = 0.0
        else:
            with np.errstate(over="ignore"):  # (z - m)/T -> -inf for tiny T: exp gives 0, exact
                np.divide(buf, tc, out=buf)
    return buf, arr.dtype, ax, t


def _limit_weights(buf: np.ndarray, t: float) -> np.ndarray:
    """Unnormalised weights at the two temperature limits (0 and inf)."""
    if t == 0:  # argmax; ties share the mass evenly. z - m == 0 exactly iff z == m.
        return (buf == 0).astype(buf.dtype)
    return np.isfinite(buf).astype(buf.dtype)  # T = inf: uniform over the classes not masked


def softmax(z: ArrayLike, axis: int = -1, *, temperature: float = 1.0, where: ArrayLike | None = None,
            out: np.ndarray | None = None) -> np.ndarray:
    r"""Softmax along ``axis``: :math:`p_i = e^{(z_i - m)/T} / \sum_j e^{(z_j - m)/T}`, :math:`m = \max_j z_j`.

    Contract
    --------
    * Any finite logits (even +-1e300) give the exact result, with no warnings.
    * ``-inf`` entries are masked classes: probability exactly 0.
    * ``where`` (boolean, broadcast to ``z``) masks classes too (False = excluded). A slice with no
      allowed class gets probability 0 everywhere; without ``where`` an all ``-inf`` slice is an error.
    * ``temperature`` T >= 0. T=0 is the argmax limit (one-hot, ties split evenly); T=inf is uniform
      over the unmasked classes. The result is ``softmax((z - max) / T)``, so tiny T such as 1e-320 works.
    * float32 in gives float32 out, float16 is computed in float32 and returned as float16, ints and
      lists give float64. ``out`` (optional) receives the result; it must have the result's shape and dtype.
    * NaN, +inf, bool/complex/string input, 0-d input, an empty class axis, a bad ``axis`` or a bad
      temperature raise ``ValueError``/``TypeError`` naming the argument.
    """
    buf, in_dtype, ax, t = _shifted(z, axis, temperature, where)
    if t == 0 or t == math.inf:
        buf = _limit_weights(buf, t)
    else:
        np.exp(buf, out=buf)
    s = np.sum(buf, axis=ax, keepdims=True)
    s[s == 0] = 1  # only slices where every class is masked (via where=): their probabilities stay 0
    np.divide(buf, s, out=buf)
    return _deliver(buf, in_dtype, out)


def log_softmax(z: ArrayLike, axis: int = -1, *, temperature: float = 1.0, where: ArrayLike | None = None,
                out: np.ndarray | None = None) -> np.ndarray:
    r"""Log of softmax, computed without ever taking ``log`` of a probability:

    .. math:: \log p_i = \frac{z_i - m}{T} - \log \sum_j e^{(z_j - m)/T}.

    Same contract as :func:`softmax`; masked classes get ``-inf``. ``log(softmax(z))`` would give
    ``-inf`` for every probability that underflows to 0 (e.g. z = [0, -1000]); this gives -1000.
    """
    buf, in_dtype, ax, t = _shifted(z, axis, temperature, where)
    if t == 0 or t == math.inf:
        w = _limit_weights(buf, t)
        n = np.sum(w, axis=ax, keepdims=True)
        with np.errstate(divide="ignore"):
            res = np.log(w) - np.log(np.where(n == 0, 1, n))
        return _deliver(res.astype(buf.dtype, copy=False), in_dtype, out)
    s = np.sum(np.exp(buf), axis=ax, keepdims=True)  # >= 1: the max term is exp(0) = 1
    s[s == 0] = 1  # only slices where every class is masked (via where=): they stay at -inf
    np.subtract(buf, np.log(s), out=buf)
    return _deliver(buf, in_dtype, out)


def logsumexp(z: ArrayLike, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    r""":math:`\log \sum_j e^{z_j} = m + \log \sum_j e^{z_j - m}`, with :math:`m = \max_j z_j`.

    Exact for any finite input (no overflow, no underflow of the sum, which is >= 1). ``-inf`` entries
    contribute nothing; a slice that is all ``-inf`` gives ``-inf`` (the log of an empty sum, 0).
    NaN and +inf raise ``ValueError`` naming the position. Same dtype rules as :func:`softmax`.
    """
    arr = as_real_array(z, "z")
    ax = normalize_axis(axis, arr.ndim)
    check_class_axis(arr, ax, "z")
    ctype = compute_dtype(arr.dtype)
    a = arr.astype(ctype, copy=False)
    m = np.max(a, axis=ax, keepdims=True)
    if not np.isfinite(m).all():
        if np.isnan(m).any() or np.isposinf(m).any():
            raise_for_bad_logits(arr, ax, "z", None)
        m = np.where(np.isneginf(m), 0, m).astype(ctype)
    with np.errstate(over="ignore", divide="ignore"):
        res = m + np.log(np.sum(np.exp(a - m), axis=ax, keepdims=True))
    if not keepdims:
        res = np.squeeze(res, axis=ax)
    return res.astype(arr.dtype, copy=False)


def _deliver(buf: np.ndarray, in_dtype: np.dtype, out: np.ndarray | None) -> np.ndarray:
    """Cast back to the input dtype (float16) and copy into ``out`` if one was given."""
    if out is None:
        return buf.astype(in_dtype, copy=False)
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy array, got {type(out).__name__}")
    if out.shape != buf.shape or out.dtype != in_dtype:
        raise ValueError(f"out must have shape {buf.shape} and dtype {in_dtype}, "
                         f"got shape {out.shape} and dtype {out.dtype}")
    np.copyto(out, buf, casting="same_kind")
    return out
