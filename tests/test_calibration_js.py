"""The calibration explorer's JavaScript (softmax_lab/course/calibration_demo.js) against numpy (issues 15, 16).

The browser computes every number the calibration explorer shows, so node runs the module's exported functions
(one process, JSON in and out, with the harness of ``tests/test_explorer_js.py``) and each result is compared
with :func:`softmax_lab.softmax`, :func:`softmax_lab.cross_entropy` and
:mod:`softmax_lab.course.calibration` (``reliability_bins``, ``expected_calibration_error``).

Tolerances (float64 on both sides).
* softmax of C logits at T: every probability within ``(2C + 4) eps`` relatively (the shift and division by T
  correctly rounded, ``exp`` within 1 ulp between glibc and V8, a sum of C weights, one division), as in
  test_explorer_js.
* Reliability bins of the SAME probabilities: equal bit for bit (same edges i * (1 / M), same
  ``searchsorted(side="left")`` rule, the sums taken in sample order as ``np.bincount`` does, one division).
* ECE of the same bins: a sum of at most M = n_bins non-negative terms, each within a rounding of numpy's, and one
  division: within ``4 M eps`` absolutely (ECE <= 1); numpy sums pairwise, JS in order.
* ECE of softmax(Z / T) computed by each side: probabilities that differ by ulps could move a confidence across a
  bin edge; the random cases below keep every confidence at least 1e-9 from an edge (checked), so within the
  bound above.
* NLL: N terms LSE(z / T) - z_t / T, each within ``(C + 4) eps (max|z / T| + ln C)`` absolutely (the cancellation
  of two numbers of that size), the mean of N terms within N eps relatively more.
* The T of lowest NLL: checked against a dense numpy grid of the NLL (an independent search).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from softmax_lab import cross_entropy, softmax
from softmax_lab.course.calibration import expected_calibration_error, reliability_bins
from test_explorer_js import ATOL, EPS, _decode, node_runner

CALIBRATION_JS = Path(__file__).resolve().parents[1] / "softmax_lab" / "course" / "calibration_demo.js"


def _dec_result(r: Any) -> Any:
    """A result object's fields decoded one by one; an error object as it is."""
    if isinstance(r, dict):
        return r if "error" in r else {k: _decode(v) for k, v in r.items()}
    return _decode(r)


@pytest.fixture(scope="module")
def js(tmp_path_factory: pytest.TempPathFactory):
    """``js(calls)`` runs ``[(name, *args), ...]`` through calibration_demo.js in one node process."""
    return node_runner(tmp_path_factory, CALIBRATION_JS, "the calibration explorer",
                       decode_result=_dec_result, timeout=60)


def _bins_equal(got: dict[str, Any], ref) -> None:
    assert np.array_equal(np.asarray(got["edges"]), ref.edges)
    assert np.array_equal(np.asarray(got["count"]), ref.count)
    assert np.array_equal(np.asarray(got["confidence"], dtype=float), ref.confidence, equal_nan=True)
    assert np.array_equal(np.asarray(got["accuracy"], dtype=float), ref.accuracy, equal_nan=True)


def _dataset(rng: np.random.Generator, n: int, c: int) -> tuple[np.ndarray, np.ndarray]:
    """Overconfident-ish logits: a label-dependent signal plus noise at a random scale."""
    t = rng.integers(0, c, size=n)
    Z = rng.normal(0, 1, size=(n, c)) * 10 ** rng.uniform(-1, 1)
    Z[np.arange(n), t] += rng.uniform(0, 4)
    return np.round(Z, 4), t


def test_softmax_rows_match_numpy(js) -> None:
    rng = np.random.default_rng(21)
    cases = [(rng.normal(0, 10 ** rng.uniform(-1, 2), size=(5, int(rng.integers(2, 12)))), float(10 ** rng.uniform(-2, 2)))
             for _ in range(200)]
    cases += [(np.array([[800.0, 799.0, -800.0], [1e300, -1e300, 0.0]]), 1.0), (np.array([[3.0, 3.0, 1.0]]), 0.01)]
    for (Z, T), P in zip(cases, js([("softmaxRows", Z, T) for Z, T in cases])):
        ref = softmax(Z, temperature=T, axis=1)
        err = np.abs(np.asarray(P) - ref)
        assert np.all(err <= (2 * Z.shape[1] + 4) * EPS * ref + ATOL), (Z, T, err.max())


@pytest.mark.parametrize("n_bins", [1, 5, 10, 15, 20])
def test_bins_of_the_same_probabilities_are_reliability_bins_bit_for_bit(js, n_bins: int) -> None:
    rng = np.random.default_rng(n_bins)
    calls, refs = [], []
    for _ in range(30):
        Z, t = _dataset(rng, int(rng.integers(1, 300)), int(rng.integers(2, 11)))
        P = softmax(Z, axis=1)
        calls.append(("reliabilityBins", P, t, n_bins))
        refs.append((P, t))
    for got, (P, t) in zip(js(calls), refs):
        _bins_equal(got, reliability_bins(P, t, n_bins))


def test_confidences_on_bin_edges_follow_the_same_rule(js) -> None:
    # confidences exactly 1, 0.5, 0.2, 0.3 (0.3 < 3 * 0.1 in float64), 0.1, 1/C and a tie: every edge case of
    # "edges[b] < c <= edges[b + 1]"; the oracle is reliability_bins itself on the same P
    P = np.array([[1.0, 0.0, 0.0], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6], [0.3, 0.3, 0.4], [0.4, 0.3, 0.3],
                  [0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3], [0.6, 0.2, 0.2], [0.7, 0.2, 0.1], [0.9, 0.1, 0.0]])
    t = np.array([0, 1, 2, 2, 0, 1, 2, 0, 0, 1])
    for n_bins in (2, 3, 5, 10):
        got = js([("reliabilityBins", P, t, n_bins)])[0]
        ref = reliability_bins(P, t, n_bins)
        _bins_equal(got, ref)
        assert ref.count[-1] >= 1  # the confidence 1.0 sits in the last bin
    # the tie [0.5, 0.5, 0] predicts class 0 on both sides (first argmax): label 1 counts as wrong
    single = js([("reliabilityBins", P[5:6], np.array([1]), 2)])[0]
    assert single["accuracy"][0] == 0.0 and single["count"] == [1, 0]


