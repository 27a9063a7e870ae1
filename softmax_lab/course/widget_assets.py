"""The ES module and the style sheet of each anywidget widget, with the parts the widgets share put in.

The four widgets (``explorer``, ``simplex``, ``calibration_demo``, ``pipeline_demo``) share two ES modules,
:data:`SHARED_MODULES`: their DOM helpers and T slider, ``widget_dom.js``, and their softmax, ``softmax.js``; and
their base style rules, written once in ``widget_base.css``:

* a widget's ES module imports from each shared module with one statement, ``import { ... } from
  "./widget_dom.js";`` and ``import { softmax } from "./softmax.js";``. node (the parity tests) loads the
  modules as files, where those imports resolve; anywidget loads ``_esm`` from a blob URL, where a relative
  import cannot. :func:`widget_esm` returns one self-contained module: the text of each shared module it imports
  (its ``export`` keywords removed), once each and in the order of :data:`SHARED_MODULES`, in place of the first
  of those imports, the others removed;
* ``widget_base.css`` writes its selectors with the placeholder ``WIDGET`` (``.WIDGET-row``); :func:`widget_css`
  returns it with ``WIDGET`` replaced by the widget's class prefix, followed by the widget's own style sheet.

The widget classes set ``_esm = widget_esm("simplex.js")`` and ``_css = widget_css("simplex.css",
"softmax-simplex")``; ``tools/build_site.py`` serves the same two texts to the static site.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .._validate import check_temperature

__all__ = ["widget_esm", "widget_css", "slider_temperature", "SHARED_MODULES", "BASE_CSS", "T_MIN", "T_MAX"]

HERE = Path(__file__).parent
SHARED_MODULES = ("widget_dom.js", "softmax.js")  # the modules widget_esm inlines, in this order
BASE_CSS = "widget_base.css"
PLACEHOLDER = "WIDGET"  # the class prefix in widget_base.css
T_MIN, T_MAX = 0.01, 100.0  # the T sliders' range (log scale); also T_MIN / T_MAX in widget_dom.js


def slider_temperature(temperature: Any) -> float:
    """``temperature`` as a float on the widgets' log-scale T slider, [T_MIN, T_MAX]; ValueError otherwise."""
    t = check_temperature(temperature)
    if not T_MIN <= t <= T_MAX:
        raise ValueError(f"temperature must be within the slider range [{T_MIN}, {T_MAX}], got {t}")
    return t

# import { a, b, ... } from "./m.js"; names only (an alias `a as b` would be lost by inlining), any layout
_SHARED_IMPORT = re.compile(r'^import \{\s*\w+(?:\s*,\s*\w+)*\s*,?\s*\} from "\./(?P<module>[\w.-]+)";$',
                            re.MULTILINE)
_ANY_IMPORT = re.compile(r"\s*(import\b|export\s*[*{].*\bfrom\s*[\"'])")  # an import, or a re-export
_EXPORT = re.compile(r"^export (?=(?:async )?function |const |let |class )", re.MULTILINE)


def _shared_text(module: str) -> str:
    """The text of the shared module ``module`` without its ``export`` keywords; it may import nothing."""
    text = (HERE / module).read_text(encoding="utf-8")
    for line in text.splitlines():
        if _ANY_IMPORT.match(line):
            raise ValueError(f"{module}: {line.strip()!r}: it is inlined into the widgets' modules, so it "
                             "may import nothing")
    return _EXPORT.sub("", text).rstrip("\n")


def widget_esm(name: str) -> str:
    """The ES module ``name`` (a file beside this one) with its imports of the shared modules inlined.

    Each statement ``import { ... } from "./M";`` (on one line or several) for M in :data:`SHARED_MODULES` is
    replaced: the first by the texts of the shared modules imported, without their ``export`` keywords and in
    the order of :data:`SHARED_MODULES` (every declaration of each is then a plain declaration of the module,
    once), the others by nothing. A module without such an import is returned as it is. Any other import (of
    another file or a package, a second import of a shared module, an alias ``{ a as b }``, a default or
    namespace import, a re-export) raises ValueError naming the file and the line: anywidget could not load
    the module.
    """
    text = (HERE / name).read_text(encoding="utf-8")
    imports: dict[str, re.Match[str]] = {}
    for found in _SHARED_IMPORT.finditer(text):
        if found["module"] in SHARED_MODULES:
            imports.setdefault(found["module"], found)  # a second import of it stays unaccepted: it raises below
    starts = {found.start() for found in imports.values()}
    offset = 0
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        if _ANY_IMPORT.match(line) and offset not in starts:
            allowed = " and ".join(f'"./{module}"' for module in SHARED_MODULES)
            raise ValueError(f"{name}, line {number}: {line.strip()!r}: anywidget loads the widget as one module "
                             f"from a blob URL, so its only imports may be import {{ ... }} from {allowed}; one "
                             "statement each, names without aliases (widget_assets.widget_esm inlines them)")
        offset += len(line)
    if not imports:
        return text
    inlined = "\n\n".join(_shared_text(module) for module in SHARED_MODULES if module in imports)
    parts, end = [], 0
    for i, found in enumerate(sorted(imports.values(), key=lambda f: f.start())):
        parts.append(text[end:found.start()])
        parts.append(inlined if i == 0 else "")
        end = found.end()
        if i > 0 and text.startswith("\n", end):
            end += 1  # a removed import takes its line with it
    return "".join(parts) + text[end:]


def widget_css(name: str, prefix: str) -> str:
    """The shared rules of ``widget_base.css`` for the class prefix ``prefix`` (e.g. ``"softmax-simplex"``),
    then the style sheet ``name`` (a file beside this one), whose rules may override them."""
    if not re.fullmatch(r"[a-z][a-z0-9-]*", prefix):
        raise ValueError(f"prefix must be a CSS class name such as 'softmax-simplex', got {prefix!r}")
    base = (HERE / BASE_CSS).read_text(encoding="utf-8").replace(PLACEHOLDER, prefix)
    return base + "\n" + (HERE / name).read_text(encoding="utf-8")
