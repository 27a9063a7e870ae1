"""The temperature explorer of notebook 07 and of the Voila presenter app.

Two layers:

* PURE functions that compute what the view shows, tested in ``tests/course/test_widgets.py`` without any widget:
  :func:`temperature_view` (probabilities of softmax(z / T), entropy, max probability, the classes kept by
  top-k / top-p and the renormalised distribution sampling uses), :func:`sample_counts` (histogram of N
  seeded draws) and :func:`readout_text` (the line of numbers under the sliders).
* A THIN ipywidgets layer, :class:`TemperatureApp` / :func:`temperature_app`: sliders and a button whose
  callbacks call the pure functions and redraw ONE matplotlib figure, kept alive between updates (only bar
  heights, colours and texts change), rendered to PNG bytes into an ``ipywidgets.Image``.

DOM contract (the browser tests rely on it): the temperature slider is the FIRST slider of the app, a
``FloatLogSlider`` with ``description="T"`` and a visible readout (``.widget-readout``); the chart is the
``<img>`` of the ``Image`` widget (``.widget-image``); the numbers line is an ``HTML`` widget with the CSS
class ``softmax-readout``; the whole app is a ``VBox`` with the CSS class ``softmax-temperature-app``.
"""

from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgba
from numpy.typing import ArrayLike

from softmax_lab import entropy, sample_probabilities, softmax, top_k_top_p_mask
from softmax_lab._validate import as_real_array, check_temperature

from .plots import entropy_curve

__all__ = ["DEFAULT_LOGITS", "DEFAULT_LABELS", "TemperatureView", "temperature_view", "sample_counts",
           "readout_text", "png_bytes", "TemperatureFigure", "TemperatureApp", "temperature_app"]

# "The cat sat on the ..." - next-word logits of a toy language model.
DEFAULT_LABELS: tuple[str, ...] = ("mat", "sofa", "floor", "roof", "moon", "piano")
DEFAULT_LOGITS: tuple[float, ...] = (3.0, 2.2, 1.6, 0.5, -0.6, -1.4)

T_MIN, T_MAX = 0.01, 100.0  # the slider's range (log scale)
KEPT_COLOR, EXCLUDED_COLOR, SAMPLE_COLOR = "#1f77b4", "#d0d0d0", "#2ca02c"
_KEPT_RGBA, _EXCLUDED_RGBA = np.array(to_rgba(KEPT_COLOR)), np.array(to_rgba(EXCLUDED_COLOR))


# ----------------------------------------------------------------------------------------------- pure part
@dataclass(frozen=True)
class TemperatureView:
    """Everything the explorer shows for one setting of the sliders.

    ``probs`` = softmax(z / T) over all classes; ``kept`` = classes surviving top-k then top-p (computed on
    ``probs``); ``sampling_probs`` = ``probs`` renormalised over the kept classes (0 elsewhere), the
    distribution the draws come from; ``entropy`` / ``max_prob`` / ``argmax`` describe ``probs``.
    """

    temperature: float
    probs: np.ndarray
    kept: np.ndarray
    sampling_probs: np.ndarray
    entropy: float
    sampling_entropy: float
    max_prob: float
    argmax: int

    @property
    def n_kept(self) -> int:
        return int(self.kept.sum())


def temperature_view(logits: ArrayLike, temperature: float, top_k: int | None = None,
                     top_p: float | None = None) -> TemperatureView:
    """Compute the view for logits ``z`` (shape (C,)) at temperature T >= 0 with optional top-k / top-p.

    ``top_k=None`` / ``top_p=None`` (or ``top_k=C``, ``top_p=1``) keep every class. T = 0 and T = inf are the
    exact limits (argmax and uniform), as in :func:`softmax_lab.softmax`.
    """
    z = as_real_array(logits, "logits")
    if z.ndim != 1:
        raise ValueError(f"logits must be one vector of shape (C,), got shape {z.shape}")
    t = check_temperature(temperature)
    p = softmax(z, temperature=t).astype(np.float64, copy=False)
    kept = top_k_top_p_mask(p, top_k=top_k, top_p=top_p)
    if kept.all():
        q = p
    else:
        q = np.where(kept, p, 0.0)
        q /= q.sum()
    i = int(np.argmax(p))
    return TemperatureView(temperature=t, probs=p, kept=kept, sampling_probs=q, entropy=float(entropy(p)),
                           sampling_entropy=float(entropy(q)), max_prob=float(p[i]), argmax=i)


