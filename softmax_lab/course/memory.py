"""Peak memory of one call, measured with ``tracemalloc`` (which sees every numpy data buffer)."""

from __future__ import annotations

import tracemalloc
from typing import Any, Callable

__all__ = ["peak_memory"]


def peak_memory(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, int]:
    """Call ``fn(*args, **kwargs)`` and return ``(result, peak bytes allocated during the call)``.

    The peak is counted from the start of the call, so the inputs do not count and the result does.
    Works whether or not tracemalloc is already running (it is left as it was).
    """
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        result = fn(*args, **kwargs)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return result, max(peak - before, 0)
