"""Checkers of notebook 07's exercises: right answers pass, typical wrong answers fail with a useful sentence."""

from __future__ import annotations

import numpy as np
import pytest

from softmax_lab.course.checks import check_entropy, check_gumbel_max, check_tempered_softmax, check_top_p_mask


# ---------------------------------------------------------------------------------------------- entropy
def entropy_right(p):
    p = np.asarray(p, dtype=float)
    nz = p[p > 0]
    return -np.sum(nz * np.log(nz))


def test_entropy_checker_passes_a_right_answer():
    res = check_entropy(entropy_right)
    assert res.ok and res.passed == 5 and "all 5 checks passed" in repr(res)


@pytest.mark.parametrize("wrong, words", [
    (lambda p: -np.sum(p * np.log(p)), "0 ln 0 counts as 0"),
    (lambda p: entropy_right(p) / np.log(2), "log base 2"),
    (lambda p: -entropy_right(p), "MINUS"),
    (lambda p: float(np.log(len(p))), "expected"),
    (lambda p: 1 / 0, "ZeroDivisionError"),
])
def test_entropy_checker_explains_wrong_answers(wrong, words):
    res = check_entropy(wrong)
    assert not res.ok
    assert words in repr(res)


# ----------------------------------------------------------------------------------- tempered softmax
def tempered_right(z, t):
    e = np.exp((z - z.max()) / t)
    return e / e.sum()


def test_tempered_softmax_checker_passes_a_right_answer():
    assert check_tempered_softmax(tempered_right).ok


@pytest.mark.parametrize("wrong, words", [
    (lambda z, t: np.exp(z / t) / np.exp(z / t).sum(), "subtract the max"),
    (lambda z, t: tempered_right(z * t * t, t), "divide the logits by T"),
    (lambda z, t: tempered_right(z, 1.0), "value off"),
    (lambda z, t: tempered_right(z, t)[:-1], "wrong shape"),
])
def test_tempered_softmax_checker_explains_wrong_answers(wrong, words):
    res = check_tempered_softmax(wrong)
    assert not res.ok and words in repr(res)


# --------------------------------------------------------------------------------------------- top-p
def top_p_right(p, top_p):
    order = np.argsort(-p, kind="stable")
    before = np.cumsum(p[order]) - p[order]
    mask = np.zeros(p.size, dtype=bool)
    mask[order[before < top_p]] = True
    return mask


def test_top_p_checker_passes_a_right_answer():
    assert check_top_p_mask(top_p_right).ok


@pytest.mark.parametrize("wrong, words", [
    (lambda p, t: top_p_right(p, t) & (np.cumsum(np.sort(p)[::-1])[np.argsort(np.argsort(-p))] <= t), "crosses top_p"),
    (lambda p, t: np.ones(p.size, bool), "stop once"),
    (lambda p, t: top_p_right(p, t).astype(int), "boolean"),
    (lambda p, t: top_p_right(p, t)[:1], "wrong shape"),
    (lambda p, t: np.cumsum(p) - p < t, "expected"),  # forgot to sort by probability
])
def test_top_p_checker_explains_wrong_answers(wrong, words):
    res = check_top_p_mask(wrong)
    assert not res.ok and words in repr(res)


# ----------------------------------------------------------------------------------------- Gumbel-max
def gumbel_right(z, n, rng):
    u = rng.random((n, z.size))
    return np.argmax(z - np.log(-np.log(u)), axis=1)


def test_gumbel_checker_passes_right_answers():
    assert check_gumbel_max(gumbel_right).ok
    assert check_gumbel_max(lambda z, n, rng: np.argmax(z + rng.gumbel(size=(n, z.size)), axis=1)).ok


@pytest.mark.parametrize("wrong, words", [
    (lambda z, n, rng: np.argmax(z + rng.random((n, z.size)), axis=1), "frequency"),  # uniform noise
    (lambda z, n, rng: np.argmax(z - np.log(rng.random((n, z.size))), axis=1), "frequency"),  # exponential noise
    (lambda z, n, rng: np.argmin(z - np.log(-np.log(rng.random((n, z.size)))), axis=1), "frequency"),
    (lambda z, n, rng: np.full(n, np.argmax(z)), "frequency"),  # greedy
    (lambda z, n, rng: gumbel_right(z, n, rng).astype(float), "integer"),
    (lambda z, n, rng: gumbel_right(z, n - 1, rng), "shape"),
    (lambda z, n, rng: rng.integers(0, z.size, n), "frequency"),  # uniform over classes
])
def test_gumbel_checker_explains_wrong_answers(wrong, words):
    res = check_gumbel_max(wrong)
    assert not res.ok and words in repr(res)


def test_gumbel_checker_catches_a_drawn_masked_class():
    def ignores_mask(z, n, rng):
        return np.argmax(np.nan_to_num(z, neginf=0.0) - np.log(-np.log(rng.random((n, z.size)))), axis=1)
    res = check_gumbel_max(ignores_mask)
    assert "-inf was drawn" in repr(res)
