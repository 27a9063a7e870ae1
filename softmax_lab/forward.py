r"""The forward pass: softmax, log-softmax and log-sum-exp, numerically stable.

All three use the max shift. Softmax is unchanged when a constant is added to every logit,

.. math::  \operatorname{softmax}(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}
           = \frac{e^{z_i - m}}{\sum_j e^{z_j - m}}, \qquad m = \max_j z_j ,

so after subtracting the row max every exponent is ``<= 0``: ``exp`` cannot overflow, and the
largest term of the sum is exactly 1, so the sum cannot underflow to 0 either.

Each function's body is that formula in plain numpy. Where it pays (small inputs, and large
C-contiguous ones), the same formula runs in ``softmax_lab._fast`` instead: in place, in blocks of
rows that fit the cache, in fewer numpy calls (``python -m benchmarks.softmax`` measures it;
``tests/test_accuracy.py`` checks it is within 1 ulp of the body).

Input rules (see ``softmax_lab._validate``): float16/32/64 keep their dtype (float16 is computed in
float32 and rounded once), ints and lists give float64; ndarray subclasses are read as plain arrays,
masked arrays are refused; 0-d input and an empty class axis are errors; an empty batch gives an
empty result.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from . import _fast
from ._validate import (
    Logits,
    as_real_array,
    check_class_axis,
    check_out,
    compute_dtype,
    normalize_axis,
    raise_for_bad_logits,
)

__all__ = ["softmax", "log_softmax", "logsumexp"]


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
      temperature raise ``ValueError``/``TypeError`` naming the argument. (Inside the package ``z`` may
      be an already checked ``_validate.Logits``, so that errors name the caller's argument.)
    """
    if _fast.small_plain(z, axis, temperature, where, out):
        return _fast.small_softmax(z, out)
    x = z if isinstance(z, Logits) else Logits(z, axis, temperature, where, "z")  # checked input (_validate)
    if _fast.pays(x, out):
        return _fast.softmax(x, out)
    zc = x.arr.astype(x.ctype, copy=False)                          # float16 is computed in float32
    with np.errstate(over="ignore", invalid="ignore"):              # z - m may overflow to -inf: exact
        m = x.row_max(zc, x.allowed, x.axis)                        # NaN, +inf, all -inf slices raise here
        s = x.shift(zc, m, x.allowed, np.empty(zc.shape, x.ctype))  # 1. (z - m) / T, <= 0; masked: -inf
    e = np.exp(s)                                                   # 2. exponentiate
    # 3. normalise. The sum is >= 1 (the max term is e^0 = 1), so the maximum changes nothing, except
    #    for a slice where where= allows no class: there every e is 0 and the probabilities stay 0.
    p = e / np.maximum(e.sum(axis=x.axis, keepdims=True), 1)
    return _into(p, x.arr.dtype, out)


def log_softmax(z: ArrayLike, axis: int = -1, *, temperature: float = 1.0, where: ArrayLike | None = None,
                out: np.ndarray | None = None) -> np.ndarray:
    r"""Log of softmax, computed without ever taking ``log`` of a probability:

    .. math:: \log p_i = \frac{z_i - m}{T} - \log \sum_j e^{(z_j - m)/T}.

    Same contract as :func:`softmax` (dtypes, float16, subclasses, empty and 0-d input, spreads beyond
    the dtype's range with temperature); masked classes get ``-inf``.
    ``log(softmax(z))`` would give ``-inf`` for every probability that underflows to 0 (e.g. z = [0, -1000]);
    this gives -1000.
    """
    if _fast.small_plain(z, axis, temperature, where, out):
        return _fast.small_log_softmax(z, out)
    x = z if isinstance(z, Logits) else Logits(z, axis, temperature, where, "z")  # checked input (_validate)
    if _fast.pays(x, out):
        return _fast.log_softmax(x, out)
    zc = x.arr.astype(x.ctype, copy=False)
    with np.errstate(over="ignore", invalid="ignore"):
        m = x.row_max(zc, x.allowed, x.axis)
        s = x.shift(zc, m, x.allowed, np.empty(zc.shape, x.ctype))  # (z - m) / T
    lse = np.log(np.maximum(np.exp(s).sum(axis=x.axis, keepdims=True), 1))  # log of a sum >= 1, see softmax
    return _into(s - lse, x.arr.dtype, out)


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
    with np.errstate(over="ignore", divide="ignore"):  # z - m may overflow to -inf (exact); log(0) = -inf
        res = m + np.log(np.sum(np.exp(a - m), axis=ax, keepdims=True))
    if not keepdims:
        res = np.squeeze(res, axis=ax)
    return res.astype(arr.dtype, copy=False)


def _into(res: np.ndarray, dtype: np.dtype, out: np.ndarray | None) -> np.ndarray:
    """The result in the input's dtype (float16: rounded once; beyond its range +-inf, the correct
    rounding), written into ``out`` if given."""
    if out is not None:
        check_out(out, res.shape, dtype)
    with np.errstate(over="ignore"):
        if out is None:
            return res.astype(dtype, copy=False)
        np.copyto(out, res, casting="same_kind")
    return out
