"""Speed machinery behind the public functions: the same formulas, fewer passes over memory.

Nothing here changes a formula; each function is the plain one from ``forward.py``, ``jacobian.py`` or
``losses.py`` arranged to run faster, and ``tests/test_accuracy.py`` checks that the results are
within 1 ulp of the plain formula (in practice the same bits). The tricks:

* **Small inputs** (at most 4096 entries, float32/float64, last axis, T = 1, no mask): Python overhead
  is most of the time, so the three steps run in as few numpy calls as possible.
* **In place**: every step writes into the output buffer (no full-size temporaries).
* **Row blocks**: inputs larger than the cache (over 8 MiB) are processed a block of rows at a time
  (about 1 MiB), so that the passes over a block (max, shift, exp, sum, normalise) run in cache.
* **Buffer size**: numpy 2.4 broadcasts a (rows, 1) column over rows shorter than its ufunc buffer
  2-3x slower than it should; a buffer no longer than a row avoids it.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Iterator

import numpy as np

from ._validate import Logits, check_out, raise_for_bad_logits

# Rows are processed in blocks of about this many bytes: the passes over one block (max, shift,
# exp, sum, normalise) then hit the 2 MB L2 cache instead of main memory. Measured on the course
# machines: 1-2 MiB is 3-8% faster than 512 KiB (fewer numpy calls per row for 50257 classes),
# 64 KiB is 20-30% slower, and no blocking is 2x slower at (4096, 4096) (1.2x for the backward).
_BLOCK_BYTES = 1 << 20
# ...but inputs of up to this many blocks (8 MiB) are done in one piece: they stay in the 32 MiB L3
# (the L2 is only 1 MiB per core), the exp pass is compute bound, and blocks only add numpy calls.
# Measured at (32, 50257) float32: one piece is 9-14% faster than 1 MiB blocks for the forward and
# 12-20% for the backward; at (4096, 4096) (64 MiB, more than the L3) the blocks are 2x faster.
WHOLE_BLOCKS = 8
_SMALL = 4096  # entries: below this, numpy call overhead dominates


# ----------------------------------------------------------------------------------- blocks and buffers

@functools.lru_cache(maxsize=64)
def _row_starts(rows: int, c: int) -> np.ndarray:
    """Flat offsets 0, c, 2c, ... of the rows of a (rows, c) block (cached: blocks repeat)."""
    starts = np.arange(0, rows * c, c)
    starts.flags.writeable = False
    return starts


def row_blocks(*arrays: np.ndarray, whole_up_to: int = 1) -> list[tuple[np.ndarray, ...]]:
    """Cut arrays of one shape (C-contiguous, class axis last) into blocks of whole rows.

    Each array is viewed as a (rows, classes) matrix and cut at the same rows; a block of the first
    is about ``_BLOCK_BYTES``, so that the several passes over it stay in cache. Arrays of at most
    ``whole_up_to`` blocks are returned as one block (see ``WHOLE_BLOCKS``).
    """
    first = arrays[0]
    c = first.shape[-1]
    mats = arrays if first.ndim == 2 else tuple(a.reshape(-1, c) for a in arrays)
    if first.nbytes <= whole_up_to * _BLOCK_BYTES:
        return [mats]
    step = max(1, _BLOCK_BYTES // (c * first.itemsize))
    return [tuple(m[i:i + step] for m in mats) for i in range(0, mats[0].shape[0], step)]


def _small_bufsize_helps(arr: np.ndarray) -> bool:
    return 512 <= arr.shape[-1] < 8192 and arr.size > arr.shape[-1]


def fit_bufsize(arr: np.ndarray) -> None:
    """numpy 2.4 trap: broadcasting a (rows, 1) column (the max, the sum) over rows shorter than the
    ufunc buffer (8192 elements) runs 2-3x slower than it should; a buffer no longer than a row
    avoids it (measured: 0.16 -> 0.06 ns per element at 1000-4096 classes). Call this only inside
    ``with np.errstate(...)``, which restores the buffer size on exit (also when an error is raised)."""
    if _small_bufsize_helps(arr):
        np.setbufsize(arr.shape[-1] - arr.shape[-1] % 16)


def _block_max(x: Logits, zb: np.ndarray) -> np.ndarray:
    """Row maxima of a C-contiguous block; reduceat over the flat block is 1.3-3x faster than
    maximum.reduce(axis=-1) for short rows (a max does not depend on the order)."""
    if zb.ndim == 2 and zb.shape[0] >= 8:
        return x.checked_max(np.maximum.reduceat(zb.reshape(-1), _row_starts(*zb.shape)).reshape(-1, 1), None)
    return x.row_max(zb, None, -1)


# ----------------------------------------------------------------------------------- the forward pass

def small_plain(z: Any, axis: Any, temperature: Any, where: Any, out: Any) -> bool:
    """The common small case: a float32/float64 array of at most 4096 entries, softmax along the last
    axis, T = 1, no ``where``, and no ``out`` or a plain one (C-contiguous, writable, right shape and
    dtype, ``z`` itself or not overlapping it)."""
    return (type(z) is np.ndarray and z.dtype.char in "fd" and z.ndim and 0 < z.size <= _SMALL
            and axis.__class__ is int and axis == -1 and temperature.__class__ in (float, int)
            and temperature == 1 and where is None
            and (out is None or (type(out) is np.ndarray and out.shape == z.shape and out.dtype == z.dtype
                                 and out.flags.c_contiguous and out.flags.writeable
                                 and (out is z or not np.may_share_memory(out, z)))))


def _small_shift(z: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """``z - max`` (keepdims) of a small array in ``out`` or a new array, raising for NaN, +inf and
    all -inf rows. It can overflow (to -inf, whose exp is an exact 0) only when the spread of ``z``
    exceeds the dtype's largest value; for a handful of entries checking that in Python is cheaper
    than entering ``np.errstate``."""
    if z.ndim == 2 and z.shape[0] >= 8 and z.flags.c_contiguous:
        m = np.maximum.reduceat(z.ravel(), _row_starts(*z.shape))[:, None]  # see _block_max
    else:
        m = np.maximum.reduce(z, axis=-1, keepdims=True)
    # screen: a Python sum of the maxima is finite when they all are (an overflow of huge finite
    # maxima gives inf, and then the exact test decides); cheaper than numpy for a few rows
    if (m.size > 64 or not math.isfinite(sum(m.ravel().tolist()))) and not np.isfinite(m).all():
        raise_for_bad_logits(z, z.ndim - 1, "z", None)
    if z.size <= 16:
        vals = z.ravel().tolist()
        if max(vals) - min(vals) < _HALF_MAX[z.dtype.char]:
            return np.subtract(z, m, out=out)
    with np.errstate(over="ignore"):
        return np.subtract(z, m, out=out)


_HALF_MAX = {"f": float(np.finfo(np.float32).max) / 2, "d": float(np.finfo(np.float64).max) / 2}


def small_softmax(z: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    p = _small_shift(z, out)                                   # 1. shift: z - max, every entry <= 0
    np.exp(p, out=p)                                           # 2. exponentiate, in place
    np.divide(p, np.add.reduce(p, axis=-1, keepdims=True), out=p)  # 3. normalise (the sum is >= 1)
    return p


def small_log_softmax(z: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    lp = _small_shift(z, out)                                  # z - max
    s = np.add.reduce(np.exp(lp), axis=-1, keepdims=True)      # >= 1: the max term is exp(0) = 1
    return np.subtract(lp, np.log(s), out=lp)


def pays(x: Logits, out: np.ndarray | None) -> bool:
    """Blocks and in-place steps apply: last axis, no ``where``, C-contiguous input and ``out``."""
    return (x.allowed is None and x.axis == x.arr.ndim - 1 and x.arr.flags.c_contiguous
            and (out is None or (type(out) is np.ndarray and out.flags.c_contiguous)))


def _result_buffer(x: Logits, out: np.ndarray | None) -> np.ndarray:
    """The array the result is written to: ``out`` itself when it can be, else a fresh one."""
    if out is None:
        return np.empty(x.arr.shape, x.arr.dtype)
    check_out(out, x.arr.shape, x.arr.dtype)
    same = (out.ctypes.data == x.arr.ctypes.data and out.strides == x.arr.strides)
    if not same and np.may_share_memory(out, x.arr):  # partial overlap: blocks would read what they wrote
        return np.empty(x.arr.shape, x.arr.dtype)
    return out


def _finish(res: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    if out is not None and res is not out:
        np.copyto(out, res)
        return out
    return res


def _blocks(x: Logits, res: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(z block, result block, work block): work is the result block itself, or a float32 scratch for
    float16. float16 and out=z keep 1 MiB blocks so that their scratch buffers stay block-sized.
    Call inside ``np.errstate`` (see :func:`fit_bufsize`)."""
    fit_bufsize(x.arr)
    scratch = x.arr.dtype != x.ctype or np.may_share_memory(res, x.arr)
    for zb, rb in row_blocks(x.arr, res, whole_up_to=1 if scratch else WHOLE_BLOCKS):
        yield zb, rb, rb if rb.dtype == x.ctype else np.empty(rb.shape, x.ctype)


