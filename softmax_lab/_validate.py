"""Input checks shared by every public function.

Every check raises an error that names the argument as the caller wrote it and says what was
wrong, so that a student sees ``z contains NaN at index (1, 2)`` instead of a silent NaN or a
traceback from deep inside numpy.

The rules every public function follows (through :func:`as_array`, the one door for arrays):

* **ndarray subclasses.** ``np.matrix``, ``np.memmap`` and other subclasses are read as plain
  ndarrays (``np.asarray``) and results are plain ndarrays. Masked arrays (``np.ma.MaskedArray``)
  are refused with a ``TypeError``: a mask that some functions honour and others silently drop is
  worse than none. Pass ``where=`` (softmax, log_softmax) or ``mask=`` (attention) instead, or
  ``.filled(...)`` / ``.compressed()`` the array first.
* **Lists** (ragged ones included) are converted by numpy; a list numpy cannot convert is a
  ``TypeError`` naming the argument.
* **dtypes.** float16/32/64 keep their dtype (float16 is computed in float32 and rounded back
  once); ints and lists become float64; bool, complex, string and object input is a ``TypeError``.
* **0-d input** is a ``ValueError`` naming the argument (there is no class axis); an empty batch
  (shape ``(0, C)``) gives an empty result; an empty class axis is a ``ValueError``.
"""

from __future__ import annotations

import math
import numbers
import operator
from typing import Any

import numpy as np


def as_array(x: Any, name: str) -> np.ndarray:
    """``x`` as a plain ndarray of any dtype, by the subclass and list rules above."""
    if type(x) is np.ndarray:
        return x
    if isinstance(x, np.ma.MaskedArray):
        raise TypeError(f"{name} is a masked array; its mask would not be used. Pass where= (softmax, "
                        f"log_softmax) or mask= (attention) to exclude entries, or give {name}.filled(...) "
                        f"or {name}.compressed() instead")
    try:
        return np.asarray(x)  # subclasses such as np.matrix become plain ndarrays (a view, no copy)
    except (ValueError, TypeError) as exc:  # ragged lists and the like
        raise TypeError(f"{name} could not be converted to an array (a ragged list?): {exc}") from None


def as_real_array(x: Any, name: str) -> np.ndarray:
    """Return ``x`` as a floating-point ndarray with at least one dimension (ints and lists become float64).

    Raises ``TypeError`` for masked arrays, bool, complex, string and object input and ``ValueError``
    for 0-d input, naming ``name``.
    """
    arr = as_array(x, name)
    kind = arr.dtype.kind
    if kind == "b":
        raise TypeError(f"{name} must hold real numbers, got a boolean array (dtype bool)")
    if kind == "c":
        raise TypeError(f"{name} must hold real numbers, got complex dtype {arr.dtype}")
    if kind not in "fiu":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype} ({type(x).__name__} input)")
    if arr.ndim == 0:
        raise ValueError(f"{name} must have at least one dimension (the class axis), got a 0-d scalar")
    if kind in "iu":
        arr = arr.astype(np.float64)
    return arr


def compute_dtype(dtype: np.dtype) -> np.dtype:
    """float16 is computed in float32; every other float dtype in itself."""
    return np.dtype(np.float32) if dtype == np.float16 else np.dtype(dtype)


def normalize_axis(axis: Any, ndim: int, name: str = "axis") -> int:
    """Return ``axis`` as a non-negative int, or raise a clear error."""
    if isinstance(axis, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer, got bool {axis!r}")
    try:
        ax = operator.index(axis)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {type(axis).__name__} {axis!r}") from None
    if not -ndim <= ax < ndim:
        raise ValueError(f"{name}={ax} is out of range for an array with {ndim} dimension(s)")
    return ax % ndim


def check_class_axis(arr: np.ndarray, axis: int, name: str) -> None:
    if arr.shape[axis] == 0:
        raise ValueError(f"{name} has a zero-length class axis (axis {axis} of shape {arr.shape}); "
                         "softmax over no classes is undefined")


def real_scalar(x: Any, name: str) -> float:
    """``x`` (a Python or numpy real number, or a 0-d real array) as a float; bool is refused."""
    if isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype.kind in "fiu":
        x = x.item()
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real scalar, got {type(x).__name__} {x!r}")
    return float(x)


def check_temperature(temperature: Any, name: str = "temperature") -> float:
    """Return the temperature as a float >= 0 (0 and inf are allowed limits)."""
    t = real_scalar(temperature, name)
    if math.isnan(t):
        raise ValueError(f"{name} must be a number >= 0, got NaN")
    if t < 0:
        raise ValueError(f"{name} must be >= 0, got {t!r} (0 is the argmax limit, inf the uniform limit)")
    return t


def as_generator(rng: Any, name: str = "rng") -> np.random.Generator:
    """``rng`` as a ``numpy.random.Generator``: a Generator, a non-negative int seed, or None (fresh entropy)."""
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, (bool, np.bool_)):
        if rng < 0:
            raise ValueError(f"{name} must be a non-negative int seed, got {int(rng)}")
        return np.random.default_rng(int(rng))
    raise TypeError(f"{name} must be a numpy.random.Generator, an int seed or None, got {type(rng).__name__}")


