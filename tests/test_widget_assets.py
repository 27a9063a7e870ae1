"""softmax_lab.course.widget_assets: the widgets' ES modules with the shared widget_dom.js and softmax.js inlined
(what anywidget and the static site load) and their style sheets after widget_base.css."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from softmax_lab.course import widget_assets
from softmax_lab.course.widget_assets import T_MAX, T_MIN
from softmax_lab.course.widget_assets import SHARED_MODULES, widget_css, widget_esm
from test_explorer_js import node_runner

COURSE = Path(widget_assets.__file__).parent
WIDGETS = {"explorer": "softmax-explorer", "simplex": "softmax-simplex", "calibration_demo": "softmax-calibration",
           "pipeline_demo": "softmax-pipeline"}
HELPERS = ("svgEl", "htmlEl", "slider", "formatT", "clampT", "temperatureSlider", "widgetRoot", "svgChart",
           "numbersTable")  # widget_dom.js's
SOFTMAX = ("softmax", "softmaxExponents")  # softmax.js's

# prints the module's export names and whether its default export has a render function
EXPORTS_HARNESS = """
import * as ex from %s;
process.stdin.on("data", () => {});
process.stdin.on("end", () => {
  process.stdout.write(JSON.stringify([Object.keys(ex).sort(), typeof ex.default.render]));
});
"""


@pytest.mark.parametrize("name", WIDGETS)
def test_the_inlined_module_has_no_import_and_each_shared_function_once(name: str) -> None:
    source = (COURSE / f"{name}.js").read_text(encoding="utf-8")
    assert 'from "./widget_dom.js";' in source  # the file imports the helpers (node resolves it)
    assert '\nimport { softmax } from "./softmax.js";\n' in source
    esm = widget_esm(f"{name}.js")
    assert not re.search(r"^\s*import\b", esm, re.MULTILINE)
    for function in HELPERS + SOFTMAX:
        assert esm.count(f"function {function}(") == 1, function
        assert f"export function {function}(" not in esm, function  # the widget's exports stay its own
    assert esm.count("export default") == 1


@pytest.mark.parametrize("name", WIDGETS)
def test_each_shared_module_is_inlined_once_in_the_fixed_order(name: str) -> None:
    esm = widget_esm(f"{name}.js")
    firsts = [(COURSE / module).read_text(encoding="utf-8").splitlines()[0] for module in SHARED_MODULES]
    assert [esm.count(first) for first in firsts] == [1] * len(SHARED_MODULES)
    at = [esm.index(first) for first in firsts]
    assert at == sorted(at) and esm.index(firsts[0]) < esm.index("// -----")  # where the imports were


@pytest.mark.parametrize("name", WIDGETS)
def test_the_shared_functions_are_written_only_in_their_modules(name: str) -> None:
    source = (COURSE / f"{name}.js").read_text(encoding="utf-8")
    for function, module in [(h, "widget_dom.js") for h in HELPERS] + [(f, "softmax.js") for f in SOFTMAX]:
        assert f"function {function}(" not in source, f"{name}.js defines {function} again; import it from {module}"


@pytest.mark.parametrize("name", WIDGETS)
def test_the_inlined_module_loads_alone_under_node_with_the_same_exports(
        name: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    alone = tmp_path / f"{name}.mjs"  # no widget_dom.js beside it: an import left over would fail
    alone.write_text(widget_esm(f"{name}.js"), encoding="utf-8")
    inlined = node_runner(tmp_path_factory, alone, f"the inlined {name}", EXPORTS_HARNESS)([])
    as_files = node_runner(tmp_path_factory, COURSE / f"{name}.js", name, EXPORTS_HARNESS)([])
    assert inlined == as_files and inlined[1] == "function"


@pytest.mark.parametrize("name", ["explorer", "pipeline_demo"])
def test_the_explorers_export_softmax_js_itself(name: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    harness = EXPORTS_HARNESS.replace("import * as ex from %s;", "import * as ex from %s;\nimport { softmax } from "
                                      f"{json.dumps((COURSE / 'softmax.js').as_uri())};")
    harness = harness.replace("[Object.keys(ex).sort(), typeof ex.default.render]", "[ex.softmax === softmax]")
    assert node_runner(tmp_path_factory, COURSE / f"{name}.js", name, harness)([]) == [True]


def test_the_t_sliders_range_is_python_s(tmp_path_factory: pytest.TempPathFactory) -> None:
    harness = EXPORTS_HARNESS.replace("[Object.keys(ex).sort(), typeof ex.default.render]", "[ex.T_MIN, ex.T_MAX]")
    assert node_runner(tmp_path_factory, COURSE / "widget_dom.js", "widget_dom.js", harness)([]) == [T_MIN, T_MAX]


def _course_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str) -> None:
    """widget_assets reading from tmp_path, where the shared modules are copied and w.js holds ``module``."""
    for shared in SHARED_MODULES:
        shutil.copy(COURSE / shared, tmp_path / shared)
    (tmp_path / "w.js").write_text(module, encoding="utf-8")
    monkeypatch.setattr(widget_assets, "HERE", tmp_path)


@pytest.mark.parametrize("module, line", [
    ('import { htmlEl } from "./widget_dom.js";\nimport { softmax } from "./explorer.js";\n', 2),
    ('import { htmlEl } from "./other.js";\n', 1),
    ('import * as d3 from "d3";\n', 1),
    ('import { htmlEl } from "./widget_dom.js";\nimport { svgEl } from "./widget_dom.js";\n', 2),
    ('import dom from "./widget_dom.js";\n', 1),
    ('import * as dom from "./widget_dom.js";\n', 1),
    ('export { htmlEl } from "./widget_dom.js";\n', 1),
    ('import { softmax } from "./softmax.js";\nimport { softmax } from "./softmax.js";\n', 2),
    ('import { softmax as s } from "./softmax.js";\n', 1),
    ('import { htmlEl } from "./widget_dom.js";\nimport { htmlEl as h } from "./widget_dom.js";\n', 2),
    ('import { softmax } from "./softmax.mjs";\n', 1),
    ('import { softmax } from "softmax.js";\n', 1),
])
def test_any_other_import_raises_naming_the_file_and_line(module: str, line: int, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _course_copy(tmp_path, monkeypatch, "// a widget\n" + module + "export default { render() {} };\n")
    with pytest.raises(ValueError, match=rf"^w\.js, line {line + 1}: .*only imports may be import"):
        widget_esm("w.js")


def test_an_import_over_several_lines_is_inlined(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = '// a widget\nimport {\n  htmlEl,\n  svgEl,\n} from "./widget_dom.js";\nconst X = 1;\n'
    _course_copy(tmp_path, monkeypatch, module)
    esm = widget_esm("w.js")
    assert esm.startswith("// a widget\n// The DOM helpers") and esm.endswith("}\nconst X = 1;\n")
    assert not re.search(r"^\s*import\b|^export ", esm, re.MULTILINE)


@pytest.mark.parametrize("first, second", [("widget_dom.js", "softmax.js"), ("softmax.js", "widget_dom.js")])
def test_both_modules_are_inlined_in_the_fixed_order_at_the_first_import(
        first: str, second: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = {"widget_dom.js": "htmlEl", "softmax.js": "softmax"}
    module = (f'// a widget\nimport {{ {names[first]} }} from "./{first}";\nconst X = 1;\n'
              f'import {{ {names[second]} }} from "./{second}";\nconst Y = 2;\n')
    _course_copy(tmp_path, monkeypatch, module)
    esm = widget_esm("w.js")
    texts = [re.sub(r"^export ", "", (COURSE / m).read_text(encoding="utf-8"), flags=re.MULTILINE).rstrip("\n")
             for m in SHARED_MODULES]
    assert esm == "// a widget\n" + "\n\n".join(texts) + "\nconst X = 1;\nconst Y = 2;\n"


def test_only_the_imported_module_is_inlined(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _course_copy(tmp_path, monkeypatch, 'import { softmax } from "./softmax.js";\nconst X = 1;\n')
    esm = widget_esm("w.js")
    assert "function softmax(" in esm and "function htmlEl(" not in esm and esm.endswith("}\nconst X = 1;\n")


def test_a_module_without_the_import_is_returned_as_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = "// import nothing\nexport const X = 1; // from here\nexport default { render() {} };\n"
    _course_copy(tmp_path, monkeypatch, module)
    assert widget_esm("w.js") == module


@pytest.mark.parametrize("shared", SHARED_MODULES)
def test_a_shared_module_may_import_nothing(shared: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _course_copy(tmp_path, monkeypatch, f'import {{ f }} from "./{shared}";\n')
    (tmp_path / shared).write_text('import x from "./x.js";\nexport function f() {}\n')
    with pytest.raises(ValueError, match=rf"^{re.escape(shared)}: .*may import nothing"):
        widget_esm("w.js")


@pytest.mark.parametrize("name, prefix", WIDGETS.items())
def test_the_style_sheet_is_the_base_for_the_prefix_then_the_widgets_own(name: str, prefix: str) -> None:
    css = widget_css(f"{name}.css", prefix)
    base = (COURSE / "widget_base.css").read_text(encoding="utf-8")
    own = (COURSE / f"{name}.css").read_text(encoding="utf-8")
    assert css == base.replace("WIDGET", prefix) + "\n" + own
    assert "WIDGET" not in css and f".{prefix}-row label" in css and f".{prefix}--presenter" in css
    others = [p for p in WIDGETS.values() if p != prefix]
    rules = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    assert not any(p in rules for p in others)  # scoped to this widget, whatever order the sheets load in


def test_a_bad_prefix_raises() -> None:
    with pytest.raises(ValueError, match="prefix must be a CSS class name"):
        widget_css("simplex.css", ".softmax-simplex")


def test_the_widgets_send_the_inlined_texts() -> None:
    from softmax_lab.course.calibration_demo import CalibrationExplorer
    from softmax_lab.course.explorer import TemperatureExplorer
    from softmax_lab.course.pipeline_demo import PipelineExplorer
    from softmax_lab.course.simplex import SimplexExplorer
    classes = {"explorer": TemperatureExplorer, "simplex": SimplexExplorer, "calibration_demo": CalibrationExplorer,
               "pipeline_demo": PipelineExplorer}
    for name, cls in classes.items():
        assert cls._esm == widget_esm(f"{name}.js") and cls._css == widget_css(f"{name}.css", WIDGETS[name])
