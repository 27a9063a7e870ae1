"""The temperature explorer: pure view functions against independent oracles, and the thin widget layer.

Oracles: closed forms (entropy of uniform = ln C, of one-hot = 0, of a coin; dH/dT = Var_p(z) / T^3),
the slow softmax in ``tests/oracles.py``, scipy.stats, Pillow's PNG decoder, and a freshly drawn figure.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image
from scipy import stats

from oracles import softmax_ref
from softmax_lab import entropy
from softmax_lab.course.plots import entropy_curve
from softmax_lab.course.widgets import (
    DEFAULT_LABELS,
    DEFAULT_LOGITS,
    TemperatureFigure,
    png_bytes,
    readout_text,
    sample_counts,
    temperature_app,
    temperature_view,
)

logit_vectors = arrays(np.float64, st.integers(2, 12), elements=st.floats(-20, 20, allow_nan=False))


# --------------------------------------------------------------------------------------------- entropy
@pytest.mark.parametrize("c", [1, 2, 3, 7, 50, 1000])
def test_entropy_of_uniform_is_log_c(c):
    assert float(entropy(np.full(c, 1.0 / c))) == pytest.approx(math.log(c), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("k", [0, 2, 4])
def test_entropy_of_one_hot_is_zero(k):
    p = np.zeros(5)
    p[k] = 1.0
    h = entropy(p)
    assert float(h) == 0.0 and not np.signbit(h)


@pytest.mark.parametrize("q", [0.5, 0.1, 0.999, 1e-12])
def test_entropy_of_a_coin(q):
    expected = -(q * math.log(q) + (1 - q) * math.log1p(-q))
    assert float(entropy([q, 1 - q])) == pytest.approx(expected, rel=1e-9)


def test_entropy_matches_scipy_along_an_axis():
    p = softmax_ref(np.arange(6.0)).reshape(1, 6).repeat(3, axis=0).T  # classes along axis 0
    np.testing.assert_allclose(entropy(p, axis=0), stats.entropy(p, axis=0), rtol=1e-12)


@pytest.mark.parametrize("bad, err", [([0.5, -0.1, 0.6], ValueError), ([0.5, np.nan, 0.5], ValueError),
                                      ([True, False], TypeError), ("abc", TypeError)])
def test_entropy_rejects_bad_input_naming_p(bad, err):
    with pytest.raises(err, match="p"):
        entropy(bad)


# -------------------------------------------------------------------------------------- temperature_view
@given(logit_vectors, st.floats(0.05, 50))
def test_view_probabilities_are_softmax_of_z_over_t(z, t):
    v = temperature_view(z, t)
    np.testing.assert_allclose(v.probs, softmax_ref(z / t), rtol=1e-9, atol=1e-300)
    assert v.max_prob == pytest.approx(max(softmax_ref(z / t)), rel=1e-9)
    assert v.probs[v.argmax] == v.max_prob
    assert v.kept.all() and v.n_kept == z.size
    np.testing.assert_array_equal(v.sampling_probs, v.probs)


def test_limits_t_to_zero_is_argmax_and_t_to_infinity_is_uniform():
    z = np.array(DEFAULT_LOGITS)
    one_hot = np.eye(z.size)[np.argmax(z)]
    for t in (1e-2, 1e-3):
        np.testing.assert_allclose(temperature_view(z, t).probs, one_hot, atol=math.exp(-0.8 / t) * 2)
    np.testing.assert_array_equal(temperature_view(z, 0.0).probs, one_hot)
    for t in (1e3, 1e6):
        np.testing.assert_allclose(temperature_view(z, t).probs, np.full(z.size, 1 / z.size), rtol=5 * 4.4 / t)
    np.testing.assert_array_equal(temperature_view(z, math.inf).probs, np.full(z.size, 1 / z.size))
    assert temperature_view(z, 0.0).entropy == 0.0
    assert temperature_view(z, math.inf).entropy == pytest.approx(math.log(z.size), rel=1e-15)


@given(logit_vectors)
def test_entropy_grows_and_max_prob_falls_with_temperature(z):
    ts = np.geomspace(0.01, 100, 60)
    views = [temperature_view(z, t) for t in ts]
    h = np.array([v.entropy for v in views])
    m = np.array([v.max_prob for v in views])
    assert np.all(np.diff(h) >= -1e-12)
    assert np.all(np.diff(m) <= 1e-12)
    assert h.min() >= -1e-15 and h.max() <= math.log(z.size) + 1e-12


def test_derivative_of_entropy_in_t_is_variance_over_t_cubed():
    z = np.array(DEFAULT_LOGITS)
    for t in (0.3, 1.0, 2.5):
        p = softmax_ref(z / t)
        var = float(np.sum(p * z**2) - np.sum(p * z) ** 2)
        eps = 1e-5 * t
        fd = (temperature_view(z, t + eps).entropy - temperature_view(z, t - eps).entropy) / (2 * eps)
        assert fd == pytest.approx(var / t**3, rel=1e-6)


def test_entropy_curve_is_the_view_entropy_at_each_t():
    z = np.array([2.0, -1.0, 0.5, 0.5])
    ts = np.array([0.05, 0.7, 3.0, 40.0])
    expected = [stats.entropy(softmax_ref(z / t)) for t in ts]
    np.testing.assert_allclose(entropy_curve(z, ts), expected, rtol=1e-10, atol=1e-15)


@given(logit_vectors, st.floats(0.1, 10), st.data())
def test_top_k_keeps_the_k_largest_logits_and_renormalises(z, t, data):
    k = data.draw(st.integers(1, z.size))
    v = temperature_view(z, t, top_k=k)
    assert v.n_kept == k
    if k < z.size:  # the kept classes are the most probable ones (equal probabilities may go either way)
        assert v.probs[v.kept].min() >= v.probs[~v.kept].max()
    np.testing.assert_allclose(v.sampling_probs[v.kept], softmax_ref(z[v.kept] / t), rtol=1e-9, atol=1e-300)
    assert np.all(v.sampling_probs[~v.kept] == 0)
    np.testing.assert_allclose(v.probs, softmax_ref(z / t), rtol=1e-9, atol=1e-300)  # the bars are unchanged


@given(logit_vectors, st.floats(0.1, 10), st.floats(0.05, 1.0))
def test_top_p_keeps_the_fewest_classes_reaching_p(z, t, top_p):
    v = temperature_view(z, t, top_p=top_p)
    p = v.probs
    kept_mass = p[v.kept].sum()
    assert kept_mass >= top_p - 1e-9 or v.kept.all()
    smallest_kept = p[v.kept].min()
    assert kept_mass - smallest_kept < top_p + 1e-9  # dropping any kept class falls short: minimal
    if not v.kept.all():
        assert smallest_kept >= p[~v.kept].max()  # the kept classes are the most probable
    assert v.sampling_probs.sum() == pytest.approx(1.0, abs=1e-12)


def test_top_k_and_top_p_worked_example():
    z = np.log(np.array([0.5, 0.3, 0.15, 0.05]))  # softmax(z) = those numbers at T = 1
    v = temperature_view(z, 1.0, top_p=0.7)
    np.testing.assert_array_equal(v.kept, [True, True, False, False])
    np.testing.assert_allclose(v.sampling_probs, [0.625, 0.375, 0, 0], rtol=1e-12)
    v = temperature_view(z, 1.0, top_k=3, top_p=0.9)
    np.testing.assert_array_equal(v.kept, [True, True, True, False])
    assert v.sampling_entropy == pytest.approx(stats.entropy([0.5, 0.3, 0.15]), rel=1e-12)


@pytest.mark.parametrize("kwargs, err", [({"logits": [[1.0, 2.0]], "temperature": 1.0}, ValueError),
                                         ({"logits": [1.0, 2.0], "temperature": -1.0}, ValueError),
                                         ({"logits": [1.0, 2.0], "temperature": "hot"}, TypeError),
                                         ({"logits": [1.0, 2.0], "temperature": 1.0, "top_k": 3}, ValueError),
                                         ({"logits": [1.0, 2.0], "temperature": 1.0, "top_p": 0.0}, ValueError)])
def test_view_rejects_bad_arguments(kwargs, err):
    with pytest.raises(err, match="logits|temperature|top_k|top_p"):
        temperature_view(**kwargs)


# ----------------------------------------------------------------------------------------- sampling
def test_sample_counts_add_up_repeat_with_the_seed_and_fit_the_probabilities():
    p = softmax_ref(np.array([1.0, 2.0, 3.0, 0.0]))
    a = sample_counts(p, 20000, seed=5)
    assert a.sum() == 20000 and a.shape == (4,)
    np.testing.assert_array_equal(a, sample_counts(p, 20000, seed=5))
    assert not np.array_equal(a, sample_counts(p, 20000, seed=6))
    assert stats.chisquare(a, 20000 * p).pvalue > 1e-4


def test_sample_counts_never_draw_a_zero_probability_class():
    counts = sample_counts([0.5, 0.0, 0.5, 0.0], 5000, seed=1)
    assert counts[1] == 0 and counts[3] == 0


@pytest.mark.parametrize("n, err", [(-1, ValueError), (2.5, TypeError), (True, TypeError)])
def test_sample_counts_rejects_bad_n(n, err):
    with pytest.raises(err, match="n must"):
        sample_counts([0.5, 0.5], n, seed=0)


def test_readout_text_states_the_numbers():
    z = np.array(DEFAULT_LOGITS)
    v = temperature_view(z, 0.5, top_k=2)
    text = readout_text(v, DEFAULT_LABELS)
    p = softmax_ref(z / 0.5)
    assert "T = 0.5 " in text
    assert f"entropy {stats.entropy(p):.3f} of max {math.log(6):.3f} nats" in text
    assert f"max p = {p.max():.3f} (mat)" in text
    assert "sampling from 2 of 6 classes" in text
    assert "(class 0)" in readout_text(v)


# -------------------------------------------------------------------------------------- PNG and figure
def _decode(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(bytes(data))).convert("RGB"))


def test_png_bytes_round_trips_through_pillow():
    rgb = np.random.default_rng(0).integers(0, 256, size=(7, 11, 3), dtype=np.uint8)
    np.testing.assert_array_equal(_decode(png_bytes(rgb)), rgb)
    rgba = np.concatenate([rgb, np.full((7, 11, 1), 255, np.uint8)], axis=2)
    np.testing.assert_array_equal(_decode(png_bytes(rgba)), rgb)


@pytest.mark.parametrize("bad", [np.zeros((4, 4), np.uint8), np.zeros((4, 4, 3), np.float64), np.zeros((4, 4, 2), np.uint8)])
def test_png_bytes_rejects_other_arrays(bad):
    with pytest.raises(ValueError, match="rgb"):
        png_bytes(bad)


def test_blitted_picture_equals_a_fresh_full_draw():
    """After many updates, blitting leaves no stale pixels: same picture as a figure drawn once."""
    z = np.random.default_rng(3).normal(size=8) * 2
    labels = [f"c{i}" for i in range(8)]
    used = TemperatureFigure(z, labels)
    for t, k in [(0.02, None), (50.0, 3), (0.3, 5), (3.0, None)]:
        v = temperature_view(z, t, top_k=k)
        used.update(v, sample_counts(v.sampling_probs, 500, seed=1))
        used.rgb()
    final = temperature_view(z, 0.8, top_p=0.6)
    counts = sample_counts(final.sampling_probs, 500, seed=2)
    used.update(final, counts)
    fresh = TemperatureFigure(z, labels)
    fresh.update(final, counts)
    np.testing.assert_array_equal(used.rgb(), fresh.rgb())


def test_figure_refuses_a_view_with_another_class_count():
    fig = TemperatureFigure([1.0, 2.0, 3.0], ["a", "b", "c"])
    v = temperature_view([1.0, 2.0], 1.0)
    with pytest.raises(ValueError, match="3 classes"):
        fig.update(v, np.array([1, 1]))


# ---------------------------------------------------------------------------------------- the widgets
def test_app_structure_that_the_browser_tests_rely_on():
    import ipywidgets as w

    app = temperature_app()
    sliders = [c for c in app.root.children if isinstance(c, (w.FloatLogSlider, w.IntSlider, w.FloatSlider))]
    assert sliders[0] is app.temperature
    assert isinstance(app.temperature, w.FloatLogSlider) and app.temperature.description == "T"
    assert app.temperature.readout
    assert 10 ** app.temperature.min == pytest.approx(0.01) and 10 ** app.temperature.max == pytest.approx(100)
    assert isinstance(app.image, w.Image) and app.image.format == "png"
    assert "softmax-temperature-app" in app.root._dom_classes
    assert "softmax-readout" in app.readout._dom_classes
    assert "application/vnd.jupyter.widget-view+json" in app._repr_mimebundle_()


def test_moving_a_slider_redraws_the_image_and_the_readout():
    app = temperature_app()
    img0, text0 = bytes(app.image.value), app.readout.value
    w0, h0 = Image.open(io.BytesIO(img0)).size
    assert 600 <= w0 <= 2000 and 400 <= h0 <= 1200
    app.temperature.value = 0.3
    assert bytes(app.image.value) != img0 and app.readout.value != text0
    assert "T = 0.3 " in app.readout.value
    img1 = bytes(app.image.value)
    app.resample.click()
    assert bytes(app.image.value) != img1 and "seed 1" in app.readout.value
    app.top_k.value = 2
    assert "sampling from 2 of 6 classes" in app.readout.value
    grey = np.all(np.isclose(app.figure.bars.get_facecolors(), (0xD0 / 255, 0xD0 / 255, 0xD0 / 255, 1)), axis=1)
    np.testing.assert_array_equal(grey, [False, False, True, True, True, True])


def test_presenter_app_is_larger_and_styled():
    small, big = temperature_app(), temperature_app(presenter=True)
    assert Image.open(io.BytesIO(bytes(big.image.value))).size[0] > Image.open(io.BytesIO(bytes(small.image.value))).size[0]
    assert "softmax-presenter" in big.root._dom_classes
    assert "font-size" in big.root.children[0].value


@pytest.mark.parametrize("kwargs", [{"logits": [1.0, 2.0], "labels": ["a"]}, {"temperature": 1000.0},
                                    {"temperature": 0.001}])
def test_app_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError, match="labels|temperature"):
        temperature_app(**kwargs)
