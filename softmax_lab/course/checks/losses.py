"""Checkers for notebook 03: the gradient of the mean cross-entropy and one softmax-regression step, and the
answers of its predict-then-run questions (``PREDICTIONS``).

Each checker runs the student's function on chosen inputs; when an answer is wrong it first tries to name
the slip (a missing 1/N, softmax over the wrong axis, a target that is not one-hot, a flipped sign, a
division by p, no max shift, ...) by comparing the answer with what each slip would give, and only then
shows expected against actual.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from softmax_lab import cross_entropy_grad

from ..regression import gradient_step
from ._core import CheckResult, as_numbers, num
from .predictions import Prediction

__all__ = ["check_cross_entropy_grad", "check_softmax_regression_step", "PREDICTIONS"]

Slip = tuple[str, np.ndarray]   # (what the student probably did, what that slip returns)


def _softmax(Z: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(Z - Z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _first_difference(got: np.ndarray, expected: np.ndarray, where: Callable[[tuple], str]) -> str:
    bad = ~(np.isclose(got, expected, rtol=1e-6, atol=1e-9) | (got == expected))
    i = tuple(int(k) for k in np.argwhere(bad)[0])
    return f"expected {num(expected[i], got[i])}, got {num(got[i], expected[i])} at {where(i)}"


def _explain(what: str, got: Any, expected: np.ndarray, slips: list[Slip], nonfinite: str | Callable[[tuple], str],
             where: Callable[[tuple], str], shapes: dict[tuple, str]) -> str | None:
    """``None`` if ``got`` matches ``expected``; else the slip it matches in words, then expected vs actual.

    ``nonfinite`` says why a nan/inf appeared; a function of the index of the first one when the cause
    depends on where it is.
    """
    g, problem = as_numbers(got, what)
    if problem:
        return problem
    if g.shape != expected.shape:
        named = shapes.get(g.shape, "wrong shape")
        return f"{what}: {named}: expected shape {expected.shape}, got {g.shape}"
    if (~np.isfinite(g) & np.isfinite(expected)).any():
        i = tuple(int(k) for k in np.argwhere(~np.isfinite(g))[0])
        # a slip that gives nan/inf is named when the answer equals it, nan for nan (the shift by the row mean)
        cause = next((slip for slip, value in slips if value.shape == g.shape and not np.isfinite(value).all()
                      and np.allclose(g, value, rtol=1e-6, atol=1e-9, equal_nan=True)), None)
        if cause is None:
            cause = nonfinite(i) if callable(nonfinite) else nonfinite
        return f"{what}: {cause}: expected {expected[i]:.4g}, got {g[i]} at {where(i)}"
    if np.allclose(g, expected, rtol=1e-6, atol=1e-9):
        return None
    for slip, value in slips:
        if value.shape == g.shape and not np.allclose(value, expected, rtol=1e-6, atol=1e-9) \
                and np.allclose(g, value, rtol=1e-6, atol=1e-9):
            return f"{what}: {slip}: {_first_difference(g, expected, where)}"
    return f"{what}: value off: {_first_difference(g, expected, where)}"


def _run(name: str, cases: list[tuple[str, Callable[[], Any], Callable[[Any], str | None]]]) -> CheckResult:
    res = CheckResult(name)
    for what, call, judge in cases:
        try:
            with np.errstate(all="ignore"):
                got = call()
            msg = judge(got)
        except Exception as exc:  # the student's code may raise anything: report it, don't crash
            msg = f"{what}: raised {type(exc).__name__}: {exc}"
            if "could not be broadcast" in str(exc):
                msg = (f"{what}: keepdims=True missing? a row max or row sum of shape (N,) does not broadcast "
                       f"against (N, C); raised {type(exc).__name__}: {exc}")
        if msg:
            res.problems.append(msg)
        else:
            res.passed += 1
    return res


# --- the cross-entropy gradient ---------------------------------------------------------------------------

NO_SHIFT = ("no max shift: exp(1000) overflows to inf and inf / inf is NaN; subtract each row's max "
            "before exp")
DIVIDES_BY_P = ("a division by p (the chain rule with dL/dp = -y/p): the label's probability e^-805 rounds "
                "to 0 in float64, -y/p is -inf and -inf * 0 is NaN; p - y never divides")
NONFINITE = "a non-finite value where the gradient is finite (overflow in exp, or a division by a rounded 0?)"
SHIFT_NOT_BY_MAX = ("the softmax shifted by the row mean (or another entry), not the row max: exp overflows for "
                    "logits far above it; subtract each row's max (axis=1, keepdims=True)")
GLOBAL_MAX = ("the max was taken over the whole batch, not per row: row 1 lies 1000 below row 0, so its exp "
              "underflows to 0 and 0 / 0 is NaN; subtract each row's own max (axis=1, keepdims=True)")


def _far_rows(i: tuple) -> str:
    """Why the batch with rows 1000 apart gave a nan/inf at index ``i``."""
    return NO_SHIFT if i[0] == 0 else GLOBAL_MAX


def _shifted_softmax(Z: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """softmax of each row with ``exp(Z - shift)``: not the row max, so exp may overflow to inf (inf / inf is
    nan), as a student's code would."""
    with np.errstate(all="ignore"):
        e = np.exp(Z - shift)
        return e / e.sum(axis=1, keepdims=True)


