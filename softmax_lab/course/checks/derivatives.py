"""Checkers for notebooks 04 to 06: a row of the softmax Jacobian, the whole Jacobian (04), the batched
backward pass written as a Jacobian loop (05) or as the vector-Jacobian product without a Jacobian (06), a
bound on what rounding the probabilities does to J (05), the memory budget of the batched Jacobians (06),
and a forward + backward pass from the logits.

Where a wrong answer matches a classic slip, the problem line names the slip first (for example "the
diagonal term p_j is missing"), then shows expected against actual.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from softmax_lab import softmax, softmax_backward, softmax_jacobian

from ..memory import peak_memory
from ._core import CheckResult, example_vectors, run_checks

__all__ = ["check_jacobian_row", "check_jacobian", "check_backward", "check_vjp", "check_softmax_vjp",
           "check_rounding_bound", "check_jacobian_budget"]


def check_jacobian_row(fn: Callable[[np.ndarray, int], Any]) -> CheckResult:
    r"""Check a student's ``fn(p, i)`` returning row ``i`` of the softmax Jacobian at output ``p``.

    Row ``i`` is :math:`\partial p_i / \partial z_j` for every ``j``: :math:`p_i(\delta_{ij} - p_j)`.
    One case per probability vector: all its rows are stacked and compared with ``J``, so a mismatch
    is reported at ``(row i, column j)``. A row of the wrong shape is reported as such.
    """
    def all_rows(p: np.ndarray) -> np.ndarray:
        rows = []
        for i in range(p.size):
            row = np.asarray(fn(p.copy(), i), dtype=np.float64)
            if row.shape != p.shape:
                raise ValueError(f"fn(p, {i}) returned shape {row.shape}; a row of J has one entry per "
                                 f"logit z_j, shape {p.shape}")
            rows.append(row)
        return np.stack(rows)

    seen: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def stacked(p: np.ndarray, what: str) -> np.ndarray:
        seen[what] = (all_rows(p), p)
        return seen[what][0]

    cases = []
    for desc, z in example_vectors()[:4]:
        p = softmax(z)
        what = f"rows of J at softmax({desc})"
        cases.append((what, (lambda p=p, what=what: stacked(p, what)), softmax_jacobian(p)))
    res = run_checks("Jacobian row", cases)
    for k, problem in enumerate(res.problems):
        what, rest = problem.split(": ", 1)
        if what in seen and not rest.startswith("the sign is flipped"):
            got, p = seen[what]
            slip = next((words for words, value in _jacobian_row_slips(p)
                         if np.allclose(got, value, rtol=1e-6, atol=1e-12)), None)
            if slip:
                res.problems[k] = f"{what}: {slip}; {rest}"
    return res


def _jacobian_row_slips(p: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """The classic wrong rows, stacked into a matrix (row i = the student's row i), with the words that name them."""
    J = np.diag(p) - np.outer(p, p)
    return [("the diagonal term p_i is missing from row i: -p_i p_j is every entry, plus p_i where j = i",
             -np.outer(p, p)),
            ("p_i^2 is subtracted twice on the diagonal: -p_i p_j already covers j = i, so add p_i there, "
             "not p_i (1 - p_i)", J - np.diag(p * p)),
            ("the off-diagonal terms -p_i p_j are missing (only the diagonal p_i (1 - p_i) was kept)",
             np.diag(p * (1 - p))),
            ("1 added on the diagonal instead of p_i: d p_i / dz_i = p_i (1 - p_i)", J - np.diag(p) + np.eye(p.size))]



def check_jacobian(fn: Callable[[np.ndarray], Any]) -> CheckResult:
    """Check a student's ``fn(p)`` returning the C x C Jacobian of softmax at output ``p``."""
    cases = []
    for desc, z in example_vectors():
        p = softmax(z)
        cases.append((f"J at softmax({desc})", (lambda p=p: fn(p.copy())), softmax_jacobian(p)))
    return run_checks("softmax Jacobian", cases)



_NO_KEEPDIMS = ("keepdims=True is missing: the row sums <g, p> have shape (N,) instead of (N, 1), so they "
                "broadcast along the wrong axis or not at all")


def _backward_slips(P: np.ndarray, G: np.ndarray) -> list[tuple[str, Any]]:
    """The classic wrong answers for dL/dZ of a batch, each with the words that name it."""
    inner = np.sum(G * P, axis=1, keepdims=True)
    try:
        no_keepdims: Any = P * (G - np.sum(G * P, axis=1))
    except ValueError:
        no_keepdims = None
    return [
        ("the off-diagonal terms -p_i p_j are missing (only the diagonal p_j (1 - p_j) was used)",
         G * P * (1 - P)),
        ("the diagonal term p_j is missing (only -p p^T was used, not diag(p) - p p^T)", -P * inner),
        ("the factor p outside the bracket is missing (g - <g, p> instead of p * (g - <g, p>))", G - inner),
        ("<g, p> is summed over the batch (axis 0) instead of over each row (axis 1)",
         P * (G - np.sum(G * P, axis=0, keepdims=True))),
        ("<g, p> is summed over the whole batch (no axis) instead of over each row (axis 1)",
         P * (G - np.sum(G * P))),
        ("<g, p> lost its weights p (the plain sum of g was subtracted)", P * (G - G.sum(axis=1, keepdims=True))),
        ("p_j^2 is subtracted twice on the diagonal (diag(p (1 - p)) - p p^T instead of diag(p) - p p^T)",
         P * (G - inner) - P * P * G),
        ("the -p p^T part is missing (only diag(p) was used, not diag(p) - p p^T)", P * G),
        (_NO_KEEPDIMS, no_keepdims),
    ]


def _name_slips(res: CheckResult, seen: dict[str, tuple[Any, np.ndarray, np.ndarray]]) -> CheckResult:
    """Put the name of the slip (or slips: some coincide on one sample) in front of each problem whose answer
    matches a known slip; a broadcasting error is named as a missing keepdims."""
    named = []
    for problem in res.problems:
        what, rest = problem.split(": ", 1)
        got, P, G = seen.get(what, (None, None, None))
        slips: list[str] = []
        if "could not be broadcast" in rest:
            slips = [_NO_KEEPDIMS]
        elif P is not None and not rest.startswith("the sign is flipped"):
            try:
                g = np.asarray(got, dtype=np.float64)
            except (TypeError, ValueError):
                g = None
            for slip, value in _backward_slips(P, G) if g is not None else []:
                if value is not None and g.shape == value.shape and np.allclose(g, value, rtol=1e-6, atol=1e-9):
                    slips.append(slip)
        named.append(f"{what}: {' or '.join(slips)}; {rest}" if slips else problem)
    res.problems = named
    return res


def _backward_cases(fn: Callable[[np.ndarray, np.ndarray], Any],
                    seen: dict[str, tuple[Any, np.ndarray, np.ndarray]]) -> list:
    rng = np.random.default_rng(7)
    cases = []
    for n, c in [(1, 3), (2, 3), (5, 10), (3, 1)]:
        a = softmax(rng.normal(size=(n, c)) * 3, axis=-1)
        g = rng.normal(size=(n, c))
        what = f"a batch of N={n}, C={c}"

        def call(a=a, g=g, what=what):
            got = fn(a.copy(), g.copy())
            seen[what] = (got, a, g)
            return got

        cases.append((what, call, softmax_backward(a, g)))
    return cases


def check_backward(fn: Callable[[np.ndarray, np.ndarray], Any]) -> CheckResult:
    r"""Check a student's batched ``fn(P, G)`` returning :math:`dL/dZ` (rows are samples), by any method.

    Four batches, including one sample and C = 1. A wrong answer that matches a classic slip is named:
    the diagonal or the off-diagonal part of J missing, the factor p missing, the sign flipped, the inner
    product summed over the wrong axis or without its weights p.
    """
    seen: dict[str, tuple[Any, np.ndarray, np.ndarray]] = {}
    return _name_slips(run_checks("softmax backward", _backward_cases(fn, seen)), seen)


def check_vjp(fn: Callable[[np.ndarray, np.ndarray], Any]) -> CheckResult:
    r"""Check a student's batched ``fn(P, G)`` returning :math:`P \odot (G - \mathrm{rowsum}(G \odot P))`
    WITHOUT building a C x C Jacobian.

    The values are checked as in :func:`check_backward` (with the same named slips). Once they are right,
    one call on a batch of N = 2 rows with C = 400 classes must allocate less than a quarter of one
    400 x 400 float64 Jacobian (320 kB; the VJP needs a few arrays of N x C, about 20 kB), measured
    with ``tracemalloc``.
    """
    seen: dict[str, tuple[Any, np.ndarray, np.ndarray]] = {}
    res = _name_slips(run_checks("VJP", _backward_cases(fn, seen)), seen)
    if not res.ok:
        return res
    rng = np.random.default_rng(8)
    n, c = 2, 400
    a = softmax(rng.normal(size=(n, c)), axis=-1)
    g = rng.normal(size=(n, c))
    one_jacobian = c * c * 8
    with np.errstate(all="ignore"):
        _, peak = peak_memory(fn, a.copy(), g.copy())
    if peak >= one_jacobian / 4:
        res.problems.append(f"a batch of N={n}, C={c}: a C x C Jacobian (or another C x C array) was built: one "
                            f"call allocated {peak / 1e3:,.0f} kB, where one {c} x {c} Jacobian takes "
                            f"{one_jacobian / 1e3:,.0f} kB and the VJP needs about {3 * n * c * 8 / 1e3:,.0f} kB")
    else:
        res.passed += 1
    return res


def check_softmax_vjp(fn: Callable[[np.ndarray, np.ndarray], Any]) -> CheckResult:
    r"""Check a student's batched ``fn(Z, dLdA)`` that runs softmax forward on the logits ``Z`` (rows are
    samples) and returns :math:`dL/dZ` for the upstream gradient ``dLdA``.

    It includes large logits, so a forward pass without the max shift (``np.exp(Z)``) is caught, and a
    nan/inf is blamed on the missing shift only when the same function is finite on the same logits minus 1000.
    """
    rng = np.random.default_rng(11)
    inputs = [("the worked example Z = [[1, 2, 3], [2, 2, 1]]", np.array([[1.0, 2.0, 3.0], [2.0, 2.0, 1.0]]),
               np.array([[0.1, -0.2, 0.1], [-0.1, 0.3, -0.2]])),
              ("a batch of N=4, C=6", rng.normal(size=(4, 6)) * 3, rng.normal(size=(4, 6))),
              ("large logits [[1000, 1001, 1002]]", np.array([[1000.0, 1001.0, 1002.0]]),
               np.array([[0.5, -1.0, 0.25]]))]
    cases = [(desc, (lambda z=z, g=g: fn(z.copy(), g.copy())), softmax_backward(softmax(z, axis=-1), g))
             for desc, z, g in inputs]
    small = np.array([[0.0, 1.0, 2.0]])
    return run_checks("softmax forward + backward", cases,
                      shifted=lambda c: fn(small + c, np.array([[0.5, -1.0, 0.25]])))



def check_rounding_bound(fn: Callable[[float], Any]) -> CheckResult:
    r"""Check a student's ``fn(delta)``: a bound on :math:`|\hat J_{jk} - J_{jk}|` for every entry of the softmax
    Jacobian when every probability is off by at most ``delta`` (:math:`\hat p_j = p_j + \varepsilon_j`,
    :math:`|\varepsilon_j| \le \delta`).

    The smallest bound that always holds is :math:`\delta + \delta^2`: it is reached by ``p = (1/2, 1/2)``
    rounded up to :math:`(1/2 + \delta, 1/2 + \delta)`, where :math:`J_{12}` moves by exactly
    :math:`\delta + \delta^2`. A value below it is not a bound (the missing :math:`\delta^2` is named); a
    larger value is reported as valid but loose (the exercise asks for the smallest bound). Checked at delta = 0.05, 0.005, 0.0005.
    """
    cases = []
    for delta in (0.05, 0.005, 0.0005):
        tight = delta + delta**2
        what = f"bound at delta = {delta:g}"

        def call(delta: float = delta, tight: float = tight) -> Any:
            got = fn(delta)
            try:
                value = float(got)
            except (TypeError, ValueError):
                return got
            if abs(value - tight) <= 1e-9 * tight:  # the exercise asks for the smallest bound
                return tight
            return got

        cases.append((what, call, np.array(tight)))
    res = run_checks("rounding bound", cases, rtol=1e-9, atol=0.0)
    named = []
    for problem in res.problems:
        what, rest = problem.split(": ", 1)
        delta = float(what.rsplit("= ", 1)[1])
        try:
            got = float(fn(delta))
        except Exception:  # a non-number, or the student's code raised: already reported as such
            got = float("nan")
        tight = delta + delta**2
        if np.isfinite(got):
            if np.isclose(got, delta, rtol=1e-9, atol=0):
                slip = "the product term eps_j * eps_k is missing: the bound needs + delta^2"
            elif got < tight:
                slip = (f"not a bound: rounding p = (0.5, 0.5) up to (0.5 + delta, 0.5 + delta) moves J_12 by "
                        f"delta + delta^2 = {tight:.6g}")
            else:
                ratio = f"{got / tight:.3g}" if got > 1.01 * tight else f"{got / tight:.6g}"
                slip = (f"a valid bound, but {ratio} times the smallest one: for j != k, "
                        "p_j + p_k <= 1 gives delta + delta^2")
            problem = f"{what}: {slip}; {rest}"
        named.append(problem)
    res.problems = named
    return res


# The slips a student plausibly makes in the budget question of notebook 06, with the value each one gives.
_BUDGET_SLIPS = {
    2795: "1 GiB read as 10^9 bytes; a GiB is 2^30 = 1,073,741,824 bytes",
    2048: ("8 bytes per number (float64; a float32 number takes 4), or the square root of 2^23 taken as 2^11 "
           "(it is 2^11 sqrt 2)"),
    16384: "the batch is missing: that C fits ONE Jacobian, but there are N = 32 of them",
    2897: "rounded up or to the nearest integer: C = 2897 needs more than 2^30 bytes; take the floor",
    8388608: "C is not squared: a C x C Jacobian has C^2 entries",
}


def check_jacobian_budget(c_max: Any) -> CheckResult:
    r"""Check a student's ``c_max``: the largest number of classes C for which a batch of N = 32 Jacobians in
    float32 fits in 1 GiB, i.e. the largest integer with :math:`32 \cdot C^2 \cdot 4 \le 2^{30}` (2896).

    The value each classic slip gives is named: 10^9 for a GiB, 8 bytes a number, the batch forgotten,
    rounded up, C not squared; a non-integer is reported as such.
    """
    expected = 2896
    res = run_checks("Jacobian memory budget", [("largest C for 32 float32 Jacobians in 1 GiB",
                                                 lambda: c_max, np.array(float(expected)))], rtol=0.0, atol=0.0)
    if not res.attempted:
        res.function, res.value = "c_max", True
    try:
        value = float(c_max)
    except (TypeError, ValueError):
        value = float("nan")
    if res.problems and np.isfinite(value):
        what, rest = res.problems[0].split(": ", 1)
        if value != int(value):
            slip = "not a whole number: C counts classes; take the floor of the square root"
        else:
            slip = _BUDGET_SLIPS.get(int(value), "")
        if slip:
            res.problems[0] = f"{what}: {slip}; {rest}"
    return res
