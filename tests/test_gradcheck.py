"""The finite-difference oracle itself is checked against closed-form derivatives."""

import numpy as np
import pytest

from softmax_lab import numerical_gradient, numerical_jacobian


def test_numerical_gradient_of_known_functions():
    x = np.array([[0.3, -1.2], [2.0, 0.5]])
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(v ** 3), x), 3 * x ** 2, rtol=1e-8)
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sin(v).prod(), [0.4, 1.1]),
                               [np.cos(0.4) * np.sin(1.1), np.sin(0.4) * np.cos(1.1)], rtol=1e-8)


def test_numerical_gradient_does_not_modify_input():
    x = np.array([1.0, 2.0])
    numerical_gradient(lambda v: float(v @ v), x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_numerical_jacobian_of_linear_map_is_the_matrix():
    a = np.array([[1.0, 2.0, 0.0], [-1.0, 0.5, 3.0]])
    np.testing.assert_allclose(numerical_jacobian(lambda v: a @ v, [0.1, 0.2, 0.3]), a, atol=1e-9)


def test_errors():
    with pytest.raises(TypeError, match="f must return a scalar"):
        numerical_gradient(lambda v: v * 2, [1.0, 2.0])
    with pytest.raises(ValueError, match="eps must be a finite positive real number"):
        numerical_gradient(lambda v: v.sum(), [1.0], eps=0)
    with pytest.raises(ValueError, match="x must be finite"):
        numerical_gradient(lambda v: v.sum(), [np.nan])
    with pytest.raises(ValueError, match="x must be a vector"):
        numerical_jacobian(lambda v: v, np.zeros((2, 2)))
