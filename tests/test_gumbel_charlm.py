"""Gumbel-max sampling and the character n-gram model: closed forms, scipy tests and hand-counted examples."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from oracles import softmax_ref
from softmax_lab.charlm import ALICE, CharNGram, distinct_ngram_ratio, known_word_rate, load_text
from softmax_lab.gumbel import gumbel_max_sample, gumbel_noise

EULER_GAMMA = 0.5772156649015329


def test_gumbel_noise_has_the_gumbel_mean_and_variance():
    g = gumbel_noise(400_000, rng=0)
    assert np.isfinite(g).all()
    se_mean = math.sqrt(math.pi**2 / 6 / g.size)
    assert abs(g.mean() - EULER_GAMMA) < 5 * se_mean
    assert g.var() == pytest.approx(math.pi**2 / 6, rel=0.02)
    assert stats.kstest(g[:20000], "gumbel_r").pvalue > 1e-4


def test_gumbel_noise_is_finite_even_for_u_equal_to_one():
    class Ones:  # a generator whose random() returns 0.0, so u = 1 - 0 = 1 exactly
        def random(self, shape):
            return np.zeros(shape)

    import softmax_lab.gumbel as g

    original = g._rng
    g._rng = lambda rng: rng
    try:
        assert np.isfinite(g.gumbel_noise(3, Ones())).all()
    finally:
        g._rng = original


@pytest.mark.parametrize("z, t", [([1.0, 2.0, 3.0, 0.5], 1.0), ([1.0, 2.0, 3.0, 0.5], 0.5),
                                  ([1000.0, 1001.0, 999.0], 1.0), ([0.0, 0.0, 0.0], 3.0)])
def test_gumbel_max_draws_follow_softmax(z, t):
    n = 100_000
    draws = gumbel_max_sample(z, t, size=n, rng=11)
    counts = np.bincount(draws, minlength=len(z))
    assert stats.chisquare(counts, n * softmax_ref(np.array(z) / t)).pvalue > 1e-4


def test_gumbel_max_limits_masks_seeds_and_shapes():
    z = np.array([0.3, -np.inf, 1.2, 1.1])
    assert np.all(gumbel_max_sample(z, 0.0, size=50, rng=0) == 2)
    draws = gumbel_max_sample(z, size=(20, 30), rng=4)
    assert draws.shape == (20, 30) and not np.any(draws == 1)
    np.testing.assert_array_equal(draws, gumbel_max_sample(z, size=(20, 30), rng=4))
    assert gumbel_max_sample(z, rng=1).shape == ()


@pytest.mark.parametrize("args, kwargs, err", [(([[1.0, 2.0]],), {}, ValueError), (([1.0, np.nan],), {}, ValueError),
                                               (([1.0, 2.0], math.inf), {}, ValueError),
                                               (([-np.inf, -np.inf],), {}, ValueError),
                                               (([1.0, 2.0], -1.0), {}, ValueError),
                                               (([1.0, 2.0],), {"size": -3}, ValueError)])
def test_gumbel_max_rejects_bad_input(args, kwargs, err):
    with pytest.raises(err, match="logits|temperature|size"):
        gumbel_max_sample(*args, **kwargs)


# ------------------------------------------------------------------------------------- n-gram model
def test_load_text_is_the_alice_opening_lowercased_without_header():
    text = load_text(ALICE)
    assert text.startswith("alice was beginning to get very tired of sitting by her sister on the bank")
    assert "public domain" not in text and "\n" not in text and "  " not in text
    assert text == text.lower() and text.isascii() and len(text) > 4000


def test_counts_and_logits_by_hand():
    m = CharNGram("abcabcabd", order=3, alpha=0.5)
    assert m.vocab == ["a", "b", "c", "d"]
    # after "ab": c twice, d once
    np.testing.assert_array_equal(m.next_counts("xab"), [0, 0, 2, 1])
    np.testing.assert_allclose(m.logits("ab"), np.log([0.5, 0.5, 2.5, 1.5]))
    # "ba" never occurs: back off to the bigram context "a" (followed by b three times)
    np.testing.assert_array_equal(m.next_counts("ba"), [0, 3, 0, 0])
    # an unknown character: back off to the character frequencies
    np.testing.assert_array_equal(m.next_counts("z?"), [3, 3, 2, 1])


def test_temperature_zero_is_greedy_and_generation_repeats_with_the_seed():
    m = CharNGram("abcabcabcabd", order=2)
    assert m.generate("a", 6, temperature=0.0) == "abcabca"
    text = load_text()
    model = CharNGram(text)
    a = model.generate("alice ", 80, 1.0, rng=3)
    assert a == model.generate("alice ", 80, 1.0, rng=3) and len(a) == 86
    assert a != model.generate("alice ", 80, 1.0, rng=4)
    assert set(a) <= set(model.vocab)


def test_high_temperature_text_is_more_diverse_and_less_coherent():
    text = load_text()
    model = CharNGram(text)
    cold = model.generate("the ", 400, 0.3, rng=0)
    hot = model.generate("the ", 400, 3.0, rng=0)
    assert distinct_ngram_ratio(hot) > distinct_ngram_ratio(cold)
    assert known_word_rate(hot, text) < known_word_rate(cold, text)


def test_diversity_and_coherence_measures_by_hand():
    assert distinct_ngram_ratio("aaaa", 2) == pytest.approx(1 / 3)
    assert distinct_ngram_ratio("abcd", 2) == 1.0
    assert distinct_ngram_ratio("a", 3) == 0.0
    assert known_word_rate("the cat sat zzz", "the cat") == 0.5
    assert known_word_rate("", "x") == 0.0


@pytest.mark.parametrize("kwargs", [{"text": "ab", "order": 3}, {"text": "abc", "order": 0},
                                    {"text": "abc", "alpha": 0.0}])
def test_model_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError, match="text|order|alpha"):
        CharNGram(**kwargs)
