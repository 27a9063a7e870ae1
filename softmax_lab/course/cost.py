r"""What the softmax backward pass costs: four ways to compute dL/dZ, measured against C.

For a batch of ``N`` rows with ``C`` classes, softmax outputs ``A`` (N, C) and upstream gradient
``G = dL/dA`` (N, C), every method below returns the same ``dL/dZ`` (N, C):

* :func:`backward_elementwise_loop` -- the textbook code (lecture note C, CMU 11-785 style): for every row,
  fill the C x C Jacobian entry by entry in Python, then ``g @ J``. O(N C^2) Python steps.
* :func:`backward_row_loop` -- the same loop over rows, but each row's Jacobian
  :math:`J = \mathrm{diag}(a) - a a^\top` is built by numpy. O(N C^2) time, O(C^2) memory.
* :func:`backward_batched_jacobian` -- all N Jacobians at once (:func:`~softmax_lab.softmax_jacobian`,
  shape (N, C, C)) contracted with ``einsum``. O(N C^2) time and O(N C^2) memory.
* :func:`backward_vjp` -- the vector-Jacobian product
  :math:`dL/dZ = A \odot (G - \langle G, A \rangle)` (:func:`~softmax_lab.softmax_backward`). O(N C).

:func:`measure_backward_cost` times them, or the implementations a caller passes (notebook 06 writes its own
four out and passes them), taking the best wall time of a few calls, and measures their peak extra memory
(``tracemalloc``, which numpy reports its buffers to); :func:`plot_backward_cost` draws the table on
log-log axes; :func:`jacobian_bytes` and :func:`vjp_bytes` give the memory a method needs, in closed form.
"""

from __future__ import annotations

import time
from typing import Callable, Iterable, Mapping

import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike, DTypeLike

from softmax_lab import softmax, softmax_backward, softmax_jacobian
from softmax_lab._validate import as_real_array

from .memory import peak_memory

__all__ = ["backward_elementwise_loop", "backward_row_loop", "backward_batched_jacobian", "backward_vjp",
           "BACKWARD_METHODS", "DEFAULT_MAX_C", "jacobian_bytes", "vjp_bytes", "measure_backward_cost", "plot_backward_cost"]