def sample_counts(probs: ArrayLike, n: int, seed: int | np.random.Generator) -> np.ndarray:
    """How many of ``n`` draws from ``probs`` (shape (C,)) fell in each class; same seed, same counts."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n must be an int, got {type(n).__name__} {n!r}")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    p = np.asarray(probs, dtype=np.float64)
    draws = sample_probabilities(p, size=int(n), rng=seed)
    return np.bincount(draws, minlength=p.size)


def readout_text(view: TemperatureView, labels: Sequence[str] | None = None) -> str:
    """One line of numbers for the current view, e.g.
    ``T = 0.5 | entropy 0.912 of max 1.792 nats | max p = 0.781 (mat) | sampling from 3 of 6 classes``."""
    c = view.probs.size
    name = labels[view.argmax] if labels is not None else f"class {view.argmax}"
    return (f"T = {view.temperature:.3g} | entropy {view.entropy:.3f} of max {math.log(c):.3f} nats | "
            f"max p = {view.max_prob:.3f} ({name}) | sampling from {view.n_kept} of {c} classes")


# ------------------------------------------------------------------------------------------- the figure
def _bar_verts(heights: np.ndarray, width: float = 0.8) -> np.ndarray:
    """Corners (C, 4, 2) of bars centred on 0..C-1 with the given heights."""
    x = np.arange(heights.size, dtype=np.float64)
    v = np.empty((heights.size, 4, 2))
    v[:, 0, 0] = v[:, 1, 0] = x - width / 2
    v[:, 2, 0] = v[:, 3, 0] = x + width / 2
    v[:, 0, 1] = v[:, 3, 1] = 0.0
    v[:, 1, 1] = v[:, 2, 1] = heights
    return v


def png_bytes(rgb: np.ndarray, level: int = 1) -> bytes:
    """Encode an (H, W, 3) uint8 image as PNG (8-bit RGB, no row filter, zlib ``level``); an alpha channel
    (H, W, 4) is dropped.

    About twice as fast as Pillow's encoder at level 1 for a chart (no adaptive filtering), same pixels.
    """
    a = np.asarray(rgb)
    if a.ndim != 3 or a.shape[2] not in (3, 4) or a.dtype != np.uint8:
        raise ValueError(f"rgb must be a uint8 array of shape (H, W, 3) or (H, W, 4), got {a.dtype} {a.shape}")
    h, w, _ = a.shape
    raw = np.empty((h, 3 * w + 1), dtype=np.uint8)
    raw[:, 0] = 0  # filter type 0 (None) for every row
    np.copyto(raw[:, 1:].reshape(h, w, 3), a[:, :, :3])  # a view of raw: one strided copy, alpha dropped

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8 bits, colour type 2 (RGB), no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw.tobytes(), level))
            + chunk(b"IEND", b""))


class TemperatureFigure:
    """One matplotlib figure kept alive between updates: probability bars (top), the sampled frequencies
    against the sampling probabilities (bottom left) and the entropy curve with the current T marked
    (bottom right). :meth:`update` moves artists only; :meth:`png` renders by blitting.

    Uses ``matplotlib.figure.Figure`` with an Agg canvas, never pyplot, so nothing is shown inline by itself.
    The bars are one ``PolyCollection`` per panel (one draw call instead of one per bar).
    """

    def __init__(self, logits: ArrayLike, labels: Sequence[str], *, presenter: bool = False, dpi: int | None = None) -> None:
        z = np.asarray(logits, dtype=np.float64)
        c = self.n_classes = z.size
        fs = 17 if presenter else 11
        dpi = dpi or (80 if presenter else 90)
        size = (14.0, 7.0) if presenter else (10.5, 6.4)
        self.fig = Figure(figsize=size, dpi=dpi, layout="constrained")
        self.canvas = FigureCanvasAgg(self.fig)
        axd = self.fig.subplot_mosaic([["bars", "bars"], ["hist", "entropy"]], height_ratios=[1.25, 1])
        x = np.arange(c)
        self.annotate = c <= 12
        tick_fs = fs if c <= 12 else max(6, fs - 5)
        rot = 0 if c <= 12 else 90

        ax = self.ax_bars = axd["bars"]
        self.bars = PolyCollection(_bar_verts(np.zeros(c)), facecolors=KEPT_COLOR, edgecolors="none")
        ax.add_collection(self.bars)
        ax.set_xlim(-0.6, c - 0.4)
        ax.set_xticks(x, list(labels), fontsize=tick_fs, rotation=rot)
        ax.set_ylim(0, 1.13)
        ax.set_ylabel("softmax(z / T)", fontsize=fs)
        ax.tick_params(axis="y", labelsize=fs - 2)
        ax.set_title("probabilities at the slider's T (grey: excluded by top-k / top-p)", fontsize=fs)
        self.values = [ax.text(i, 0, "", ha="center", va="bottom", fontsize=fs - 2) for i in range(c)] \
            if self.annotate else []

        ax = self.ax_hist = axd["hist"]
        self.freq_bars = PolyCollection(_bar_verts(np.zeros(c)), facecolors=SAMPLE_COLOR, edgecolors="none",
                                        label="frequency in the draws")
        ax.add_collection(self.freq_bars)
        (self.expected,) = ax.plot(x, np.zeros(c), "_", color="black", ms=(22 if c <= 12 else 6), mew=3,
                                   label="probability of being drawn")
        ax.set_xlim(-0.6, c - 0.4)
        ax.set_xticks(x, list(labels) if c <= 12 else [""] * c, fontsize=tick_fs - 1, rotation=rot)
        ax.set_ylim(0, 1.13)
        ax.tick_params(axis="y", labelsize=fs - 2)
        ax.legend(fontsize=fs - 3, loc="upper right")
        ax.set_title("seeded draws against the probabilities", fontsize=fs - 1)

        ax = self.ax_entropy = axd["entropy"]
        ts = np.geomspace(T_MIN, T_MAX, 300)
        ax.semilogx(ts, entropy_curve(z, ts), color=KEPT_COLOR, lw=2)
        ax.axhline(math.log(c), color="0.4", ls="--", lw=1)
        ax.text(T_MIN * 1.2, math.log(c), f"ln {c} (uniform)", va="bottom", fontsize=fs - 3, color="0.3")
        (self.marker,) = ax.plot([1.0], [0.0], "o", color="#d62728", ms=11 if presenter else 8)
        self.vline = ax.axvline(1.0, color="#d62728", lw=1)
        ax.set_xlim(T_MIN / 1.5, T_MAX * 1.5)  # room for the end tick labels
        ax.set_ylim(-0.05, math.log(c) * 1.15)
        ax.set_xlabel("T (log scale)", fontsize=fs - 1)
        ax.set_ylabel("entropy (nats)", fontsize=fs - 1)
        ax.tick_params(labelsize=fs - 3)
        ax.set_title("entropy of softmax(z / T); dot = slider's T", fontsize=fs - 1)
        self._background: Any = None

    def update(self, view: TemperatureView, counts: np.ndarray) -> None:
        """Move the artists to show ``view`` and the histogram ``counts`` (draws from sampling_probs)."""
        if view.probs.size != self.n_classes or np.shape(counts) != (self.n_classes,):
            raise ValueError(f"the figure was built for {self.n_classes} classes")
        n = int(np.sum(counts))
        self.bars.set_verts(_bar_verts(view.probs))
        self.bars.set_facecolors(np.where(view.kept[:, None], _KEPT_RGBA, _EXCLUDED_RGBA))
        for i, text in enumerate(self.values):
            p = view.probs[i]
            text.set_position((i, p + 0.01))
            text.set_text(f"{p:.3f}" if view.kept[i] else f"{p:.3f}\n(out)")
        self.freq_bars.set_verts(_bar_verts(np.asarray(counts, dtype=np.float64) / max(n, 1)))
        self.expected.set_ydata(view.sampling_probs)
        self.marker.set_data([view.temperature], [view.entropy])
        self.vline.set_xdata([view.temperature, view.temperature])

    def _dynamic_artists(self) -> list[Any]:
        return [self.bars, *self.values, self.freq_bars, self.expected, self.vline, self.marker]

    def rgb(self) -> np.ndarray:
        """The current picture as an (H, W, 4) uint8 RGBA array (a view of the canvas), drawn by blitting.

        The first call solves the layout and draws everything that never changes (axes, ticks, labels, the
        entropy curve) once, and keeps that picture; every call restores it and draws only the artists
        :meth:`update` changes on top. A full draw takes ~90 ms here; this takes a few ms.
        """
        if self._background is None:
            for a in self._dynamic_artists():
                a.set_animated(True)  # animated artists are skipped by a full draw
            self.canvas.draw()
            self.fig.set_layout_engine("none")  # keep the solved positions
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        self.canvas.restore_region(self._background)
        for a in self._dynamic_artists():
            self.fig.draw_artist(a)
        return np.asarray(self.canvas.buffer_rgba())

    def png(self) -> bytes:
        """The current picture as PNG bytes."""
        return png_bytes(self.rgb())


# ------------------------------------------------------------------------------------ thin widget layer
_PRESENTER_CSS = """<style>
.softmax-presenter .widget-label, .softmax-presenter .widget-readout,
.softmax-presenter .widget-button, .softmax-presenter .softmax-readout { font-size: 24px !important; }
.softmax-presenter .widget-readout { min-width: 90px; }
.softmax-presenter .widget-hslider, .softmax-presenter .widget-button { height: 44px; }
.softmax-presenter .noUi-handle { transform: scale(1.5); }
.softmax-presenter .widget-button { width: 200px; }
.jp-RenderedMarkdown p { font-size: 20px; }
</style>"""


class TemperatureApp:
    """The explorer: sliders T (log scale), top-k, top-p, draws; a Resample button; the readout; the chart.

    Every change calls :meth:`redraw`, which computes the view with the pure functions, updates the one
    figure and puts its PNG into ``self.image``. Display it by leaving it last in a cell.
    """

    def __init__(self, logits: ArrayLike | None = None, labels: Sequence[str] | None = None, *,
                 temperature: float = 1.0, n_draws: int = 1000, seed: int = 0, presenter: bool = False) -> None:
        import ipywidgets as w  # imported here so the pure part works without ipywidgets

        z = np.asarray(DEFAULT_LOGITS if logits is None else logits, dtype=np.float64)
        if labels is None:
            labels = DEFAULT_LABELS if logits is None else [str(i) for i in range(z.size)]
        if len(labels) != z.size:
            raise ValueError(f"labels has {len(labels)} names for {z.size} logits")
        t = check_temperature(temperature)
        if not T_MIN <= t <= T_MAX:
            raise ValueError(f"temperature must be within the slider range [{T_MIN}, {T_MAX}], got {t}")
        self.logits, self.labels, self.seed = z, list(labels), int(seed)
        c = z.size
        self.figure = TemperatureFigure(z, self.labels, presenter=presenter)

        wide = w.Layout(width="640px" if presenter else "460px")
        style = {"description_width": "90px" if presenter else "60px"}
        self.temperature = w.FloatLogSlider(value=t, base=10, min=math.log10(T_MIN), max=math.log10(T_MAX),
                                            step=0.02, description="T", readout=True, readout_format=".3g",
                                            continuous_update=True, layout=wide, style=style)
        self.top_k = w.IntSlider(value=c, min=1, max=c, step=1, description="top-k", layout=wide, style=style)
        self.top_p = w.FloatSlider(value=1.0, min=0.05, max=1.0, step=0.05, description="top-p",
                                   readout_format=".2f", layout=wide, style=style)
        self.n_draws = w.IntSlider(value=n_draws, min=10, max=10000, step=10, description="draws",
                                   continuous_update=False, layout=wide, style=style)
        self.resample = w.Button(description="Resample", icon="refresh", tooltip="new seeded draws (seed + 1)")
        self.readout = w.HTML()
        self.readout.add_class("softmax-readout")
        # natural size, not stretched by the VBox; in presenter mode scaled down to fit the screen's height
        self.image = w.Image(format="png", layout=w.Layout(align_self="flex-start", width="auto", height="auto",
                                                           max_width="100%",
                                                           max_height="calc(100vh - 330px)" if presenter else None))
        rows: list[Any] = [self.temperature, self.top_k, self.top_p, w.HBox([self.n_draws, self.resample]),
                           self.readout, self.image]
        if presenter:
            rows.insert(0, w.HTML(_PRESENTER_CSS))
        self.root = w.VBox(rows)
        self.root.add_class("softmax-temperature-app")
        if presenter:
            self.root.add_class("softmax-presenter")
        for s in (self.temperature, self.top_k, self.top_p, self.n_draws):
            s.observe(self._on_change, names="value")
        self.resample.on_click(self._on_resample)
        self.redraw()

    def _on_change(self, _change: Any) -> None:
        self.redraw()

    def _on_resample(self, _button: Any) -> None:
        self.seed += 1
        self.redraw()

    def view(self) -> TemperatureView:
        """The pure computation for the sliders' current values."""
        c = self.logits.size
        k = None if self.top_k.value >= c else int(self.top_k.value)
        p = None if self.top_p.value >= 1.0 else float(self.top_p.value)
        return temperature_view(self.logits, float(self.temperature.value), top_k=k, top_p=p)

    def redraw(self) -> None:
        """Compute, update the figure's artists, render to PNG, update the readout."""
        v = self.view()
        counts = sample_counts(v.sampling_probs, int(self.n_draws.value), self.seed)
        self.figure.update(v, counts)
        self.image.value = self.figure.png()
        self.readout.value = f"<b>{readout_text(v, self.labels)}</b> | draws: seed {self.seed}"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.root._repr_mimebundle_(**kwargs)


def temperature_app(logits: ArrayLike | None = None, labels: Sequence[str] | None = None, *,
                    presenter: bool = False, **kwargs: Any) -> TemperatureApp:
    """Build the temperature explorer (``presenter=True``: large fonts and figure for a projector)."""
    return TemperatureApp(logits, labels, presenter=presenter, **kwargs)
