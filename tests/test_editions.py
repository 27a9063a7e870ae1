"""The three editions generated from source/ (tools/editions.py, issue 13): in sync with their source, the
student edition without solutions or a stored pass, the instructor edition without hints, answers or a way to
the solutions, and the exact editions of a small synthetic source notebook."""

import importlib.util
import json
import re
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("editions", REPO / "tools" / "editions.py")
editions = importlib.util.module_from_spec(spec)
spec.loader.exec_module(editions)

SOURCES = sorted((REPO / "source").glob("*.ipynb"))
PASSED = re.compile(r"all \d+ checks passed|passed: your prediction matches")


def tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def read(folder: str, src: Path):
    return nbformat.read(REPO / folder / src.name, as_version=4)


def test_every_edition_is_in_sync_with_its_source(capsys):
    assert SOURCES, "source/ holds the one source of every notebook"
    assert editions.main(["--check"]) == 0, capsys.readouterr().out


def test_source_notebooks_store_no_outputs():
    for src in SOURCES:
        nb = nbformat.read(src, as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{src.name}, cell {i}"


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_student_edition_has_no_solution_and_no_stored_pass(src):
    nb = read("notebooks", src)
    for i, cell in enumerate(nb.cells):
        assert "solution" not in tags(cell), f"notebooks/{src.name}, cell {i}"
        text = editions.output_text(cell)
        assert not PASSED.search(text), f"notebooks/{src.name}, cell {i} stores a pass: {text!r}"
        if "stub" in tags(cell):
            assert "not attempted" in text, f"notebooks/{src.name}, cell {i}: a stub's output: {text!r}"


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_solutions_hold_no_stub_and_every_solution_passes(src):
    nb = read("solutions", src)
    for i, cell in enumerate(nb.cells):
        assert "stub" not in tags(cell), f"solutions/{src.name}, cell {i}"
        if "solution" in tags(cell):
            assert "passed" in editions.output_text(cell), f"solutions/{src.name}, cell {i}"


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_instructor_edition_has_no_hint_answer_solution_or_link_to_them(src):
    nb = read("instructor", src)
    for i, cell in enumerate(nb.cells):
        assert not {"hint", "answer", "solution"} & set(tags(cell)), f"instructor/{src.name}, cell {i}"
        assert "solutions/" not in cell.source, f"instructor/{src.name}, cell {i} points to the solutions"
        if "stub" in tags(cell):
            assert "not attempted" in editions.output_text(cell), f"instructor/{src.name}, cell {i}"


def test_exercises_json_lists_the_checker_calls_of_every_source():
    table = json.loads(editions.EXERCISES.read_text(encoding="utf-8"))
    for src in SOURCES:
        assert table[src.stem] == editions.exercises(nbformat.read(src, as_version=4)), src.stem


# ------------------------------------------------------------------------------------------ a synthetic source
CHECKER = '''from softmax_lab.course.checks import checker, run_checks
import numpy as np

@checker
def check_double(fn):
    return run_checks("double", [("x = 3", lambda: fn(3.0), np.array(6.0))])'''
STUB = '''def double(x):
    # return twice x
    raise NotImplementedError("write double")
check_double(double)'''
SOLUTION = '''def double(x):
    return 2 * x
check_double(double)'''


def cell(kind: str, source: str, tag: str | None = None, cell_id: str = ""):
    c = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
    if tag:
        c.metadata["tags"] = [tag]
    c.id = cell_id
    return c


def synthetic():
    cells = [cell("markdown", "# 01 · Doubling", cell_id="title"),
             cell("code", CHECKER, cell_id="checker"),
             cell("markdown", "## Exercises\nWrite `double`.", cell_id="question"),
             cell("markdown", "<details><summary>Hint 1</summary>\nMultiply.\n</details>", "hint", "hint1"),
             cell("code", STUB, "stub", "stub1"),
             cell("code", SOLUTION, "solution", "sol1"),
             cell("markdown", "<details><summary>Answer (open after you tried)</summary>\n2x\n</details>", "answer",
                  "answer1"),
             cell("markdown", "## References", cell_id="refs")]
    return nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3",
                                                                          "display_name": "Python 3 (ipykernel)",
                                                                          "language": "python"}})


def ids(nb) -> list[str]:
    return [c.id for c in nb.cells]