def test_ece_matches_expected_calibration_error(js) -> None:
    rng = np.random.default_rng(5)
    calls, refs = [], []
    for _ in range(100):
        Z, t = _dataset(rng, int(rng.integers(20, 400)), 10)
        T = float(10 ** rng.uniform(-1, 1))
        n_bins = int(rng.integers(5, 21))
        P = softmax(Z, temperature=T, axis=1)
        inner = np.linspace(0, 1, n_bins + 1)[1:-1]  # 0 and 1 end the first and last bin on both sides
        if np.min(np.abs(P.max(axis=1)[:, None] - inner[None])) < 1e-9:
            continue  # a confidence within ulps of an edge: the two sides may bin it differently
        calls.append(("calibrationView", Z, t, T, n_bins))
        refs.append((P, t, n_bins, expected_calibration_error(P, t, n_bins)))
    assert len(refs) >= 90
    for view, (P, t, n_bins, ece) in zip(js(calls), refs):
        assert abs(view["ece"] - ece) <= 4 * n_bins * EPS, (view["ece"], ece)
        assert view["accuracy"] == pytest.approx(np.mean(P.argmax(axis=1) == t), abs=4 * n_bins * EPS)
        assert view["meanConfidence"] == pytest.approx(P.max(axis=1).mean(), abs=4 * n_bins * EPS + 1e-13)


def test_nll_matches_cross_entropy(js) -> None:
    rng = np.random.default_rng(6)
    cases = []
    for _ in range(150):
        Z, t = _dataset(rng, int(rng.integers(1, 300)), int(rng.integers(2, 11)))
        cases.append((Z, t, float(10 ** rng.uniform(-2, 2))))
    for (Z, t, T), got in zip(cases, js([("nll", Z, t, T) for Z, t, T in cases])):
        ref = float(cross_entropy(Z / T, t))
        n, c = Z.shape
        tol = (c + 4) * EPS * (np.abs(Z / T).max() + np.log(c)) + n * EPS * abs(ref)
        assert abs(got - ref) <= tol, (got, ref, tol)


def test_the_best_temperature_minimises_the_nll_on_a_dense_grid(js) -> None:
    rng = np.random.default_rng(7)
    for _ in range(5):
        Z, t = _dataset(rng, 300, 10)
        best = js([("bestTemperature", Z, t)])[0]
        grid = np.logspace(-2, 2, 4001)  # steps of 0.001 in log10 T
        nlls = np.array([float(cross_entropy(Z / T, t)) for T in grid])
        k = int(np.argmin(nlls))
        if 0 < k < len(grid) - 1:
            assert abs(np.log10(best) - np.log10(grid[k])) <= 0.001, (best, grid[k])
        assert float(cross_entropy(Z / best, t)) <= nlls.min() + 1e-9


def test_scaling_never_changes_the_prediction_and_lower_t_means_more_confidence(js) -> None:
    rng = np.random.default_rng(8)
    Z, t = _dataset(rng, 200, 10)
    views = js([("calibrationView", Z, t, T, 10) for T in (0.25, 0.5, 1.0, 2.0, 4.0)])
    assert len({v["accuracy"] for v in views}) == 1  # the argmax of z / T is the argmax of z
    conf = [v["meanConfidence"] for v in views]
    assert all(a > b for a, b in zip(conf, conf[1:]))


def test_bad_input_names_the_argument(js) -> None:
    Z = np.array([[1.0, 0.0], [0.0, 1.0]])
    errors = js([("nll", Z, [0, 1], 0.0), ("calibrationView", [[1.0, np.nan], [0.0, 1.0]], [0, 1], 1.0, 10),
                 ("calibrationView", Z, [0, 2], 1.0, 10), ("calibrationView", Z, [0], 1.0, 10),
                 ("reliabilityBins", Z, [0, 1], 0), ("calibrationView", [[1.0], [2.0]], [0, 0], 1.0, 10)])
    messages = [e["error"] for e in errors]
    assert "temperature" in messages[0]
    assert "logits contains NaN at row 0, column 1" in messages[1]
    assert "labels must lie in 0..1" in messages[2] and "labels must have one entry per row" in messages[3]
    assert "n_bins" in messages[4] and "at least 2 classes" in messages[5]


def test_on_notebook_09s_digits_the_explorer_finds_the_fitted_temperature(js) -> None:
    """Notebook 09 says the explorer's lowest-NLL T, found in the browser on the validation logits rounded to 4
    decimals, lands on the T that section 3 fits (printed there as 1.50): checked against a dense numpy grid of
    the validation NLL on the unrounded logits."""
    from softmax_lab.course.calibration_demo import DECIMALS, digits_validation_logits
    Z, t = digits_validation_logits()
    best = js([("bestTemperature", np.round(Z, DECIMALS), t)])[0]
    grid = np.linspace(1.0, 2.0, 10001)  # steps of 1e-4
    fitted = grid[int(np.argmin([float(cross_entropy(Z / T, t)) for T in grid]))]
    assert abs(best - fitted) < 1e-3, (best, fitted)
    assert f"{best:.2f}" == f"{fitted:.2f}" == "1.50"
