"""Gumbel-max sampling: closed forms and scipy tests (the character n-gram model: tests/course/test_charlm.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from oracles import softmax_ref
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
