r"""Finite differences: the independent oracle for every gradient in the course.

Central differences have error O(eps^2) for smooth functions:

.. math:: \frac{\partial f}{\partial x_i} \approx \frac{f(x + \varepsilon e_i) - f(x - \varepsilon e_i)}{2\varepsilon}.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["numerical_gradient", "numerical_jacobian"]


def _as_x(x: ArrayLike, eps: float) -> np.ndarray:
    if not (isinstance(eps, (int, float)) and not isinstance(eps, bool)) or not eps > 0:
        raise ValueError(f"eps must be a positive number, got {eps!r}")
    arr = np.array(x, dtype=np.float64)  # a copy: we perturb it in place
    if arr.size == 0:
        raise ValueError("x must not be empty")
    if not np.isfinite(arr).all():
        raise ValueError("x must be finite to take finite differences")
    return arr


def numerical_gradient(f: Callable[[np.ndarray], float], x: ArrayLike, eps: float = 1e-6) -> np.ndarray:
    """Gradient of the scalar function ``f`` at ``x`` by central differences (float64, shape of ``x``)."""
    arr = _as_x(x, eps)
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
    """Jacobian ``J[i, j] = d f_i / d x_j`` of a vector function of a vector, by central differences."""
    arr = _as_x(x, eps)
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
