r"""The forward pass: softmax, log-softmax and log-sum-exp, numerically stable.

All three use the max shift. Softmax is unchanged when a constant is added to every logit,

.. math::  \operatorname{softmax}(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}
           = \frac{e^{z_i - m}}{\sum_j e^{z_j - m}}, \qquad m = \max_j z_j ,

so after subtracting the row max every exponent is ``<= 0``: ``exp`` cannot overflow, and the
largest term of the sum is exactly 1, so the sum cannot underflow to 0 either.

Speed (see ``python -m softmax_lab.benchmark``): every step writes into the output buffer in place
(no full-size temporaries), and inputs larger than the cache (over 8 MiB) are processed a block of
rows at a time (:func:`_row_blocks`) so that the passes over a block run in cache instead of
streaming from memory.
The arithmetic is the same as the plain three-line version, element for element.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Iterable

import numpy as np
from numpy.typing import ArrayLike

from ._validate import (
    as_real_array,
    broadcast_where,
    check_class_axis,
    check_out,
    check_temperature,
    compute_dtype,
    normalize_axis,
    raise_for_bad_logits,
)

__all__ = ["softmax", "log_softmax", "logsumexp"]

# Rows are processed in blocks of about this many bytes: the passes over one block (max, shift,
# exp, sum, normalise) then hit the 2 MB L2 cache instead of main memory. Measured on the course
# machines: 1-2 MiB is 3-8% faster than 512 KiB (fewer numpy calls per row for 50257 classes),
# 64 KiB is 20-30% slower, and no blocking is 2x slower at (4096, 4096) (1.2x for the backward).
_BLOCK_BYTES = 1 << 20
# ...but inputs of up to this many blocks (8 MiB) are done in one piece: they stay in the 32 MiB L3
# (the L2 is only 1 MiB per core), the exp pass is compute bound, and blocks only add numpy calls.
# Measured at (32, 50257) float32: one piece is 9-14% faster than 1 MiB blocks for the forward and
# 12-20% for the backward; at (4096, 4096) (64 MiB, more than the L3) the blocks are 2x faster.
_WHOLE_BLOCKS = 8


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
        if 0 < t < 1 and t <= float(np.finfo(self.ctype).smallest_subnormal) / 2:
            t = 0.0  # T rounds to 0 in this dtype: the T -> 0 limit is what the formula gives
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
            m = np.maximum.reduceat(zb.reshape(-1), _row_starts(*zb.shape)).reshape(-1, 1)
        elif wb is None:
            m = np.maximum.reduce(zb, axis=axis, keepdims=True)
        else:
            m = np.max(zb, axis=axis, keepdims=True, where=wb, initial=-np.inf)
        # Cheap screen: the sum of the maxima is finite when every max is (it may also overflow for
        # huge finite maxima; the exact test below then finds nothing wrong).
        with np.errstate(invalid="ignore"):  # inf + -inf in the screen is NaN, which fails it as it should
            screen = np.add.reduce(m, axis=None)
        if not math.isfinite(screen) and not np.isfinite(m).all():
            if wb is None or np.isnan(m).any() or np.isposinf(m).any():
                raise_for_bad_logits(self.arr, self.axis, self.name, self.allowed)
            m = np.where(np.isneginf(m), 0, m)  # where=: a slice with nothing allowed gets probability 0
        return m.astype(self.ctype, copy=False)

    def shift(self, zb: np.ndarray, m: np.ndarray, wb: np.ndarray | None, work: np.ndarray) -> None:
        """Step 1, in place: ``work = (zb - m) / T`` with masked classes set to ``-inf``.

        ``zb - m`` overflows (to -inf) only when the spread of the logits exceeds the dtype's range.
        For T <= 1 that -inf is the correctly rounded ``(z - m) / T`` (exp gives an exact 0). For
        T > 1 the quotient may be finite, so it is then computed as ``z / T - m / T``, which cannot
        overflow; a T beyond the dtype's range is applied in float64. T = inf needs no arithmetic:
        0 for every class that is not masked.
        """
        t = self.t
        if t == math.inf:
            np.copyto(work, np.where(np.isneginf(zb), -np.inf, 0.0))
        elif t <= 1:
            np.subtract(zb, m, out=work)  # may overflow to -inf for |z| ~ 1e308: exp gives 0, exact
            if t not in (0, 1):
                np.divide(work, self.ctype.type(t), out=work)  # tiny T: -inf, exp gives 0, exact
        elif t > float(np.finfo(self.ctype).max):  # T not representable: divide in float64
            np.copyto(work, (zb.astype(np.float64) - m) / t, casting="same_kind")
        else:
            tt = self.ctype.type(t)
            diff = work if not np.may_share_memory(work, zb) else np.empty_like(work)  # keep z for the retry
            try:
                with np.errstate(over="raise"):
                    np.subtract(zb, m, out=diff)
            except FloatingPointError:  # spread beyond the dtype's range: divide first
                np.subtract(np.divide(zb, tt, dtype=self.ctype), m / tt, out=work)
            else:
                np.divide(diff, tt, out=work)
        if wb is not None:
            np.copyto(work, -np.inf, where=~wb)

    def blocks(self, res: np.ndarray) -> Iterable[tuple[np.ndarray, np.ndarray, np.ndarray | None, int]]:
        """``(z_block, result_block, where_block, axis)`` pieces covering the input (see _row_blocks)."""
        arr = self.arr
        if (self.allowed is not None or self.axis != arr.ndim - 1
                or not (arr.flags.c_contiguous and res.flags.c_contiguous)):
            return ((arr, res, self.allowed, self.axis),)
        _fit_bufsize(arr)  # the callers run this inside np.errstate, which restores it
        # float16 (a float32 scratch) and out=z (log_softmax sums in a scratch): keep scratches block-sized
        scratch = arr.dtype != self.ctype or np.may_share_memory(res, arr)
        whole = 1 if scratch else _WHOLE_BLOCKS
        return [(zb, rb, None, -1) for zb, rb in _row_blocks(arr, res, whole_up_to=whole)]


@functools.lru_cache(maxsize=64)
def _row_starts(rows: int, c: int) -> np.ndarray:
    """Flat offsets 0, c, 2c, ... of the rows of a (rows, c) block (cached: blocks repeat)."""
    starts = np.arange(0, rows * c, c)
    starts.flags.writeable = False
    return starts


def _row_blocks(*arrays: np.ndarray, whole_up_to: int = 1) -> list[tuple[np.ndarray, ...]]:
    """Cut arrays of one shape (C-contiguous, class axis last) into blocks of whole rows.

    Each array is viewed as a (rows, classes) matrix and cut at the same rows; a block of the first
    is about ``_BLOCK_BYTES``, so that the several passes over it stay in cache. Arrays of at most
    ``whole_up_to`` blocks are returned as one block (see ``_WHOLE_BLOCKS``).
    """
    first = arrays[0]
    c = first.shape[-1]
    mats = arrays if first.ndim == 2 else tuple(a.reshape(-1, c) for a in arrays)
    if first.nbytes <= whole_up_to * _BLOCK_BYTES:
        return [mats]
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
    check_out(out, x.arr.shape, x.arr.dtype)
    if type(out) is not np.ndarray or not out.flags.c_contiguous:  # rows summed in another order would round differently
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
      When the spread of a slice exceeds the dtype's range (``z - max`` overflows) and T > 1, the shift
      is formed as ``z / T - max / T``, which cannot overflow; a T beyond the dtype's range (1e39 with
      float32 logits) is applied in float64. No warnings either way.
    * float32 in gives float32 out, float16 is computed in float32 and returned as float16, ints and
      lists give float64. ``out`` (optional, writable) receives the result; it must have the result's
      shape and dtype. ``out`` may be ``z`` itself (in-place softmax). If an error is raised, ``out``
      may have been partly written.
    * ndarray subclasses (``np.matrix``, ...) are read as plain arrays and the result is a plain
      ndarray; masked arrays are refused (pass ``where=~z.mask``). An empty batch (shape (0, C)) gives
      an empty result; 0-d input and an empty class axis are errors.
    * NaN, +inf, bool/complex/string input, 0-d input, an empty class axis, a bad ``axis`` or a bad
      temperature raise ``ValueError``/``TypeError`` naming the argument.
    """
    if _is_small_plain(z, axis, temperature, where, out):
        p = _small_shift(z, _small_row_max(z), out)                # 1. shift: z - max, every entry <= 0
        np.exp(p, out=p)                                           # 2. exponentiate, in place
        np.divide(p, np.add.reduce(p, axis=-1, keepdims=True), out=p)  # 3. normalise (the sum is >= 1)
        return p
    return _softmax(_Logits(z, axis, temperature, where, "z"), out)


