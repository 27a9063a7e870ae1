"""Checkers for notebooks 01 and 02: softmax, log_softmax, logsumexp of one vector, and the two-class logit gap."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from softmax_lab import log_softmax, logsumexp, softmax

from ._core import FAR_APART, CheckResult, example_vectors, run_checks

__all__ = ["check_softmax", "check_log_softmax", "check_logsumexp", "check_logit_gap"]


def check_softmax(fn: Callable[[np.ndarray], Any]) -> CheckResult:
    """Check a student's ``fn(z)`` for one vector ``z`` against :func:`softmax`."""
    vecs = example_vectors() + FAR_APART
    cases = [(desc, (lambda z=z: fn(z.copy())), softmax(z)) for desc, z in vecs]
    return run_checks("softmax", cases)



def check_log_softmax(fn: Callable[[np.ndarray], Any]) -> CheckResult:
    """Check a student's ``fn(z)`` for one vector against :func:`log_softmax` (catches log(softmax(z)))."""
    vecs = example_vectors() + [("far-apart logits [0, -800]", np.array([0.0, -800.0]))] + FAR_APART
    cases = [(desc, (lambda z=z: fn(z.copy())), log_softmax(z)) for desc, z in vecs]
    return run_checks("log_softmax", cases)



def check_logsumexp(fn: Callable[[np.ndarray], Any]) -> CheckResult:
    r"""Check a student's ``fn(z)`` returning the scalar :math:`\log \sum_j e^{z_j}` of one vector ``z``.

    Beyond the usual vectors it tries logits spread far apart ([800, -800]): shifting by the mean
    instead of the max overflows there, and forgetting to add the max back is caught everywhere.
    """
    vecs = example_vectors() + [("a single logit [7]", np.array([7.0])),
                         ("logits spread far apart [800, -800]", np.array([800.0, -800.0]))]
    cases = [(desc, (lambda z=z: fn(z.copy())), np.asarray(logsumexp(z))) for desc, z in vecs]
    return run_checks("logsumexp", cases)



def check_logit_gap(fn: Callable[[float], Any]) -> CheckResult:
    """Check a student's ``fn(p)``: the gap ``z_A - z_B`` that gives class A probability ``p`` in a
    two-class softmax (the answer is log(p / (1 - p)), the logit function)."""
    cases = []
    for p in (0.5, 0.9, 0.25, 0.999, 1e-6):
        expected = np.array(np.log(p) - np.log1p(-p))
        cases.append((f"p = {p:g}", (lambda p=p: fn(p)), expected))
    return run_checks("logit gap", cases, rtol=1e-6, atol=1e-9)

