"""make_blobs, softmax regression and the notebook-06 plots, against independent oracles
(finite differences, closed forms, a hand-written loss from tests/oracles.py)."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from softmax_lab import numerical_gradient  # noqa: E402
from softmax_lab.course.datasets import BLOB_CENTERS, make_blobs  # noqa: E402
from softmax_lab.course.plots import plot_decision_regions, plot_loss_curve  # noqa: E402
from softmax_lab.course.regression import (SoftmaxRegression, gradient_step, loss_and_grads,  # noqa: E402
                                    train_softmax_regression)

from oracles import log_softmax_ref  # noqa: E402


# --- make_blobs -----------------------------------------------------------------------------------------

def test_blobs_shapes_labels_and_seed():
    X, y = make_blobs(50, np.random.default_rng(0))
    assert X.shape == (150, 2) and y.shape == (150,) and y.dtype.kind == "i"
    np.testing.assert_array_equal(np.bincount(y), [50, 50, 50])
    X2, y2 = make_blobs(50, 0)  # an int seed is the same as default_rng(seed)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make_blobs(50, 1)
    assert not np.array_equal(X, X3)
    assert not np.array_equal(y, np.sort(y))  # rows are shuffled, not grouped by class


def test_blobs_are_centred_with_the_given_spread():
    X, y = make_blobs(4000, 2, std=0.5)
    for k, c in enumerate(BLOB_CENTERS):
        pts = X[y == k]
        # the sample mean is within 5 standard errors of the centre; the spread is 0.5 +- 5%
        np.testing.assert_allclose(pts.mean(axis=0), c, atol=5 * 0.5 / math.sqrt(4000))
        np.testing.assert_allclose(pts.std(axis=0), 0.5, rtol=0.05)


def test_blobs_custom_centres():
    X, y = make_blobs(3, 0, centers=[[0.0, 0.0, 0.0], [10.0, 10.0, 10.0]], std=0.01)
    assert X.shape == (6, 3)
    np.testing.assert_array_equal(np.round(X[:, 0] / 10), y)


@pytest.mark.parametrize("kwargs, exc, msg", [
    (dict(n_per_class=0, rng=0), ValueError, "n_per_class must be an int >= 1"),
    (dict(n_per_class=2.5, rng=0), ValueError, "n_per_class"),
    (dict(n_per_class=3, rng="seed"), TypeError, "rng must be a numpy.random.Generator"),
    (dict(n_per_class=3, rng=0, centers=[1.0, 2.0]), ValueError, r"centers must have shape \(K, D\)"),
    (dict(n_per_class=3, rng=0, centers=[[np.nan, 0.0]]), ValueError, "centers must be finite"),
    (dict(n_per_class=3, rng=0, std=0), ValueError, "std must be a positive finite number"),
])
def test_blobs_reject_bad_input(kwargs, exc, msg):
    with pytest.raises(exc, match=msg):
        make_blobs(**kwargs)


# --- loss and gradients ---------------------------------------------------------------------------------

def _problem(seed=0, n=7, d=3, c=4):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(d, c)), rng.normal(size=c), rng.normal(size=(n, d)), rng.integers(0, c, size=n)


def test_loss_matches_hand_written_cross_entropy():
    W, b, X, y = _problem()
    loss, _, _ = loss_and_grads(W, b, X, y)
    z = X @ W + b
    expected = -math.fsum(log_softmax_ref(z[i])[y[i]] for i in range(len(y))) / len(y)
    assert loss == pytest.approx(expected, rel=1e-12)


def test_gradients_match_finite_differences():
    W, b, X, y = _problem(1)
    _, dW, db = loss_and_grads(W, b, X, y)
    np.testing.assert_allclose(dW, numerical_gradient(lambda w: loss_and_grads(w, b, X, y)[0], W), atol=1e-8)
    np.testing.assert_allclose(db, numerical_gradient(lambda bb: loss_and_grads(W, bb, X, y)[0], b), atol=1e-8)


def test_gradient_step_moves_against_the_numerical_gradient_and_keeps_inputs():
    W, b, X, y = _problem(2)
    W0, b0 = W.copy(), b.copy()
    W1, b1 = gradient_step(W, b, X, y, lr=0.3)
    gW = numerical_gradient(lambda w: loss_and_grads(w, b, X, y)[0], W)
    gb = numerical_gradient(lambda bb: loss_and_grads(W, bb, X, y)[0], b)
    np.testing.assert_allclose(W1, W0 - 0.3 * gW, atol=1e-8)
    np.testing.assert_allclose(b1, b0 - 0.3 * gb, atol=1e-8)
    np.testing.assert_array_equal(W, W0)  # not modified in place
    np.testing.assert_array_equal(b, b0)


def test_loss_and_grads_reject_bad_shapes():
    W, b, X, y = _problem()
    with pytest.raises(ValueError, match=r"X must have shape \(N, D\)"):
        loss_and_grads(W, b, X[0], y)
    with pytest.raises(ValueError, match=r"W must have shape \(D, C\)"):
        loss_and_grads(W[:2], b, X, y)
    with pytest.raises(ValueError, match=r"b must have shape \(C,\)"):
        loss_and_grads(W, b[:2], X, y)


# --- training -------------------------------------------------------------------------------------------

def test_training_separates_well_separated_blobs():
    X, y = make_blobs(100, 0, std=0.7)
    model = train_softmax_regression(X, y, lr=0.5, steps=300)
    assert model.losses.shape == (301,)
    assert model.losses[0] == pytest.approx(math.log(3), rel=1e-12)  # W = 0: uniform over 3 classes
    assert model.accuracy(X, y) >= 0.97
    X_test, y_test = make_blobs(100, 1, std=0.7)  # held-out data from the same blobs
    assert model.accuracy(X_test, y_test) >= 0.97
    # losses[k] is the loss of the model after k steps: the last one is the returned model's
    assert model.losses[-1] == pytest.approx(loss_and_grads(model.W, model.b, X, y)[0], rel=1e-12)


def test_training_with_a_small_step_never_increases_the_loss():
    # the mean cross-entropy of a linear model has Hessian <= (1/2) X^T X / N (in operator norm per class);
    # lr below 1 / that bound makes gradient descent monotone
    X, y = make_blobs(40, 3)
    bound = 0.5 * np.linalg.eigvalsh(np.c_[X, np.ones(len(X))].T @ np.c_[X, np.ones(len(X))] / len(X)).max()
    model = train_softmax_regression(X, y, lr=0.9 / bound, steps=100)
    assert np.all(np.diff(model.losses) <= 1e-12)


def test_training_is_deterministic_and_matches_repeated_steps():
    X, y = make_blobs(20, 4)
    a = train_softmax_regression(X, y, lr=0.2, steps=5)
    b_ = train_softmax_regression(X, y, lr=0.2, steps=5)
    np.testing.assert_array_equal(a.W, b_.W)
    W, b = np.zeros((2, 3)), np.zeros(3)
    for _ in range(5):
        W, b = gradient_step(W, b, X, y, 0.2)
    np.testing.assert_allclose(a.W, W, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(a.b, b, rtol=1e-12, atol=1e-15)


def test_predict_uses_the_largest_logit():
    model = SoftmaxRegression(W=np.eye(2), b=np.zeros(2), losses=np.zeros(1))
    np.testing.assert_array_equal(model.predict([[1.0, 0.0], [0.0, 2.0], [-1.0, -3.0]]), [0, 1, 0])
    assert model.accuracy([[1.0, 0.0], [0.0, 2.0]], [0, 0]) == 0.5


@pytest.mark.parametrize("kwargs, exc, msg", [
    (dict(lr=0.0), ValueError, "lr must be a positive finite number"),
    (dict(lr=np.inf), ValueError, "lr must be a positive finite number"),
    (dict(steps=-1), ValueError, "steps must be an int >= 0"),
    (dict(n_classes=0), ValueError, "n_classes must be an int >= 1"),
])
def test_training_rejects_bad_settings(kwargs, exc, msg):
    X, y = make_blobs(5, 0)
    with pytest.raises(exc, match=msg):
        train_softmax_regression(X, y, **kwargs)


def test_training_rejects_bad_data():
    X, y = make_blobs(5, 0)
    with pytest.raises(TypeError, match="y must be a 1-D array of integer labels"):
        train_softmax_regression(X, y.astype(float))
    with pytest.raises(ValueError, match=r"X must have shape \(N, D\)"):
        train_softmax_regression(X.ravel(), y)


# --- plots ----------------------------------------------------------------------------------------------

def test_plot_loss_curve_draws_the_losses():
    ax = plot_loss_curve([1.0, 0.5, 0.25])
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), [1.0, 0.5, 0.25])
    assert ax.get_xlabel() == "gradient-descent step"
    with pytest.raises(ValueError, match="losses must be a non-empty 1-D array"):
        plot_loss_curve([])
    plt.close("all")


def test_plot_decision_regions_colours_by_prediction():
    X = np.array([[-1.0, 0.0], [1.0, 0.0], [2.0, 1.0]])
    y = np.array([0, 1, 1])
    seen = []

    def predict(pts):
        seen.append(pts.shape)
        return (pts[:, 0] > 0).astype(int)

    ax = plot_decision_regions(predict, X, y, resolution=30)
    assert seen == [(900, 2)]  # one call on the whole 30 x 30 grid
    assert len(ax.collections) >= 3  # the filled regions plus one scatter per class
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\)"):
        plot_decision_regions(predict, X[:, :1], y)
    with pytest.raises(ValueError, match="y must have one label per row of X"):
        plot_decision_regions(predict, X, y[:2])
    plt.close("all")
