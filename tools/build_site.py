"""Build the course as a static web site from the stored notebooks (``make site``; issue 16).

Usage: python tools/build_site.py [OUT_DIR]   (default: site/, which git ignores)

Writes ``index.html`` (the course table of the README, linked), one page per numbered notebook (its text,
math, code, outputs and figures, with previous / next links, a link to run it locally and the licence
notice), the notebooks themselves for download, and ``_static/``. Everything a page loads is a local file
copied from an installed package: nbconvert's JupyterLab styles, MathJax 3 from npm (``package.json``,
pinned by ``package-lock.json``; ``npm ci`` runs when ``node_modules/`` lacks it), the live widgets' ES
modules and styles (``explorer.js``, ``simplex.js``, ... from ``softmax_lab/course``, as anywidget gets them:
with the shared ``widget_dom.js``, ``softmax.js`` and ``widget_base.css`` put in). No page asks another host for
anything, so the site works offline and from any static file server (GitHub Pages included).

The widgets of :data:`LIVE_WIDGETS` (the temperature, simplex, calibration and pipeline explorers) run in the page without
a kernel: where a notebook stored such a widget's view, the page gets a ``<div data-softmax-NAME=SETTINGS>``
and ``_static/explorer-site.js`` mounts the same ES module (``_static/NAME.js``) on it with a small stand-in
for the widget model. Any other widget output (it would need a kernel) is replaced by a note saying so.

Figures get their alt text from the code cell's metadata ``alt_text`` (a string, or a list with one entry
per figure); a figure without one gets a generic description and is listed by :func:`figures_missing_alt`.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import subprocess
import anywidget
import nbconvert
import nbformat
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import markdown2html_mistune

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from softmax_lab.course import calibration_demo, explorer, pipeline_demo, simplex  # noqa: E402

ASSETS = Path(__file__).with_name("site")
NOTEBOOKS = REPO / "notebooks"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
EXPLORER_SETTINGS = ("logits", "labels", "temperature", "top_k", "top_p", "n_draws", "seed", "presenter")
LICENCE_HTML = ('Course text and figures: <a href="LICENSE-CONTENT.txt">CC BY 4.0</a> '
                '(Creative Commons Attribution 4.0 International). '
                'Code: <a href="LICENSE.txt">MIT licence</a>.')


@dataclass(frozen=True)
class LiveWidget:
    """A widget class the site runs without a kernel: its ES module and style sheet, the very texts anywidget
    gets (``cls._esm`` and ``cls._css``, with widget_dom.js, softmax.js and widget_base.css put in by
    ``softmax_lab.course.widget_assets``), written to ``_static/NAME.js`` / ``NAME.css``
    (``tools/site/explorer-site.js`` imports the module under the same NAME), and the synced settings its
    ``render`` reads from the model."""

    name: str
    title: str
    cls: type[anywidget.AnyWidget]
    settings: tuple[str, ...]


# anywidget's ``_anywidget_id`` (module.Class) -> the live widget
LIVE_WIDGETS = {
    "softmax_lab.course.explorer.TemperatureExplorer": LiveWidget(
        "explorer", "The temperature explorer", explorer.TemperatureExplorer, EXPLORER_SETTINGS),
    "softmax_lab.course.simplex.SimplexExplorer": LiveWidget(
        "simplex", "The simplex explorer", simplex.SimplexExplorer, ("logits", "temperature", "shift", "presenter")),
    "softmax_lab.course.pipeline_demo.PipelineExplorer": LiveWidget(
        "pipeline", "The sampling-pipeline explorer", pipeline_demo.PipelineExplorer,
        ("labels", "logits", "counts", "banned", "repetition", "presence", "frequency", "bias_class", "bias",
         "temperature", "top_k", "top_p", "min_p", "presenter")),
    "softmax_lab.course.calibration_demo.CalibrationExplorer": LiveWidget(
        "calibration", "The calibration explorer", calibration_demo.CalibrationExplorer,
        ("logits", "labels", "temperature", "n_bins", "presenter")),
}


@dataclass
class Page:
    notebook: Path
    title: str
    href: str


# ------------------------------------------------------------------------------------------- notebooks

def notebook_title(nb: nbformat.NotebookNode, fallback: str) -> str:
    """The first Markdown heading of the notebook as plain text (no #s, no $ around math), else ``fallback``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#+\s+(.+)$", cell.source, re.MULTILINE)
            if match:
                return re.sub(r"\$([^$]*)\$", r"\1", match.group(1)).strip()
    return fallback


def live_widget(state: dict[str, Any], model_id: str) -> tuple[LiveWidget, dict[str, Any]] | None:
    """The live widget and its settings if ``model_id`` is a stored widget of :data:`LIVE_WIDGETS`, else None."""
    model = state.get(model_id, {}).get("state", {})
    widget = LIVE_WIDGETS.get(model.get("_anywidget_id", ""))
    return (widget, {k: model[k] for k in widget.settings}) if widget else None


def widget_html(widget: LiveWidget, settings: dict[str, Any]) -> str:
    return (f'<div class="softmax-{widget.name}-embed" data-softmax-{widget.name}="{html.escape(json.dumps(settings))}">'
            f'<noscript>{widget.title} needs JavaScript.</noscript></div>')


def explorer_html(settings: dict[str, Any]) -> str:
    """The temperature explorer's element (benchmarks/static_site.py builds a page with it)."""
    return widget_html(LIVE_WIDGETS["softmax_lab.course.explorer.TemperatureExplorer"], settings)


def _kernel_note(run_href: str) -> str:
    return ('<p class="site-widget-note">This output is an interactive widget that needs a running Python '
            f'kernel: <a href="{run_href}">run the notebook locally</a> to use it.</p>')


def prepare(nb: nbformat.NotebookNode, stem: str) -> tuple[list[str], list[str]]:
    """Rewrite ``nb`` in place for the site; return (names of its live widgets, figures lacking alt text).

    Widget views become a live widget or a note; every PNG output gets ``site_alt`` in its metadata.
    """
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    live, missing, figure = [], [], 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        alts = cell.metadata.get("alt_text")
        alts = [alts] if isinstance(alts, str) else list(alts or [])
        pngs = 0
        for out in cell.outputs:
            data = out.get("data", {})
            if WIDGET_VIEW in data:
                found = live_widget(state, data[WIDGET_VIEW]["model_id"])
                if found and found[0].name not in live:
                    live.append(found[0].name)
                body = widget_html(*found) if found else _kernel_note(f"#run-{stem}")
                out["data"] = {"text/html": body}
            if "image/png" in data:
                figure += 1
                if pngs < len(alts):
                    alt = alts[pngs]
                else:
                    alt = f"Figure {figure} of notebook {stem}, made by the code cell above (no description yet)."
                    missing.append(f"{stem}.ipynb cell {index} (figure {pngs + 1} of that cell)")
                out.setdefault("metadata", {})["site_alt"] = alt
                pngs += 1
    nb.metadata.pop("widgets", None)
    return live, missing


# ------------------------------------------------------------------------------------------- page parts

def run_locally_html(stem: str) -> str:
    return (f'<section class="site-run" id="run-{stem}" aria-label="Run this notebook"><p><strong>Run it '
            f'yourself:</strong> <a href="notebooks/{stem}.ipynb" download>download {stem}.ipynb</a>, or, in a '
            f'copy of the course\'s repository, run <code>make lab</code> and open '
            f'<code>notebooks/{stem}.ipynb</code>.</p></section>')


def header_html(pages: list[Page], i: int | None) -> str:
    links = [f'<a class="site-home" href="index.html">softmax-lab</a>']
    for j, page in enumerate(pages):
        current = ' aria-current="page"' if j == i else ""
        links.append(f'<a href="{page.href}"{current}>{page.notebook.stem[:2]}</a>')
    return ('<header class="site-header"><nav aria-label="Course">' + " ".join(links) + "</nav></header>")


def pager_html(pages: list[Page], i: int) -> str:
    prev = f'<a rel="prev" href="{pages[i - 1].href}">&larr; {html.escape(pages[i - 1].title)}</a>' if i > 0 else "<span></span>"
    nxt = (f'<a rel="next" href="{pages[i + 1].href}">{html.escape(pages[i + 1].title)} &rarr;</a>'
           if i + 1 < len(pages) else '<a href="index.html">Back to the course table</a>')
    return f'<nav class="site-pager" aria-label="Previous and next notebook">{prev}{nxt}</nav>'


def footer_html(pages: list[Page], i: int | None) -> str:
    parts = [pager_html(pages, i)] if i is not None else []
    if i is not None:
        parts.append(run_locally_html(pages[i].notebook.stem))
    parts.append(f'<p class="site-licence">{LICENCE_HTML}</p>')
    return '<footer class="site-footer">' + "".join(parts) + "</footer>"


def course_rows(readme: Path) -> dict[str, str]:
    """``{notebook stem: what you learn}`` from the course table in the README (one source for both)."""
    rows = {}
    for line in readme.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\|\s*`(\d\d-[\w-]+)`\s*\|\s*(.+?)\s*\|\s*$", line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


def live_demos_sentence(pages: list[Page], live_pages: dict[str, list[str]]) -> str:
    """"4 demos run live in their pages, computed in your browser: the temperature explorer (07), ..."."""
    titles = {w.name: w.title for w in LIVE_WIDGETS.values()}
    demos = [f"{titles[name][0].lower()}{titles[name][1:]} ({page.notebook.stem[:2]})"
             for page in pages for name in live_pages.get(page.href, [])]
    if not demos:
        return "No demo runs live here: they need a Python kernel (make lab)."
    listed = demos[0] if len(demos) == 1 else ", ".join(demos[:-1]) + " and " + demos[-1]
    runs = "1 demo runs live in its page" if len(demos) == 1 else f"{len(demos)} demos run live in their pages"
    return f"{runs}, computed in your browser with no Python behind it: {listed}."


def index_html(pages: list[Page], rows: dict[str, str], live_pages: dict[str, list[str]]) -> str:
    body = []
    for page in pages:
        what = markdown2html_mistune(rows.get(page.notebook.stem, "")).strip()
        what = re.sub(r"^<p>(.*)</p>$", r"\1", what, flags=re.DOTALL)
        body.append(f'<tr><td><a href="{page.href}">{html.escape(page.title)}</a></td><td>{what}</td></tr>')
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>softmax-lab: an interactive course on the softmax function</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="_static/site.css">
</head>
<body class="site-page site-index">
<a class="site-skip" href="#content">Skip to the course table</a>
{header_html(pages, None)}
<main id="content">
<h1>softmax-lab: an interactive course on the softmax function</h1>
<p>{len(pages)} notebooks, from the definition to attention. Every page is a notebook with its stored outputs.
{html.escape(live_demos_sentence(pages, live_pages))} To run the code yourself, run <code>make lab</code> in a
copy of the course's repository.</p>
<table>
<caption class="site-skip">The course, one notebook per row</caption>
<thead><tr><th scope="col">notebook</th><th scope="col">what you learn</th></tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
</table>
</main>
{footer_html(pages, None)}
</body>
</html>
"""


# ------------------------------------------------------------------------------------------- build

def mathjax_dir() -> Path:
    """MathJax 3 (npm, pinned in package-lock.json); ``npm ci`` installs it into node_modules/ if missing."""
    es5 = REPO / "node_modules" / "mathjax" / "es5"
    if not (es5 / "tex-chtml.js").exists():
        if shutil.which("npm") is None:
            raise SystemExit("make site needs MathJax from npm, and npm is missing (Debian: apt-get install npm)")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=REPO, check=True)
    return es5


def copy_static(out: Path) -> None:
    static = out / "_static"
    static.mkdir(parents=True, exist_ok=True)
    lab = Path(nbconvert.__file__).resolve().parents[0]
    lab_static = next(p for p in [Path(sys.prefix) / "share/jupyter/nbconvert/templates/lab/static",
                                  lab / "../../../../share/jupyter/nbconvert/templates/lab/static"] if p.exists())
    shutil.copy(lab_static / "index.css", static / "lab.css")
    shutil.copy(lab_static / "theme-light.css", static / "theme-light.css")
    for name in ("site.css", "explorer-site.js"):
        shutil.copy(ASSETS / name, static / name)
    for widget in LIVE_WIDGETS.values():
        (static / f"{widget.name}.js").write_text(widget.cls._esm, encoding="utf-8")
        (static / f"{widget.name}.css").write_text(widget.cls._css, encoding="utf-8")
    shutil.copytree(mathjax_dir(), static / "mathjax", ignore=shutil.ignore_patterns(
        "sre", "*-full*.js", "*svg*.js", "mml-*.js", "tex-mml-*.js", "node-main.js"))  # what tex-chtml.js may load
    shutil.copy(REPO / "LICENSE", out / "LICENSE.txt")
    shutil.copy(REPO / "LICENSE-CONTENT", out / "LICENSE-CONTENT.txt")


def build(out: Path, notebooks: Path = NOTEBOOKS) -> dict[str, Any]:
    """Write the site into ``out``; return what was built (pages, figures lacking alt text, seconds)."""
    start = time.perf_counter()
    if out.exists():
        shutil.rmtree(out)
    copy_static(out)
    (out / "notebooks").mkdir()
    paths = sorted(notebooks.glob("[0-9][0-9]-*.ipynb"))
    nbs = [nbformat.read(p, as_version=4) for p in paths]
    pages = [Page(p, notebook_title(nb, p.stem), f"{p.stem}.html") for p, nb in zip(paths, nbs)]
    exporter = HTMLExporter(template_name="lab", extra_template_paths=[str(ASSETS)])
    exporter.template_file = "page.html.j2"
    missing_alt: list[str] = []
    live_pages: dict[str, list[str]] = {}
    styles = [f"{w.name}.css" for w in LIVE_WIDGETS.values()]
    for i, (page, nb) in enumerate(zip(pages, nbs)):
        shutil.copy(page.notebook, out / "notebooks" / page.notebook.name)
        live, missing = prepare(nb, page.notebook.stem)
        missing_alt += missing
        if live:
            live_pages[page.href] = live
        site = {"header": header_html(pages, i), "footer": footer_html(pages, i), "explorer": bool(live),
                "widget_css": styles}
        body, _ = exporter.from_notebook_node(nb, resources={"site": site, "metadata": {"name": page.title}})
        (out / page.href).write_text(body, encoding="utf-8")
    (out / "index.html").write_text(index_html(pages, course_rows(REPO / "README.md"), live_pages), encoding="utf-8")
    (out / ".nojekyll").write_text("")  # GitHub Pages: serve _static/ as it is
    return {"pages": ["index.html", *(p.href for p in pages)], "live_pages": live_pages,
            "missing_alt": missing_alt, "seconds": time.perf_counter() - start}


def figures_missing_alt(notebooks: Path = NOTEBOOKS) -> list[str]:
    """Notebook cells whose figures have no ``alt_text`` in their metadata."""
    missing = []
    for path in sorted(notebooks.glob("[0-9][0-9]-*.ipynb")):
        missing += prepare(nbformat.read(path, as_version=4), path.stem)[1]
    return missing


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "site"
    report = build(target)
    print(f"built {len(report['pages'])} pages into {target} in {report['seconds']:.1f} s; "
          f"live widgets on {', '.join(f'{h} ({n})' for h, ns in report['live_pages'].items() for n in ns) or 'no page'}")
    for cell in report["missing_alt"]:
        print(f"  figure without alt_text metadata: {cell}")
    print(f"view it: python -m http.server --directory {target} 8000  (then open http://127.0.0.1:8000/)")
