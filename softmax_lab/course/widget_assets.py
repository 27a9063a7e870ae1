"""The ES module and the style sheet of each anywidget widget, with the parts the widgets share put in.

The four widgets (``explorer``, ``simplex``, ``calibration_demo``, ``pipeline_demo``) share their DOM helpers,
written once in ``widget_dom.js``, and their base style rules, written once in ``widget_base.css``:

* a widget's ES module imports the helpers with one line, ``import { ... } from "./widget_dom.js";``. node (the
  parity tests) and the static site load the modules as files, where that import resolves; anywidget loads
  ``_esm`` from a blob URL, where a relative import cannot. :func:`widget_esm` returns the module with that line
  replaced by the text of ``widget_dom.js`` (its ``export`` keywords removed), one self-contained module;
* ``widget_base.css`` writes its selectors with the placeholder ``WIDGET`` (``.WIDGET-row``); :func:`widget_css`
  returns it with ``WIDGET`` replaced by the widget's class prefix, followed by the widget's own style sheet.

The widget classes set ``_esm = widget_esm("simplex.js")`` and ``_css = widget_css("simplex.css",
"softmax-simplex")``; ``tools/build_site.py`` serves the same two texts to the static site.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["widget_esm", "widget_css", "SHARED_MODULE", "BASE_CSS"]

HERE = Path(__file__).parent
SHARED_MODULE = "widget_dom.js"
BASE_CSS = "widget_base.css"
PLACEHOLDER = "WIDGET"  # the class prefix in widget_base.css

_SHARED_IMPORT = re.compile(r'^import \{[\w\s,]+\} from "\./widget_dom\.js";$', re.MULTILINE)
_ANY_IMPORT = re.compile(r"\s*(import\b|export\s*[*{].*\bfrom\s*[\"'])")  # an import, or a re-export
_EXPORT = re.compile(r"^export (?=(?:async )?function |const |let |class )", re.MULTILINE)


def widget_esm(name: str) -> str:
    """The ES module ``name`` (a file beside this one) with its import of ``widget_dom.js`` inlined.

    The statement ``import { ... } from "./widget_dom.js";`` (on one line or several) becomes the text of
    ``widget_dom.js`` without its ``export`` keywords: every helper is then a plain declaration of the module. A
    module without that import is returned as it is. Any other import (of another file or a package, a second
    import of ``widget_dom.js``, a default or namespace import, a re-export) raises ValueError naming the file and
    the line: anywidget could not load the module.
    """
    text = (HERE / name).read_text(encoding="utf-8")
    shared = (HERE / SHARED_MODULE).read_text(encoding="utf-8")
    for line in shared.splitlines():
        if _ANY_IMPORT.match(line):
            raise ValueError(f"{SHARED_MODULE}: {line.strip()!r}: it is inlined into the widgets' modules, so it "
                             "may import nothing")
    found = _SHARED_IMPORT.search(text)
    offset = 0
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        if _ANY_IMPORT.match(line) and not (found and offset == found.start()):
            raise ValueError(f"{name}, line {number}: {line.strip()!r}: anywidget loads the widget as one module "
                             f"from a blob URL, so its only import may be import {{ ... }} from "
                             f'"./{SHARED_MODULE}"; (widget_assets.widget_esm inlines it)')
        offset += len(line)
    if found is None:
        return text
    return text[:found.start()] + _EXPORT.sub("", shared).rstrip("\n") + text[found.end():]


def widget_css(name: str, prefix: str) -> str:
    """The shared rules of ``widget_base.css`` for the class prefix ``prefix`` (e.g. ``"softmax-simplex"``),
    then the style sheet ``name`` (a file beside this one), whose rules may override them."""
    if not re.fullmatch(r"[a-z][a-z0-9-]*", prefix):
        raise ValueError(f"prefix must be a CSS class name such as 'softmax-simplex', got {prefix!r}")
    base = (HERE / BASE_CSS).read_text(encoding="utf-8").replace(PLACEHOLDER, prefix)
    return base + "\n" + (HERE / name).read_text(encoding="utf-8")
