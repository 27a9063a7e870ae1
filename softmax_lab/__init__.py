"""softmax_lab: the numpy package behind the softmax course.

Forward: :func:`softmax`, :func:`log_softmax`, :func:`logsumexp`.
Derivatives: :func:`softmax_jacobian` (explicit), :func:`softmax_backward` (fast VJP), :class:`Softmax` (a layer).
Loss: :func:`cross_entropy`, :func:`cross_entropy_grad` (``p - y``).
Sampling: :func:`sample`, :func:`sample_probabilities`, :func:`top_k_top_p_mask`.
Checking: :func:`numerical_gradient`, :func:`numerical_jacobian`.
"""

from .forward import log_softmax, logsumexp, softmax
from .gradcheck import numerical_gradient, numerical_jacobian
from .jacobian import softmax_backward, softmax_jacobian
from .layer import Softmax
from .losses import cross_entropy, cross_entropy_grad
from .sampling import sample, sample_probabilities, top_k_top_p_mask

__all__ = [
    "softmax", "log_softmax", "logsumexp",
    "softmax_jacobian", "softmax_backward", "Softmax",
    "cross_entropy", "cross_entropy_grad",
    "sample", "sample_probabilities", "top_k_top_p_mask",
    "numerical_gradient", "numerical_jacobian",
]

__version__ = "0.1.0"

# Attention (issue 6): scaled dot-product attention, the online softmax, tiled ("flash") attention.
from .attention import attention, flash_attention, online_softmax  # noqa: E402

__all__ += ["attention", "online_softmax", "flash_attention"]

# Temperature (issue 4): entropy of a distribution, the Gumbel-max trick.
from .entropy import entropy  # noqa: E402
from .gumbel import gumbel_max_sample  # noqa: E402

__all__ += ["entropy", "gumbel_max_sample"]
