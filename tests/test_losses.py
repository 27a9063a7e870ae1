"""Cross-entropy and its fused gradient p - y."""

import math

import numpy as np
import pytest

from oracles import log_softmax_ref, softmax_ref
from softmax_lab import cross_entropy, cross_entropy_grad, numerical_gradient


pytestmark = pytest.mark.usefixtures("warnings_are_errors")


LOGITS = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [0.0, 0.0, 0.0], [-3.0, 4.0, 1.0]])
LABELS = np.array([0, 1, 2, 0])


def _loss_by_hand(logits, labels):
    return [-log_softmax_ref(z)[t] for z, t in zip(logits, labels)]


def test_integer_labels_all_reductions():
    per = _loss_by_hand(LOGITS, LABELS)
    np.testing.assert_allclose(cross_entropy(LOGITS, LABELS, reduction="none"), per, rtol=1e-14)
    assert cross_entropy(LOGITS, LABELS, reduction="sum") == pytest.approx(math.fsum(per), rel=1e-14)
    assert cross_entropy(LOGITS, LABELS) == pytest.approx(math.fsum(per) / 4, rel=1e-14)
    assert per[2] == pytest.approx(math.log(3), rel=1e-15)  # uniform logits: loss is log C


def test_soft_labels_equal_one_hot_for_one_hot():
    y = np.eye(3)[LABELS]
    np.testing.assert_allclose(cross_entropy(LOGITS, y, reduction="none"),
                               cross_entropy(LOGITS, LABELS, reduction="none"), rtol=1e-15)
    np.testing.assert_allclose(cross_entropy_grad(LOGITS, y), cross_entropy_grad(LOGITS, LABELS), rtol=1e-15)


def test_soft_labels_value():
    y = np.array([[0.7, 0.2, 0.1]])
    expected = -sum(yk * lk for yk, lk in zip(y[0], log_softmax_ref(LOGITS[0])))
    assert cross_entropy(LOGITS[:1], y) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("reduction,scale", [("mean", 1 / 4), ("sum", 1.0), ("none", 1.0)])
def test_grad_is_p_minus_y_and_matches_finite_differences(reduction, scale):
    g = cross_entropy_grad(LOGITS, LABELS, reduction=reduction)
    p = np.array([softmax_ref(z) for z in LOGITS])
    np.testing.assert_allclose(g, (p - np.eye(3)[LABELS]) * scale, rtol=1e-13, atol=1e-16)
    if reduction != "none":
        fd = numerical_gradient(lambda z: float(cross_entropy(z, LABELS, reduction=reduction)), LOGITS)
        np.testing.assert_allclose(g, fd, atol=1e-8)


def test_soft_label_grad_matches_finite_differences():
    y = np.array([[0.7, 0.2, 0.1], [0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3], [0.0, 0.0, 1.0]])
    fd = numerical_gradient(lambda z: float(cross_entropy(z, y)), LOGITS)
    np.testing.assert_allclose(cross_entropy_grad(LOGITS, y), fd, atol=1e-8)


def test_huge_logits_are_stable():
    z = np.array([[1000.0, 0.0, -1000.0], [1e300, -1e300, 0.0]])
    loss = cross_entropy(z, np.array([1, 0]), reduction="none")
    np.testing.assert_allclose(loss, [1000.0, 0.0], rtol=1e-15)
    g = cross_entropy_grad(z, np.array([1, 0]), reduction="sum")
    np.testing.assert_allclose(g, [[1.0, -1.0, 0.0], [0.0, 0.0, 0.0]], atol=1e-300)


def test_masked_class_has_zero_gradient_and_target_on_it_is_inf():
    z = np.array([[1.0, -np.inf, 0.0]])
    y = np.array([[0.5, 0.0, 0.5]])
    assert np.isfinite(cross_entropy(z, y))
    assert cross_entropy_grad(z, y)[0, 1] == 0.0
    assert cross_entropy_grad(z, np.array([0]))[0, 1] == 0.0
    assert cross_entropy(z, np.array([1])) == np.inf  # -log 0


@pytest.mark.parametrize("fn", [cross_entropy, cross_entropy_grad])
@pytest.mark.parametrize("targets,err,msg", [
    (np.array([0, 3, 1, 0]), ValueError, r"targets\[1\] = 3 is not a class label: labels must be in 0..2"),
    (np.array([0, -1, 1, 0]), ValueError, r"targets\[1\] = -1 is not a class label"),
    (np.array([0.0, 1.0, 2.0, 0.0]), TypeError, r"targets of shape \(N,\) must be integer class labels"),
    (np.array([0, 1, 2]), ValueError, "targets has 3 labels but logits has 4 rows"),
    (np.array([True, False, True, True]), TypeError, "targets must be integer class labels"),
    (np.full((4, 3), 0.5), ValueError, "each row of targets must sum to 1; row 0 sums to 1.5"),
    (np.array([[1.2, -0.2, 0.0]] * 4), ValueError, "targets must be probabilities >= 0"),
    (np.eye(3)[[0, 1]], ValueError, r"soft targets must have the shape of logits \(4, 3\)"),
    (np.zeros((4, 3, 1)), ValueError, "targets must have shape"),
    (np.array(["a"] * 4), TypeError, "targets must be integer class labels"),
])
def test_bad_targets(fn, targets, err, msg):
    with pytest.raises(err, match=msg):
        fn(LOGITS, targets)


@pytest.mark.parametrize("fn", [cross_entropy, cross_entropy_grad])
def test_bad_logits_and_reduction(fn):
    with pytest.raises(ValueError, match=r"logits must have shape \(N, C\), got shape \(3,\)"):
        fn(np.zeros(3), np.array([0]))
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none'"):
        fn(LOGITS, LABELS, reduction="avg")
    with pytest.raises(ValueError, match="mean over an empty batch"):
        fn(np.zeros((0, 3)), np.zeros(0, dtype=int))
    with pytest.raises(ValueError, match="logits contains NaN"):
        bad = LOGITS.copy()
        bad[0, 0] = np.nan
        fn(bad, LABELS)


def test_empty_batch_sum_is_zero():
    assert cross_entropy(np.zeros((0, 3)), np.zeros(0, dtype=int), reduction="sum") == 0.0
    assert cross_entropy_grad(np.zeros((0, 3)), np.zeros(0, dtype=int), reduction="sum").shape == (0, 3)
