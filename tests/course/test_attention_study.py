"""scaling_study, peak_memory and the two plots of notebook 11."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from softmax_lab import attention, flash_attention  # noqa: E402
from softmax_lab.course.attention_study import (plot_peak_memory, plot_scaling_study,  # noqa: E402
                                         scaling_study)
from softmax_lab.course.memory import peak_memory  # noqa: E402


@pytest.fixture(scope="module")
def study():
    return scaling_study([1, 16, 256, 4096], n_queries=256, n_keys=32, seed=0)


def test_score_spread_is_sqrt_d_raw_and_one_scaled(study):
    # closed form: Var(q.k) = d for unit-variance entries, so std = sqrt(d); scaled: std = 1
    np.testing.assert_allclose(study["score_std_raw"], np.sqrt(study["dims"]), rtol=0.2)  # 32 keys: noisy
    np.testing.assert_allclose(study["score_std_scaled"], 1.0, rtol=0.2)


def test_d_equal_one_is_the_same_with_and_without_scale(study):
    for key in ("score_std", "median", "q25", "q75", "saturated"):
        assert study[f"{key}_raw"][0] == pytest.approx(study[f"{key}_scaled"][0], rel=1e-12)


def test_unscaled_gradient_vanishes_and_scaled_does_not(study):
    raw, scaled = study["median_raw"], study["median_scaled"]
    assert raw[-1] < 1e-5 * raw[0]
    assert np.all(np.abs(np.log(scaled / scaled[0])) < math.log(1.5))
    assert study["saturated_raw"][-1] > 0.5
    assert np.all(study["saturated_scaled"] == 0)
    assert np.all(study["q25_raw"] <= study["median_raw"]) and np.all(study["median_raw"] <= study["q75_raw"])


def test_scaling_study_is_seeded():
    a = scaling_study([4, 64], n_queries=16, n_keys=8, seed=5)
    b = scaling_study([4, 64], n_queries=16, n_keys=8, seed=5)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


def test_peak_memory_sees_numpy_buffers():
    result, peak = peak_memory(np.ones, 1_000_000)
    assert result.shape == (1_000_000,)
    assert 8_000_000 <= peak < 8_100_000


def test_peak_memory_attention_against_flash():
    rng = np.random.default_rng(0)
    q, k, v = (rng.normal(size=(256, 16)) for _ in range(3))
    _, full = peak_memory(attention, q, k, v)
    _, tiled = peak_memory(flash_attention, q, k, v, block_size=16)
    assert full >= 2 * 256 * 256 * 8  # scores and weights, both L x L float64
    assert tiled < full / 4


def test_plots_draw_what_they_are_given(study):
    ax = plot_scaling_study(study)
    assert len(ax.lines) == 2
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), study["median_raw"])
    plt.close(ax.figure)
    ax = plot_peak_memory([256, 512], [1.0, 4.0], [0.4, 0.8], block_size=64)
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [0.4, 0.8])
    assert "block_size=64" in ax.lines[1].get_label()
    plt.close(ax.figure)
