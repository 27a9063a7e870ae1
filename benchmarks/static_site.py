"""How fast the static site is (issue 16): build time, page weight, time to a responsive slider, one update.

Usage: python benchmarks/static_site.py [--repeat N]     (run from the repository's root; needs Debian's chromium)

* build: seconds for ``tools/build_site.build`` (all pages and _static/), best and median of N builds;
* page weight of ``07-temperature.html``: the bytes of the page and of everything it loads (resource timing,
  decoded sizes), split into the page itself, MathJax and the rest;
* navigation to a responsive slider, from a local static server (``python -m http.server``): from
  ``page.goto`` until the explorer is mounted, then until one ArrowLeft on the T slider has changed the
  readout (median of N fresh browser contexts, so nothing is cached);
* one slider update for 50 classes in the browser: an ``input`` event on the T slider, the explorer's
  synchronous recompute and DOM update, and the forced style and layout (median and worst of 200 updates),
  against the 16 ms frame budget.

Not a test: nothing here asserts; it prints the numbers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tools")]
import browser_support as bs  # noqa: E402
import build_site  # noqa: E402

FRAME_MS = 16.0

# 200 updates of the T slider of a 50-class explorer: time from the input event to a finished layout.
UPDATE_JS = """
() => {
  const input = document.querySelector('[data-softmax-explorer] input.softmax-explorer-temperature');
  const chart = document.querySelector('[data-softmax-explorer] svg');
  const times = [];
  for (let i = 0; i < 200; i++) {
    input.value = String(-2 + 4 * ((i * 37) % 200) / 200);
    const t0 = performance.now();
    input.dispatchEvent(new Event('input', {bubbles: true}));
    chart.getBoundingClientRect();             // force style and layout of what changed
    document.body.offsetHeight;
    times.push(performance.now() - t0);
  }
  return times;
}
"""


def bench_build(repeat: int) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeat):
            start = time.perf_counter()
            build_site.build(Path(tmp) / "site")
            times.append(time.perf_counter() - start)
    return times


def fifty_class_page(site: Path) -> str:
    """A page of the built site with a 50-class explorer (the chart's worst case: 50 bars in each panel)."""
    settings = {"logits": [round(3 - 0.13 * i, 2) for i in range(50)], "labels": [f"c{i}" for i in range(50)],
                "temperature": 1.0, "top_k": 50, "top_p": 1.0, "n_draws": 1000, "seed": 0, "presenter": False}
    (site / "bench-50.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>50 classes</title>'
        '<link rel="icon" href="data:,"><link rel="stylesheet" href="_static/explorer.css"></head><body>'
        f"{build_site.explorer_html(settings)}"
        '<script type="module" src="_static/explorer-site.js"></script></body></html>')
    return "bench-50.html"


def main(repeat: int) -> None:
    reason = bs.browser_missing_reason()
    if reason:
        raise SystemExit(f"cannot run the site benchmark: {reason}")
    builds = bench_build(repeat)
    print(f"build: best {min(builds):.2f} s, median {statistics.median(builds):.2f} s over {repeat} builds")
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        build_site.build(site)
        page50 = fifty_class_page(site)
        with bs.serve(bs.static_server(site), token="", workdir=Path(tmp), cwd=site, probe_path="/index.html") as server, \
                bs.chromium() as browser:
            weights, ready, responsive, mounted = None, [], [], []
            for _ in range(repeat):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                start = time.perf_counter()
                page.goto(server.url("/07-temperature.html"), wait_until="commit")
                page.locator("[data-softmax-explorer][data-ready='true']").wait_for()
                ready.append(time.perf_counter() - start)
                mounted.append(float(page.locator("[data-softmax-explorer]").get_attribute("data-mounted-ms")))
                before = page.locator(".softmax-readout").inner_text()
                page.get_by_role("slider", name="T", exact=True).focus()
                page.keyboard.press("ArrowLeft")
                page.wait_for_function("b => document.querySelector('.softmax-readout').innerText !== b", arg=before)
                responsive.append(time.perf_counter() - start)
                if weights is None:
                    page.wait_for_function("() => document.documentElement.dataset.mathTypeset === 'done'")
                    weights = page.evaluate("""() => {
                      const nav = performance.getEntriesByType('navigation')[0];
                      const res = performance.getEntriesByType('resource');
                      const sum = (f) => res.filter(f).reduce((s, r) => s + r.decodedBodySize, 0);
                      return {page: nav.decodedBodySize, mathjax: sum(r => r.name.includes('/mathjax/')),
                              other: sum(r => !r.name.includes('/mathjax/')), files: res.length + 1};
                    }""")
                context.close()
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(server.url(f"/{page50}"))
            page.locator("[data-softmax-explorer][data-ready='true']").wait_for()
            page.evaluate(UPDATE_JS)  # warm up (JIT)
            updates = page.evaluate(UPDATE_JS)
            page.close()
    total = weights["page"] + weights["mathjax"] + weights["other"]
    print(f"page weight of 07-temperature.html: {total / 1e6:.2f} MB in {weights['files']} files "
          f"(HTML {weights['page'] / 1e3:.0f} kB with its figures inline, MathJax {weights['mathjax'] / 1e3:.0f} kB, "
          f"styles and scripts {weights['other'] / 1e3:.0f} kB; uncompressed)")
    print(f"explorer mounted {statistics.median(mounted):.0f} ms after navigation start (page clock); "
          f"the page's main thread is then busy with MathJax until the first typeset ends")
    print(f"navigation to the explorer mounted as seen from outside: median {statistics.median(ready) * 1e3:.0f} ms; to a slider "
          f"that has responded to one key press: median {statistics.median(responsive) * 1e3:.0f} ms "
          f"(max {max(responsive) * 1e3:.0f} ms, {repeat} fresh contexts)")
    print(f"one T-slider update, 50 classes (recompute + DOM + layout): median {statistics.median(updates):.2f} ms, "
          f"worst {max(updates):.2f} ms of {len(updates)}; frame budget {FRAME_MS:.0f} ms")
    print(json.dumps({"build_s": min(builds), "page_bytes": total, "mounted_ms": statistics.median(mounted), "ready_ms": statistics.median(ready) * 1e3,
                      "responsive_ms": statistics.median(responsive) * 1e3,
                      "update_ms_median": statistics.median(updates), "update_ms_max": max(updates)}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    main(parser.parse_args().repeat)
