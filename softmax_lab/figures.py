"""Regenerate every figure in ``images/`` from the package's plotting code.

    python -m softmax_lab.figures [OUTDIR]        # default: images/ ; `make figures` runs this

Each entry of :data:`FIGURES` maps a file name to a function that builds a matplotlib ``Figure`` (or PNG
bytes) from seeded data. Figures whose plotting function another part of the package has not defined yet
are skipped with a message (see :func:`available`). ``backward_cost.png`` plots timings measured on the
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

from . import plotting  # noqa: E402
from .forward import softmax  # noqa: E402
from .temperature_plots import plot_entropy_curve, plot_temperature_panel  # noqa: E402
from .widgets import DEFAULT_LABELS, DEFAULT_LOGITS, temperature_app  # noqa: E402

__all__ = ["FIGURES", "available", "generate", "main"]

Builder = Callable[[], "Figure | bytes"]
DPI = 110


def _temperature_panel() -> Figure:
    return plot_temperature_panel(DEFAULT_LOGITS, DEFAULT_LABELS, temperatures=(0.25, 1.0, 4.0))


def _entropy_curve() -> Figure:
    ax = plot_entropy_curve(DEFAULT_LOGITS, mark=1.0)
    return ax.figure


def _temperature_explorer() -> bytes:
    """The widget's own picture (what the slider app shows) at T = 0.7 with top-p = 0.9."""
    app = temperature_app(temperature=0.7)
    app.top_p.value = 0.9
    return app.figure.png()


def _jacobian_heatmap() -> Figure:
    p = softmax(np.array(DEFAULT_LOGITS[:4]))
    ax = plotting.plot_jacobian_heatmap(p, labels=list(DEFAULT_LABELS[:4]))
    return ax.figure


def _logits_and_probabilities() -> Figure:
    return plotting.plot_logits_and_probabilities(np.array([2.0, 1.0, 0.1, -1.0]), ["cat", "dog", "bird", "fish"])


def _soft_vs_hard() -> Figure:
    return plotting.plot_soft_vs_hard(z_other=2.1, marks=(0.2, 2.0, 4.0)).figure


def _backward_cost() -> Figure:
    from .cost import measure_backward_cost, plot_backward_cost

    table = measure_backward_cost([2, 4, 8, 16, 32, 64, 128, 256, 512], n=32, repeat=3)
    axes = plot_backward_cost(table)
    return (axes[0] if isinstance(axes, list) else axes).figure


def _decision_regions() -> Figure:
    from .datasets import make_blobs
    from .regression import train_softmax_regression

    X, y = make_blobs(60, rng=0)
    model = train_softmax_regression(X, y, steps=200)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    plotting.plot_decision_regions(model.predict, X, y, ax=ax1, title="softmax regression: decision regions")
    plotting.plot_loss_curve(model.losses, ax=ax2)
    return fig


def _attention_scaling() -> Figure:
    from .attention_study import plot_scaling_study, scaling_study

    study = scaling_study([1, 4, 16, 64, 256, 1024, 4096], n_queries=512, n_keys=64, seed=0)
    return plot_scaling_study(study).figure


def _attention_memory() -> Figure:
    from .attention import attention, flash_attention
    from .attention_study import plot_peak_memory
    from .memory import peak_memory

    lengths, full, tiled = [256, 512, 1024, 2048], [], []
    for n in lengths:
        rng = np.random.default_rng(n)
        q, k, v = (rng.normal(size=(n, 32)) for _ in range(3))
        full.append(peak_memory(attention, q, k, v)[1] / 2**20)
        tiled.append(peak_memory(flash_attention, q, k, v, block_size=64)[1] / 2**20)
    return plot_peak_memory(lengths, full, tiled, block_size=64).figure


def _has(module: str, name: str) -> Callable[[], bool]:
    def test() -> bool:
        try:
            mod = __import__(f"softmax_lab.{module}", fromlist=[name])
        except ImportError:
            return False
        return hasattr(mod, name)
    return test


#: file name -> (builder, "is its plotting code there?")
FIGURES: dict[str, tuple[Builder, Callable[[], bool]]] = {
    "temperature_panel.png": (_temperature_panel, lambda: True),
    "entropy_curve.png": (_entropy_curve, lambda: True),
    "temperature_explorer.png": (_temperature_explorer, lambda: True),
    "jacobian_heatmap.png": (_jacobian_heatmap, _has("plotting", "plot_jacobian_heatmap")),
    "logits_and_probabilities.png": (_logits_and_probabilities, _has("plotting", "plot_logits_and_probabilities")),
    "soft_vs_hard.png": (_soft_vs_hard, _has("plotting", "plot_soft_vs_hard")),
    "backward_cost.png": (_backward_cost, _has("cost", "plot_backward_cost")),
    "decision_regions.png": (_decision_regions, _has("plotting", "plot_decision_regions")),
    "attention_scaling.png": (_attention_scaling, _has("attention_study", "plot_scaling_study")),
    "attention_memory.png": (_attention_memory, _has("attention_study", "plot_peak_memory")),
}


def available() -> list[str]:
    """Names of the figures whose plotting code exists in this checkout."""
    return [name for name, (_, present) in FIGURES.items() if present()]


def generate(outdir: str | Path = "images", names: list[str] | None = None) -> list[Path]:
    """Write the figures (default: all available) as PNG files into ``outdir``; return their paths."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    todo = available() if names is None else names
    written = []
    for name in todo:
        if name not in FIGURES:
            raise ValueError(f"unknown figure {name!r}; known: {sorted(FIGURES)}")
        result = FIGURES[name][0]()
        path = out / name
        if isinstance(result, bytes):
            path.write_bytes(result)
        else:
            result.savefig(path, dpi=DPI, metadata={"Software": None})  # no version stamp: stable bytes
            plt.close(result)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    outdir = args[0] if args else "images"
    for path in generate(outdir):
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    for name in sorted(set(FIGURES) - set(available())):
        print(f"skipped {name}: its plotting function is not in the package yet")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
