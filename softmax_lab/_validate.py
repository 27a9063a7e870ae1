"""Input checks shared by every public function.

Every check raises an error that names the argument and says what was wrong, so that a
student sees ``z contains NaN at index (1, 2)`` instead of a silent NaN or a traceback from
deep inside numpy.
"""

from __future__ import annotations

import math
import numbers
import operator
from typing import Any

import numpy as np

# dtypes we compute in directly; float16 is computed in float32 and cast back.
_NATIVE = (np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.longdouble))


def as_real_array(x: Any, name: str) -> np.ndarray:
    """Return ``x`` as a floating-point ndarray (ints and lists become float64).

    Raises ``TypeError`` for bool, complex, string and object input and ``ValueError`` for 0-d input.
    """
    if isinstance(x, np.ndarray):
        arr = x
    else:
        try:
            arr = np.asarray(x)
        except (ValueError, TypeError) as exc:  # ragged lists and the like
            raise TypeError(f"{name} must be an array of real numbers; could not convert it: {exc}") from None
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


def check_temperature(temperature: Any, name: str = "temperature") -> float:
    """Return the temperature as a float >= 0 (0 and inf are allowed limits)."""
    if isinstance(temperature, (bool, np.bool_)) or not isinstance(temperature, numbers.Real):
        if isinstance(temperature, np.ndarray) and temperature.ndim == 0 and temperature.dtype.kind in "fiu":
            temperature = temperature.item()
        else:
            raise TypeError(f"{name} must be a real scalar, got {type(temperature).__name__} {temperature!r}")
    t = float(temperature)
    if math.isnan(t):
        raise ValueError(f"{name} must be a number >= 0, got NaN")
    if t < 0:
        raise ValueError(f"{name} must be >= 0, got {t!r} (0 is the argmax limit, inf the uniform limit)")
    return t


def first_index(mask: np.ndarray) -> tuple[int, ...]:
    """Index of the first True entry of ``mask`` as a plain tuple of ints."""
    return tuple(int(i) for i in np.argwhere(mask)[0])


def broadcast_where(where: Any, shape: tuple[int, ...], name: str = "where") -> np.ndarray:
    """Return ``where`` as a boolean array broadcast to ``shape``."""
    w = np.asarray(where)
    if w.dtype != np.bool_:
        raise TypeError(f"{name} must be a boolean mask (True = class allowed), got dtype {w.dtype}")
    try:
        return np.broadcast_to(w, shape)
    except ValueError:
        raise ValueError(f"{name} of shape {w.shape} does not broadcast to the input's shape {shape}") from None


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
