r"""The derivative of softmax: the explicit Jacobian and the fast backward (a vector-Jacobian product).

With :math:`p = \operatorname{softmax}(z)` the quotient rule gives two cases,

.. math:: \frac{\partial p_i}{\partial z_j} = \begin{cases} p_i (1 - p_i) & i = j \\ -p_i p_j & i \ne j \end{cases}
          \qquad\Longleftrightarrow\qquad J = \operatorname{diag}(p) - p p^\top .

A backward pass never needs ``J`` itself, only :math:`g^\top J` for an upstream gradient ``g``:

.. math:: (g^\top J)_j = p_j g_j - p_j \sum_i g_i p_i = p_j \, (g_j - \langle g, p \rangle),

which costs O(C) per row instead of the O(C^2) of building and multiplying ``J``. :class:`Softmax`
wraps the forward and this backward as a layer, as course frameworks do.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from . import _fast
from ._validate import (
    Logits,
    as_real_array,
    check_class_axis,
    check_probabilities,
    compute_dtype,
    first_index,
    normalize_axis,
)
from .forward import softmax

__all__ = ["softmax_jacobian", "softmax_backward", "Softmax"]


def softmax_jacobian(p: ArrayLike) -> np.ndarray:
    r"""Jacobian of softmax at output ``p`` (classes on the last axis): :math:`J = \mathrm{diag}(p) - p p^\top`.

    ``p`` of shape ``(..., C)`` gives ``J`` of shape ``(..., C, C)`` with ``J[..., i, j] = dp_i / dz_j``.
    ``p`` must be a probability vector along the last axis (finite, >= 0, sums to 1).
    Memory is O(C^2) per row: use :func:`softmax_backward` in a backward pass.

    ``p`` is checked to be a distribution with a tolerance scaled to its dtype (so float16 softmax
    output passes); float16 is computed in float32 and rounded once; ints and lists give float64.
    ndarray subclasses are read as plain arrays, masked arrays refused; 0-d input and an empty class
    axis are a ``ValueError``; an empty batch gives an empty ``(0, C, C)`` result.
    """
    arr = check_probabilities(p, "p")
    pc = arr.astype(compute_dtype(arr.dtype), copy=False)  # float16: computed in float32, rounded once
    jac = -pc[..., :, None] * pc[..., None, :]
    diag = np.einsum("...ii->...i", jac)  # a writable view of the diagonal
    diag += pc
    return jac.astype(arr.dtype, copy=False)


def softmax_backward(p: ArrayLike, grad: ArrayLike, axis: int = -1) -> np.ndarray:
    r"""Vector-Jacobian product of softmax: :math:`\partial L/\partial z = p \odot (g - \langle g, p \rangle)`.

    ``p`` is the softmax output, ``grad`` = dL/dp of the same shape; the dot product runs along
    ``axis``. Never forms the Jacobian: O(C) time and memory per row. Masked classes (p = 0)
    get gradient 0. NaN or inf in ``p`` or ``grad`` raise ``ValueError`` naming the position.

    * Huge gradients (near the dtype's largest value): when ``g - <g, p>`` would overflow although
      the result fits, the result is computed from ``g / 4`` (exact) and scaled back; when the result
      itself does not fit in the dtype, ``OverflowError`` naming ``grad`` (only possible when ``p`` is not
      a distribution: for a distribution every entry is at most half the largest |g|). One known gap:
      small float32/float64 inputs (up to 4096 entries, the fast path) with an inf in ``grad`` where
      ``p`` is 0, or a non-distribution ``p``, can show numpy's RuntimeWarning from the dot product
      before our error (guarding against it costs 25-35% of a small backward).
    * dtypes: float32/float64 stay; float16 is computed in float32 and rounded back once; ints and
      lists become float64; mixed dtypes promote. ``p`` is not checked to be a distribution (that
      costs a pass); entries outside [0, 1] may overflow.
    * ndarray subclasses are read as plain arrays (masked arrays refused, see ``softmax_lab._validate``);
      0-d input is a ``ValueError``; an empty batch gives an empty result.
    """
    small = _fast.small_backward(p, grad, axis)  # small float32/64 input: the same formula, fewer calls
    if small is not None:
        return small
    return _backward(p, grad, axis, "p", "grad")  # p * (g - <g, p>) row by row, see _vjp


def _backward(p: ArrayLike, g: ArrayLike, axis: int, p_name: str, g_name: str) -> np.ndarray:
    """:func:`softmax_backward` for any input, errors naming the caller's arguments (``Softmax.backward``: dLdA)."""
    p_arr = p if type(p) is np.ndarray and p.dtype.char in "fd" and p.ndim else as_real_array(p, p_name)
    g_arr = g if type(g) is np.ndarray and g.dtype.char in "fd" and g.ndim else as_real_array(g, g_name)
    if p_arr.shape != g_arr.shape:
        raise ValueError(f"{p_name} and {g_name} must have the same shape, "
                         f"got {p_name} {p_arr.shape} and {g_name} {g_arr.shape}")
    ax = p_arr.ndim - 1 if axis.__class__ is int and axis == -1 else normalize_axis(axis, p_arr.ndim)
    check_class_axis(p_arr, ax, p_name)
    rtype = p_arr.dtype if p_arr.dtype == g_arr.dtype else np.result_type(p_arr.dtype, g_arr.dtype)
    ctype = rtype if rtype.char != "e" else compute_dtype(rtype)  # float16 is computed in float32
    pc, gc = p_arr.astype(ctype, copy=False), g_arr.astype(ctype, copy=False)
    res = np.empty(pc.shape, ctype)
    try:
        with np.errstate(over="raise", invalid="raise"):  # also restores the buffer size
            if _fast.backward_pays(pc, gc, ax):  # large: rows in cache-sized blocks
                _fast.fit_bufsize(pc)
                for pb, gb, rb in _fast.row_blocks(pc, gc, res, whole_up_to=_fast.WHOLE_BLOCKS):
                    _vjp(pb, gb, rb, -1)
            else:
                _vjp(pc, gc, res, ax)
    except FloatingPointError:  # NaN or inf in the input, or an overflow
        for name, a in ((p_name, p_arr), (g_name, g_arr)):
            bad = ~np.isfinite(a)
            if bad.any():
                raise ValueError(f"{name} contains {a[first_index(bad)]} at index {first_index(bad)}") from None
        _vjp_scaled(pc, gc, res, ax, g_name)
    return res if rtype == ctype else _cast_back(res, rtype, g_name)


def _vjp(p: np.ndarray, g: np.ndarray, res: np.ndarray, axis: int) -> None:
    """``res = p * (g - <g, p>)`` along ``axis``, in place. Call under ``np.errstate(over="raise",
    invalid="raise")``: an overflow, or a NaN in the dot product, raises ``FloatingPointError``."""
    dot = np.vecdot(g, p, axis=axis)  # <g, p> of each row
    if not np.isfinite(dot).all():  # a NaN anywhere in p or g shows up here
        raise FloatingPointError
    dot = dot[..., None] if axis in (-1, p.ndim - 1) else np.expand_dims(dot, axis)
    np.subtract(g, dot, out=res)
    np.multiply(res, p, out=res)                                    # p * (g - <g, p>)


def _vjp_scaled(p: np.ndarray, g: np.ndarray, res: np.ndarray, axis: int, g_name: str) -> None:
    """The huge-gradient path: ``4 * (p * (g/4 - <g/4, p>))``; quartering is exact, and with |g/4| and
    |<g/4, p>| at most a quarter of the largest value their difference cannot overflow."""
    try:
        with np.errstate(over="raise", invalid="raise"):
            gs = g * 0.25
            dot = np.expand_dims(np.vecdot(gs, p, axis=axis), axis)
            np.subtract(gs, dot, out=res)
            np.multiply(res, p, out=res)
            np.multiply(res, 4, out=res)
    except FloatingPointError:
        raise OverflowError(f"{g_name} is too large for {res.dtype}: the gradient p * ({g_name} - "
                            f"<{g_name}, p>) does not fit in the dtype (scale {g_name} down, or use float64)") from None


def _cast_back(res: np.ndarray, dtype: np.dtype, g_name: str) -> np.ndarray:
    """The float32 result of a float16 input, rounded to float16 (OverflowError if it does not fit)."""
    with np.errstate(over="ignore"):
        out = res.astype(dtype)
    if np.isinf(out).any():
        raise OverflowError(f"{g_name} is too large for {dtype}: the gradient does not fit in the dtype")
    return out


class Softmax:
    r"""Softmax over the last axis as a layer.

    ``forward(Z)`` computes and stores :math:`A = \operatorname{softmax}(Z)` row by row and returns it;
    ``backward(dLdA)`` returns :math:`dL/dZ = A \odot (dL/dA - \sum_j dL/dA_j\, A_j)`, the
    vector-Jacobian product, using the stored ``A``.

    Input rules as :func:`~softmax_lab.softmax` and :func:`softmax_backward` (errors name ``Z`` and
    ``dLdA``): float16 is computed in float32 and returned as float16; ndarray subclasses are read as
    plain arrays, masked arrays refused; 0-d input is a ``ValueError``; an empty batch gives an empty
    result.
    """

    def __init__(self) -> None:
        self.A: np.ndarray | None = None

    def forward(self, Z: ArrayLike) -> np.ndarray:
        self.A = softmax(Logits(Z, -1, 1.0, None, "Z"))
        return self.A

    def backward(self, dLdA: ArrayLike) -> np.ndarray:
        if self.A is None:
            raise RuntimeError("Softmax.backward called before forward: there is no stored output A")
        g = as_real_array(dLdA, "dLdA")
        if g.shape != self.A.shape:
            raise ValueError(f"dLdA must have the shape of the forward output {self.A.shape}, got {g.shape}")
        return _backward(self.A, g, -1, "A", "dLdA")

    def __call__(self, Z: ArrayLike) -> np.ndarray:
        return self.forward(Z)
