"""Regenerate every figure in ``images/`` from the course's plotting code (``softmax_lab.course``).

    python tools/figures.py [OUTDIR]        # default: images/ ; `make figures` runs this

Each entry of :data:`FIGURES` maps a file name to a function that builds a matplotlib ``Figure`` from
seeded data. ``backward_cost.png`` plots timings measured on the
machine that runs this, so it changes from run to run; ``attention_memory.png`` plots tracemalloc peaks.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

import matplotlib

matplotlib.use("Agg")  # files only: never open a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from softmax_lab import attention, flash_attention, softmax  # noqa: E402
from softmax_lab.course import plots  # noqa: E402
from softmax_lab.course.attention_study import plot_peak_memory, plot_scaling_study, scaling_study  # noqa: E402
from softmax_lab.course.cost import measure_backward_cost, plot_backward_cost  # noqa: E402
from softmax_lab.course.datasets import make_blobs  # noqa: E402
from softmax_lab.course.memory import peak_memory  # noqa: E402
from softmax_lab.course.regression import train_softmax_regression  # noqa: E402
from softmax_lab.course.explorer import DEFAULT_LABELS, DEFAULT_LOGITS  # noqa: E402

__all__ = ["FIGURES", "generate", "main"]

Builder = Callable[[], Figure]
DPI = 110


def _temperature_panel() -> Figure:
    return plots.plot_temperature_panel(DEFAULT_LOGITS, DEFAULT_LABELS, temperatures=(0.25, 1.0, 4.0))


def _entropy_curve() -> Figure:
    ax = plots.plot_entropy_curve(DEFAULT_LOGITS, mark=1.0)
    return ax.figure


def _jacobian_heatmap() -> Figure:
    p = softmax(np.array(DEFAULT_LOGITS[:4]))
    ax = plots.plot_jacobian_heatmap(p, labels=list(DEFAULT_LABELS[:4]))
    return ax.figure


def _logits_and_probabilities() -> Figure:
    return plots.plot_logits_and_probabilities(np.array([2.0, 1.0, 0.1, -1.0]), ["cat", "dog", "bird", "fish"])


def _soft_vs_hard() -> Figure:
    return plots.plot_soft_vs_hard(z_other=2.1, marks=(0.2, 2.0, 4.0)).figure


def _backward_cost() -> Figure:
    table = measure_backward_cost([2, 4, 8, 16, 32, 64, 128, 256, 512], n=32, repeat=3)
    axes = plot_backward_cost(table)
    return (axes[0] if isinstance(axes, list) else axes).figure


def _decision_regions() -> Figure:
    X, y = make_blobs(60, rng=0)
    model = train_softmax_regression(X, y, steps=200)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    plots.plot_decision_regions(model.predict, X, y, ax=ax1, title="softmax regression: decision regions")
    plots.plot_loss_curve(model.losses, ax=ax2)
    return fig


def _attention_scaling() -> Figure:
    study = scaling_study([1, 4, 16, 64, 256, 1024, 4096], n_queries=512, n_keys=64, seed=0)
    return plot_scaling_study(study).figure


def _attention_memory() -> Figure:
    lengths, full, tiled = [256, 512, 1024, 2048], [], []
    for n in lengths:
        rng = np.random.default_rng(n)
        q, k, v = (rng.normal(size=(n, 32)) for _ in range(3))
        full.append(peak_memory(attention, q, k, v)[1] / 2**20)
        tiled.append(peak_memory(flash_attention, q, k, v, block_size=64)[1] / 2**20)
    return plot_peak_memory(lengths, full, tiled, block_size=64).figure


#: file name -> the function that builds it
FIGURES: dict[str, Builder] = {
    "temperature_panel.png": _temperature_panel,
    "entropy_curve.png": _entropy_curve,
    "jacobian_heatmap.png": _jacobian_heatmap,
    "logits_and_probabilities.png": _logits_and_probabilities,
    "soft_vs_hard.png": _soft_vs_hard,
    "backward_cost.png": _backward_cost,
    "decision_regions.png": _decision_regions,
    "attention_scaling.png": _attention_scaling,
    "attention_memory.png": _attention_memory,
}


def generate(outdir: str | Path = "images", names: list[str] | None = None) -> list[Path]:
    """Write the figures (default: all of :data:`FIGURES`) as PNG files into ``outdir``; return their paths."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    todo = list(FIGURES) if names is None else names
    written = []
    for name in todo:
        if name not in FIGURES:
            raise ValueError(f"unknown figure {name!r}; known: {sorted(FIGURES)}")
        fig = FIGURES[name]()
        path = out / name
        fig.savefig(path, dpi=DPI, metadata={"Software": None})  # no version stamp: stable bytes
        plt.close(fig)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    outdir = args[0] if args else "images"
    for path in generate(outdir):
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
