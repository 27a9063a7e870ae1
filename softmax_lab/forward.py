r"""The forward pass: softmax, log-softmax and log-sum-exp, numerically stable.

All three use the max shift. Softmax is unchanged when a constant is added to every logit,

.. math::  \operatorname{softmax}(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}
           = \frac{e^{z_i - m}}{\sum_j e^{z_j - m}}, \qquad m = \max_j z_j ,

so after subtracting the row max every exponent is ``<= 0``: ``exp`` cannot overflow, and the
largest term of the sum is exactly 1, so the sum cannot underflow to 0 either.

Speed (see ``python -m softmax_lab.benchmark``): every step writes into the output buffer in place
(no full-size temporaries), and long inputs are processed a block of rows at a time
(:func:`_row_blocks`) so that the passes over a block run in cache instead of streaming from memory.
The arithmetic is the same as the plain three-line version, element for element.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

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

# Rows are processed in blocks of about this many bytes: the passes over one block (max, shift,
# exp, sum, normalise) then hit the 2 MB L2 cache instead of main memory. Measured on the course
# machines: 256 KiB is as fast as anything from 64 KiB to 1 MiB, and 2x faster than no blocking at
# (4096, 4096).
_BLOCK_BYTES = 1 << 20


class _Logits:
    """Validated input of softmax / log_softmax: the array, axis, temperature and where-mask."""

    __slots__ = ("arr", "axis", "t", "allowed", "ctype", "name")

    def __init__(self, z: Any, axis: Any, temperature: Any, where: Any, name: str) -> None:
        if type(z) is np.ndarray and z.dtype.char in "fd" and z.ndim:  # float32/64: nothing to convert
            arr = z
        else:
            arr = as_real_array(z, name)
        if axis.__class__ is int and axis == -1:
            ax = arr.ndim - 1
        else:
            ax = normalize_axis(axis, arr.ndim)
        if arr.shape[ax] == 0:
            check_class_axis(arr, ax, name)
        if temperature.__class__ in (float, int) and temperature == 1:
            t = 1.0
        else:
            t = check_temperature(temperature)
        self.ctype = arr.dtype if arr.dtype.char != "e" else compute_dtype(arr.dtype)
        if t != 1 and 0 < t < math.inf and self.ctype.type(t) == 0:
            t = 0.0  # T underflows in this dtype: the T -> 0 limit is what the formula gives
        self.arr, self.axis, self.t, self.name = arr, ax, t, name
        self.allowed = None if where is None else broadcast_where(where, arr.shape)

    def row_max(self, zb: np.ndarray, wb: np.ndarray | None, axis: int) -> np.ndarray:
        """Max along ``axis`` of a block, in the compute dtype; raises for NaN, +inf, all -inf slices.

        The max is needed for the shift anyway, and it is NaN / +inf / -inf exactly when its slice
        holds a NaN / a +inf / nothing but -inf, so bad input costs no extra pass over the data.
        """
        if wb is None and zb.ndim == 2 and axis == -1 and zb.shape[0] >= 8:
            # max of each row of a C-contiguous block: reduceat over the flat block is 1.3-3x faster
            # than maximum.reduce(axis=-1) for short rows, and a max does not depend on the order
            c = zb.shape[1]
            m = np.maximum.reduceat(zb.reshape(-1), np.arange(0, zb.size, c)).reshape(-1, 1)
        elif wb is None:
            m = np.maximum.reduce(zb, axis=axis, keepdims=True)
        else:
            m = np.max(zb, axis=axis, keepdims=True, where=wb, initial=-np.inf)
        # Cheap screen: the sum of the maxima is finite when every max is (it may also overflow for
        # huge finite maxima; the exact test below then finds nothing wrong).
        if not math.isfinite(np.add.reduce(m, axis=None)) and not np.isfinite(m).all():
            if wb is None or np.isnan(m).any() or np.isposinf(m).any():
                raise_for_bad_logits(self.arr, self.axis, self.name, self.allowed)
            m = np.where(np.isneginf(m), 0, m)  # where=: a slice with nothing allowed gets probability 0
        return m.astype(self.ctype, copy=False)

    def shift(self, zb: np.ndarray, m: np.ndarray, wb: np.ndarray | None, work: np.ndarray) -> None:
        """Step 1, in place: ``work = (zb - m) / T`` with masked classes set to ``-inf``."""
        np.subtract(zb, m, out=work)  # may overflow to -inf for |z| ~ 1e308: exp gives 0, exact
        if wb is not None:
            np.copyto(work, -np.inf, where=~wb)
        if 0 < self.t < math.inf and self.t != 1:
            np.divide(work, self.ctype.type(self.t), out=work)  # tiny T: -inf, exp gives 0, exact

    def blocks(self, res: np.ndarray) -> Iterable[tuple[np.ndarray, np.ndarray, np.ndarray | None, int]]:
        """``(z_block, result_block, where_block, axis)`` pieces covering the input (see _row_blocks)."""
        arr = self.arr
        if (self.allowed is not None or self.axis != arr.ndim - 1
                or not (arr.flags.c_contiguous and res.flags.c_contiguous)):
            return ((arr, res, self.allowed, self.axis),)
        return [(zb, rb, None, -1) for zb, rb in _row_blocks(arr, res)]


def _row_blocks(*arrays: np.ndarray) -> list[tuple[np.ndarray, ...]]:
    """Cut arrays of one shape (C-contiguous, class axis last) into blocks of whole rows.

    Each array is viewed as a (rows, classes) matrix and cut at the same rows; a block of the first
    is about ``_BLOCK_BYTES``, so that the several passes over it stay in cache. Call inside
    ``np.errstate(...)`` (see :func:`_fit_bufsize`).
    """
    first = arrays[0]
    c = first.shape[-1]
    mats = arrays if first.ndim == 2 else tuple(a.reshape(-1, c) for a in arrays)
    if first.nbytes <= _BLOCK_BYTES:
        return [mats]
    _fit_bufsize(first)
    step = max(1, _BLOCK_BYTES // (c * first.itemsize))
    return [tuple(m[i:i + step] for m in mats) for i in range(0, mats[0].shape[0], step)]


def _fit_bufsize(arr: np.ndarray) -> None:
    """numpy 2.4 trap: broadcasting a (rows, 1) column (the max, the sum) over rows shorter than the
    ufunc buffer (8192 elements) runs 2-3x slower than it should; a buffer no longer than a row
    avoids it (measured: 0.16 -> 0.06 ns per element at 1000-4096 classes). Call this only inside
    ``with np.errstate(...)``, which restores the buffer size on exit.
    """
    if _small_bufsize_helps(arr):
        np.setbufsize(arr.shape[-1] - arr.shape[-1] % 16)


def _small_bufsize_helps(arr: np.ndarray) -> bool:
    return 512 <= arr.shape[-1] < 8192 and arr.size > arr.shape[-1]


def _result_buffer(x: _Logits, out: np.ndarray | None) -> np.ndarray:
    """The array the result is written to: ``out`` itself when it can be, else a fresh one."""
    if out is None:
        return np.empty(x.arr.shape, x.arr.dtype)
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy array, got {type(out).__name__}")
    if out.shape != x.arr.shape or out.dtype != x.arr.dtype:
        raise ValueError(f"out must have shape {x.arr.shape} and dtype {x.arr.dtype}, "
                         f"got shape {out.shape} and dtype {out.dtype}")
    if not out.flags.c_contiguous:  # rows summed in another order would round differently
        return np.empty(x.arr.shape, x.arr.dtype)
    same = (out.ctypes.data == x.arr.ctypes.data and out.strides == x.arr.strides)
    if not same and np.may_share_memory(out, x.arr):  # partial overlap: blocks would read what they wrote
        return np.empty(x.arr.shape, x.arr.dtype)
    return out


def _finish(res: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    if out is not None and res is not out:
        np.copyto(out, res)
        return out
    return res


def _limit_weights(buf: np.ndarray, t: float) -> np.ndarray:
    """Unnormalised weights at the two temperature limits (0 and inf)."""
    if t == 0:  # argmax; ties share the mass evenly. z - m == 0 exactly iff z == m.
        return (buf == 0).astype(buf.dtype)
    return np.isfinite(buf).astype(buf.dtype)  # T = inf: uniform over the classes not masked


def _work_buffer(x: _Logits, rb: np.ndarray) -> np.ndarray:
    """Where a block is computed: the result block itself, or a float32 scratch block for float16."""
    return rb if rb.dtype == x.ctype else np.empty(rb.shape, x.ctype)


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
      lists give float64. ``out`` (optional) receives the result; it must have the result's shape and
      dtype. ``out`` may be ``z`` itself (in-place softmax). If an error is raised, ``out`` may have
      been partly written.
    * NaN, +inf, bool/complex/string input, 0-d input, an empty class axis, a bad ``axis`` or a bad
      temperature raise ``ValueError``/``TypeError`` naming the argument.
    """
    return _softmax(_Logits(z, axis, temperature, where, "z"), out)


