"""The character n-gram model of notebook 07 (softmax_lab.course.charlm): hand-counted examples, greedy decoding
at T = 0, seeded generation, and the diversity / coherence measures."""

from __future__ import annotations

import numpy as np
import pytest

from softmax_lab.course.charlm import ALICE, CharNGram, distinct_ngram_ratio, known_word_rate, load_text


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