def _is_small_plain(z: Any, axis: Any, temperature: Any, where: Any, out: Any) -> bool:
    """The common small case, done in as few numpy calls as possible: a float32/float64 array of at
    most 4096 entries, softmax along the last axis, T = 1, no ``where``, and no ``out`` or a plain
    one (C-contiguous, right shape and dtype, ``z`` itself or not overlapping it). For arrays this
    small Python overhead is most of the time; everything else goes through the blocked path."""
    return (type(z) is np.ndarray and z.dtype.char in "fd" and z.ndim and 0 < z.size <= 4096
            and axis.__class__ is int and axis == -1 and temperature.__class__ in (float, int)
            and temperature == 1 and where is None
            and (out is None or (type(out) is np.ndarray and out.shape == z.shape and out.dtype == z.dtype
                                 and out.flags.c_contiguous and out.flags.writeable
                                 and (out is z or not np.may_share_memory(out, z)))))


def _small_row_max(z: np.ndarray) -> np.ndarray:
    """Row maxima (keepdims) of a small array, raising for NaN, +inf and all -inf rows."""
    if z.ndim == 2 and z.shape[0] >= 8 and z.flags.c_contiguous:
        m = np.maximum.reduceat(z.ravel(), _row_starts(*z.shape))[:, None]  # see _Logits.row_max
    else:
        m = np.maximum.reduce(z, axis=-1, keepdims=True)
    # screen: a Python sum of the maxima is finite when they all are (an overflow of huge finite
    # maxima gives inf, and then the exact test decides); cheaper than numpy for a few rows
    if (m.size > 64 or not math.isfinite(sum(m.ravel().tolist()))) and not np.isfinite(m).all():
        raise_for_bad_logits(z, z.ndim - 1, "z", None)
    return m


