"""The temperature explorer: its numpy reference (what the view shows) against independent oracles, and the
widget's Python side (validation, what it sends to the browser). The browser's arithmetic is tested in
``tests/test_explorer_js.py``, its DOM in ``tests/test_site.py`` and ``tests/test_browser.py``.

Oracles: closed forms (entropy of uniform = ln C, of one-hot = 0, of a coin; dH/dT = Var_p(z) / T^3),
the slow softmax in ``tests/oracles.py`` and scipy.stats.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from oracles import softmax_ref
from softmax_lab import entropy
from softmax_lab.course.plots import entropy_curve
from softmax_lab.course.explorer import (
    DEFAULT_LABELS,
    DEFAULT_LOGITS,
    TemperatureExplorer,
    readout_text,
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


# ----------------------------------------------------------------------------------------- readout
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


# ---------------------------------------------------------------------------------------- the widget
def test_the_widget_sends_its_settings_and_its_module():
    w = TemperatureExplorer()
    state = w.get_state()
    assert state["logits"] == list(DEFAULT_LOGITS) and state["labels"] == list(DEFAULT_LABELS)
    assert (state["temperature"], state["top_k"], state["top_p"], state["n_draws"], state["seed"]) == (1.0, 6, 1.0, 1000, 0)
    # the ES module anywidget gets: explorer.js with the shared softmax.js and widget_dom.js inlined, no import left
    assert "function softmax(z, T = 1)" in state["_esm"] and not re.search(r"^\s*import\b", state["_esm"], re.M)
    assert ".softmax-explorer" in state["_css"]
    assert "application/vnd.jupyter.widget-view+json" in w._repr_mimebundle_()[0]
    assert repr(w) == "TemperatureExplorer(6 classes, T=1)"  # the stored text fallback has no memory address


def test_masked_classes_travel_as_null_because_json_has_no_infinity():
    w = TemperatureExplorer([1.0, -np.inf, 2.0], presenter=True)
    assert w.get_state()["logits"] == [1.0, None, 2.0] and w.logits[1] == -math.inf
    assert w.labels == ["0", "1", "2"] and w.presenter and w.top_k == 3


@pytest.mark.parametrize("kwargs, match", [({"logits": [1.0, 2.0], "labels": ["a"]}, "labels"),
                                           ({"temperature": 1000.0}, "temperature"),
                                           ({"temperature": 0.001}, "temperature"),
                                           ({"temperature": -1.0}, "temperature"),
                                           ({"logits": [1.0, np.nan]}, "logits contains nan at index 1"),
                                           ({"logits": [1.0, np.inf]}, "logits contains inf at index 1"),
                                           ({"logits": [-np.inf, -np.inf]}, "logits is -inf everywhere"),
                                           ({"logits": [[1.0, 2.0]]}, "logits must be one vector"),
                                           ({"n_draws": 5}, "n_draws")])
def test_the_widget_rejects_bad_arguments_naming_them(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TemperatureExplorer(**kwargs)
