"""Screenshots of the temperature demo in JupyterLab, in the Voila presenter and on the static site, for the
README.

Usage: python tools/screenshots.py [OUT_DIR]   (``make screenshots``; OUT_DIR defaults to images/)

Reuses the browser-test harness (tests/browser_support.py): a fresh JupyterLab on a stripped temporary copy
of notebooks/ (the repository's notebooks are never touched), run all cells, scroll to the temperature
slider, move it a few steps down so the chart is sharper than at T = 1; then ``make present`` on a free
port, the same moves, one full-page shot; then the static site (``tools/build_site.py`` into a temporary
folder, served on 127.0.0.1): its index page and the explorer of notebook 07's page, moved the same way.
Needs Debian's chromium (``apt-get install chromium``).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "tests"), str(Path(__file__).resolve().parent)]
import browser_support as bs  # noqa: E402
import build_site  # noqa: E402

VIEWPORT = {"width": 1280, "height": 900}
LAB_HEIGHT = 1040  # tall enough for the app's code cell, sliders and the whole chart
TEMPERATURE = bs.NOTEBOOKS / "07-temperature.ipynb"  # the notebook whose demo the README shows
STEPS_DOWN = 15  # ArrowLeft presses on the log-scale T slider: T = 10**(-0.02 * 15) ~ 0.5


def _lower_temperature(page) -> None:
    """Move the temperature explorer's T slider down by STEPS_DOWN key presses."""
    for _ in range(STEPS_DOWN):
        bs.move_explorer_slider(page, "ArrowLeft")


def site_shots(browser, out_dir: Path, work: Path) -> list[Path]:
    """The static site's index page and the explorer on notebook 07's page (T lowered as above)."""
    site = work / "site"
    build_site.build(site)
    index, demo = out_dir / "screenshot-site-index.png", out_dir / "screenshot-site-explorer.png"
    with bs.serve(bs.static_server(site), token="", workdir=work, cwd=site, probe_path="/index.html") as server:
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(server.url("/index.html"))
        page.screenshot(path=str(index))
        page.goto(server.url("/07-temperature.html"))
        page.wait_for_function("() => document.documentElement.dataset.mathTypeset === 'done'")
        _lower_temperature(page)
        page.locator("[data-softmax-explorer]").evaluate("el => el.scrollIntoView({block: 'start'})")
        page.mouse.move(0, 0)
        time.sleep(0.3)
        page.screenshot(path=str(demo))
        page.close()
    return [index, demo]


def jupyterlab_shot(browser, notebook: Path, out: Path, work: Path) -> None:
    root = bs.copy_notebooks_stripped(bs.NOTEBOOKS, work / "notebooks")
    with bs.jupyterlab_server(root, work) as server:
        page = browser.new_page(viewport=VIEWPORT)
        bs.open_notebook_in_lab(page, server, notebook.name)
        state = bs.run_all_cells(page)
        bs.check_widgets_displayed(page, expected_views=len(state["widgetViews"]))
        page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
        _lower_temperature(page)
        page.set_viewport_size({"width": VIEWPORT["width"], "height": LAB_HEIGHT})
        # the whole cell (the line of code the student ran and the app) at the top of the notebook panel
        page.locator(bs.EXPLORER_T).first.evaluate("el => el.closest('.jp-Cell').scrollIntoView({block: 'start'})")
        page.mouse.move(0, VIEWPORT["height"] - 1)  # no hover highlight on the slider
        time.sleep(0.5)  # let the scroll settle
        page.screenshot(path=str(out))
        page.close()


def voila_shot(browser, out: Path, work: Path) -> None:
    with bs.presenter_server(work) as server:
        page = browser.new_page(viewport=VIEWPORT)
        bs.open_voila_app(page, server)
        bs.check_widgets_displayed(page, expected_views=1)
        _lower_temperature(page)
        page.mouse.move(0, 0)
        # Voila scrolls an inner element, not the document, so full_page=True would cut the app: make the
        # viewport as tall as the tallest scrolling content instead.
        height = page.evaluate("() => Math.max(...Array.from(document.querySelectorAll('body *'), e => e.scrollHeight))")
        page.set_viewport_size({"width": VIEWPORT["width"], "height": min(int(height) + 24, 2400)})
        time.sleep(0.5)
        page.screenshot(path=str(out))
        page.close()


def main(out_dir: Path) -> list[Path]:
    reason = bs.browser_missing_reason()
    if reason:
        raise SystemExit(f"cannot take screenshots: {reason}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with bs.chromium() as browser, tempfile.TemporaryDirectory() as tmp:
        out = out_dir / f"screenshot-jupyterlab-{TEMPERATURE.stem}.png"
        jupyterlab_shot(browser, TEMPERATURE, out, Path(tmp) / "lab")
        written.append(out)
        out = out_dir / "screenshot-voila-presenter.png"
        voila_shot(browser, out, Path(tmp) / "voila")
        written.append(out)
        written += site_shots(browser, out_dir, Path(tmp) / "site")
    return written


if __name__ == "__main__":
    start = time.perf_counter()
    for path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else bs.REPO / "images"):
        print(path.relative_to(bs.REPO) if path.is_relative_to(bs.REPO) else path)
    print(f"{time.perf_counter() - start:.1f} s")
