"""The course helper of notebook 09 (softmax_lab.course.calibration): the shipped digits file, the splits, the
reliability bins and the ECE, each against an independent computation (hand-worked bins, a plain Python loop,
the closed form of a perfectly calibrated predictor)."""

from __future__ import annotations

import gzip
from importlib import resources

import numpy as np
import pytest

from softmax_lab import softmax
from softmax_lab.course.calibration import (expected_calibration_error, load_digits, plot_reliability_diagram,
                                           reliability_bins, split_indices)


def test_the_digits_file_is_the_uci_test_set_found_through_importlib_resources():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64 and y.shape == (1797,) and y.dtype.kind == "i"
    assert X.min() == 0 and X.max() == 16 and np.array_equal(X, np.round(X))
    # class counts of optdigits.tes as the UCI description lists them
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    raw = resources.files("softmax_lab.course").joinpath("data", "digits.csv.gz").read_bytes()
    assert len(raw) < 100_000
    first = gzip.decompress(raw).decode("ascii").splitlines()[0].split(",")
    assert [float(v) for v in first[:-1]] == X[0].tolist() and int(first[-1]) == y[0] == 0


def test_the_package_data_pattern_ships_the_digits_file():
    import tomllib
    from fnmatch import fnmatch
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["softmax_lab.course.data"]
    assert any(fnmatch("digits.csv.gz", p) for p in patterns)


def test_split_indices_are_disjoint_seeded_and_of_the_asked_sizes():
    a = split_indices(100, (30, 20, 50), seed=3)
    b = split_indices(100, (30, 20, 50), seed=3)
    assert [len(s) for s in a] == [30, 20, 50]
    assert sorted(np.concatenate(a).tolist()) == list(range(100))
    assert all(np.array_equal(x, z) for x, z in zip(a, b))
    with pytest.raises(ValueError, match="sizes"):
        split_indices(10, (6, 6), seed=0)
    with pytest.raises(ValueError, match="n must"):
        split_indices(-1, (0,), seed=0)


def test_bins_and_ece_of_a_hand_worked_example():
    # predictions 0,0,0,1,1,1,1,1 with confidences .9,.9,.9,.65,.8,.8,.55,.85; labels 0,0,1,1,1,0,0,1
    P = np.array([[0.9, 0.1], [0.9, 0.1], [0.9, 0.1], [0.35, 0.65], [0.2, 0.8], [0.2, 0.8], [0.45, 0.55],
                  [0.15, 0.85]])
    t = np.array([0, 0, 1, 1, 1, 0, 0, 1])
    bins = reliability_bins(P, t, n_bins=4)
    assert bins.count.tolist() == [0, 0, 2, 6]
    assert np.allclose(bins.confidence[2:], [0.6, 5.15 / 6]) and np.allclose(bins.accuracy[2:], [0.5, 4 / 6])
    assert np.isnan(bins.confidence[:2]).all() and np.isnan(bins.accuracy[:2]).all()
    # (2 * 0.1 + 6 * |4/6 - 5.15/6|) / 8 = (0.2 + 1.15) / 8
    assert expected_calibration_error(P, t, n_bins=4) == pytest.approx(1.35 / 8, rel=1e-12)


def _ece_loop(P, t, m):
    total = 0.0
    for b in range(m):
        members = [n for n in range(len(t)) if (b / m < max(P[n]) <= (b + 1) / m) or (b == 0 and max(P[n]) == 0)]
        if members:
            acc = sum(int(np.argmax(P[n]) == t[n]) for n in members) / len(members)
            conf = sum(max(P[n]) for n in members) / len(members)
            total += len(members) / len(t) * abs(acc - conf)
    return total


@pytest.mark.parametrize("seed, m", [(0, 10), (1, 15), (2, 3), (3, 1)])
def test_ece_matches_a_plain_loop(seed, m):
    rng = np.random.default_rng(seed)
    P = softmax(rng.normal(scale=3.0, size=(300, 7)), axis=1)
    t = rng.integers(0, 7, size=300)
    assert expected_calibration_error(P, t, m) == pytest.approx(_ece_loop(P, t, m), rel=1e-12, abs=1e-15)


def test_a_confidence_of_one_lands_in_the_last_bin_and_a_perfect_predictor_has_ece_zero():
    P = np.eye(4)
    t = np.arange(4)
    bins = reliability_bins(P, t, n_bins=10)
    assert bins.count[-1] == 4 and bins.count.sum() == 4
    assert expected_calibration_error(P, t, 10) == 0.0


def test_a_predictor_calibrated_within_each_bin_has_ece_zero():
    # two confidences, 0.75 and 0.55, each right exactly that often
    P = np.array([[0.75, 0.25]] * 4 + [[0.55, 0.45]] * 20)
    t = np.array([0, 0, 0, 1] + [0] * 11 + [1] * 9)
    assert expected_calibration_error(P, t, 10) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("probs, labels, words", [
    (np.ones((2, 3)), np.array([0, 1]), "sum to 1"),
    (np.full((2, 2), 0.5), np.array([0, 2]), "labels must lie"),
    (np.full((2, 2), 0.5), np.array([0.0, 1.0]), "integer"),
    (np.full(4, 0.25), np.array([0]), "shape"),
])
def test_bad_input_names_the_argument(probs, labels, words):
    with pytest.raises(ValueError, match=words):
        expected_calibration_error(probs, labels, 10)


def test_n_bins_must_be_a_positive_int():
    with pytest.raises(ValueError, match="n_bins"):
        reliability_bins(np.eye(2), np.array([0, 1]), n_bins=0)


def test_the_diagram_draws_one_accuracy_bar_per_non_empty_bin():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    P = np.array([[0.9, 0.1], [0.64, 0.36], [0.62, 0.38]])
    t = np.array([0, 1, 0])
    ax = plot_reliability_diagram(P, t, n_bins=10, title="x")
    heights = sorted(round(p.get_height(), 12) for p in ax.containers[0])
    assert heights == [0.5, 1.0]          # bin (0.6, 0.7]: one of two right; bin (0.8, 0.9]: right
    assert "ECE" in ax.get_title()
    plt.close(ax.figure)
