"""Checkers for notebook 08 (attention): one step of the online softmax, and the causal mask."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._core import CheckResult

__all__ = ["check_online_softmax_update", "check_causal_mask"]


def _online_cases() -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(description, scores seen before, new block): the state (m, l) is built from the first part."""
    rng = np.random.default_rng(8)
    return [
        ("the first block (m = -inf, l = 0)", np.array([]), np.array([1.0, 2.0, 3.0])),
        ("a block with a larger max than before", np.array([0.5, 1.0]), np.array([4.0, 2.0])),
        ("a block with a smaller max than before", np.array([5.0, 1.0]), np.array([0.0, 2.0])),
        ("large scores [1000, 1001] then [1002, 999]", np.array([1000.0, 1001.0]), np.array([1002.0, 999.0])),
        ("very negative scores [-1000] then [-1001, -999]", np.array([-1000.0]), np.array([-1001.0, -999.0])),
        ("20 random scores then a block of 7", rng.normal(size=20) * 3, rng.normal(size=7) * 3),
    ]



def check_online_softmax_update(fn: Callable[[float, float, np.ndarray], Any]) -> CheckResult:
    r"""Check a student's ``fn(m, l, x) -> (m_new, l_new)``: one step of the online softmax.

    ``m`` is the max of the scores seen so far, ``l = sum(exp(seen - m))``, ``x`` the next block. The
    expected answer is computed from all the scores at once (max, then a sum of shifted exponentials),
    not with the update formula, and the usual mistakes are named: no rescaling of ``l``, the factor
    upside down, the block not shifted by the new max.
    """
    res = CheckResult("online softmax update")
    for desc, seen, x in _online_cases():
        m = float(np.max(seen)) if seen.size else -np.inf
        l = float(np.sum(np.exp(seen - m))) if seen.size else 0.0
        every = np.concatenate([seen, x])
        m_exp = float(np.max(every))
        l_exp = float(np.sum(np.exp(every - m_exp)))
        try:
            with np.errstate(all="ignore"):
                got = fn(m, l, x.copy())
        except Exception as exc:  # the student's code may raise anything: report it, don't crash
            res.problems.append(f"{desc}: raised {type(exc).__name__}: {exc}")
            continue
        try:
            gm, gl = (np.asarray(g, dtype=np.float64) for g in got)
            if gm.ndim or gl.ndim:
                raise ValueError("not scalars")
            gm, gl = float(gm), float(gl)
        except (TypeError, ValueError):
            res.problems.append(f"{desc}: return the pair (m_new, l_new) of two numbers, got {got!r}")
            continue
        if not np.isclose(gm, m_exp, rtol=1e-12, atol=0):
            res.problems.append(f"{desc}: m_new should be max(m, max(x)) = {m_exp:.6g}, got {gm:.6g}")
            continue
        if np.isclose(gl, l_exp, rtol=1e-9, atol=0):
            res.passed += 1
            continue
        with np.errstate(all="ignore"):
            block = float(np.sum(np.exp(x - m_exp)))
            mistakes = [
                (l + block, "the old sum l was measured against the old max m: multiply it by exp(m - m_new) "
                            "before adding the block"),
                (l * np.exp(m_exp - m) + block, "the rescale factor is exp(m - m_new) (at most 1), "
                                                "not exp(m_new - m)"),
                (l * np.exp(m - m_exp) + float(np.sum(np.exp(x))), "the block's terms must be exp(x - m_new), "
                                                                  "shifted by the new max"),
            ]
        if not np.isfinite(gl):
            if m == -np.inf:
                why = ("at the start m = -inf and l = 0, so the old part l * exp(m - m_new) is 0 * exp(-inf) = 0; "
                       "an upside-down factor exp(m_new - m) gives 0 * inf = nan")
            else:
                why = "overflow? shift every exponent by the new max m_new so that it is <= 0"
            res.problems.append(f"{desc}: l_new is {gl} where {l_exp:.6g} was expected ({why})")
            continue
        why = next((msg for value, msg in mistakes if np.isfinite(value) and np.isclose(gl, value, rtol=1e-9)),
                   "l_new should be l * exp(m - m_new) + sum(exp(x - m_new))")
        res.problems.append(f"{desc}: l_new should be {l_exp:.6g}, got {gl:.6g}: {why}")
    return res



def check_causal_mask(fn: Callable[[int], Any]) -> CheckResult:
    """Check a student's ``fn(n)`` returning the boolean causal mask of shape (n, n).

    ``mask[i, j]`` is True when query ``i`` may attend to key ``j``, i.e. when ``j <= i`` (itself and the
    past, never the future). The expected mask is built element by element from that rule.
    """
    res = CheckResult("causal mask")
    for n in (1, 2, 5, 8):
        desc = f"n = {n}"
        expected = np.array([[j <= i for j in range(n)] for i in range(n)], dtype=bool).reshape(n, n)
        try:
            got = fn(n)
        except Exception as exc:
            res.problems.append(f"{desc}: raised {type(exc).__name__}: {exc}")
            continue
        g = np.asarray(got)
        if g.shape != (n, n):
            res.problems.append(f"{desc}: wrong shape: expected ({n}, {n}), got {g.shape}")
            continue
        if g.dtype != np.bool_:
            res.problems.append(f"{desc}: the mask must be boolean (True = may attend), got dtype {g.dtype}; "
                                "build it with np.tril(np.ones((n, n), dtype=bool))")
            continue
        wrong = np.argwhere(g != expected)
        if wrong.size == 0:
            res.passed += 1
            continue
        i, j = (int(t) for t in wrong[0])
        if j > i:
            why = f"query {i} may attend to key {j}, which comes after it: the future leaks (keys j > i must be False)"
        elif i == j:
            why = f"query {i} may not attend to itself: the diagonal must be True"
        else:
            why = f"query {i} cannot see key {j}, which is in its past: keys j <= i must be True"
        res.problems.append(f"{desc}: {why}")
    return res

