r"""Checkers of notebook 09 (temperature beyond sampling): the expected calibration error and the fit of one
temperature; and the answers of its predict-then-run questions (``PREDICTIONS``).

The expected values are computed here, by a plain loop over the bins (ECE) and by a fine grid of the
validation loss (the temperature), never by the student's function. When an answer is wrong, the slip is
named first (what the student probably did), then expected against actual.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from softmax_lab import cross_entropy, softmax

from ._core import CheckResult, call_reporting

__all__ = ["check_ece", "check_temperature_fit", "PREDICTIONS"]


def _call(res: CheckResult, what: str, call: Callable[[], Any]) -> Any:
    """``float(call())``, ``...`` (an untouched stub) as it is, or ``None`` after recording the problem: what it
    raised, or a missing return."""
    def as_float() -> Any:
        out = call()
        return out if out is None or out is Ellipsis else float(np.asarray(out, dtype=np.float64))
    problems_before = len(res.problems)
    got = call_reporting(res, what, as_float)
    if got is None and len(res.problems) == problems_before:
        res.problems.append(f"{what}: returned None: a missing return statement?")
    return got


def _ece_variants(P: np.ndarray, t: np.ndarray, n_bins: int) -> dict[str, float]:
    """The ECE with ``n_bins`` bins ((b-1)/M, b/M], written as a loop, and the values of the classic slips."""
    conf, right = P.max(axis=1), (P.argmax(axis=1) == t).astype(float)
    p_true = P[np.arange(len(t)), t]
    n = len(t)

    def binned(score: np.ndarray, closed_right: bool = True, keep_one: bool = True) -> list[tuple[int, float]]:
        # closed_right=False: bins [lo, hi); keep_one then puts a score of exactly 1 in the last bin, [lo, 1]
        out = []  # (bin size, accuracy - mean score) per non-empty bin
        for b in range(n_bins):
            lo, hi = b / n_bins, (b + 1) / n_bins
            if closed_right:
                inside = (score > lo) & (score <= hi) if b else (score <= hi)
            else:
                inside = (score >= lo) & (score < hi)
                if keep_one and b == n_bins - 1:
                    inside |= score == hi
            if inside.any():
                out.append((int(inside.sum()), float(right[inside].mean() - score[inside].mean())))
        return out

    bins = binned(conf)
    return {
        "right": sum(k * abs(g) for k, g in bins) / n,
        "unweighted": float(np.mean([abs(g) for _, g in bins])),
        "all bins": sum(abs(g) for _, g in bins) / n_bins,
        "signed": abs(sum(k * g for k, g in bins) / n),
        "squared": sum(k * g * g for k, g in bins) / n,
        "true class": sum(k * abs(g) for k, g in binned(p_true)) / n,
        "left closed": sum(k * abs(g) for k, g in binned(conf, closed_right=False)) / n,
        "edge": sum(k * abs(g) for k, g in binned(conf, closed_right=False, keep_one=False)) / n,
    }


_ECE_SLIPS = {
    "unweighted": "an unweighted mean over the non-empty bins: each bin's gap must be weighted by its share "
                  "of the samples, |B_b| / N",
    "all bins": "each bin's gap divided by the number of bins, not weighted by its share of the samples "
                "|B_b| / N",
    "signed": "the absolute value is missing: gaps above and below the diagonal cancel; ECE adds "
              "|acc - conf| per bin",
    "squared": "squared gaps (acc - conf)^2: ECE uses the absolute gap |acc - conf|",
    "true class": "binned by the probability of the true class: the confidence is the LARGEST probability "
                  "max_k p_k (the probability of the predicted class), whatever the label",
    "left closed": "bins closed on the left, [lo, hi): a confidence exactly on an inner edge b/M belongs to the "
                   "bin below it, ((b-1)/M, b/M]",
    "edge": "a confidence of exactly 1 was left out (bins [lo, hi) leave no room for 1.0): the bins are "
            "((b-1)/M, b/M], the last one includes 1",
}


def check_ece(fn: Callable[[np.ndarray, np.ndarray, int], Any]) -> CheckResult:
    r"""Check a student's ``fn(probs, labels, n_bins)``: the expected calibration error
    :math:`\sum_b \frac{|B_b|}{N} |\mathrm{acc}(B_b) - \mathrm{conf}(B_b)|` with equal-width confidence bins.

    Cases: a hand-made one with known bins (answer 0.16875), one whose bins are off in both directions (signed
    gaps cancel), one with confidences of exactly 1, one with confidences exactly on inner edges (0.5 and 0.75
    with 4 bins: dyadic, so b/M, b * (1/M), ``np.linspace`` and c * M are all exact and every correct binning
    agrees; with M = 5, 3 * (1/5) = 0.6000000000000001 is not 3/5 = 0.6), and 200 seeded random predictions
    with 15 bins. Slips named: unweighted or per-bin mean, no absolute value, squared gaps, binning by the true
    class's probability, bins closed on the left [lo, hi), a confidence of 1 dropped.
    """
    rng = np.random.default_rng(110)
    P_rand = softmax(rng.normal(scale=2.5, size=(200, 5)), axis=1)
    t_rand = np.where(rng.random(200) < 0.7, P_rand.argmax(axis=1), rng.integers(0, 5, size=200))
    hand = np.array([[0.9, 0.1], [0.9, 0.1], [0.9, 0.1], [0.35, 0.65], [0.2, 0.8], [0.2, 0.8], [0.45, 0.55],
                     [0.15, 0.85]])
    both = np.array([[0.95, 0.05], [0.95, 0.05], [0.95, 0.05], [0.95, 0.05], [0.6, 0.4], [0.6, 0.4], [0.6, 0.4],
                     [0.6, 0.4], [0.6, 0.4]])
    ones = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.72, 0.18, 0.1], [0.1, 0.62, 0.28],
                     [0.3, 0.28, 0.42]])
    on_edges = np.array([[0.5, 0.25, 0.25], [0.25, 0.5, 0.25], [0.5, 0.25, 0.25], [0.75, 0.125, 0.125],
                         [0.125, 0.75, 0.125], [0.125, 0.125, 0.75], [0.4, 0.35, 0.25], [0.625, 0.25, 0.125],
                         [0.875, 0.0625, 0.0625]])
    cases = [
        ("8 samples, 4 bins, confidences 0.55 to 0.9", hand, np.array([0, 0, 1, 1, 1, 0, 0, 1]), 4),
        ("9 samples, 2 bins, one bin under and one over the diagonal", both,
         np.array([0, 0, 0, 1, 0, 0, 0, 0, 0]), 2),
        ("confidences of exactly 1, 10 bins", ones, np.array([0, 1, 0, 0, 2, 1]), 10),
        ("9 samples, 4 bins, confidences exactly on the inner edges 0.5 and 0.75", on_edges,
         np.array([0, 1, 2, 0, 0, 2, 1, 0, 0]), 4),
        ("200 random predictions over 5 classes, 15 bins", P_rand, t_rand, 15),
    ]
    res = CheckResult("expected calibration error")
    for what, P, t, m in cases:
        variants = _ece_variants(P, t, m)
        expected = variants["right"]
        got = _call(res, what, lambda P=P, t=t, m=m: fn(P.copy(), t.copy(), m))
        if got is Ellipsis:
            return CheckResult(res.name, attempted=False)
        if got is None:
            continue
        if np.isclose(got, expected, rtol=1e-9, atol=1e-12):
            res.passed += 1
            continue
        slip = next((text for key, text in _ECE_SLIPS.items()
                     if not np.isclose(variants[key], expected, rtol=1e-9, atol=1e-12)
                     and np.isclose(got, variants[key], rtol=1e-9, atol=1e-12)), None)
        if slip is None and np.isclose(got, 100 * expected, rtol=1e-9):
            slip = "in percent: ECE is a fraction between 0 and 1"
        prefix = f"{slip}: " if slip else ""
        res.problems.append(f"{what}: {prefix}expected {expected:.6g}, got {got:.6g}")
    return res


def _nll(logits: np.ndarray, labels: np.ndarray, T: float) -> float:
    return float(cross_entropy(logits / T, labels))


def check_temperature_fit(fn: Callable[[np.ndarray, np.ndarray], Any]) -> CheckResult:
    r"""Check a student's ``fn(logits, labels)``: the one temperature T > 0 that minimises the mean NLL of
    ``softmax(logits / T)`` on the given (validation) samples.

    The expected T comes from a fine grid of log T refined twice (the NLL is unimodal in T: it is convex in
    1/T). An answer passes if its NLL is within 1e-6 of the minimum and T within 1 % of the minimiser. Cases:
    an overconfident model (T > 1), an underconfident one (T < 1), and one whose best T lies beyond 20.
    Slips named: 1/T returned (the logits multiplied by T), T fitted by accuracy (any T gives the same
    accuracy), a search range that stops short of the minimiser.
    """
    rng = np.random.default_rng(111)
    cases = []
    for what, scale, noise in [("an overconfident model (best T > 1)", 6.0, 0.45),
                               ("an underconfident model (best T < 1)", 0.6, 0.1),
                               ("nearly random labels (best T beyond 20)", 8.0, 0.93)]:
        Z = rng.normal(size=(400, 6)) * scale
        t = np.where(rng.random(400) < noise, rng.integers(0, 6, size=400), Z.argmax(axis=1))
        cases.append((what, Z, t))
    res = CheckResult("temperature fit")
    for what, Z, t in cases:
        grid = np.exp(np.linspace(np.log(1e-3), np.log(1e4), 2001))
        for _ in range(2):
            k = int(np.argmin([_nll(Z, t, T) for T in grid]))
            grid = np.exp(np.linspace(np.log(grid[max(k - 1, 0)]), np.log(grid[min(k + 1, grid.size - 1)]), 401))
        best = float(grid[int(np.argmin([_nll(Z, t, T) for T in grid]))])
        got = _call(res, what, lambda Z=Z, t=t: fn(Z.copy(), t.copy()))
        if got is Ellipsis:
            return CheckResult(res.name, attempted=False)
        if got is None:
            continue
        if not np.isfinite(got) or got <= 0:
            res.problems.append(f"{what}: a temperature must be a positive number: expected {best:.4g}, "
                                f"got {got:.4g}")
            continue
        gap = _nll(Z, t, got) - _nll(Z, t, best)
        if gap <= 1e-6 and np.isclose(got, best, rtol=1e-2):
            res.passed += 1
            continue
        if np.isclose(got, 1 / best, rtol=2e-2):
            slip = "the reciprocal 1/T: the logits are DIVIDED by T (softmax(z / T)), not multiplied"
        elif np.isclose(got, 1.0, rtol=1e-3):
            slip = ("T = 1 returned, the starting point: accuracy is the same at every T, so it cannot choose T; "
                    "minimise the mean NLL of softmax(z / T)")
        elif best > 20 and 0.3 * best <= got < best:
            slip = ("the search range stops short: the NLL is still falling at your T; the best T here is "
                    "beyond 20, so search a wider range (on log T)")
        else:
            slip = "not the minimiser of the validation NLL"
        res.problems.append(f"{what}: {slip}: expected T = {best:.4g} (NLL {_nll(Z, t, best):.5f}), got "
                            f"T = {got:.4g} (NLL {_nll(Z, t, got):.5f})")
    return res


PREDICTIONS: dict[str, dict] = {
    "09-smoothed-temperature": {
        "question": ("Fit one temperature on the validation set for the digits model trained with label "
                     "smoothing eps = 0.1 (section 5). Is the fitted T (a) clearly above 1, (b) about 1, or "
                     "(c) clearly below 1?"),
        "answer": "c",
        "explanation": ("Section 5 measured the smoothed model as UNDERconfident on held-out digits: its mean "
                        "confidence is below its accuracy. Temperature scaling undoes that by sharpening, "
                        "T < 1 (dividing the logits by T < 1 stretches their gaps). The fitted value is "
                        "printed by the solution cell."),
        "choices": ("a", "b", "c"),
    },
}