def _round_into(dst: np.ndarray, src: np.ndarray) -> None:
    """Round a float32 block to float16 (under over="ignore": a value beyond its range becomes +-inf,
    its correct rounding, without a warning)."""
    np.copyto(dst, src, casting="same_kind")


def softmax(x: Logits, out: np.ndarray | None) -> np.ndarray:
    """forward.softmax, block by block and in place (requires :func:`pays`)."""
    res = _result_buffer(x, out)
    with np.errstate(over="ignore", invalid="ignore"):  # see Logits; also restores the buffer size
        for zb, rb, work in _blocks(x, res):
            x.shift(zb, _block_max(x, zb), None, work)             # 1. (z - max) / T, all <= 0
            np.exp(work, out=work)                                 # 2. exponentiate, in place
            np.divide(work, np.add.reduce(work, axis=-1, keepdims=True), out=work)  # 3. normalise (sum >= 1)
            if work is not rb:
                _round_into(rb, work)
    return _finish(res, out)


def log_softmax(x: Logits, out: np.ndarray | None) -> np.ndarray:
    """forward.log_softmax, block by block and in place (requires :func:`pays`)."""
    res = _result_buffer(x, out)
    in_place = np.may_share_memory(res, x.arr)  # out is z: z is overwritten as we go
    with np.errstate(over="ignore", invalid="ignore"):  # see Logits; also restores the buffer size
        for zb, rb, work in _blocks(x, res):
            m = _block_max(x, zb)
            x.shift(zb, m, None, work)                             # (z - max) / T
            if in_place and work is rb:  # zb is gone: sum the exponentials in a block-sized scratch
                s = np.add.reduce(np.exp(work), axis=-1, keepdims=True)
            else:  # sum of exp, computed in the buffer itself (no temporary), then the shift is redone
                np.exp(work, out=work)
                s = np.add.reduce(work, axis=-1, keepdims=True)
                x.shift(zb, m, None, work)
            np.subtract(work, np.log(s), out=work)                 # s >= 1: the max term is exp(0) = 1
            if work is not rb:
                _round_into(rb, work)
    return _finish(res, out)


