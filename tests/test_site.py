"""The static site (``make site``, issue 16) in a real browser, with every request to another host blocked.

The site is built from the stored notebooks into a temporary folder and served by a plain static file server
(``python -m http.server``) on 127.0.0.1, as any host would serve it. In headless Chromium (the harness of
``tests/browser_support.py``), every request whose host is not 127.0.0.1 is aborted and counted. Then:

* every page loads with no such request, no failed local request, no console error and no uncaught error;
* the math of every notebook page is typeset by the local MathJax (and no raw ``$...$`` is left);
* on notebook 07 the temperature explorer runs with no kernel: moving its T slider with the keyboard changes
  the readout and the bars, and the numbers it shows are the numpy reference's (``readout_text``);
* on notebook 08 the simplex explorer runs with no kernel: the T slider and a logit slider moved with the
  keyboard move the point, the shift c does not, and the numbers shown are softmax_lab's;
* on notebook 10 the pipeline explorer runs with no kernel: T and top-k moved with the keyboard change its
  readout (the one sampler_stages gives) and its bars;
* on notebook 09 the calibration explorer runs with no kernel: its T slider moved with the keyboard moves the
  point (mean confidence, accuracy), and the ECE, NLL and lowest-NLL T it shows are calibration.py's and numpy's;
* an axe-core scan (``axe-playwright-python``) of every page finds no serious or critical violation (the
  code cells, coloured by one style sheet, are scanned on two pages), and every figure has alt text (from
  the cell's ``alt_text`` metadata, else a generic description: the builder lists the figures lacking one).

Wall time: ~25 s on a 2-core machine with light load, ~60 s with other test runs beside it (the build takes
~3 s, each page ~1 s to load and typeset, axe ~1-3 s a page).
"""

from __future__ import annotations

import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any, Iterator

import nbformat
import numpy as np
import pytest

import browser_support as bs
from softmax_lab import cross_entropy, softmax
from softmax_lab.course.calibration import expected_calibration_error
from softmax_lab.course.explorer import readout_text, temperature_view
from softmax_lab.course.geometry import to_plane

sys.path.insert(0, str(bs.REPO / "tools"))
import build_site  # noqa: E402

VIEWPORT = {"width": 1280, "height": 900}
LOCAL_HOSTS = {"127.0.0.1"}


# ------------------------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("site") / "site"
    report = build_site.build(out)
    report["root"] = out
    return report


