"""Self-checking exercises: run a student's function against the library and say, in words, what is wrong
(wrong shape, overflow on large input, value off at index ...).

One module per part of the course; every checker is re-exported here, so a notebook reads
``from softmax_lab.course.checks import check_softmax``.

* :mod:`._core` -- :class:`CheckResult`, :func:`compare`, :func:`run_checks` (what every checker uses);
* :mod:`.basics` -- notebooks 01-02: softmax, log_softmax, logsumexp, the logit gap;
* :mod:`.derivatives` -- notebooks 03-05: Jacobian row, Jacobian, backward pass, forward + backward;
* :mod:`.losses` -- notebook 06: cross-entropy gradient, one softmax-regression step;
* :mod:`.temperature` -- notebook 07: entropy, tempered softmax, top-p mask, Gumbel-max sampling;
* :mod:`.attention` -- notebook 08: online-softmax update, causal mask.
"""

from ._core import CheckResult, compare, run_checks
from .attention import check_causal_mask, check_online_softmax_update
from .basics import check_log_softmax, check_logit_gap, check_logsumexp, check_softmax
from .derivatives import check_backward, check_jacobian, check_jacobian_row, check_softmax_vjp
from .losses import check_cross_entropy_grad, check_softmax_regression_step
from .temperature import check_entropy, check_gumbel_max, check_tempered_softmax, check_top_p_mask

__all__ = [
    "CheckResult", "compare", "run_checks",
    "check_softmax", "check_log_softmax", "check_logsumexp", "check_logit_gap",
    "check_jacobian_row", "check_jacobian", "check_backward", "check_softmax_vjp",
    "check_cross_entropy_grad", "check_softmax_regression_step",
    "check_entropy", "check_tempered_softmax", "check_top_p_mask", "check_gumbel_max",
    "check_online_softmax_update", "check_causal_mask",
]
