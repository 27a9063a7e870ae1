r"""The derivative of softmax: the explicit Jacobian and the fast backward (a vector-Jacobian product).

With :math:`p = \operatorname{softmax}(z)` the quotient rule gives two cases,

.. math:: \frac{\partial p_i}{\partial z_j} = \begin{cases} p_i (1 - p_i) & i = j \\ -p_i p_j & i \ne j \end{cases}
          \qquad\Longleftrightarrow\qquad J = \operatorname{diag}(p) - p p^\top .

A backward pass never needs ``J`` itself, only :math:`g^\top J` for an upstream gradient ``g``:

.. math:: (g^\top J)_j = p_j g_j - p_j \sum_i g_i p_i = p_j \, (g_j - \langle g, p \rangle),

which costs O(C) per row instead of the O(C^2) of building and multiplying ``J``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from ._validate import as_real_array, compute_dtype, first_index, normalize_axis
from .forward import _WHOLE_BLOCKS, _fit_bufsize, _row_blocks, _small_bufsize_helps

__all__ = ["softmax_jacobian", "softmax_backward", "check_probabilities"]


def check_probabilities(p: ArrayLike, name: str = "p", axis: int = -1) -> np.ndarray:
    """Return ``p`` as a float array after checking that it is a distribution along ``axis``.

    Raises ``ValueError`` naming the position of the first NaN, inf or negative entry, and of the
    first slice whose sum is not 1 (tolerance sqrt(machine epsilon) of the dtype).
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
    tol = float(np.sqrt(np.finfo(compute_dtype(arr.dtype)).eps))
    s = arr.sum(axis=ax, dtype=compute_dtype(arr.dtype))
    off = np.abs(s - 1) > tol
    if off.any():
        i = first_index(off)
        raise ValueError(f"{name} must sum to 1 along axis {axis}; the slice at {i} sums to {s[i]:.6g}")
    return arr


def softmax_jacobian(p: ArrayLike) -> np.ndarray:
    r"""Jacobian of softmax at output ``p`` (classes on the last axis): :math:`J = \mathrm{diag}(p) - p p^\top`.

    ``p`` of shape ``(..., C)`` gives ``J`` of shape ``(..., C, C)`` with ``J[..., i, j] = dp_i / dz_j``.
    ``p`` must be a probability vector along the last axis (finite, >= 0, sums to 1).
    Memory is O(C^2) per row: use :func:`softmax_backward` in a backward pass.
    """
    arr = check_probabilities(p, "p")
    jac = -arr[..., :, None] * arr[..., None, :]
    diag = np.einsum("...ii->...i", jac)  # a writable view of the diagonal
    diag += arr
    return jac


def softmax_backward(p: ArrayLike, grad: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""Vector-Jacobian product of softmax: :math:`\partial L/\partial z = p \odot (g - \langle g, p \rangle)`.

    ``p`` is the softmax output, ``grad`` = dL/dp of the same shape; the dot product runs along
    ``axis``. Never forms the Jacobian: O(C) time and memory per row. Masked classes (p = 0)
    get gradient 0. NaN or inf in ``p`` or ``grad`` raise ``ValueError`` naming the position.
    """
    if _is_small_pair(p, grad, axis):  # Python overhead is most of the time: as few numpy calls as possible
        dot = np.vecdot(grad, p)[..., None]  # <g, p> of each row
        if math.isfinite(sum(dot.ravel().tolist())):  # finite iff every dot is; else the path below raises
            return p * (grad - dot)  # the same operations as _backward_rows, so the same bits
    p_arr = p if type(p) is np.ndarray and p.dtype.char in "fd" and p.ndim else as_real_array(p, "p")
    g_arr = grad if type(grad) is np.ndarray and grad.dtype.char in "fd" and grad.ndim else as_real_array(grad, "grad")
    if p_arr.shape != g_arr.shape:
        raise ValueError(f"p and grad must have the same shape, got p {p_arr.shape} and grad {g_arr.shape}")
    ax = p_arr.ndim - 1 if axis.__class__ is int and axis == -1 else normalize_axis(axis, p_arr.ndim)
    rtype = p_arr.dtype if p_arr.dtype.char == g_arr.dtype.char else np.result_type(p_arr.dtype, g_arr.dtype)
    ctype = rtype if rtype.char != "e" else compute_dtype(rtype)
    pc = p_arr.astype(ctype, copy=False)
    gc = g_arr.astype(ctype, copy=False)
    res = np.empty(pc.shape, ctype)
    if ax != pc.ndim - 1 or pc.size <= 4096 or not (pc.flags.c_contiguous and gc.flags.c_contiguous):
        _backward_rows(pc, gc, res, ax, p_arr, g_arr)
    else:  # rows in cache-sized blocks, or whole up to 8 MiB (forward._row_blocks, _WHOLE_BLOCKS)
        blocks = _row_blocks(pc, gc, res, whole_up_to=_WHOLE_BLOCKS)
        if not _small_bufsize_helps(pc):
            for pb, gb, rb in blocks:
                _backward_rows(pb, gb, rb, -1, p_arr, g_arr)
        else:
            with np.errstate():  # restores the ufunc buffer size on exit
                _fit_bufsize(pc)
                for pb, gb, rb in blocks:
                    _backward_rows(pb, gb, rb, -1, p_arr, g_arr)
    return res if rtype.char == ctype.char else res.astype(rtype)


def _is_small_pair(p: object, grad: object, axis: object) -> bool:
    """float32/float64 arrays ``p`` and ``grad`` of one shape and dtype, at most 4096 entries, last axis."""
    return (type(p) is np.ndarray and type(grad) is np.ndarray and p.dtype.char in "fd"
            and grad.dtype == p.dtype and p.shape == grad.shape and 0 < p.size <= 4096
            and axis.__class__ is int and (axis == -1 or axis == p.ndim - 1))


def _backward_rows(p: np.ndarray, g: np.ndarray, res: np.ndarray, axis: int,
                   p_arr: np.ndarray, g_arr: np.ndarray) -> None:
    """``res = p * (g - <g, p>)`` along ``axis``, in place in ``res``; the full inputs name errors."""
    dot = np.vecdot(g, p, axis=axis)  # one pass over both inputs
    dot = dot[..., None] if axis == -1 or axis == p.ndim - 1 else np.expand_dims(dot, axis)
    if not np.isfinite(dot).all():  # a NaN/inf anywhere in p or grad shows up here
        for name, a in (("p", p_arr), ("grad", g_arr)):
            bad = ~np.isfinite(a)
            if bad.any():
                raise ValueError(f"{name} contains {a[first_index(bad)]} at index {first_index(bad)}")
        raise ValueError("grad * p overflows: the products are too large for the dtype")
    np.subtract(g, dot, out=res)
    np.multiply(res, p, out=res)