def first_index(mask: np.ndarray) -> tuple[int, ...]:
    """Index of the first True entry of ``mask`` as a plain tuple of ints."""
    return tuple(int(i) for i in np.argwhere(mask)[0])


def broadcast_where(where: Any, shape: tuple[int, ...], name: str = "where") -> np.ndarray:
    """Return ``where`` as a boolean array broadcast to ``shape``."""
    w = as_array(where, name)
    if w.dtype != np.bool_:
        raise TypeError(f"{name} must be a boolean mask (True = allowed), got dtype {w.dtype}")
    try:
        return np.broadcast_to(w, shape)
    except ValueError:
        raise ValueError(f"{name} of shape {w.shape} does not broadcast to the input's shape {shape}") from None


def check_out(out: Any, shape: tuple[int, ...], dtype: np.dtype, name: str = "out") -> np.ndarray:
    """``out`` must be a writable plain ndarray of the result's shape and dtype."""
    if not isinstance(out, np.ndarray) or isinstance(out, np.ma.MaskedArray):
        raise TypeError(f"{name} must be a numpy array, got {type(out).__name__}")
    if out.shape != shape or out.dtype != dtype:
        raise ValueError(f"{name} must have shape {shape} and dtype {dtype}, "
                         f"got shape {out.shape} and dtype {out.dtype}")
    if not out.flags.writeable:
        raise ValueError(f"{name} is read-only; pass a writable array (or out=None for a new one)")
    return out


def sum_tolerance(dtype: np.dtype, classes: int) -> float:
    r"""How far from 1 the sum of a probability vector stored in ``dtype`` may be.

    :math:`\sqrt{\varepsilon_c} + 4\,\varepsilon + C\,\tau`, with :math:`\varepsilon` the machine epsilon
    of ``dtype``, :math:`\varepsilon_c` that of the dtype it is computed in (float32 for float16) and
    :math:`\tau` the smallest subnormal of ``dtype``: rounding each of C probabilities to ``dtype``
    moves their sum by at most :math:`\varepsilon/2` (relative) plus :math:`\tau/2` per subnormal
    entry. float16: 4.2e-3 (+6e-8 C); float32: 3.5e-4; float64: 1.5e-8.
    """
    info, cinfo = np.finfo(dtype), np.finfo(compute_dtype(dtype))
    return math.sqrt(float(cinfo.eps)) + 4 * float(info.eps) + classes * float(info.smallest_subnormal)


def check_probabilities(p: Any, name: str = "p", axis: int = -1) -> np.ndarray:
    """Return ``p`` as a float array after checking that it is a distribution along ``axis``.

    Raises ``ValueError`` naming the position of the first NaN, inf or negative entry, and of the
    first slice whose sum is not 1 (tolerance :func:`sum_tolerance` of the dtype and class count).
    Empty batches pass; an empty class axis is an error.
    """
    arr = as_real_array(p, name)
    ax = normalize_axis(axis, arr.ndim)
    if arr.shape[ax] == 0:
        raise ValueError(f"{name} has a zero-length class axis (shape {arr.shape})")
    bad = ~np.isfinite(arr)
    if bad.any():
        i = first_index(bad)
        raise ValueError(f"{name} must be finite probabilities, found {arr[i]} at index {i}")
    neg = arr < 0
    if neg.any():
        i = first_index(neg)
        raise ValueError(f"{name} must be probabilities >= 0, found {arr[i]} at index {i}")
    s = arr.sum(axis=ax, dtype=np.float64)
    if (s == 0).any():
        raise ValueError(f"{name} is all zeros in the slice at {first_index(s == 0)}: it is not a distribution")
    off = np.abs(s - 1) > sum_tolerance(arr.dtype, arr.shape[ax])
    if off.any():
        i = first_index(off)
        raise ValueError(f"{name} must sum to 1 along axis {axis}; the slice at {i} sums to {s[i]:.6g}")
    return arr


def raise_for_bad_logits(z: np.ndarray, axis: int, name: str, where: np.ndarray | None) -> None:
    """Find and report the first NaN, +inf, or all -inf slice in ``z``.

    Called only after the cheap row-max check has already seen something non-finite.
    """
    allowed = np.ones(z.shape, bool) if where is None else where
    nan = np.isnan(z) & allowed
    if nan.any():
        raise ValueError(f"{name} contains NaN at index {first_index(nan)}")
    pinf = np.isposinf(z) & allowed
    if pinf.any():
        raise ValueError(f"{name} contains +inf at index {first_index(pinf)}; "
                         "+inf is not a logit (use a large finite value, or -inf to mask a class)")
    dead = np.all(np.isneginf(z) | ~allowed, axis=axis)
    if where is None and dead.any():
        idx = list(first_index(dead))
        idx.insert(axis, slice(None))
        shown = "[" + ", ".join(":" if isinstance(i, slice) else str(i) for i in idx) + "]"
        raise ValueError(f"{name}{shown} is -inf everywhere: every class is masked, so there is no "
                         "distribution to normalise (pass where= to give such slices probability 0)")