_HALF_MAX = {"f": float(np.finfo(np.float32).max) / 2, "d": float(np.finfo(np.float64).max) / 2}


def _small_shift(z: np.ndarray, m: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """``z - m`` in ``out`` or a new array. It can overflow (to -inf, whose exp is an exact 0) only
    when the spread of ``z`` exceeds the dtype's largest value; for a handful of entries checking
    that in Python is cheaper than entering ``np.errstate``."""
    if z.size <= 16:
        vals = z.ravel().tolist()
        if max(vals) - min(vals) < _HALF_MAX[z.dtype.char]:
            return np.subtract(z, m, out=out)
    with np.errstate(over="ignore"):
        return np.subtract(z, m, out=out)


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

    Same contract as :func:`softmax` (dtypes, float16, subclasses, empty and 0-d input, spreads beyond
    the dtype's range with temperature); masked classes get ``-inf``. ``log(softmax(z))`` would give
    ``-inf`` for every probability that underflows to 0 (e.g. z = [0, -1000]); this gives -1000.
    """
    if _is_small_plain(z, axis, temperature, where, out):
        lp = _small_shift(z, _small_row_max(z), out)                   # (z - max)
        s = np.add.reduce(np.exp(lp), axis=-1, keepdims=True)         # >= 1: the max term is exp(0) = 1
        return np.subtract(lp, np.log(s), out=lp)
    return _log_softmax(_Logits(z, axis, temperature, where, "z"), out)


def _log_softmax(x: _Logits, out: np.ndarray | None) -> np.ndarray:
    res = _result_buffer(x, out)
    in_place = np.may_share_memory(res, x.arr)  # out is z (or a view of it): z is overwritten as we go
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
                s = None
            elif in_place and work is rb:  # zb is gone: sum the exponentials in a block-sized scratch
                s = np.add.reduce(np.exp(work), axis=axis, keepdims=True)
            else:
                # sum of exp, computed in the buffer itself (no temporary), then the shift is redone
                np.exp(work, out=work)
                s = np.add.reduce(work, axis=axis, keepdims=True)
                x.shift(zb, m, wb, work)
            if s is not None:  # s >= 1 (the max term is exp(0) = 1) unless where= masks a whole slice
                if wb is not None:
                    s[s == 0] = 1  # slices where every class is masked: they stay at -inf
                np.subtract(work, np.log(s), out=work)
            if work is not rb:
                np.copyto(rb, work, casting="same_kind")
    return _finish(res, out)


def logsumexp(z: ArrayLike, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    r""":math:`\log \sum_j e^{z_j} = m + \log \sum_j e^{z_j - m}`, with :math:`m = \max_j z_j`.

    Exact for any finite input (no overflow, no underflow of the sum, which is >= 1). ``-inf`` entries
    contribute nothing; a slice that is all ``-inf`` gives ``-inf`` (the log of an empty sum, 0).
    NaN and +inf raise ``ValueError`` naming the position. Same input rules as :func:`softmax`
    (float16 computed in float32; subclasses read as plain arrays, masked arrays refused; 0-d input
    an error; an empty batch gives an empty result).
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