def _through_p(Z: np.ndarray, t: np.ndarray) -> Slip | None:
    """The route through dL/dp = -y/p, then the Jacobian diag(p) - p p^T, when some probability rounds to 0
    (it then gives NaN: 0/0 for a class that is not the label, -1/0 * 0 for the label); ``None`` otherwise."""
    P, Y = _softmax(Z, axis=1), np.eye(Z.shape[1])[t]
    zero = np.argwhere(P == 0)
    if not zero.size:
        return None
    n, k = (int(i) for i in zero[0])
    label_zero = P[np.arange(len(t)), t] == 0
    if label_zero.any():
        n = int(np.flatnonzero(label_zero)[0])
        k = int(t[n])
    gap = f"e^{Z[n, k] - Z[n].max():.0f}"
    why = (f"the label's probability {gap} rounds to 0 in float64, -y/p is -inf and -inf * 0 is NaN"
           if k == t[n] else f"the probability of class {k}, {gap}, rounds to 0 in float64 and y/p is 0/0 = NaN")
    with np.errstate(all="ignore"):
        value = np.stack([(-y / p) @ (np.diag(p) - np.outer(p, p)) for p, y in zip(P, Y)]) / len(t)
    return f"a division by p (the chain rule with dL/dp = -y/p): {why}; p - y never divides", value


