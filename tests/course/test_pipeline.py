"""softmax_lab.course.pipeline: each stage against a loop written out here, the whole pipeline against a softmax over
the kept penalised logits (a second formulation), and clear errors for bad arguments."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softmax_lab.course.pipeline import (apply_penalties, min_p_filter, renormalise, sampler_stages, top_k_filter,
                                         top_p_filter)


def penalties_by_loop(z, counts, theta, presence, frequency, bias):
    out = []
    for zi, n, b in zip(z, counts, bias):
        if n > 0:
            zi = zi / theta if zi > 0 else zi * theta
            zi -= presence
        out.append(zi - frequency * n + b)
    return np.array(out)


def test_penalties_match_a_loop():
    z = np.array([2.0, -1.0, 0.5, -3.0, 0.0])
    counts = np.array([3, 1, 0, 0, 2])
    bias = np.array([0.0, 0.0, 1.5, -math.inf, 0.0])
    got = apply_penalties(z, counts, repetition=1.3, presence=0.2, frequency=0.1, bias=bias)
    np.testing.assert_allclose(got, penalties_by_loop(z, counts, 1.3, 0.2, 0.1, bias), rtol=1e-15)
    assert got[3] == -math.inf


def test_no_penalty_leaves_the_logits_alone():
    z = np.array([1.0, -2.0, 3.0])
    np.testing.assert_array_equal(apply_penalties(z, [5, 0, 1]), z)


def test_repetition_penalty_lowers_every_seen_class_relative_to_an_unseen_one():
    z = np.array([2.0, -1.0, 0.5])
    got = apply_penalties(z, [1, 1, 0], repetition=2.0)
    np.testing.assert_array_equal(got, [1.0, -2.0, 0.5])


def test_filters_match_hand_computed_sets():
    p = np.array([0.1, 0.4, 0.2, 0.3])
    np.testing.assert_allclose(top_k_filter(p, 2), [0, 4 / 7, 0, 3 / 7])
    np.testing.assert_allclose(top_p_filter(p, 0.5), [0, 4 / 7, 0, 3 / 7])    # 0.4 < 0.5: the 0.3 is kept too
    np.testing.assert_allclose(top_p_filter(p, 0.4), [0, 1, 0, 0])            # the mass 0.4 reaches 0.4
    np.testing.assert_allclose(min_p_filter(p, 0.5), [0, 4 / 9, 2 / 9, 3 / 9])  # 0.2 = 0.5 * 0.4 is kept
    np.testing.assert_allclose(min_p_filter(p, 0.0), p)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=2, max_size=12), st.floats(0.2, 4.0), st.integers(1, 12),
       st.floats(0.05, 1.0), st.floats(0.0, 1.0))
def test_the_last_stage_is_a_softmax_over_the_kept_logits(z, t, k, top_p, min_p):
    z = np.array(z)
    k = min(k, z.size)
    stages = sampler_stages(z, temperature=t, top_k=k, top_p=top_p, min_p=min_p)
    q = stages["min-p"]
    keep = q > 0
    e = np.exp((z[keep] - z[keep].max()) / t)
    np.testing.assert_allclose(q[keep], e / e.sum(), rtol=1e-10)
    assert keep.sum() <= k
    # each filter keeps a subset of the classes before it
    assert np.all((stages["top-p"] > 0) <= (stages["top-k"] > 0))
    assert np.all((stages["min-p"] > 0) <= (stages["top-p"] > 0))


def test_stages_switched_off_pass_their_input_on():
    z = np.array([1.0, 2.0, 0.5])
    s = sampler_stages(z, temperature=2.0)
    for name in ["top-k", "top-p", "min-p"]:
        np.testing.assert_array_equal(s[name], s["temperature"])
    np.testing.assert_allclose(s["temperature"], np.exp(z / 2) / np.exp(z / 2).sum())


@pytest.mark.parametrize("call, words", [
    (lambda: apply_penalties([1.0, 2.0], [1, -1]), "counts must be"),
    (lambda: apply_penalties([1.0, 2.0], [1]), "counts must be"),
    (lambda: apply_penalties([1.0, 2.0], [1, 0], repetition=0), "repetition must be"),
    (lambda: apply_penalties([1.0, 2.0], [1, 0], bias=[1.0]), "bias must have"),
    (lambda: min_p_filter([0.5, 0.5], 1.5), "p_min must be"),
    (lambda: renormalise([0.5, 0.5], [False, False]), "keep must keep"),
    (lambda: sampler_stages([1.0, 2.0], temperature=0.0), "temperature must be"),
    (lambda: top_k_filter([[0.5, 0.5]], 1), "p must be a non-empty 1-d array"),
])
def test_bad_arguments_are_named(call, words):
    with pytest.raises(ValueError, match=words):
        call()


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int64])
def test_every_dtype_is_computed_in_float64(dtype):
    z = np.array([3, 1, -2, 0, 2]).astype(dtype)
    s = sampler_stages(z, [1, 0, 0, 2, 0], repetition=1.5, temperature=0.7, top_k=4, top_p=0.9, min_p=0.05)
    z64 = z.astype(np.float64)
    zp = np.array([2.0, 1.0, -2.0, 0.0, 2.0])  # 3 / 1.5 = 2; 0 is neither > 0 nor changed by * 1.5
    np.testing.assert_allclose(apply_penalties(z64, [1, 0, 0, 2, 0], repetition=1.5), zp, rtol=1e-15)
    for q in s.values():
        assert q.dtype == np.float64 and abs(q.sum() - 1) < 1e-12


def test_a_banned_class_is_never_kept():
    bias = np.array([-math.inf, 0.0, 0.0])
    s = sampler_stages(np.array([5.0, 1.0, 0.0]), bias=bias, top_p=1.0, min_p=0.0)
    assert s["min-p"][0] == 0 and s["softmax(z)"][0] > 0.9
