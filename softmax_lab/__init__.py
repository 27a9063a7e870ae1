"""softmax_lab: the numpy package behind the softmax course.

Forward (``forward.py``): :func:`softmax`, :func:`log_softmax`, :func:`logsumexp`.
Derivatives (``jacobian.py``): :func:`softmax_jacobian` (explicit), :func:`softmax_backward` (the
vector-Jacobian product), :class:`Softmax` (a layer).
Losses (``losses.py``): :func:`cross_entropy`, :func:`cross_entropy_grad` (``p - y``), :func:`entropy`.
Sampling (``sampling.py``, ``gumbel.py``): :func:`sample`, :func:`sample_probabilities`,
:func:`top_k_top_p_mask`, :func:`gumbel_max_sample`.
Attention (``attention.py``): :func:`attention`, :func:`online_softmax`, :func:`flash_attention`.
Checking (``gradcheck.py``): :func:`numerical_gradient`, :func:`numerical_jacobian`.

Private: ``_validate.py`` (the input rules every function shares) and ``_fast.py`` (the speed
machinery behind the formulas). The course's helpers live in ``softmax_lab.course``, which this
package does not import: ``import softmax_lab`` loads numpy only.
"""

from .attention import attention, flash_attention, online_softmax
from .forward import log_softmax, logsumexp, softmax
from .gradcheck import numerical_gradient, numerical_jacobian
from .gumbel import gumbel_max_sample
from .jacobian import Softmax, softmax_backward, softmax_jacobian
from .losses import cross_entropy, cross_entropy_grad, entropy
from .sampling import sample, sample_probabilities, top_k_top_p_mask

__all__ = [
    "softmax", "log_softmax", "logsumexp",
    "softmax_jacobian", "softmax_backward", "Softmax",
    "cross_entropy", "cross_entropy_grad", "entropy",
    "sample", "sample_probabilities", "top_k_top_p_mask", "gumbel_max_sample",
    "attention", "online_softmax", "flash_attention",
    "numerical_gradient", "numerical_jacobian",
]

__version__ = "0.1.0"