def _softmax(x: _Logits, out: np.ndarray | None) -> np.ndarray:
    res = _result_buffer(x, out)
    t = x.t
    with np.errstate(over="ignore"):  # only the shift can overflow (to -inf, whose exp is exactly 0)
        for zb, rb, wb, axis in x.blocks(res):
            work = _work_buffer(x, rb)
            x.shift(zb, x.row_max(zb, wb, axis), wb, work)  # 1. shift: (z - max) / T, all <= 0
            if t == 0 or t == math.inf:
                work[...] = _limit_weights(work, t)
            else:
                np.exp(work, out=work)                        # 2. exponentiate, in place
            s = np.add.reduce(work, axis=axis, keepdims=True)
            if wb is not None:
                s[s == 0] = 1  # slices where every class is masked: their probabilities stay 0
            np.divide(work, s, out=work)                      # 3. normalise, in place
            if work is not rb:
                np.copyto(rb, work, casting="same_kind")
    return _finish(res, out)


def log_softmax(z: ArrayLike, axis: int = -1, *, temperature: float = 1.0, where: ArrayLike | None = None,
                out: np.ndarray | None = None) -> np.ndarray:
    r"""Log of softmax, computed without ever taking ``log`` of a probability:

    .. math:: \log p_i = \frac{z_i - m}{T} - \log \sum_j e^{(z_j - m)/T}.

    Same contract as :func:`softmax`; masked classes get ``-inf``. ``log(softmax(z))`` would give
    ``-inf`` for every probability that underflows to 0 (e.g. z = [0, -1000]); this gives -1000.
    """
    return _log_softmax(_Logits(z, axis, temperature, where, "z"), out)


def _log_softmax(x: _Logits, out: np.ndarray | None) -> np.ndarray:
    res = _result_buffer(x, out)
    t = x.t
    with np.errstate(over="ignore"):
        for zb, rb, wb, axis in x.blocks(res):
            work = _work_buffer(x, rb)
            m = x.row_max(zb, wb, axis)
            x.shift(zb, m, wb, work)                             # (z - max) / T
            if t == 0 or t == math.inf:
                w = _limit_weights(work, t)
                n = np.add.reduce(w, axis=axis, keepdims=True)
                with np.errstate(divide="ignore"):
                    work[...] = np.log(w) - np.log(np.where(n == 0, 1, n))
            else:
                # sum of exp, computed in the buffer itself (no temporary), then the shift is redone
                np.exp(work, out=work)
                s = np.add.reduce(work, axis=axis, keepdims=True)  # >= 1: the max term is exp(0) = 1
                if wb is not None:
                    s[s == 0] = 1  # slices where every class is masked: they stay at -inf
                x.shift(zb, m, wb, work)
                np.subtract(work, np.log(s), out=work)
            if work is not rb:
                np.copyto(rb, work, casting="same_kind")
    return _finish(res, out)


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