def test_a_synthetic_source_gives_exactly_the_three_editions():
    src = synthetic()
    editions.validate(Path("source/01-doubling.ipynb"), src)
    student = editions.edition(src, "notebooks", "01-doubling")
    solutions = editions.edition(src, "solutions", "01-doubling")
    instructor = editions.edition(src, "instructor", "01-doubling")
    assert ids(student) == ["title", "checker", "question", "hint1", "stub1", "answer1", "worked-solutions", "refs"]
    assert student.cells[6].source == "Worked solutions: `solutions/01-doubling.ipynb`"
    assert ids(solutions) == ["title", "checker", "question", "hint1", "sol1", "answer1", "refs"]
    assert ids(instructor) == ["title", "checker", "question", "stub1", "refs"]
    by_id = {c.id: c for c in src.cells}
    for nb in (student, solutions, instructor):
        for c in nb.cells:
            if c.id != "worked-solutions":
                want = by_id[c.id]
                assert (c.cell_type, c.source, tags(c)) == (want.cell_type, want.source, tags(want))
        assert nb.metadata == src.metadata
    assert editions.exercises(src) == ["check_double"]


@pytest.mark.parametrize("change, message", [
    (lambda cells: cells.pop(4), "cell 4 (id sol1"),  # a solution without its stub
    (lambda cells: cells.insert(5, cell("markdown", "between", cell_id="between")),
     "directly followed by its 'solution'"),
    (lambda cells: cells[4].metadata.update(tags=["stub", "hint"]), "tagged both 'stub' and 'hint'"),
    (lambda cells: cells[3].metadata.update(tags=["stub"]), "a 'stub' cell must be a code cell"),
    (lambda cells: cells[1].outputs.append(nbformat.v4.new_output("stream", text="x")), "stored without outputs"),
    (lambda cells: setattr(cells[2], "id", "title"), "cell id 'title' is used twice"),
])
def test_a_broken_source_is_refused_naming_notebook_and_cell(change, message):
    src = synthetic()
    change(src.cells)
    with pytest.raises(editions.SourceError, match=re.escape(message)) as err:
        editions.validate(Path("source/01-doubling.ipynb"), src)
    assert str(err.value).startswith("source/01-doubling.ipynb")


def test_a_stub_that_passes_or_a_solution_that_fails_is_refused():
    nb = editions.edition(synthetic(), "notebooks", "01-doubling")
    stub = nb.cells[4]
    stub.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "double: all 1 checks passed"})]
    with pytest.raises(editions.SourceError, match=r"cell 4 \(id stub1.*the stub's output says it passed"):
        editions.check_outputs(Path("notebooks/01-doubling.ipynb"), nb)
    sol = editions.edition(synthetic(), "solutions", "01-doubling")
    sol.cells[4].outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "double: 1 of 1 failed"})]
    with pytest.raises(editions.SourceError, match="the worked solution's checker did not pass"):
        editions.check_outputs(Path("solutions/01-doubling.ipynb"), sol)


def test_generate_executes_the_editions_and_check_spots_an_edit(tmp_path, monkeypatch, capsys):
    """The whole round trip on a copy of the layout: generate (executed in fresh kernels), --check, edit, --check."""
    monkeypatch.setattr(editions, "REPO", tmp_path)
    monkeypatch.setattr(editions, "EXERCISES", tmp_path / "exercises.json")
    (tmp_path / "source").mkdir()
    src = tmp_path / "source" / "01-doubling.ipynb"
    nbformat.write(synthetic(), src)
    editions.generate([src], run=True)
    student = nbformat.read(tmp_path / "notebooks" / src.name, as_version=4)
    outputs = {c.id: editions.output_text(c) for c in student.cells}
    assert outputs["stub1"].strip() == "double: not attempted yet - write the body of double, then run this cell again"
    assert [c.execution_count for c in student.cells if c.cell_type == "code"] == [1, 2]
    sol = nbformat.read(tmp_path / "solutions" / src.name, as_version=4)
    assert "double: all 1 checks passed" in editions.output_text(sol.cells[4])
    assert json.loads((tmp_path / "exercises.json").read_text()) == {"01-doubling": ["check_double"]}
    assert editions.check([src]) == []

    inst = tmp_path / "instructor" / src.name
    nb = nbformat.read(inst, as_version=4)
    nb.cells[3].source += "\n# edited by hand"
    nbformat.write(nb, inst)
    assert editions.check([src]) == [
        "instructor/01-doubling.ipynb: cell 3 is out of date (source differs from source/01-doubling.ipynb)"]
    (tmp_path / "solutions" / src.name).unlink()
    assert "solutions/01-doubling.ipynb: missing" in editions.check([src])

    (tmp_path / "solutions" / src.name).write_text("{}")  # the source is renamed: its editions are orphans
    src.rename(src.with_name("02-doubling.ipynb"))
    assert editions.orphans() == [
        "notebooks/01-doubling.ipynb: no source/01-doubling.ipynb (renamed or removed; delete it)",
        "solutions/01-doubling.ipynb: no source/01-doubling.ipynb (renamed or removed; delete it)",
        "instructor/01-doubling.ipynb: no source/01-doubling.ipynb (renamed or removed; delete it)",
        "exercises.json: 01-doubling has no source notebook"]
