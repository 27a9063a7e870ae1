"""The attention checkers (notebook 08) with right and wrong student answers."""

import numpy as np
import pytest

from softmax_lab.course.checks import check_causal_mask, check_online_softmax_update


# --- online softmax update --------------------------------------------------------------------------

def update_right(m, l, x):
    m_new = max(m, float(np.max(x)))
    return m_new, l * np.exp(m - m_new) + np.sum(np.exp(x - m_new))


def update_right_as_array(m, l, x):  # a numpy pair is fine too
    return np.array(update_right(m, l, x))


def update_no_rescale(m, l, x):
    m_new = max(m, float(np.max(x)))
    return m_new, l + np.sum(np.exp(x - m_new))


def update_upside_down(m, l, x):
    m_new = max(m, float(np.max(x)))
    return m_new, l * np.exp(m_new - m) + np.sum(np.exp(x - m_new))


def update_block_not_shifted(m, l, x):
    m_new = max(m, float(np.max(x)))
    return m_new, l * np.exp(m - m_new) + np.sum(np.exp(x))


def update_keeps_old_max(m, l, x):
    return m, l + np.sum(np.exp(x - m))


def update_off_by_factor(m, l, x):
    m_new, l_new = update_right(m, l, x)
    return m_new, 1.01 * l_new


@pytest.mark.parametrize("fn", [update_right, update_right_as_array])
def test_online_update_right_answers_pass(fn):
    res = check_online_softmax_update(fn)
    assert res.ok and res.passed == 6
    assert repr(res) == "online softmax update: all 6 checks passed"


@pytest.mark.parametrize("fn, n_failed, words", [
    (update_no_rescale, 3, "multiply it by exp(m - m_new)"),
    (update_upside_down, 4, "not exp(m_new - m)"),
    (update_block_not_shifted, 6, "must be exp(x - m_new)"),
    (update_keeps_old_max, 4, "m_new should be max(m, max(x))"),
    (update_off_by_factor, 6, "l_new should be l * exp(m - m_new) + sum(exp(x - m_new))"),
])
def test_online_update_wrong_answers_are_explained(fn, n_failed, words):
    res = check_online_softmax_update(fn)
    assert not res.ok
    assert len(res.problems) == n_failed
    assert any(words in p for p in res.problems), res.problems


def test_online_update_upside_down_nan_at_start_is_explained():
    res = check_online_softmax_update(update_upside_down)
    first = [p for p in res.problems if p.startswith("the first block")]
    assert first and "l_new is nan" in first[0] and "0 * inf = nan" in first[0]


def test_online_update_overflow_is_explained():
    res = check_online_softmax_update(update_block_not_shifted)
    big = [p for p in res.problems if p.startswith("large scores")]
    assert big and "l_new is inf" in big[0] and "overflow" in big[0]


@pytest.mark.parametrize("fn, words", [
    (lambda m, l, x: m, "return the pair (m_new, l_new)"),
    (lambda m, l, x: (1.0, 2.0, 3.0), "return the pair (m_new, l_new)"),
    (lambda m, l, x: (np.ones(2), 1.0), "return the pair (m_new, l_new)"),
    (lambda m, l, x: 1 / 0, "raised ZeroDivisionError"),
])
def test_online_update_malformed_answers(fn, words):
    res = check_online_softmax_update(fn)
    assert len(res.problems) == 6 and all(words in p for p in res.problems)


def test_online_update_does_not_let_student_modify_the_block():
    def mutating(m, l, x):
        x -= 1000.0  # a careless in-place edit must not change later expectations
        return update_right(m, l, x + 1000.0)
    assert check_online_softmax_update(mutating).ok


# --- causal mask --------------------------------------------------------------------------------------

def test_causal_mask_right_answers_pass():
    for fn in (lambda n: np.tril(np.ones((n, n), dtype=bool)),
               lambda n: np.arange(n)[None, :] <= np.arange(n)[:, None],
               lambda n: [[j <= i for j in range(n)] for i in range(n)]):
        res = check_causal_mask(fn)
        assert res.ok and res.passed == 4, res


@pytest.mark.parametrize("fn, n_failed, words", [
    (lambda n: np.triu(np.ones((n, n), dtype=bool)), 3, "query 0 may attend to key 1, which comes after it"),
    (lambda n: np.ones((n, n), dtype=bool), 3, "the future leaks"),
    (lambda n: np.tril(np.ones((n, n), dtype=bool), -1), 4, "query 0 may not attend to itself"),
    (lambda n: np.eye(n, dtype=bool), 3, "query 1 cannot see key 0, which is in its past"),
    (lambda n: np.tril(np.ones((n, n))), 4, "must be boolean (True = may attend), got dtype float64"),
    (lambda n: np.where(np.tril(np.ones((n, n))) > 0, 0.0, -np.inf), 4, "must be boolean"),
    (lambda n: np.tril(np.ones((n, n + 1), dtype=bool)), 4, f"wrong shape"),
    (lambda n: np.zeros(n, dtype=bool), 4, "wrong shape"),
    (lambda n: None.shape, 4, "raised AttributeError"),
])
def test_causal_mask_wrong_answers_are_explained(fn, n_failed, words):
    res = check_causal_mask(fn)
    assert not res.ok
    assert len(res.problems) == n_failed, res.problems
    assert any(words in p for p in res.problems), res.problems
    assert f"{len(res.problems)} of 4 checks failed" in repr(res)
