r"""The Gumbel-max trick: sampling from softmax by adding noise and taking the argmax.

If :math:`g_1, \dots, g_C` are independent standard Gumbel variables (:math:`g = -\ln(-\ln u)`,
:math:`u \sim U(0, 1)`), then

.. math::  P\big(\arg\max_i \, (z_i / T + g_i) = k\big) = \operatorname{softmax}(z / T)_k .

So a sample from softmax needs no exponentials and no normalisation, only an argmax.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._validate import as_generator as _rng  # a module name that tests may replace
from ._validate import as_real_array, check_class_axis, check_temperature, raise_for_bad_logits
from .sampling import _size

__all__ = ["gumbel_noise", "gumbel_max_sample"]


def gumbel_noise(shape: int | tuple[int, ...], rng: Any = None) -> np.ndarray:
    r"""Standard Gumbel noise :math:`-\ln(-\ln u)`, :math:`u \sim U(0, 1)`, of the given shape.

    ``rng`` is a ``numpy.random.Generator`` or a non-negative int seed. ``u`` is drawn from (0, 1] via
    ``1 - random()`` and the value ``u = 1`` (probability 2**-53) is nudged down, so the noise is always finite.
    """
    gen = _rng(rng)
    u = 1.0 - gen.random(shape)  # in (0, 1]: log(u) is finite
    np.minimum(u, np.nextafter(1.0, 0.0), out=u)  # u = 1 would give -ln(0) = +inf
    return -np.log(-np.log(u))


def gumbel_max_sample(logits: ArrayLike, temperature: float = 1.0, *, size: int | tuple[int, ...] | None = None,
                      rng: Any = None) -> np.ndarray:
    r"""Class indices :math:`\arg\max_i ((z_i - m) / T + g_i)` with fresh Gumbel noise per draw.

    ``logits`` has shape ``(C,)``; the result is an ``intp`` ndarray of shape ``size`` (0-d for
    ``size=None``, as :func:`~softmax_lab.sample`). Distributed as ``softmax(logits, temperature=T)``.

    * T = 0 is the argmax limit: the noise picks among tied maxima, so ties are split evenly (as in
      ``softmax`` and ``sample``). ``-inf`` logits are never drawn. T = inf (the uniform limit) is a
      ``ValueError``: use ``sample``.
    * The shift and the division by T run in float64 (the noise's dtype) for every input dtype, so a
      tiny T with float16/float32 logits never rounds to 0.
    * float16/32/64, ints and lists are accepted; ndarray subclasses are read as plain arrays, masked
      arrays refused; 0-d, 2-d or empty logits are a ``ValueError`` naming ``logits``.
    """
    z = as_real_array(logits, "logits")
    if z.ndim != 1:
        raise ValueError(f"logits must be one vector of shape (C,), got shape {z.shape}")
    check_class_axis(z, 0, "logits")
    if not np.isfinite(z.max()):  # NaN, +inf, or every class masked: the shared message names the position
        raise_for_bad_logits(z, 0, "logits", None)
    t = check_temperature(temperature)
    if t == math.inf:
        raise ValueError("temperature must be finite for the Gumbel-max trick, got inf (use sample)")
    shape = _size(size)
    zc = z.astype(np.float64, copy=False)
    m = zc.max()
    if t == 0:
        zt = np.where(zc == m, 0.0, -np.inf)  # only the maxima compete; the noise breaks ties evenly
    else:
        with np.errstate(over="ignore"):  # tiny T: (z - m) / T is -inf for every non-maximum, exact
            zt = (zc - m) / t
    noise = gumbel_noise(shape + (z.size,), rng)
    return np.asarray(np.argmax(zt + noise, axis=-1), dtype=np.intp)