def _pair(A: ArrayLike, dLdA: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    a = as_real_array(A, "A")
    g = as_real_array(dLdA, "dLdA")
    if a.ndim != 2:
        raise ValueError(f"A must have shape (N, C), got shape {a.shape}")
    if g.shape != a.shape:
        raise ValueError(f"dLdA must have the shape of A {a.shape}, got {g.shape}")
    return a, g


def backward_elementwise_loop(A: ArrayLike, dLdA: ArrayLike) -> np.ndarray:
    """dL/dZ row by row with the Jacobian filled entry by entry in Python (the code of lecture note C)."""
    a, g = _pair(A, dLdA)
    n, c = a.shape
    out = np.zeros(a.shape, dtype=np.result_type(a, g))
    for i in range(n):
        J = np.zeros((c, c), dtype=out.dtype)
        for m in range(c):
            for k in range(c):
                J[m, k] = a[i, m] * (1 - a[i, m]) if m == k else -a[i, m] * a[i, k]
        out[i] = g[i] @ J
    return out


def backward_row_loop(A: ArrayLike, dLdA: ArrayLike) -> np.ndarray:
    r"""dL/dZ row by row: :math:`J_i = \mathrm{diag}(a_i) - a_i a_i^\top` built by numpy, then ``g_i @ J_i``."""
    a, g = _pair(A, dLdA)
    out = np.empty(a.shape, dtype=np.result_type(a, g))
    for i in range(a.shape[0]):
        J = np.diag(a[i]) - np.outer(a[i], a[i])
        out[i] = g[i] @ J
    return out


def backward_batched_jacobian(A: ArrayLike, dLdA: ArrayLike) -> np.ndarray:
    """dL/dZ for the whole batch: N Jacobians of shape (N, C, C), then ``einsum('nc,ncd->nd')``."""
    a, g = _pair(A, dLdA)
    return np.einsum("nc,ncd->nd", g, softmax_jacobian(a))


def backward_vjp(A: ArrayLike, dLdA: ArrayLike) -> np.ndarray:
    r"""dL/dZ without any Jacobian: :math:`A \odot (G - \langle G, A\rangle)` (:func:`softmax_backward`)."""
    a, g = _pair(A, dLdA)
    return softmax_backward(a, g, axis=-1)


Backward = Callable[[np.ndarray, np.ndarray], np.ndarray]

#: The four methods by the names used in tables and plots.
BACKWARD_METHODS: dict[str, Backward] = {
    "elementwise loop": backward_elementwise_loop,
    "row loop": backward_row_loop,
    "batched Jacobian": backward_batched_jacobian,
    "VJP": backward_vjp,
}


#: Largest C each method is measured at by default (beyond it, it takes seconds or hundreds of MB).
DEFAULT_MAX_C: dict[str, int] = {"elementwise loop": 64, "row loop": 512, "batched Jacobian": 512}


def _check_size(c: int, n: int) -> tuple[int, int]:
    for name, v in (("c", c), ("n", n)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{name} must be an int, got {type(v).__name__} {v!r}")
        if v < 1:
            raise ValueError(f"{name} must be >= 1, got {v}")
    return int(c), int(n)


def jacobian_bytes(c: int, n: int = 1, dtype: DTypeLike = np.float32) -> int:
    """Bytes of ``n`` explicit softmax Jacobians of ``c`` classes: ``n * c * c * itemsize``."""
    c, n = _check_size(c, n)
    return n * c * c * np.dtype(dtype).itemsize


def vjp_bytes(c: int, n: int = 1, dtype: DTypeLike = np.float32) -> int:
    """Bytes of the VJP's result (one (n, c) array; its only other temporary is ``n`` dot products)."""
    c, n = _check_size(c, n)
    return n * c * np.dtype(dtype).itemsize


def measure_backward_cost(cs: Iterable[int], n: int = 32, repeat: int = 5, *,
                          methods: Iterable[str] | Mapping[str, Backward] | None = None,
                          max_c: Mapping[str, int] | None = None,
                          dtype: DTypeLike = np.float64, seed: int = 0) -> dict[str, np.ndarray]:
    """Time and measure the memory of the backward methods for a batch of ``n`` rows at each C in ``cs``.

    ``methods`` is a list of names from :data:`BACKWARD_METHODS` (default: all four) or a dict that maps a
    name to a function ``f(A, dLdA) -> dLdZ`` (so a notebook can measure the implementations it shows).

    Returns a table (a dict of arrays, one entry per C): ``"C"``; for every method name ``m``,
    ``"seconds/" + m`` is the best (smallest) wall time of ``repeat`` calls
    (the least disturbed by other processes, as timeit advises) and
    ``"bytes/" + m`` the peak extra memory of one call (tracemalloc). A method is skipped (NaN) for
    C above ``max_c[m]``; the defaults (:data:`DEFAULT_MAX_C`) stop the elementwise Python loop at C = 64
    and the two Jacobian methods at C = 512 (their (32, 512, 512) float64 Jacobians already take 67 MB).
    Every method's result is checked against the VJP, so a table is never made from wrong answers.
    Timings vary from run to run and machine to machine; the memory numbers do not.
    """
    cs = [_check_size(c, n)[0] for c in cs]
    if not cs:
        raise ValueError("cs must hold at least one class count")
    if isinstance(repeat, bool) or not isinstance(repeat, (int, np.integer)) or repeat < 1:
        raise ValueError(f"repeat must be an int >= 1, got {repeat!r}")
    if isinstance(methods, Mapping):
        chosen = dict(methods)
    else:
        names = list(BACKWARD_METHODS) if methods is None else list(methods)
        for m in names:
            if m not in BACKWARD_METHODS:
                raise ValueError(f"unknown method {m!r}; choose from {list(BACKWARD_METHODS)}")
        chosen = {m: BACKWARD_METHODS[m] for m in names}
    limits = dict(DEFAULT_MAX_C)
    limits.update(max_c or {})
    rng = np.random.default_rng(seed)
    table: dict[str, np.ndarray] = {"C": np.array(cs)}
    for m in chosen:
        table["seconds/" + m] = np.full(len(cs), np.nan)
        table["bytes/" + m] = np.full(len(cs), np.nan)
    for k, c in enumerate(cs):
        A = softmax(rng.normal(size=(n, c)), axis=-1).astype(dtype)
        A /= A.sum(axis=-1, keepdims=True)  # renormalise after the cast
        G = rng.normal(size=(n, c)).astype(dtype)
        reference = softmax_backward(A, G)
        for m, fn in chosen.items():
            if c > limits.get(m, np.inf):
                continue
            got = fn(A, G)
            tol = 1e-4 if np.dtype(dtype).itemsize <= 4 else 1e-10
            if not np.allclose(got, reference, rtol=tol, atol=tol):
                raise AssertionError(f"{m} disagrees with the VJP at C={c}")
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                fn(A, G)
                times.append(time.perf_counter() - t0)
            table["seconds/" + m][k] = float(min(times))
            table["bytes/" + m][k] = peak_memory(fn, A, G)[1]
    return table


def _guide(panel: Axes, table: Mapping[str, np.ndarray], kind: str, cs: np.ndarray, slope: int,
           anchor: str, text: str) -> None:
    """A dashed line of the given log-log slope through the last measured point of ``anchor``, drawn over
    the C range where ``anchor`` was measured."""
    key = f"{kind}/{anchor}"
    if key not in table:
        return
    y = np.asarray(table[key], dtype=float)
    ok = np.flatnonzero(np.isfinite(y) & (y > 0))
    if ok.size == 0:
        return
    j = ok[-1]
    xs = cs[ok[0]:j + 1]  # the C range the anchor method was measured over
    guide = y[j] * (xs / cs[j]) ** slope
    panel.loglog(xs, guide, ls="--", color="0.6", lw=1, zorder=0)
    mid = len(xs) // 2
    panel.annotate(text, (xs[mid], guide[mid]), xytext=(4, -4), textcoords="offset points",
                   fontsize=8, color="0.35", ha="left", va="top")


def plot_backward_cost(table: Mapping[str, np.ndarray], ax: Axes | Iterable[Axes] | None = None) -> Axes | list[Axes]:
    """Draw a :func:`measure_backward_cost` table on log-log axes: time against C, and memory against C.

    ``ax`` is None (a new figure with two panels side by side), one ``Axes`` (time only) or a pair of
    ``Axes`` (time, memory). Dashed grey guide lines of slope 1 (O(C), through the
    VJP's last point) and slope 2 (O(C^2), through the batched Jacobian's last point) show the rates. Returns what
    was drawn on: the single ``Axes``, or the list of two.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
        axes = list(axes)
    elif isinstance(ax, Axes):
        axes = [ax]
    else:
        axes = list(ax)
    cs = np.asarray(table["C"], dtype=float)
    names = [k.split("/", 1)[1] for k in table if k.startswith("seconds/")]
    markers = "osD^v"
    for panel, (kind, label) in zip(axes, [("seconds", "time per call (s)"), ("bytes", "peak extra memory (bytes)")]):
        for i, m in enumerate(names):
            y = np.asarray(table[f"{kind}/{m}"], dtype=float)
            ok = np.isfinite(y) & (y > 0)
            if ok.any():
                panel.loglog(cs[ok], y[ok], marker=markers[i % len(markers)], label=m, color=f"C{i}")
        for slope, anchor, text in ((1, "VJP", "slope 1: O(C)"), (2, "batched Jacobian", "slope 2: O(C^2)")):
            _guide(panel, table, kind, cs, slope, anchor, text)
        panel.set_xlabel("number of classes C")
        panel.set_ylabel(label)
        panel.grid(True, which="major", alpha=0.3)
        panel.legend(fontsize=8)
    axes[0].set_title("softmax backward: time")
    if len(axes) > 1:
        axes[1].set_title("softmax backward: memory")
    return axes[0] if len(axes) == 1 else axes