def picked_log_softmax(x: Logits, labels: np.ndarray) -> np.ndarray:
    r"""``log_softmax(z)[n, labels[n]]`` for each row without forming the (N, C) log-softmax, in the
    compute dtype: :math:`(z_t - m) - \log \sum_j e^{z_j - m}` per row (the operations of
    log_softmax, so the same bits), the exponentials summed a block of rows at a time in a scratch.
    Call inside ``np.errstate(over="ignore", invalid="ignore")`` (see Logits and :func:`fit_bufsize`)."""
    z = np.ascontiguousarray(x.arr)
    picked = np.empty(z.shape[0], x.ctype)
    fit_bufsize(z)
    start = 0
    for (zb,) in row_blocks(z):
        rows = slice(start, start + zb.shape[0])
        start = rows.stop
        m = _block_max(x, zb)
        work = x.shift(zb, m, None, np.empty(zb.shape, x.ctype))
        s = np.add.reduce(np.exp(work, out=work), axis=-1)     # >= 1: the max term is exp(0) = 1
        zt = zb[np.arange(zb.shape[0]), labels[rows]].astype(x.ctype, copy=False)
        picked[rows] = (zt - m[:, 0]) - np.log(s)
    return picked


# ----------------------------------------------------------------------------------- the backward pass

# g - <g, p> cannot overflow while |<g, p>| is below half an ulp of the dtype's largest value
# (|g| <= max): a quarter ulp leaves room for the rounding of the screen itself.
_DOT_LIMIT = {"f": 2.0 ** 102, "d": 2.0 ** 969}


def small_backward(p: Any, g: Any, axis: Any) -> np.ndarray | None:
    """``p * (g - <g, p>)`` for float32/float64 arrays of one shape and dtype, at most 4096 entries,
    last axis, in as few numpy calls as possible; None when the input is not that case, or holds a
    NaN/inf or gradients large enough for ``g - <g, p>`` to overflow (the general path handles those)."""
    if not (type(p) is np.ndarray and type(g) is np.ndarray and p.dtype.char in "fd"
            and g.dtype is p.dtype and p.shape == g.shape and p.ndim and 0 < p.size <= _SMALL
            and axis.__class__ is int and (axis == -1 or axis == p.ndim - 1)):
        return None  # (a dtype equal but not identical, e.g. another byte order, takes the general path)
    dot = np.vecdot(g, p)[..., None]  # <g, p> of each row
    if math.hypot(*dot.ravel().tolist()) < _DOT_LIMIT[p.dtype.char]:  # finite and not huge
        return p * (g - dot)  # the operations of the general path, so the same bits
    return None


def backward_pays(p: np.ndarray, g: np.ndarray, axis: int) -> bool:
    """Row blocks apply to the backward: last axis, more than 4096 entries, C-contiguous inputs."""
    return axis == p.ndim - 1 and p.size > _SMALL and p.flags.c_contiguous and g.flags.c_contiguous
