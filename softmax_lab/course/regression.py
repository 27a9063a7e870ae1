r"""Softmax regression (multinomial logistic regression) trained by full-batch gradient descent.

Model: logits :math:`Z = X W + b` (X: (N, D), W: (D, C), b: (C,)), probabilities ``softmax(Z)``,
loss the mean cross-entropy :math:`L = \frac1N \sum_n -\log p_{n, y_n}`. With
:math:`G = \partial L / \partial Z = (P - Y) / N` (:func:`~softmax_lab.cross_entropy_grad`) the chain
rule through :math:`Z = XW + b` gives

.. math:: \frac{\partial L}{\partial W} = X^\top G, \qquad \frac{\partial L}{\partial b} = \sum_n G_n ,

and one gradient-descent step is :math:`W \leftarrow W - \eta\, \partial L/\partial W`,
:math:`b \leftarrow b - \eta\, \partial L/\partial b`.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from softmax_lab import cross_entropy, cross_entropy_grad
from softmax_lab._validate import as_real_array

__all__ = ["SoftmaxRegression", "loss_and_grads", "gradient_step", "train_softmax_regression"]


def _data(W: ArrayLike, b: ArrayLike, X: ArrayLike, y: ArrayLike):
    W = as_real_array(W, "W")
    b = as_real_array(b, "b")
    X = as_real_array(X, "X")
    if X.ndim != 2:
        raise ValueError(f"X must have shape (N, D), got shape {X.shape}")
    if W.ndim != 2 or W.shape[0] != X.shape[1]:
        raise ValueError(f"W must have shape (D, C) with D = {X.shape[1]} (the columns of X), got {W.shape}")
    if b.shape != (W.shape[1],):
        raise ValueError(f"b must have shape (C,) = ({W.shape[1]},), got {b.shape}")
    return W, b, X, np.asarray(y)


def loss_and_grads(W: ArrayLike, b: ArrayLike, X: ArrayLike, y: ArrayLike) -> tuple[float, np.ndarray, np.ndarray]:
    """Mean cross-entropy of the model ``X @ W + b`` on labels ``y`` and its gradients ``(loss, dW, db)``."""
    W, b, X, y = _data(W, b, X, y)
    Z = X @ W + b
    G = cross_entropy_grad(Z, y)  # (P - Y) / N
    return float(cross_entropy(Z, y)), X.T @ G, G.sum(axis=0)


def gradient_step(W: ArrayLike, b: ArrayLike, X: ArrayLike, y: ArrayLike, lr: float) -> tuple[np.ndarray, np.ndarray]:
    """One full-batch gradient-descent step: returns new ``(W - lr * dW, b - lr * db)`` (inputs untouched)."""
    _, dW, db = loss_and_grads(W, b, X, y)
    return np.asarray(W) - lr * dW, np.asarray(b) - lr * db


@dataclass
class SoftmaxRegression:
    """A trained model: weights ``W`` (D, C), bias ``b`` (C,), and ``losses[k]`` = loss after k steps."""

    W: np.ndarray
    b: np.ndarray
    losses: np.ndarray = field(repr=False)

    def logits(self, X: ArrayLike) -> np.ndarray:
        return np.asarray(X, dtype=float) @ self.W + self.b

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The most probable class of every row of ``X``."""
        return np.argmax(self.logits(X), axis=1)

    def accuracy(self, X: ArrayLike, y: ArrayLike) -> float:
        """Fraction of rows of ``X`` whose predicted class equals ``y``."""
        return float(np.mean(self.predict(X) == np.asarray(y)))


def train_softmax_regression(X: ArrayLike, y: ArrayLike, n_classes: int | None = None, lr: float = 0.5,
                             steps: int = 200) -> SoftmaxRegression:
    """Fit softmax regression by ``steps`` full-batch gradient-descent steps from W = 0, b = 0.

    ``y`` holds integer labels 0..C-1 (C = ``n_classes``, default ``y.max() + 1``). Deterministic: the
    same data give the same model. ``losses`` has ``steps + 1`` entries (before the first step, after each).
    """
    X = as_real_array(X, "X")
    if X.ndim != 2:
        raise ValueError(f"X must have shape (N, D), got shape {X.shape}")
    y = np.asarray(y)
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise TypeError(f"y must be a 1-D array of integer labels, got dtype {y.dtype} and shape {y.shape}")
    c = int(y.max()) + 1 if n_classes is None else n_classes
    if isinstance(c, bool) or not isinstance(c, numbers.Integral) or c < 1:
        raise ValueError(f"n_classes must be an int >= 1, got {n_classes!r}")
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 0:
        raise ValueError(f"steps must be an int >= 0, got {steps!r}")
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not lr > 0 or not np.isfinite(lr):
        raise ValueError(f"lr must be a positive finite number, got {lr!r}")
    W, b = np.zeros((X.shape[1], c)), np.zeros(c)
    losses = np.empty(steps + 1)
    for k in range(steps):
        losses[k], dW, db = loss_and_grads(W, b, X, y)
        W -= lr * dW
        b -= lr * db
    losses[steps] = loss_and_grads(W, b, X, y)[0]
    return SoftmaxRegression(W, b, losses)