def _ce_slips(Z: np.ndarray, t: np.ndarray) -> list[Slip]:
    """What each plausible slip returns for logits ``Z`` and integer labels ``t``."""
    N, C = Z.shape
    P, Y = _softmax(Z, axis=1), np.eye(C)[t]
    shifts = [Z.mean(axis=1, keepdims=True), Z[:, :1], Z.min(axis=1, keepdims=True)]   # not the row max
    every_row = np.zeros_like(P)
    every_row[:, np.unique(t)] = 1.0                 # what P[:, t] -= 1 subtracts
    slips = [(f"a missing 1/N: your gradient is N = {N} times the expected: the mean over the batch "
              "needs a 1/N", P - Y),
             (f"1/N applied twice: your gradient is 1/N = 1/{N} of the expected", (P - Y) / N**2),
             ("the sign is flipped: the gradient of the loss is p - y, not y - p", (Y - P) / N),
             ("softmax over the wrong axis: your probabilities sum to 1 down each column (axis=0); softmax "
              "runs over the C classes of each row (axis=1)", (_softmax(Z, axis=0) - Y) / N),
             ("softmax over the wrong axis and a missing 1/N", _softmax(Z, axis=0) - Y),
             ("Y is not one-hot: P[:, labels] -= 1 subtracts 1 in every row at every labelled column; "
              "use P[np.arange(N), labels] -= 1 (one entry per row)", (P - every_row) / N),
             ("Y is not one-hot: the labels were subtracted as numbers (P - labels); build "
              "Y = np.eye(C)[labels] first", (P - t[:, None]) / N),
             (f"divided by C = {C}, the number of classes, instead of by N = {N} samples: the mean runs over the "
              "samples only", (P - Y) / C),
             (f"divided by N * C = {N * C}, a mean over every entry: the mean runs over the N = {N} samples only, "
              "each sample's loss sums over its classes", (P - Y) / (N * C)),
             ("lecture note B's loss -sum_k log p_k (no y_k): its gradient is C p - 1; cross-entropy's is p - y",
              (C * P - 1) / N),
             ("no softmax: you subtracted y from the logits themselves; p = softmax(z)", (Z - Y) / N),
             ("softmax normalised over the whole batch: e / e.sum() divides by the sum of all N * C terms; "
              "divide each row by its own sum (axis=1, keepdims=True)",
              (np.exp(Z - Z.max()) / np.exp(Z - Z.max()).sum() - Y) / N)]
    through_p = _through_p(Z, t)
    slips += [through_p] if through_p else []
    slips += [(SHIFT_NOT_BY_MAX, (_shifted_softmax(Z, shift) - Y) / N) for shift in shifts]
    return [(s, v) for s, v in slips if N > 1 or "1/N" not in s]


def check_cross_entropy_grad(fn: Callable[[np.ndarray, np.ndarray], Any]) -> CheckResult:
    r"""Check a student's ``fn(logits, labels)`` returning the gradient of the mean cross-entropy,
    :math:`(P - Y)/N` for logits of shape (N, C) and integer labels of shape (N,).

    One sample (where a missing 1/N cannot show), two batches with repeated labels (a missing 1/N,
    ``P[:, labels] -= 1``, softmax over axis 0 or over the whole batch), large logits (no max shift
    overflows), a confidently wrong prediction whose label probability rounds to 0 (the route through
    ``-y/p`` gives NaN), a batch whose rows lie 1000 apart (a max over the whole batch underflows) and a row
    [-1400, 700, -100] whose max lies far above its mean and every other entry (a softmax shifted by the row
    mean or by any other entry overflows; no shift at all does not, exp(700) is finite). A division by C or
    by N * C (a mean over the classes or over every entry) is named too.
    """
    rng = np.random.default_rng(3)
    inputs = [("one sample (N=1, C=3)", rng.normal(size=(1, 3)) * 2, np.array([1]), NONFINITE),
              ("a batch of N=5, C=4", rng.normal(size=(5, 4)) * 2, np.array([2, 0, 2, 3, 0]), NONFINITE),
              ("a batch of N=8, C=3", rng.normal(size=(8, 3)) * 2, np.array([0, 1, 1, 2, 0, 0, 2, 1]), NONFINITE),
              ("large logits [[1000, 1000.5, 999]], label 2", np.array([[1000.0, 1000.5, 999.0]]),
               np.array([2]), NO_SHIFT),
              ("a confident wrong prediction [[0, -800, 5]], label 1", np.array([[0.0, -800.0, 5.0]]),
               np.array([1]), DIVIDES_BY_P),
              ("a batch whose rows lie 1000 apart [[1000, 1000.5, 999], [0.5, -1, 2]]",
               np.array([[1000.0, 1000.5, 999.0], [0.5, -1.0, 2.0]]), np.array([2, 0]), _far_rows),
              # the max lies 967 above the row mean and 800 or more above every other entry (exp overflows
              # beyond 709.8), yet exp(700) is finite: a shift by the mean or by any entry but the max overflows
              # here, the raw logits do not (a division by p gives NaN too, at the classes whose p rounds to 0)
              ("logits far apart [[-1400, 700, -100]], label 1", np.array([[-1400.0, 700.0, -100.0]]),
               np.array([1]), NONFINITE)]
    cases = []
    for desc, Z, t, nonfinite in inputs:
        N, C = Z.shape
        expected = cross_entropy_grad(Z, t)
        shapes = {(N,): "one number per sample: the gradient has one entry per logit, shape (N, C)",
                  (C, N): "transposed: rows are samples, columns are classes"}
        where = (lambda i, t=t: f"(row {i[0]}, class {i[1]}; the label of row {i[0]} is {t[i[0]]})")
        judge = (lambda got, desc=desc, Z=Z, t=t, expected=expected, nonfinite=nonfinite, shapes=shapes,
                 where=where: _explain(desc, got, expected, _ce_slips(Z, t), nonfinite, where, shapes))
        cases.append((desc, (lambda Z=Z, t=t: fn(Z.copy(), t.copy())), judge))
    return _run("cross-entropy gradient", cases)