@pytest.fixture(scope="module")
def server(site: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[bs.Server]:
    with bs.serve(bs.static_server(site["root"]), token="", workdir=tmp_path_factory.mktemp("http"),
                  cwd=site["root"], probe_path="/index.html") as srv:
        yield srv


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    bs.require_browser()
    with bs.chromium() as b:
        yield b


class OfflinePage:
    """A page whose requests to any host but 127.0.0.1 are aborted and recorded, with its problems."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(viewport=VIEWPORT)
        self.external: list[str] = []
        self.failed: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.problems = bs.PageProblems().attach(self.page)
        self.page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    def _route(self, route: Any) -> None:
        url = urllib.parse.urlparse(route.request.url)
        if url.scheme in {"data", "blob", "about"} or url.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort()

    def goto(self, url: str) -> Any:
        self.page.goto(url, wait_until="load")
        return self.page

    def assert_clean(self) -> None:
        assert self.external == [], f"requests to other hosts: {self.external}"
        assert self.failed == [], f"failed local requests: {self.failed}"
        assert self.problems.page_errors == [], f"uncaught errors: {self.problems.page_errors}"
        assert self.problems.console_errors == [], f"console errors: {self.problems.console_errors}"


@pytest.fixture()
def offline(browser: Any) -> Iterator[OfflinePage]:
    p = OfflinePage(browser)
    try:
        yield p
    finally:
        p.context.close()


def _wait_for_math(page: Any) -> None:
    page.wait_for_function("() => document.documentElement.dataset.mathTypeset === 'done'", timeout=60_000)


# ------------------------------------------------------------------------------------------- builder

def test_the_index_lists_every_notebook_with_the_readme_description(site: dict[str, Any]) -> None:
    stems = sorted(p.stem for p in bs.NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
    rows = build_site.course_rows(bs.REPO / "README.md")
    assert sorted(rows) == stems, "the README's course table and notebooks/ disagree"
    index = (site["root"] / "index.html").read_text()
    for stem in stems:
        assert f'href="{stem}.html"' in index and (site["root"] / f"{stem}.html").exists()
    assert list(rows) == stems, "the README's course table is not in the notebooks' order"


def test_the_index_names_every_live_demo_with_its_notebook(site: dict[str, Any]) -> None:
    """The index says which demos run in the browser, read from the pages that got one (none is forgotten)."""
    index = (site["root"] / "index.html").read_text()
    assert ("4 demos run live in their pages, computed in your browser with no Python behind it: the temperature "
            "explorer (07), the simplex explorer (08), the calibration explorer (09) and the sampling-pipeline "
            "explorer (10).") in " ".join(index.split())
    one = build_site.Page(Path("07-temperature.ipynb"), "07", "07-temperature.html")
    assert build_site.live_demos_sentence([one], {"07-temperature.html": ["explorer"]}) == (
        "1 demo runs live in its page, computed in your browser with no Python behind it: "
        "the temperature explorer (07).")
    assert "No demo runs live" in build_site.live_demos_sentence([one], {})


def test_widget_outputs_become_live_widgets_or_a_note(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    view, other, tri = ({"application/vnd.jupyter.widget-view+json": {"model_id": m, "version_major": 2,
                                                                      "version_minor": 1}} for m in "abc")
    cell = nbformat.v4.new_code_cell("w", outputs=[nbformat.v4.new_output("display_data", data=view),
                                                   nbformat.v4.new_output("display_data", data=other),
                                                   nbformat.v4.new_output("display_data", data=tri)])
    settings = {"logits": [1.0, None], "labels": ["a", "b"], "temperature": 0.5, "top_k": 2, "top_p": 1.0,
                "n_draws": 100, "seed": 3, "presenter": False}
    nb.cells = [cell]
    nb.metadata["widgets"] = {build_site.WIDGET_STATE: {"state": {
        "a": {"state": {"_anywidget_id": "softmax_lab.course.explorer.TemperatureExplorer", **settings}},
        "b": {"state": {"_model_name": "IntSliderModel"}},
        "c": {"state": {"_anywidget_id": "softmax_lab.course.simplex.SimplexExplorer", "logits": [2.0, 0.5, -1.0],
                        "temperature": 0.5, "shift": 0.0, "presenter": False, "_esm": "(the module)"}}}}}
    live, _ = build_site.prepare(nb, "99-x")
    first, second, third = (o["data"]["text/html"] for o in nb.cells[0].outputs)
    assert live == ["explorer", "simplex"]
    assert "data-softmax-explorer" in first and "&quot;seed&quot;: 3" in first
    assert "needs a running Python kernel" in second and "widgets" not in nb.metadata
    assert 'data-softmax-simplex="{&quot;logits&quot;: [2.0, 0.5, -1.0], &quot;temperature&quot;: 0.5' in third
    assert "(the module)" not in third  # only the settings travel, not the stored ES module


def test_alt_text_comes_from_the_cell_metadata() -> None:
    png = {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("plot()", outputs=[nbformat.v4.new_output("display_data", data=png)]),
                nbformat.v4.new_code_cell("plot()", outputs=[nbformat.v4.new_output("display_data", data=png)])]
    nb.cells[0].metadata["alt_text"] = "Bars of softmax at three temperatures"
    _, missing = build_site.prepare(nb, "99-x")
    assert nb.cells[0].outputs[0].metadata["site_alt"] == "Bars of softmax at three temperatures"
    assert missing == ["99-x.ipynb cell 1 (figure 1 of that cell)"]
    assert "no description yet" in nb.cells[1].outputs[0].metadata["site_alt"]



def test_every_figure_of_the_course_has_its_own_alt_text() -> None:
    """Issue 16: every figure carries alt text; a generic placeholder does not count."""
    assert build_site.figures_missing_alt() == []


# ------------------------------------------------------------------------------------------- browser

def test_every_page_loads_offline_typesets_its_math_and_passes_axe(site: dict[str, Any], server: bs.Server,
                                                                   offline: OfflinePage) -> None:
    """One pass over the pages (each load costs a MathJax typeset): offline, math, alt text, axe-core."""
    from axe_playwright_python.sync_playwright import Axe

    axe, serious = Axe(), {}
    for href in site["pages"]:
        page = offline.goto(server.url(f"/{href}"))
        if href != "index.html":
            _wait_for_math(page)
            assert page.locator("mjx-container").count() > 0, f"{href}: no typeset math"
            # in the text; an output may show a TeX error on purpose (notebook 05 displays a lecture note's typo)
            assert page.locator(".jp-MarkdownCell mjx-merror").count() == 0, f"{href}: a TeX error in the text"
            raw = page.locator(".jp-RenderedMarkdown").evaluate_all(  # TeX shown as code is meant to be raw
                "els => els.filter(e => { const c = e.cloneNode(true);"
                "  c.querySelectorAll('code, pre, mjx-container').forEach(x => x.remove());"
                "  return /\\$[^$\\s][^$]*\\$/.test(c.textContent); }).length")
            assert raw == 0, f"{href}: {raw} Markdown cell(s) still show raw $...$"
        for name in site["live_pages"].get(href, []):
            page.locator(f"[data-softmax-{name}][data-ready='true']").first.wait_for(timeout=30_000)
        assert page.locator("img:not([alt]), img[alt='']").count() == 0, f"{href}: an image has no alt text"
        # Code cells are coloured by one style sheet (the same token classes on every page): axe checks them
        # on the first notebook page and the explorer's; elsewhere it skips them (a scan costs 3x with them).
        full = href in (site["pages"][1], *site["live_pages"]) or href == "index.html"
        violations = axe.run(page, context=None if full else {"exclude": [[".jp-InputArea"]]}).response["violations"]
        bad = [f"{v['id']} ({v['impact']}, {len(v['nodes'])}x): {v['help']}" for v in violations
               if v["impact"] in {"serious", "critical"}]
        if bad:
            serious[href] = bad
    offline.assert_clean()
    assert len(site["pages"]) == 1 + len(list(bs.NOTEBOOKS.glob("[0-9][0-9]-*.ipynb")))
    assert serious == {}, f"axe-core found serious or critical violations: {serious}"


def _explorer_numbers(page: Any) -> tuple[str, list[str]]:
    app = page.locator("[data-softmax-explorer]")
    return (app.locator(".softmax-readout").inner_text(),
            app.locator("svg rect").evaluate_all("els => els.map(e => e.getAttribute('height'))"))


def test_the_explorer_runs_without_a_kernel_and_follows_the_keyboard(site: dict[str, Any], server: bs.Server,
                                                                      offline: OfflinePage) -> None:
    assert site["live_pages"] == {"07-temperature.html": ["explorer"], "08-geometry-and-convexity.html": ["simplex"],
                                  "09-temperature-beyond-sampling.html": ["calibration"],
                                  "10-sampling-pipeline.html": ["pipeline"]}
    page = offline.goto(server.url("/07-temperature.html"))
    page.locator("[data-softmax-explorer][data-ready='true']").wait_for(timeout=30_000)
    settings = build_site.json.loads(page.locator("[data-softmax-explorer]").get_attribute("data-softmax-explorer"))
    z, labels = settings["logits"], settings["labels"]
    readout, bars = _explorer_numbers(page)
    assert readout == f"{readout_text(temperature_view(z, settings['temperature']), labels)} | draws: seed 0"
    slider = page.get_by_role("slider", name="T", exact=True)
    slider.focus()
    page.keyboard.press("ArrowLeft")  # one step of 0.02 in log10(T)
    deadline = time.monotonic() + 5
    while _explorer_numbers(page)[0] == readout and time.monotonic() < deadline:
        time.sleep(0.02)
    moved, moved_bars = _explorer_numbers(page)
    t = round(10 ** (-0.02), 12)
    assert moved == f"{readout_text(temperature_view(z, t), labels)} | draws: seed 0", (moved, t)
    assert moved_bars != bars, "the readout moved but the bars did not"
    assert slider.get_attribute("aria-valuetext") == "T = 0.955"
    page.keyboard.press("ArrowRight")
    page.wait_for_function("r => document.querySelector('.softmax-readout').innerText === r", arg=readout)
    page.get_by_role("button", name="Resample").click()
    assert _explorer_numbers(page)[0].endswith("| draws: seed 1")
    offline.assert_clean()


def _simplex_numbers(page: Any) -> tuple[str, tuple[str, str]]:
    app = page.locator("[data-softmax-simplex]")
    dot = app.locator("svg circle.softmax-simplex-point")
    return app.locator(".softmax-readout").inner_text(), (dot.get_attribute("cx"), dot.get_attribute("cy"))


def _simplex_line(z: list[float], t: float) -> str:
    """The readout simplex.js shows, computed by softmax_lab and geometry.to_plane (the oracle)."""
    p = softmax(z, temperature=t)
    x, y = to_plane(p)
    shown_t = f"{t:.3g}"
    return (f"T = {shown_t} | p = ({', '.join(f'{v:.3f}' for v in p)}) | point (x, y) = ({x:.3f}, {y:.3f}) | "
            f"largest: class {int(p.argmax()) + 1}")


def _wait_for_change(page: Any, before: tuple[str, tuple[str, str]]) -> tuple[str, tuple[str, str]]:
    deadline = time.monotonic() + 5
    while _simplex_numbers(page) == before and time.monotonic() < deadline:
        time.sleep(0.02)
    return _simplex_numbers(page)


def test_the_simplex_explorer_runs_without_a_kernel_and_follows_the_keyboard(server: bs.Server,
                                                                            offline: OfflinePage) -> None:
    page = offline.goto(server.url("/08-geometry-and-convexity.html"))
    page.locator("[data-softmax-simplex][data-ready='true']").wait_for(timeout=30_000)
    settings = build_site.json.loads(page.locator("[data-softmax-simplex]").get_attribute("data-softmax-simplex"))
    z = settings["logits"]
    readout, point = _simplex_numbers(page)
    assert readout == _simplex_line(z, settings["temperature"])
    t_slider = page.get_by_role("slider", name="T", exact=True)
    t_slider.focus()
    page.keyboard.press("ArrowLeft")  # one step of 0.02 in log10(T)
    moved, moved_point = _wait_for_change(page, (readout, point))
    assert moved == _simplex_line(z, round(10 ** (-0.02), 12)), moved
    assert moved_point != point, "the readout moved but the point did not"
    assert t_slider.get_attribute("aria-valuetext") == "T = 0.955"
    page.keyboard.press("ArrowRight")
    page.wait_for_function("r => document.querySelector('[data-softmax-simplex] .softmax-readout').innerText === r",
                           arg=readout)
    assert _simplex_numbers(page)[1] == point
    page.get_by_role("slider", name="shift c", exact=True).focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('[data-softmax-simplex] .softmax-simplex-shift')"
                           ".value === '0.5'")
    assert _simplex_numbers(page) == (readout, point), "adding c to every logit moved the point"
    page.get_by_role("slider", name="z1", exact=True).focus()
    page.keyboard.press("ArrowLeft")  # z1 from 2.0 to 1.9
    moved, moved_point = _wait_for_change(page, (readout, point))
    assert moved == _simplex_line([round(z[0] - 0.1, 6), *z[1:]], settings["temperature"]), moved
    assert moved_point != point
    offline.assert_clean()


def _calibration_numbers(page: Any) -> tuple[str, tuple[str, str]]:
    app = page.locator("[data-softmax-calibration]")
    dot = app.locator("svg circle.softmax-calibration-point")
    return app.locator(".softmax-readout").inner_text(), (dot.get_attribute("cx"), dot.get_attribute("cy"))


def _calibration_line(Z: np.ndarray, labels: np.ndarray, t: float, best: float) -> str:
    """The readout calibration_demo.js shows, computed by softmax_lab and calibration.py (the oracle)."""
    P = softmax(Z, temperature=t, axis=1)
    return (f"T = {t:.3g} | ECE = {expected_calibration_error(P, labels, 10):.3f} | "
            f"NLL = {float(cross_entropy(Z / t, labels)):.3f} | mean confidence {P.max(axis=1).mean():.3f}, "
            f"accuracy {np.mean(P.argmax(axis=1) == labels):.3f} | lowest NLL at T = {best:.3g}")


def test_the_calibration_explorer_runs_without_a_kernel_and_follows_the_keyboard(server: bs.Server,
                                                                                offline: OfflinePage) -> None:
    page = offline.goto(server.url("/09-temperature-beyond-sampling.html"))
    app = page.locator("[data-softmax-calibration]")
    page.locator("[data-softmax-calibration][data-ready='true']").wait_for(timeout=30_000)
    settings = build_site.json.loads(app.get_attribute("data-softmax-calibration"))
    Z, labels = np.array(settings["logits"]), np.array(settings["labels"])
    assert Z.shape == (500, 10) and settings["temperature"] == 1.0 and settings["n_bins"] == 10
    grid = np.logspace(-2, 2, 40001)  # the oracle's lowest-NLL T: a dense grid, steps of 1e-4 in log10(T)
    best = float(grid[np.argmin([float(cross_entropy(Z / t, labels)) for t in grid])])
    readout, point = _calibration_numbers(page)
    assert readout == _calibration_line(Z, labels, 1.0, best), readout
    slider = page.get_by_role("slider", name="T", exact=True)
    slider.focus()
    page.keyboard.press("ArrowRight")  # one step of 0.02 in log10(T)
    deadline = time.monotonic() + 5
    while _calibration_numbers(page) == (readout, point) and time.monotonic() < deadline:
        time.sleep(0.02)
    moved, moved_point = _calibration_numbers(page)
    assert moved == _calibration_line(Z, labels, round(10 ** 0.02, 12), best), moved
    assert moved_point[0] != point[0] and moved_point[1] == point[1], "T moves the confidence, not the accuracy"
    assert slider.get_attribute("aria-valuetext") == "T = 1.05"
    offline.assert_clean()


def _pipeline_numbers(page: Any) -> tuple[str, list[str]]:
    app = page.locator("[data-softmax-pipeline]")
    return (app.locator(".softmax-readout").inner_text(),
            app.locator("svg rect.softmax-pipeline-bar").evaluate_all("els => els.map(e => e.getAttribute('height'))"))


def _pipeline_line(settings: dict[str, Any], **changes: Any) -> str:
    """The readout pipeline_demo.js shows, computed by softmax_lab.course.pipeline.sampler_stages (the oracle)."""
    import numpy as np

    from softmax_lab.course.pipeline import sampler_stages
    s = {**settings, **changes}
    c = len(s["logits"])
    bias = [(-np.inf if i in s["banned"] else 0.0) + (s["bias"] if i == s["bias_class"] else 0.0) for i in range(c)]
    stages = sampler_stages(s["logits"], s["counts"], repetition=s["repetition"], presence=s["presence"],
                            frequency=s["frequency"], bias=bias, temperature=s["temperature"],
                            top_k=None if s["top_k"] >= c else s["top_k"], top_p=None if s["top_p"] >= 1 else s["top_p"],
                            min_p=None if s["min_p"] <= 0 else s["min_p"])
    left = {name: int(np.count_nonzero(q)) for name, q in stages.items()}
    final = stages["min-p"]
    top = int(np.argmax(final))
    return (f"T = {s['temperature']:.3g} | classes left: {left['softmax(z)']} -> penalties {left['penalties']} -> "
            f"top-k {left['top-k']} -> top-p {left['top-p']} -> min-p {left['min-p']} | most probable: "
            f"{s['labels'][top]} {final[top]:.3f}")


def test_the_pipeline_explorer_runs_without_a_kernel_and_follows_the_keyboard(server: bs.Server,
                                                                             offline: OfflinePage) -> None:
    page = offline.goto(server.url("/10-sampling-pipeline.html"))
    page.locator("[data-softmax-pipeline][data-ready='true']").wait_for(timeout=30_000)
    settings = build_site.json.loads(page.locator("[data-softmax-pipeline]").get_attribute("data-softmax-pipeline"))
    readout, bars = _pipeline_numbers(page)
    assert readout == _pipeline_line(settings)
    t_slider = page.get_by_role("slider", name="T", exact=True)
    t_slider.focus()
    page.keyboard.press("ArrowLeft")  # one step of 0.02 in log10(T)
    deadline = time.monotonic() + 5
    while _pipeline_numbers(page) == (readout, bars) and time.monotonic() < deadline:
        time.sleep(0.02)
    moved, moved_bars = _pipeline_numbers(page)
    t = round(10 ** (-0.02), 12)
    assert moved == _pipeline_line(settings, temperature=t), moved
    assert moved_bars != bars, "the readout moved but the bars did not"
    assert t_slider.get_attribute("aria-valuetext") == "T = 0.955"
    page.get_by_role("slider", name="top-k", exact=True).focus()
    page.keyboard.press("Home")  # top-k from off (all classes) to 1
    page.wait_for_function("() => document.querySelector('[data-softmax-pipeline] .softmax-pipeline-topk').value === '1'")
    assert _pipeline_numbers(page)[0] == _pipeline_line(settings, temperature=t, top_k=1)
    offline.assert_clean()
