"""Sampling: reproducibility, greedy T=0, masks, top-k/top-p, and strict validation of probabilities."""

import math

import numpy as np
import pytest

from softmax_lab import sample, sample_probabilities, softmax, top_k_top_p_mask


def _chi2_ok(counts, probs, n):
    """Pearson's chi-square against expected counts, compared with a generous fixed bound."""
    probs = np.asarray(probs)
    keep = probs > 0
    expected = n * probs[keep]
    stat = float(((counts[keep] - expected) ** 2 / expected).sum())
    dof = int(keep.sum()) - 1
    # mean dof, sd sqrt(2 dof): 6 sd above the mean fails with probability far below 1e-6
    return stat < dof + 6 * math.sqrt(2 * max(dof, 1))


def test_same_seed_same_draws_and_shapes():
    z = np.array([0.1, 2.0, -1.0, 0.7])
    a = sample(z, size=20, rng=np.random.default_rng(42))
    b = sample(z, size=20, rng=np.random.default_rng(42))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (20,) and a.dtype.kind == "i"
    assert sample(z, rng=np.random.default_rng(0)).shape == ()
    assert sample(np.zeros((3, 4)), size=(2, 5), rng=np.random.default_rng(0)).shape == (3, 2, 5)


@pytest.mark.parametrize("t", [0.5, 1.0, 3.0])
def test_frequencies_match_softmax(t):
    z = np.array([1.0, 0.0, 2.0, -1.0, 0.5])
    n = 200_000
    draws = sample(z, temperature=t, size=n, rng=np.random.default_rng(1))
    counts = np.bincount(draws, minlength=5)
    p = np.exp(z / t) / np.exp(z / t).sum()  # independent: direct formula, small logits
    assert _chi2_ok(counts, p, n)


def test_batched_rows_use_their_own_distribution():
    z = np.array([[5.0, -np.inf, -np.inf], [-np.inf, -np.inf, 0.0]])
    draws = sample(z, size=100, rng=np.random.default_rng(3))
    assert (draws[0] == 0).all() and (draws[1] == 2).all()


def test_temperature_zero_is_greedy_and_masked_classes_never_drawn():
    z = np.array([0.3, 2.5, 2.4, -np.inf])
    assert (sample(z, temperature=0, size=1000, rng=np.random.default_rng(0)) == 1).all()
    draws = sample(z, temperature=50.0, size=20_000, rng=np.random.default_rng(0))
    assert not (draws == 3).any()
    assert set(np.unique(draws)) == {0, 1, 2}


def test_zero_probability_classes_are_never_drawn_even_at_the_edges():
    p = np.array([0.0, 0.5, 0.0, 0.5, 0.0])
    draws = sample_probabilities(p, size=50_000, rng=np.random.default_rng(9))
    assert set(np.unique(draws)) == {1, 3}


def test_top_k_and_top_p_masks():
    p = np.array([0.1, 0.4, 0.2, 0.3])
    np.testing.assert_array_equal(top_k_top_p_mask(p, top_k=2), [False, True, False, True])
    np.testing.assert_array_equal(top_k_top_p_mask(p, top_p=0.5), [False, True, False, True])  # 0.4 < 0.5
    np.testing.assert_array_equal(top_k_top_p_mask(p, top_p=0.4), [False, True, False, False])
    np.testing.assert_array_equal(top_k_top_p_mask(p, top_p=1.0), [True] * 4)
    # top-p acts on the top-k survivors renormalised (0.4, 0.3, 0.2) / 0.9: 0.4/0.9 + 0.3/0.9 = 0.78 >= 0.72
    np.testing.assert_array_equal(top_k_top_p_mask(p, top_k=3, top_p=0.72), [False, True, False, True])
    np.testing.assert_array_equal(top_k_top_p_mask(p, top_k=3, top_p=0.8), [False, True, True, True])


def test_sampling_with_top_k_renormalises_over_kept_classes():
    z = np.log(np.array([0.1, 0.4, 0.2, 0.3]))
    n = 100_000
    draws = sample(z, top_k=2, size=n, rng=np.random.default_rng(5))
    counts = np.bincount(draws, minlength=4)
    assert counts[0] == 0 and counts[2] == 0
    assert _chi2_ok(counts, [0, 4 / 7, 0, 3 / 7], n)


@pytest.mark.parametrize("p,msg", [
    ([0.5, np.nan, 0.5], "p must be finite probabilities, found nan at index"),
    ([0.5, np.inf], "p must be finite probabilities, found inf at index"),
    ([1.2, -0.2], r"p must be probabilities >= 0, found -0.2 at index \(1,\)"),
    ([0.0, 0.0], "all zeros"),
    ([0.3, 0.3], "p must sum to 1 along axis -1; the slice at \\(\\) sums to 0.6"),
    ([[0.5, 0.5], [0.9, 0.2]], r"the slice at \(1,\) sums to 1.1"),
])
def test_bad_probabilities_are_errors_not_renormalised(p, msg):
    with pytest.raises(ValueError, match=msg):
        sample_probabilities(np.array(p), rng=np.random.default_rng(0))


@pytest.mark.parametrize("kw,err,msg", [
    ({"top_k": 0}, ValueError, "top_k must be between 1 and the number of classes 3"),
    ({"top_k": 4}, ValueError, "top_k must be between 1"),
    ({"top_k": 1.5}, TypeError, "top_k must be an int"),
    ({"top_p": 0.0}, ValueError, r"top_p must be in \(0, 1\]"),
    ({"top_p": 1.5}, ValueError, r"top_p must be in \(0, 1\]"),
    ({"top_p": float("nan")}, ValueError, r"top_p must be in \(0, 1\]"),
    ({"top_p": "0.5"}, TypeError, "top_p must be a real scalar"),
    ({"temperature": -1.0}, ValueError, "temperature must be >= 0"),
    ({"rng": "seed"}, TypeError, "rng must be a numpy.random.Generator"),
    ({"size": -1}, ValueError, "size must not be negative"),
    ({"size": 2.5}, TypeError, "size must be None, an int or a tuple of ints"),
])
def test_bad_sampling_arguments(kw, err, msg):
    with pytest.raises(err, match=msg):
        sample(np.array([1.0, 2.0, 3.0]), **kw)


def test_int_seed_is_accepted_and_reproducible():
    np.testing.assert_array_equal(sample([1.0, 2.0], size=10, rng=7), sample([1.0, 2.0], size=10, rng=7))


def test_sampling_from_softmax_output_in_float32():
    p = softmax(np.random.default_rng(0).normal(size=1000).astype(np.float32))
    draws = sample_probabilities(p, size=10, rng=np.random.default_rng(0))
    assert draws.min() >= 0 and draws.max() < 1000