# --- one softmax-regression step --------------------------------------------------------------------------

def check_softmax_regression_step(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a student's ``fn(W, b, X, y, lr)`` returning ``(W_new, b_new)`` after one gradient-descent step.

    The model is :math:`Z = XW + b` with the mean cross-entropy on integer labels ``y``; the step is
    :math:`W - \eta X^\top G`, :math:`b - \eta \sum_n G_n` with :math:`G = (P - Y)/N`
    (:func:`softmax_lab.course.regression.gradient_step`). ``W`` and ``b`` are reported separately, and a
    wrong one is compared with what each plausible slip gives (a missing 1/N, a missing learning rate, a
    step uphill, ``G^T X``, 1/N applied twice, a mean instead of a sum for the bias, a bias left alone or left
    out of the logits); large logits catch a
    forward pass without the max shift.
    """
    rng = np.random.default_rng(5)
    inputs = [("N=4 points, D=2, C=3", rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=(4, 2)),
               np.array([0, 2, 1, 2]), 0.5),
              ("N=10 points, D=3, C=4", rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(10, 3)),
               rng.integers(0, 4, size=10), 0.1),
              ("large logits (W of size 1000)", np.array([[1000.0, -1000.0], [0.0, 500.0]]), np.zeros(2),
               np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([1, 0, 1]), 0.01)]
    nonfinite = ("no max shift in the forward pass: the logits reach 1000 and exp overflows; subtract each "
                 "row's max before exp")
    cases = []
    for desc, W, b, X, y, lr in inputs:
        N, (D, C) = len(y), W.shape
        W_ref, b_ref = gradient_step(W, b, X, y, lr)
        G = _softmax(X @ W + b, axis=1) - np.eye(C)[y]          # P - Y (without the 1/N)
        G_no_bias = _softmax(X @ W, axis=1) - np.eye(C)[y]      # the same with b left out of the logits
        W_slips = [(f"a missing 1/N: your step is N = {N} times the expected: G = (P - Y)/N",
                    W - lr * X.T @ G),
                   (f"the learning rate is missing: your step is 1/lr = {1 / lr:g} times the expected",
                    W - X.T @ G / N),
                   ("a step uphill: gradient descent subtracts lr * dL/dW", W + lr * X.T @ G / N),
                   (f"1/N applied twice: your step is 1/N = 1/{N} of the expected (G = (P - Y)/N already holds it)",
                    W - lr * X.T @ G / N**2),
                   ("the bias is missing from the logits: the forward pass is Z = X @ W + b",
                    W - lr * X.T @ G_no_bias / N)]
        if D == C:   # G^T X then has the shape of W
            W_slips.append(("G^T X in place of X^T G: dL/dW[d, k] = sum_n X[n, d] G[n, k]",
                            W - lr * (G.T @ X) / N))
        b_slips = [("the bias was not updated: b_new = b - lr * sum_n G_n", b),
                   ("the bias is missing from the logits: the forward pass is Z = X @ W + b",
                    b - lr * G_no_bias.sum(axis=0) / N),
                   (f"a missing 1/N: your step is N = {N} times the expected: G = (P - Y)/N",
                    b - lr * G.sum(axis=0)),
                   (f"a mean over the samples where a sum belongs: G already holds the 1/N, so the bias "
                    f"step is 1/N = 1/{N} of the expected", b - lr * G.sum(axis=0) / N**2),
                   (f"the learning rate is missing: your step is 1/lr = {1 / lr:g} times the expected",
                    b - G.sum(axis=0) / N),
                   ("a step uphill: gradient descent subtracts lr * dL/db", b + lr * G.sum(axis=0) / N)]
        W_shapes = {(C, D): "transposed: dL/dW = X^T G has the shape of W, (D, C)"}
        b_shapes = {(N,): "summed over the classes: dL/db sums G over the samples (axis=0)",
                    (1, C): "kept a batch axis: b has shape (C,)"}

        def part(k: int, W=W, b=b, X=X, y=y, lr=lr):
            out = fn(W.copy(), b.copy(), X.copy(), y.copy(), lr)
            if not isinstance(out, (tuple, list)) or len(out) != 2:
                raise TypeError(f"must return a pair (W_new, b_new), got {type(out).__name__}")
            return out[k]

        for k, (label, ref, slips, shapes) in enumerate([("W_new", W_ref, W_slips, W_shapes),
                                                         ("b_new", b_ref, b_slips, b_shapes)]):
            what = f"{desc}: {label}"
            where = (lambda i, label=label: f"{label}[{', '.join(map(str, i))}]")
            judge = (lambda got, what=what, ref=ref, slips=slips, where=where, shapes=shapes:
                     _explain(what, got, ref, slips, nonfinite, where, shapes))
            cases.append((what, (lambda part=part, k=k: part(k)), judge))
    return _run("softmax regression step", cases)


# --- predict, then run ------------------------------------------------------------------------------------
PREDICTIONS: dict[str, Prediction] = {
    "03-label-smoothing": Prediction(
        question=("Label smoothing with eps = 0.1 and C = 3 trains on y = 0.9 one-hot(t) + 0.1/3. At the minimum "
                  "of the loss over all logits, what is p_t: (a) 1, (b) 0.9, (c) about 0.933, (d) about 0.967?"),
        answer="c",
        explanation=("The loss is H(y) + KL(y || p) and KL(y || p) >= 0 with equality only at p = y (notebook 03, "
                     "section 9; every y_k > 0 here, so p = y is reached by finite logits), so the minimum is p = y: "
                     "p_t = y_t = 1 - eps + eps/C = 0.9 + 0.1/3 = 0.9333. "
                     "(a) is the minimum of the one-hot loss, which is never reached with finite logits; (b) "
                     "forgets that the label's class also gets its share eps/C."),
        choices=("a", "b", "c", "d")),
    "03-perplexity": Prediction(
        question=("A model gives the true label the probability 1/2 on half of the test samples and 1/8 on the "
                  "other half. What is its perplexity?"),
        answer=4.0,
        rtol=0.01,
        explanation=("Perplexity is exp(mean NLL): the mean surprisal is (1 + 3) / 2 = 2 bits (or "
                     "(ln 2 + ln 8) / 2 = ln 4 nats), so the perplexity is 2^2 = e^(ln 4) = 4, one over the geometric "
                     "mean of the label probabilities, sqrt(1/2 * 1/8) = 1/4. Averaging the inverse probabilities, "
                     "(2 + 8) / 2 = 5, or inverting the mean probability, 1 / 0.3125 = 3.2, averages outside the log: "
                     "perplexity averages inside it, as the loss does (notebook 03, section 9).")),
}
