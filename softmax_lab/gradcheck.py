r"""Finite differences: the independent oracle for every gradient in the course.

Central differences have error O(eps^2) for smooth functions:

.. math:: \frac{\partial f}{\partial x_i} \approx \frac{f(x + \varepsilon e_i) - f(x - \varepsilon e_i)}{2\varepsilon}.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
from numpy.typing import ArrayLike

from ._validate import as_real_array, real_scalar

__all__ = ["numerical_gradient", "numerical_jacobian"]


def _as_x(x: ArrayLike, eps: Any) -> tuple[np.ndarray, float]:
    """A float64 copy of ``x`` (we perturb it in place) and ``eps`` as a float, both checked."""
    try:
        step = real_scalar(eps, "eps")
    except TypeError:
        raise TypeError(f"eps must be a finite positive real number, got {type(eps).__name__} {eps!r}") from None
    if not (math.isfinite(step) and step > 0):
        raise ValueError(f"eps must be a finite positive real number, got {eps!r}")
    arr = np.array(as_real_array(x, "x"), dtype=np.float64)  # complex, bool, ragged, 0-d: errors naming x
    if arr.size == 0:
        raise ValueError("x must not be empty")
    if not np.isfinite(arr).all():
        raise ValueError("x must be finite to take finite differences")
    return arr, step


def numerical_gradient(f: Callable[[np.ndarray], float], x: ArrayLike, eps: float = 1e-6) -> np.ndarray:
    """Gradient of the scalar function ``f`` at ``x`` by central differences (float64, shape of ``x``).

    ``x`` (real, at least 1-d, finite; float16/32 and ints are read as float64; ndarray subclasses as
    plain arrays, masked arrays refused) is copied, never modified. ``eps`` is a finite real > 0
    (Python or numpy scalar). Complex, 0-d or empty ``x`` is an error naming ``x``.
    """
    arr, eps = _as_x(x, eps)
    grad = np.empty_like(arr)
    for i in np.ndindex(arr.shape):
        old = arr[i]
        arr[i] = old + eps
        fp = f(arr)
        arr[i] = old - eps
        fm = f(arr)
        arr[i] = old
        if np.ndim(fp) != 0:
            raise TypeError(f"f must return a scalar, got an array of shape {np.shape(fp)}; "
                            "use numerical_jacobian for vector-valued functions")
        grad[i] = (float(fp) - float(fm)) / (2 * eps)
    return grad


def numerical_jacobian(f: Callable[[np.ndarray], ArrayLike], x: ArrayLike, eps: float = 1e-6) -> np.ndarray:
    """Jacobian ``J[i, j] = d f_i / d x_j`` of a vector function of a vector, by central differences.

    Same rules for ``x`` and ``eps`` as :func:`numerical_gradient`; ``x`` must be 1-d.
    """
    arr, eps = _as_x(x, eps)
    if arr.ndim != 1:
        raise ValueError(f"x must be a vector, got shape {arr.shape}")
    cols = []
    for j in range(arr.size):
        old = arr[j]
        arr[j] = old + eps
        fp = np.asarray(f(arr), dtype=np.float64).ravel()
        arr[j] = old - eps
        fm = np.asarray(f(arr), dtype=np.float64).ravel()
        arr[j] = old
        cols.append((fp - fm) / (2 * eps))
    return np.stack(cols, axis=1)
