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


class Logits:
    """Checked input of softmax / log_softmax: the array, axis, temperature, where-mask and compute dtype.

    It also holds the two steps every softmax path shares, with their rules at the edges:
    :meth:`row_max` (which is where NaN, +inf and all -inf slices are found) and :meth:`shift`. Call
    both inside ``np.errstate(over="ignore", invalid="ignore")``: the overflows they meet are exact
    (a shift of -inf, whose exp is 0) or caught (the screen of the maxima).
    """

    __slots__ = ("arr", "axis", "t", "allowed", "ctype", "name")

    def __init__(self, z: Any, axis: Any, temperature: Any, where: Any, name: str) -> None:
        if type(z) is np.ndarray and z.dtype.char in "fd" and z.ndim:  # float32/64: nothing to convert
            arr = z
        else:
            arr = as_real_array(z, name)
        ax = arr.ndim - 1 if axis.__class__ is int and axis == -1 else normalize_axis(axis, arr.ndim)
        if arr.shape[ax] == 0:
            check_class_axis(arr, ax, name)
        t = 1.0 if temperature.__class__ in (float, int) and temperature == 1 else check_temperature(temperature)
        self.ctype = arr.dtype if arr.dtype.char != "e" else compute_dtype(arr.dtype)
        self.arr, self.axis, self.t, self.name = arr, ax, t, name
        self.allowed = None if where is None else broadcast_where(where, arr.shape)

    def row_max(self, z: np.ndarray, where: np.ndarray | None, axis: int) -> np.ndarray:
        """Max along ``axis`` over the allowed classes (keepdims), checked by :meth:`checked_max`."""
        if where is None:
            m = np.maximum.reduce(z, axis=axis, keepdims=True)
        else:
            m = np.max(z, axis=axis, keepdims=True, where=where, initial=-np.inf)
        return self.checked_max(m, where)

    def checked_max(self, m: np.ndarray, where: np.ndarray | None) -> np.ndarray:
        """The row maxima in the compute dtype; raises for NaN, +inf and all -inf slices.

        The max is needed for the shift anyway, and it is NaN / +inf / -inf exactly when its slice
        holds a NaN / a +inf / nothing but -inf, so bad input costs no extra pass over the data. A
        slice where ``where`` allows nothing gets max 0 (its classes are all masked anyway).
        """
        screen = np.add.reduce(m, axis=None)  # finite when every max is (huge ones may overflow it, inf - inf is NaN)
        if not math.isfinite(screen) and not np.isfinite(m).all():
            if where is None or np.isnan(m).any() or np.isposinf(m).any():
                raise_for_bad_logits(self.arr, self.axis, self.name, self.allowed)
            m = np.where(np.isneginf(m), 0, m)
        return m.astype(self.ctype, copy=False)

    def shift(self, z: np.ndarray, m: np.ndarray, where: np.ndarray | None, out: np.ndarray) -> np.ndarray:
        """Step 1 of every softmax, into ``out``: ``(z - m) / T``, every entry <= 0, masked classes -inf.

        * T = 0 (the argmax limit): 0 at the maxima, -inf elsewhere; T = inf (uniform): 0 for every class
          not masked. ``exp`` then gives the limits exactly, ties split evenly.
        * ``z - m`` overflows (to -inf) only when the spread of a slice exceeds the dtype's range. For
          T <= 1 that -inf is the correctly rounded ``(z - m) / T`` (exp gives an exact 0). For T > 1 the
          quotient may be finite, so it is then formed as ``z / T - m / T``, which cannot overflow.
        * A T that the compute dtype holds only approximately, beyond its range (1e39 with float32 logits) or
          below its smallest normal number (1e-40: a float32 subnormal keeps few digits), is applied in
          float64, where it is exact (a Python float).
        """
        t = self.t
        info = np.finfo(self.ctype)
        if t == math.inf:
            np.copyto(out, np.where(np.isneginf(z), -np.inf, 0.0))
        elif t == 0:
            np.copyto(out, np.where(z == m, 0.0, -np.inf))
        elif t < float(info.tiny) or t > float(info.max):  # T not held to full precision in the compute dtype
            np.copyto(out, (z.astype(np.float64) - m) / t, casting="same_kind")
        elif t <= 1:
            np.subtract(z, m, out=out)  # may overflow to -inf for |z| ~ 1e308: exp gives 0, exact
            if t != 1:
                np.divide(out, self.ctype.type(t), out=out)  # tiny T: -inf, exp gives 0, exact
        else:
            tt = self.ctype.type(t)
            diff = out if not np.may_share_memory(out, z) else np.empty_like(out)  # keep z for the retry
            try:
                with np.errstate(over="raise"):
                    np.subtract(z, m, out=diff)
            except FloatingPointError:  # spread beyond the dtype's range: divide first
                np.subtract(np.divide(z, tt, dtype=self.ctype), m / tt, out=out)
            else:
                np.divide(diff, tt, out=out)
        if where is not None:
            np.copyto(out, -np.inf, where=~where)
        return out
