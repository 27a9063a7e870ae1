"""Checkers used by notebooks 05 and 06 (check_backward, check_cross_entropy_grad,
check_softmax_regression_step): right answers pass, the classic wrong ones fail with a useful message."""

import numpy as np
import pytest

from softmax_lab.course.checks import check_backward, check_cross_entropy_grad, check_softmax_regression_step


def _stable_softmax_rows(Z):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# --- check_backward (notebook 05) ----------------------------------------------------------------------

def vjp(A, G):
    return A * (G - np.sum(G * A, axis=1, keepdims=True))


def per_row_jacobian(A, G):
    return np.stack([g @ (np.diag(a) - np.outer(a, a)) for a, g in zip(A, G)])


def batched_jacobian(A, G):
    C = A.shape[1]
    J = A[:, :, None] * np.eye(C) - A[:, :, None] * A[:, None, :]
    return np.einsum("ni,nij->nj", G, J)


@pytest.mark.parametrize("fn", [vjp, per_row_jacobian, batched_jacobian])
def test_check_backward_passes_right_answers(fn):
    res = check_backward(fn)
    assert res.ok, repr(res)
    assert repr(res) == "softmax backward: all 4 checks passed"


@pytest.mark.parametrize("fn, fragment", [
    (lambda A, G: A * (G - np.sum(G * A, axis=1)), "operands could not be broadcast"),   # no keepdims
    (lambda A, G: A * (G - np.sum(G * A, axis=0, keepdims=True)), "value off at index"),  # wrong axis
    (lambda A, G: G - np.sum(G * A, axis=1, keepdims=True), "value off at index"),        # forgot the factor p
    (lambda A, G: A * G, "value off at index"),                                          # diagonal only
    (lambda A, G: -vjp(A, G), "value off at index"),                                     # sign
    (lambda A, G: vjp(A, G)[:, :-1], "wrong shape"),
])
def test_check_backward_explains_wrong_answers(fn, fragment):
    res = check_backward(fn)
    assert not res.ok
    assert fragment in repr(res)
    assert "a batch of N=" in repr(res)  # says which input failed


def test_check_backward_no_keepdims_passes_only_the_single_sample_case():
    res = check_backward(lambda A, G: A * (G - np.sum(G * A, axis=1)))
    assert res.passed == 1 and len(res.problems) == 3
    assert "wrong shape: expected (3, 1), got (3, 3)" in repr(res)


# --- check_cross_entropy_grad (notebook 06) ------------------------------------------------------------

def ce_grad(Z, labels):
    P = _stable_softmax_rows(Z)
    P[np.arange(len(labels)), labels] -= 1
    return P / len(labels)


def ce_grad_via_jacobian(Z, labels):
    # seed 001's route: dL/dp = -y/p (mean over N), times the Jacobian, row by row
    P = _stable_softmax_rows(Z)
    Y = np.eye(Z.shape[1])[labels]
    out = []
    for p, y in zip(P, Y):
        dLdp = np.zeros_like(p)
        np.divide(-y, p, out=dLdp, where=y > 0)
        out.append(dLdp @ (np.diag(p) - np.outer(p, p)))
    return np.array(out) / len(labels)


def test_check_cross_entropy_grad_passes_the_fused_form():
    res = check_cross_entropy_grad(ce_grad)
    assert res.ok, repr(res)


def test_jacobian_route_is_right_until_the_target_probability_underflows():
    # -y/p with p = softmax(1000, 0, -1000)[1] = e^-1000 = 0.0 gives -inf: exactly the case notebook 06
    # uses to motivate the fused p - y. The checker must pass the moderate cases and flag this one.
    res = check_cross_entropy_grad(ce_grad_via_jacobian)
    assert res.passed == 3 and len(res.problems) == 1
    assert "large logits [[1000, 0, -1000]]: got nan" in repr(res)


def test_check_cross_entropy_grad_explains_wrong_answers():
    # forgot to divide by N: right only when N = 1
    res = check_cross_entropy_grad(lambda Z, t: ce_grad(Z, t) * len(t))
    assert not res.ok and "N=4, C=5" in repr(res) and "value off" in repr(res)
    assert "N=1, C=3" not in repr(res)
    # no max shift: the large-logit case overflows to NaN and the message says why
    def naive(Z, t):
        P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
        P[np.arange(len(t)), t] -= 1
        return P / len(t)
    res = check_cross_entropy_grad(naive)
    assert "large logits" in repr(res) and "subtract the max" in repr(res)
    # seed 001's loss L = -sum_k ln(a_k) (no y_k): its gradient is C p - 1, not p - y
    res = check_cross_entropy_grad(lambda Z, t: (Z.shape[1] * _stable_softmax_rows(Z) - 1) / len(t))
    assert not res.ok
    # sign error
    res = check_cross_entropy_grad(lambda Z, t: -ce_grad(Z, t))
    assert len(res.problems) == 4


def test_seed_001_gradient_really_is_c_p_minus_1():
    # independent check of the claim used above: finite differences of L(z) = -sum_k log softmax(z)_k
    from softmax_lab import log_softmax, numerical_gradient, softmax
    z = np.array([0.3, -1.2, 2.0, 0.5])
    fd = numerical_gradient(lambda v: -float(np.sum(log_softmax(v))), z)
    np.testing.assert_allclose(fd, 4 * softmax(z) - 1, atol=1e-8)


# --- check_softmax_regression_step (notebook 06) -------------------------------------------------------

def step(W, b, X, y, lr):
    G = _stable_softmax_rows(X @ W + b)
    G[np.arange(len(y)), y] -= 1
    G /= len(y)
    return W - lr * X.T @ G, b - lr * G.sum(axis=0)


def test_check_step_passes_a_right_answer():
    res = check_softmax_regression_step(step)
    assert res.ok, repr(res)
    assert repr(res) == "softmax regression step: all 6 checks passed"


def test_check_step_passes_lists_and_tuples():
    assert check_softmax_regression_step(lambda *a: list(step(*a))).ok


@pytest.mark.parametrize("fn, fragment, n_failed", [
    (lambda W, b, X, y, lr: (step(W, b, X, y, lr)[0], b), "b_new: value off", 3),             # bias not updated
    (lambda W, b, X, y, lr: tuple(2 * v - o for v, o in zip(step(W, b, X, y, lr), (W, b))), "W_new: value off", 6),  # sign
    (lambda W, b, X, y, lr: step(W, b, X, y, lr)[0], "must return a pair (W_new, b_new)", 6),
])
def test_check_step_explains_wrong_answers(fn, fragment, n_failed):
    res = check_softmax_regression_step(fn)
    assert fragment in repr(res)
    assert len(res.problems) == n_failed


def test_check_step_catches_missing_mean_and_missing_shift():
    def summed(W, b, X, y, lr):
        W1, b1 = step(W, b, X, y, lr)
        return W - (W - W1) * len(y), b - (b - b1) * len(y)
    assert len(check_softmax_regression_step(summed).problems) == 6

    def unshifted(W, b, X, y, lr):
        Z = X @ W + b
        P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
        P[np.arange(len(y)), y] -= 1
        P /= len(y)
        return W - lr * X.T @ P, b - lr * P.sum(axis=0)
    res = check_softmax_regression_step(unshifted)
    assert len(res.problems) == 2 and "large logits" in repr(res) and "subtract the max" in repr(res)
