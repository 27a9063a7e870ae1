"""Checkers of notebook 10 (the sampling pipeline and the Gumbel-softmax): the min-p mask and the order of the
filters top-k -> top-p -> min-p; and the answer of its predict-then-run question (``PREDICTIONS``).

Expected values are written out by hand for each case (small vectors whose kept sets can be read off); a slip
is named when the student's answer equals what that slip produces on the same input.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._core import CheckResult, call_reporting

__all__ = ["check_min_p_mask", "check_filter_pipeline", "PREDICTIONS"]


def check_min_p_mask(fn: Callable[[np.ndarray, float], Any]) -> CheckResult:
    r"""Check a student's ``fn(p, p_min)``: the boolean mask of the classes min-p keeps,
    :math:`p_i \ge p_{\min} \cdot \max_j p_j`.

    Slips named: an absolute threshold (``p >= p_min``), a strict ``>`` that drops a class exactly at the
    threshold, the mask inverted, a mask that is not boolean (e.g. the kept probabilities).
    """
    cases = [
        ([0.4, 0.2, 0.25, 0.15], 0.5, [True, True, True, False]),        # 0.2 sits exactly on 0.5 * 0.4
        ([0.1, 0.6, 0.3], 0.2, [False, True, True]),
        ([0.3, 0.25, 0.25, 0.2], 0.5, [True, True, True, True]),          # flat: every class is kept
        ([0.9, 0.05, 0.03, 0.02], 0.05, [True, True, False, False]),      # peaked: 0.9 * 0.05 = 0.045
        ([0.2, 0.2, 0.2, 0.2, 0.2], 0.9, [True, True, True, True, True]),
    ]
    res = CheckResult("min-p mask")
    for p, p_min, want in cases:
        what = f"p = {p}, p_min = {p_min:g}"
        pp, expected = np.array(p), np.array(want)
        got = call_reporting(res, what, lambda pp=pp, p_min=p_min: np.asarray(fn(pp.copy(), p_min)))
        if got is None:
            continue
        if got.shape != expected.shape:
            res.problems.append(f"{what}: wrong shape: one entry per class, expected {expected.shape}, "
                                f"got {got.shape}")
        elif got.dtype != np.bool_:
            res.problems.append(f"{what}: not a boolean mask (the kept probabilities?): return dtype bool, got "
                                f"dtype {got.dtype}")
        elif np.array_equal(got, expected):
            res.passed += 1
        else:
            kept_exp, kept_got = np.flatnonzero(expected).tolist(), np.flatnonzero(got).tolist()
            if np.array_equal(got, pp >= p_min):
                slip = ("an absolute threshold p >= p_min: min-p compares with p_min TIMES the largest "
                        "probability, so the cut follows how peaked p is")
            elif np.array_equal(got, pp > p_min * pp.max()):
                slip = "a strict >: a class exactly at p_min * max p is kept (>=)"
            elif np.array_equal(got, ~expected):
                slip = "the mask is inverted: True marks the classes that are KEPT"
            else:
                slip = "not the classes with p_i >= p_min * max p"
            res.problems.append(f"{what}: {slip}: expected classes {kept_exp}, got {kept_got}")
    return res


def _filters(p: np.ndarray, top_k: int, top_p: float, min_p: float, *, renormalise_between: bool = True,
             min_p_first: bool = False, absolute_min_p: bool = False) -> np.ndarray:
    """What top-k -> top-p -> min-p gives with a slip switched on (used to name slips, never as the expected
    value): top-p measured on the original p, min-p applied before top-p, or an absolute min-p threshold."""
    keep = np.zeros(p.size, dtype=bool)
    keep[np.argsort(-p, kind="stable")[:top_k]] = True

    def nucleus(keep: np.ndarray) -> np.ndarray:
        q = np.where(keep, p, 0.0)
        if renormalise_between:
            q = q / q.sum()
        order = np.argsort(-q, kind="stable")
        ranked = q[order]
        out = np.zeros(p.size, dtype=bool)
        out[order[(np.cumsum(ranked) - ranked < top_p) & (ranked > 0)]] = True
        return keep & out

    def minp(keep: np.ndarray) -> np.ndarray:
        q = np.where(keep, p, 0.0)
        return keep & (q >= (min_p if absolute_min_p else min_p * q.max()))

    keep = nucleus(minp(keep)) if min_p_first else minp(nucleus(keep))
    q = np.where(keep, p, 0.0)
    return q / q.sum() if q.sum() > 0 else q


def check_filter_pipeline(fn: Callable[[np.ndarray, int, float, float], Any]) -> CheckResult:
    """Check a student's ``fn(p, top_k, top_p, min_p)``: the distribution sampled from after top-k, then top-p,
    then min-p, each acting on the renormalised survivors of the stage before, renormalised at the end.

    Slips named: the result not renormalised, top-p measured on the original p instead of the renormalised
    top-k survivors (the same as top-p before top-k), min-p applied before top-p, an absolute min-p
    threshold (p >= min_p).
    """
    cases = [
        ("top-p after top-k", [0.4, 0.3, 0.2, 0.1], 2, 0.5, 0.0, [1.0, 0.0, 0.0, 0.0]),
        ("min-p after top-p", [0.36, 0.3, 0.2, 0.14], 4, 0.75, 0.45, [0.36 / 0.86, 0.3 / 0.86, 0.2 / 0.86, 0.0]),
        ("min-p alone", [0.6, 0.2, 0.1, 0.06, 0.04], 5, 1.0, 0.15, [6 / 9, 2 / 9, 1 / 9, 0.0, 0.0]),
        ("top-k alone", [0.1, 0.5, 0.15, 0.25], 2, 1.0, 0.0, [0.0, 2 / 3, 0.0, 1 / 3]),
        ("all three", [0.05, 0.3, 0.25, 0.2, 0.12, 0.08], 5, 0.8, 0.5, [0.0, 0.3 / 0.75, 0.25 / 0.75, 0.2 / 0.75,
                                                                          0.0, 0.0]),
    ]
    res = CheckResult("top-k -> top-p -> min-p")
    for name, p, k, top_p, min_p, want in cases:
        what = f"{name}: p = {p}, top_k = {k}, top_p = {top_p:g}, min_p = {min_p:g}"
        pp, expected = np.array(p), np.array(want)
        got = call_reporting(res, what, lambda pp=pp, k=k, top_p=top_p, min_p=min_p: fn(pp.copy(), k, top_p, min_p))
        if got is None:
            continue
        try:
            got = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            res.problems.append(f"{what}: returned {type(got).__name__}, not an array of probabilities")
            continue
        if got.shape != expected.shape:
            res.problems.append(f"{what}: wrong shape: one probability per class, expected {expected.shape}, "
                                f"got {got.shape}")
            continue
        if np.allclose(got, expected, rtol=1e-9, atol=1e-12):
            res.passed += 1
            continue
        total = got.sum()
        slips = [("top-p measured on the original p (or applied before top-k): top-p acts on the top-k "
                  "survivors, renormalised", _filters(pp, k, top_p, min_p, renormalise_between=False)),
                 ("min-p applied before top-p: the order is top-k, then top-p, then min-p",
                  _filters(pp, k, top_p, min_p, min_p_first=True)),
                 ("an absolute min-p threshold p >= min_p: min-p keeps p_i >= min_p * max p",
                  _filters(pp, k, top_p, min_p, absolute_min_p=True))]
        slip = next((s for s, v in slips if not np.allclose(v, expected) and np.allclose(got, v)), None)
        if slip is None and np.isfinite(total) and 0 < total < 1 - 1e-9 and np.allclose(got / total, expected):
            slip = f"not renormalised: your values sum to {total:.4g}; divide by the kept total"
        res.problems.append(f"{what}: {slip or 'value off'}: expected {np.round(expected, 4).tolist()}, "
                            f"got {np.round(got, 4).tolist()}")
    return res


PREDICTIONS: dict[str, dict[str, Any]] = {
    "10-straight-through-linear": {
        "question": "For a LINEAR f(y) = <c, y>, is the straight-through estimate of the gradient of E[f(one-hot "
                    "sample)] with respect to z unbiased at tau = 1?",
        "answer": "biased",
        "choices": ("biased", "unbiased"),
        "explanation": "Biased. For a linear f the upstream gradient is c whatever the forward sample, so the "
                       "straight-through estimate equals the relaxed one, y * (c - <c, y>) / tau with "
                       "y = softmax((z + noise) / tau); its mean is the gradient of E[<c, y>], and E[y] is not "
                       "softmax(z) at tau = 1. Section 6's table measured this very estimate (the Gumbel-softmax row at "
                       "tau = 1): its bias is over a hundred standard errors.",
    },
}
