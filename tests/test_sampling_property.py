"""Sampling frequencies match the probabilities, for many random distributions (hypothesis)."""

import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from softmax_lab import sample, softmax


@settings(max_examples=40)
@given(arrays(np.float64, st.integers(2, 6), elements=st.floats(-4, 4)), st.integers(0, 2**32 - 1))
def test_frequencies_within_binomial_bounds(z, seed):
    n = 20_000
    p = softmax(z)
    counts = np.bincount(sample(z, size=n, rng=np.random.default_rng(seed)), minlength=z.size)
    sd = np.sqrt(n * p * (1 - p))
    # every class within 6 standard deviations (plus one count of slack for p near 0)
    assert np.all(np.abs(counts - n * p) <= 6 * sd + 1)
    assert counts.sum() == n
