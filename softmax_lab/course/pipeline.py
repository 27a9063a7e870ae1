r"""The stages of an LLM sampler as pure functions (notebook 10): penalties and logit bias, temperature, softmax,
top-k, top-p, min-p, each filter renormalising what it keeps.

For one vector of logits ``z`` (length C) and the counts ``n`` of each class in the text generated so far:

* :func:`apply_penalties`: the repetition penalty of CTRL as common libraries apply it (a seen class's logit is
  divided by :math:`\theta` if positive, multiplied by :math:`\theta` if negative), then
  :math:`z_i - \alpha_{\text{presence}} [n_i > 0] - \alpha_{\text{frequency}} n_i + b_i`;
* temperature and softmax: :math:`p = \operatorname{softmax}(z / T)`;
* :func:`top_k_filter`, :func:`top_p_filter`, :func:`min_p_filter`: keep a set :math:`\mathcal{A}` of classes,
  return :math:`q_i = p_i / \sum_{j \in \mathcal{A}} p_j` on it and 0 elsewhere. min-p keeps
  :math:`p_i \ge p_{\min} \max_j p_j`.

:func:`sampler_stages` runs them in that order and returns every stage's distribution (what a view of the
pipeline shows).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from softmax_lab import softmax, top_k_top_p_mask

__all__ = ["apply_penalties", "renormalise", "top_k_filter", "top_p_filter", "min_p_filter", "sampler_stages"]


def _vector(x: Any, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-d array, got shape {arr.shape}")
    return arr


def apply_penalties(z: ArrayLike, counts: ArrayLike, repetition: float = 1.0, presence: float = 0.0,
                    frequency: float = 0.0, bias: ArrayLike | None = None) -> np.ndarray:
    r"""Logits after the penalties: for a class seen before (:math:`n_i > 0`) the logit becomes
    :math:`z_i / \theta` if :math:`z_i > 0` and :math:`z_i \theta` otherwise (``repetition`` :math:`= \theta`),
    then :math:`- \alpha_{\text{presence}} [n_i > 0] - \alpha_{\text{frequency}} n_i + b_i` for every class.

    ``counts``: how often each class occurs in the history (>= 0, same length as ``z``); ``bias``: added to
    the logits (``-inf`` bans a class). ``repetition`` must be > 0 (1 = no penalty).
    """
    z = _vector(z, "z")
    n = _vector(counts, "counts")
    if n.shape != z.shape or np.any(n < 0) or not np.all(np.isfinite(n)):
        raise ValueError(f"counts must be {z.size} finite counts >= 0, one per class of z")
    if not (isinstance(repetition, numbers.Real) and repetition > 0 and np.isfinite(repetition)):
        raise ValueError(f"repetition must be a finite number > 0 (1 = no penalty), got {repetition!r}")
    seen = n > 0
    out = np.where(seen & (z > 0), z / repetition, np.where(seen, z * repetition, z))
    out = out - presence * seen - frequency * n
    if bias is not None:
        b = np.asarray(bias, dtype=np.float64)
        if b.shape != z.shape:
            raise ValueError(f"bias must have one entry per class, shape {z.shape}, got {b.shape}")
        out = out + b
    return out


def renormalise(p: ArrayLike, keep: ArrayLike) -> np.ndarray:
    r""":math:`q_i = p_i / \sum_{j \in \mathcal{A}} p_j` for the kept classes, 0 for the others."""
    p = _vector(p, "p")
    kept = np.where(np.asarray(keep, dtype=bool), p, 0.0)
    total = kept.sum()
    if not total > 0:
        raise ValueError("keep must keep at least one class with p > 0")
    return kept / total


def top_k_filter(p: ArrayLike, k: int) -> np.ndarray:
    """Keep the ``k`` most probable classes (ties towards the lower index), renormalised."""
    return renormalise(p, top_k_top_p_mask(_vector(p, "p"), top_k=k))


def top_p_filter(p: ArrayLike, top_p: float) -> np.ndarray:
    """Keep the fewest most probable classes whose total reaches ``top_p`` (the crossing class is kept),
    renormalised; classes with p = 0 stay at 0."""
    return renormalise(p, top_k_top_p_mask(_vector(p, "p"), top_p=top_p))


def min_p_filter(p: ArrayLike, p_min: float) -> np.ndarray:
    r"""Keep the classes with :math:`p_i \ge p_{\min} \max_j p_j`, renormalised (``p_min`` in [0, 1])."""
    p = _vector(p, "p")
    if not (isinstance(p_min, numbers.Real) and 0 <= p_min <= 1):
        raise ValueError(f"p_min must be a number in [0, 1], got {p_min!r}")
    return renormalise(p, p >= p_min * p.max())


def sampler_stages(z: ArrayLike, counts: ArrayLike | None = None, *, repetition: float = 1.0,
                   presence: float = 0.0, frequency: float = 0.0, bias: ArrayLike | None = None,
                   temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None,
                   min_p: float | None = None) -> dict[str, np.ndarray]:
    """Every stage's distribution, in the order penalties -> temperature and softmax -> top-k -> top-p -> min-p.

    Keys: ``"softmax(z)"`` (no penalty, T = 1), ``"penalties"`` (softmax of the penalised logits),
    ``"temperature"`` (their softmax at ``temperature``), then ``"top-k"``, ``"top-p"``, ``"min-p"`` (each the
    renormalised survivors of the stage before; a stage switched off (None) passes its input on). The last
    entry is the distribution a token is drawn from.
    """
    z = _vector(z, "z")
    if not (isinstance(temperature, numbers.Real) and temperature > 0):
        raise ValueError(f"temperature must be > 0 (T = 0 is greedy decoding: take the argmax), got {temperature!r}")
    zp = apply_penalties(z, np.zeros(z.size) if counts is None else counts, repetition, presence, frequency, bias)
    stages = {"softmax(z)": softmax(z), "penalties": softmax(zp), "temperature": softmax(zp, temperature=temperature)}
    q = stages["temperature"]
    q = stages["top-k"] = q if top_k is None else top_k_filter(q, top_k)
    q = stages["top-p"] = q if top_p is None else top_p_filter(q, top_p)
    stages["min-p"] = q if min_p is None else min_p_filter(q, min_p)
    return stages
