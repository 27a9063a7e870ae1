"""pytest setup for every notebook run (notebooks/, solutions/ in the portability check): a kernel that
dies while starting is started again.

For each notebook, nbval asks jupyter_client for a kernel; jupyter_client picks five free TCP ports and
releases them, then the kernel binds them. When many processes open connections at once (``pytest -n
auto``, the portability check's workers, the JupyterLab and Voila servers of the browser tests), another
process can take one of those ports in between, and the kernel exits at once: every cell of that notebook
then errors with "Kernel died before replying to kernel_info", whatever the notebook says. A second start
picks new ports. Anything that fails three starts in a row is reported as it is.
"""

from __future__ import annotations

import nbval.kernel

KERNEL_START_ATTEMPTS = 3
_start_new_kernel = nbval.kernel.start_new_kernel


def start_new_kernel_with_retries(*args, **kwargs):
    """nbval's ``start_new_kernel``, tried up to ``KERNEL_START_ATTEMPTS`` times."""
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        try:
            return _start_new_kernel(*args, **kwargs)
        except RuntimeError:  # "Kernel died before replying to kernel_info" or a start timeout
            if attempt == KERNEL_START_ATTEMPTS:
                raise


nbval.kernel.start_new_kernel = start_new_kernel_with_retries
