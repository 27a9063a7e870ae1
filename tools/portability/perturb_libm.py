"""Pretend to be another machine: move every result of exp, log and friends by a few ulps.

Loaded as an IPython startup file by ``tools/check_portability.py`` (never by the course). A
different CPU, SIMD path or libm computes these functions to within a few ulps of the true value but
not to the same last bits; this module makes this kernel's results differ from the machine's in the
same way, only more so: each result moves by up to ``SOFTMAX_LAB_PERTURB_ULPS`` ulps (default 64)
in float64 and a quarter of that (at least 1) in float32, by an amount that depends only on the result's
bits. The perturbed functions are therefore still functions (the same input gives the same output,
in numpy and in ``math`` alike), and the results that every IEEE machine shares are kept exactly:
``exp(0) = 1``, ``log(1) = 0``, zeros, infinities and NaNs, and anything that would overflow.

A notebook output that changes under this perturbation prints digits at rounding level: it would
change on a student's machine too.
"""

from __future__ import annotations

import math
import os

import numpy as np

ULPS_64 = int(os.environ.get("SOFTMAX_LAB_PERTURB_ULPS", "64"))
ULPS_32 = max(1, ULPS_64 // 4)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SALT = np.uint64(int(os.environ.get("SOFTMAX_LAB_PERTURB_SALT", "0")))  # another salt: another machine


_CHUNK = 1024  # entries per step: the perturbation needs about 40 KiB of scratch, so memory peaks stay as they were


def offsets(r: np.ndarray, ulps: int) -> np.ndarray:
    """A pseudo-random integer in [-ulps, ulps] for each entry of ``r``, a function of the entry's bits."""
    h = (r.astype(np.float64).view(np.uint64) ^ _SALT) * _MIX
    h ^= h >> np.uint64(31)
    h *= _MIX
    h ^= h >> np.uint64(29)
    return (h % np.uint64(2 * ulps + 1)).astype(np.int64) - ulps


def nudge(r: np.ndarray, ulps: int) -> None:
    """Move each entry of ``r`` (flat) by up to ``ulps`` ulps, except where it is 0, 1, tiny, non-finite or
    would overflow. The amount depends only on the entry itself (so on the function's input)."""
    tiny = np.finfo(r.dtype).tiny
    for i in range(0, r.size, _CHUNK):
        rc = r[i:i + _CHUNK]
        new = rc + np.spacing(np.abs(rc)) * offsets(rc, ulps).astype(r.dtype)
        keep = (rc == 0) | (rc == 1) | ~np.isfinite(rc) | ~np.isfinite(new) | (np.abs(rc) < tiny)
        np.copyto(rc, new, where=~keep)


def wrap_ufunc(uf: np.ufunc):
    def perturbed(x, *args, **kwargs):
        r = uf(x, *args, **kwargs)  # numpy's own warnings (overflow, divide by zero) as usual
        res = r if isinstance(r, np.ndarray) else np.array(r)
        # float16 is computed in float32 and rounded: a few float32 ulps almost never show
        if res.dtype.kind != "f" or res.dtype.itemsize < 4 or args or "where" in kwargs:
            return r
        ulps = ULPS_64 if res.dtype.itemsize >= 8 else ULPS_32
        flat = res.reshape(-1)  # a view when res is contiguous (ufunc results and out= arrays here are)
        with np.errstate(all="ignore"):
            nudge(flat, ulps)
        if not np.shares_memory(flat, res):
            res[...] = flat.reshape(res.shape)
        if isinstance(r, np.ndarray):
            return r
        return res[()] if isinstance(r, np.generic) else res
    perturbed.__name__ = uf.__name__
    perturbed.__doc__ = uf.__doc__
    return perturbed


def wrap_math(fn):
    def perturbed(x, *args):
        r = fn(x, *args)
        if r in (0.0, 1.0) or not math.isfinite(r):
            return r
        off = int(offsets(np.array([r]), ULPS_64)[0])
        new = r + off * math.ulp(r)
        return new if math.isfinite(new) else r
    perturbed.__name__ = fn.__name__
    return perturbed


for _name in ("exp", "expm1", "log", "log1p", "log10", "tanh", "sin", "cos"):
    setattr(np, _name, wrap_ufunc(getattr(np, _name)))
for _name in ("exp", "expm1", "log", "log1p", "log10", "tanh", "sin", "cos"):
    setattr(math, _name, wrap_math(getattr(math, _name)))
