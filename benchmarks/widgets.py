"""How long does one slider update of the temperature explorer take? ``python -m benchmarks.widgets``

An update is what the kernel does when the browser moves the T slider: set ``FloatLogSlider.value``, which
runs the callback: compute the view (softmax, entropy, top-k/top-p mask), draw N seeded samples, move the
figure's artists, blit, encode the PNG and assign it to the ``Image`` widget. Sending the bytes to the
browser is not included (on localhost it is a local websocket write). The budget is 50 ms for 50 classes.

Options: ``--classes C`` (default 50), ``--updates N`` (default 300), ``--presenter`` (the Voila app's
larger figure), ``--compare`` (also time the naive way: a new figure and ``savefig`` per update).
Prints the median and the 95th percentile in milliseconds; exits with status 1 if the p95 is over budget.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from softmax_lab.course.plots import entropy_curve
from softmax_lab.course.widgets import sample_counts, temperature_app, temperature_view

BUDGET_MS = 50.0


def measure(classes: int = 50, updates: int = 300, presenter: bool = False, seed: int = 0) -> np.ndarray:
    """Milliseconds taken by each of ``updates`` slider moves sweeping T over the slider's range and back."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=classes) * 2.0
    app = temperature_app(logits, [f"c{i}" for i in range(classes)], presenter=presenter)
    app.temperature.value = 0.5  # first render (layout + background) is done at build time; warm up once more
    half = np.geomspace(0.01, 100.0, updates // 2 + 1)
    sweep = np.concatenate([half, half[::-1]])[:updates]
    times = np.empty(updates)
    for i, t in enumerate(sweep):
        start = time.perf_counter()
        app.temperature.value = float(t)
        times[i] = (time.perf_counter() - start) * 1e3
    if not bytes(app.image.value[:8]) == b"\x89PNG\r\n\x1a\n":
        raise RuntimeError("the app did not produce a PNG")
    return times


def measure_naive(classes: int = 50, updates: int = 30, seed: int = 0) -> np.ndarray:
    """For comparison: milliseconds per update when every update builds a NEW figure with the same three
    panels and saves it with ``savefig`` (what a plain ``interact`` + matplotlib callback does)."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rng = np.random.default_rng(seed)
    logits = rng.normal(size=classes) * 2.0
    names = [f"c{i}" for i in range(classes)]
    ts = np.geomspace(0.01, 100.0, 300)
    times = np.empty(updates)
    for i, t in enumerate(np.geomspace(0.01, 100.0, updates)):
        start = time.perf_counter()
        v = temperature_view(logits, float(t))
        counts = sample_counts(v.sampling_probs, 1000, 0)
        fig = Figure(figsize=(10.5, 6.4), dpi=90, layout="constrained")
        FigureCanvasAgg(fig)
        axd = fig.subplot_mosaic([["bars", "bars"], ["hist", "entropy"]])
        axd["bars"].bar(names, v.probs)
        axd["hist"].bar(names, counts / 1000)
        axd["entropy"].semilogx(ts, entropy_curve(logits, ts))
        axd["entropy"].plot([t], [v.entropy], "o")
        fig.savefig(io.BytesIO(), format="png")
        times[i] = (time.perf_counter() - start) * 1e3
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classes", type=int, default=50)
    parser.add_argument("--updates", type=int, default=300)
    parser.add_argument("--presenter", action="store_true")
    parser.add_argument("--compare", action="store_true", help="also time a naive new-figure-per-update redraw")
    args = parser.parse_args(argv)
    ms = measure(args.classes, args.updates, args.presenter)
    med, p95 = np.median(ms), np.percentile(ms, 95)
    mode = "presenter" if args.presenter else "notebook"
    print(f"slider update, {args.classes} classes, {mode} figure, {args.updates} updates: "
          f"median {med:.1f} ms, p95 {p95:.1f} ms, max {ms.max():.1f} ms (budget {BUDGET_MS:.0f} ms)")
    if args.compare:
        naive = measure_naive(args.classes)
        print(f"naive redraw (new figure + savefig each update), {args.classes} classes: "
              f"median {np.median(naive):.1f} ms, p95 {np.percentile(naive, 95):.1f} ms")
    return 0 if p95 < BUDGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
