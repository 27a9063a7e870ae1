"""Generate the three editions of every notebook from its one source in source/ (issue 13, EDITIONS.md).

    python tools/editions.py [source/NN-x.ipynb ...]   # default: every source/*.ipynb
    python tools/editions.py --no-execute              # write the editions without running them
    python tools/editions.py --check                   # exit 1 if an edition is out of date (no execution)

From ``source/NN-x.ipynb`` (cells tagged ``stub``, ``solution``, ``hint``, ``answer``; stored without outputs):

* ``notebooks/NN-x.ipynb``  student edition: every cell but the ``solution`` ones, plus one markdown line
  "Worked solutions: ``solutions/NN-x.ipynb``" at the end of the section holding the last exercise;
* ``solutions/NN-x.ipynb``  worked solutions: every cell but the ``stub`` ones;
* ``instructor/NN-x.ipynb`` every cell but ``solution``, ``hint`` and ``answer``.

Each edition keeps the source's cell ids, tags and notebook metadata and is executed top to bottom in a fresh
kernel (``tools/execute_notebooks.py``) with its own folder as the working directory and
``SOFTMAX_LAB_PROGRESS`` pointed at a temporary file, so generating never writes into a real progress record.
Also writes ``softmax_lab/course/data/exercises.json``: per notebook, the checker calls in its stub cells.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
import tempfile
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from execute_notebooks import execute  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "source"
EXERCISES = REPO / "softmax_lab" / "course" / "data" / "exercises.json"
EDITIONS = ("notebooks", "solutions", "instructor")
DROPPED = {"notebooks": {"solution"}, "solutions": {"stub"}, "instructor": {"solution", "hint", "answer"}}
KINDS = {"stub": "code", "solution": "code", "hint": "markdown", "answer": "markdown"}
SOLUTIONS_LINK_ID = "worked-solutions"


class SourceError(ValueError):
    """A source notebook breaks the conventions of EDITIONS.md; the message names the notebook and cell."""


def kind(cell: dict) -> str | None:
    """The cell's edition tag (stub, solution, hint or answer), or None for a cell in every edition."""
    tags = [t for t in cell.get("metadata", {}).get("tags", []) if t in KINDS]
    return tags[0] if tags else None


def where(path: Path, index: int, cell: dict) -> str:
    first = cell.source.strip().splitlines()[0] if cell.source.strip() else "(empty)"
    return f"{path.as_posix()}, cell {index} (id {cell.get('id', '?')}: {first[:60]!r})"


def validate(path: Path, nb: nbformat.NotebookNode) -> None:
    """Raise :class:`SourceError` for the first broken convention in ``nb`` (read from ``path``)."""
    ids = set()
    for i, cell in enumerate(nb.cells):
        tags = [t for t in cell.metadata.get("tags", []) if t in KINDS]
        if len(tags) > 1:
            raise SourceError(f"{where(path, i, cell)}: tagged both {tags[0]!r} and {tags[1]!r}; use one")
        if tags and cell.cell_type != KINDS[tags[0]]:
            raise SourceError(f"{where(path, i, cell)}: a {tags[0]!r} cell must be a {KINDS[tags[0]]} cell")
        if cell.get("id") in ids:
            raise SourceError(f"{where(path, i, cell)}: cell id {cell.id!r} is used twice")
        ids.add(cell.get("id"))
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            raise SourceError(f"{where(path, i, cell)}: source notebooks are stored without outputs; "
                              "clear them (Edit > Clear Outputs of All Cells) and save")
        previous = kind(nb.cells[i - 1]) if i else None
        if kind(cell) == "solution" and previous != "stub":
            raise SourceError(f"{where(path, i, cell)}: a 'solution' cell must directly follow its 'stub' cell")
        following = kind(nb.cells[i + 1]) if i + 1 < len(nb.cells) else None
        if kind(cell) == "stub" and following != "solution":
            raise SourceError(f"{where(path, i, cell)}: a 'stub' cell must be directly followed by its "
                              "'solution' cell")
    if SOLUTIONS_LINK_ID in ids:
        raise SourceError(f"{path.as_posix()}: the cell id {SOLUTIONS_LINK_ID!r} is reserved for the generated "
                          "'Worked solutions' line")


def exercises(nb: nbformat.NotebookNode) -> list[str]:
    """The exercise names of a notebook: the checker calls in its stub cells, in order.

    ``check_softmax(my_softmax)`` is the exercise ``check_softmax``; ``check_prediction("q", p)`` is
    ``check_prediction("q")`` (the names :mod:`softmax_lab.course.progress` records results under).
    """
    names = []
    for cell in nb.cells:
        if kind(cell) != "stub":
            continue
        code = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(code)
        except SyntaxError:  # executing the edition reports it, with the cell
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id.startswith("check_")):
                continue
            if node.func.id == "check_prediction" and node.args and isinstance(node.args[0], ast.Constant):
                names.append(f'check_prediction("{node.args[0].value}")')
            else:
                names.append(node.func.id)
    return names


def solutions_link(stem: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(f"Worked solutions: `solutions/{stem}.ipynb`")
    cell.id = SOLUTIONS_LINK_ID
    return cell


def edition(source: nbformat.NotebookNode, name: str, stem: str) -> nbformat.NotebookNode:
    """The ``name`` edition (notebooks, solutions or instructor) of a validated source notebook."""
    cells = [nbformat.from_dict(c) for c in source.cells if kind(c) not in DROPPED[name]]
    stubs = [i for i, c in enumerate(cells) if kind(c) == "stub"]
    if name == "notebooks" and stubs:  # the end of the section (## heading) holding the last exercise
        after = [i for i in range(stubs[-1] + 1, len(cells))
                 if cells[i].cell_type == "markdown" and cells[i].source.lstrip().startswith(("# ", "## "))]
        cells.insert(after[0] if after else len(cells), solutions_link(stem))
    metadata = {k: v for k, v in source.metadata.items() if k != "widgets"}  # executing stores the live state
    nb = nbformat.v4.new_notebook(cells=cells, metadata=nbformat.from_dict(metadata))
    nb.nbformat, nb.nbformat_minor = source.nbformat, source.nbformat_minor
    return nb


def read_source(path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    validate(path.relative_to(REPO) if path.is_relative_to(REPO) else path, nb)
    return nb


def signature(nb: nbformat.NotebookNode) -> list[tuple[str, str, list[str]]]:
    """What --check compares: each cell's type, source and tags."""
    return [(c.cell_type, c.source, list(c.metadata.get("tags", []))) for c in nb.cells]


def output_text(cell: nbformat.NotebookNode) -> str:
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", "") if out.output_type == "stream" else "")
        parts.append(out.get("data", {}).get("text/plain", "") if "data" in out else "")
        if out.output_type == "error":
            parts.append(f"{out.ename}: {out.evalue}")
    return "".join(parts)


def check_outputs(path: Path, nb: nbformat.NotebookNode) -> None:
    """After execution: no stub may say it passed; every solution must pass."""
    for i, cell in enumerate(nb.cells):
        text = output_text(cell)
        if kind(cell) == "stub" and "passed" in text and "not attempted" not in text:
            raise SourceError(f"{where(path, i, cell)}: the stub's output says it passed: {text.strip()!r}")
        if kind(cell) == "solution" and "passed" not in text:
            raise SourceError(f"{where(path, i, cell)}: the worked solution's checker did not pass: "
                              f"{text.strip()!r}")


def write(nb: nbformat.NotebookNode, path: Path, run: bool) -> None:
    """Write ``nb`` to ``path``, executed in a fresh kernel first when ``run`` (replaced only on success)."""
    path.parent.mkdir(exist_ok=True)
    tmp = path.with_name(f".{path.stem}.generating.ipynb")  # same folder: same working directory
    nbformat.write(nb, tmp)
    try:
        if run:
            execute(tmp)
            check_outputs(path.relative_to(REPO), nbformat.read(tmp, as_version=4))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load_exercises() -> dict[str, list[str]]:
    return json.loads(EXERCISES.read_text(encoding="utf-8")) if EXERCISES.exists() else {}


def update_exercises(names: dict[str, list[str]]) -> None:
    """Store the exercises of the notebooks in ``names`` (stem -> names), keeping the other notebooks'."""
    table = load_exercises() | names  # read just before writing: other notebooks may be generated meanwhile
    tmp = EXERCISES.with_name(f".exercises.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(dict(sorted(table.items())), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, EXERCISES)


def generate(sources: list[Path], run: bool = True) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SOFTMAX_LAB_PROGRESS"] = str(Path(tmp) / "progress.json")
        for src in sources:
            nb = read_source(src)
            for name in EDITIONS:
                write(edition(nb, name, src.stem), REPO / name / src.name, run)
                print(f"{name}/{src.name}" + (" (executed)" if run else ""), flush=True)
            update_exercises({src.stem: exercises(nb)})


def check(sources: list[Path]) -> list[str]:
    """Every way the stored editions and exercises.json differ from what ``sources`` generate."""
    problems = []
    table = load_exercises()
    for src in sources:
        try:
            nb = read_source(src)
        except SourceError as exc:
            problems.append(str(exc))
            continue
        if table.get(src.stem) != exercises(nb):
            problems.append(f"{EXERCISES.relative_to(REPO).as_posix()}: the exercises of {src.stem} are "
                            f"{exercises(nb)}, stored {table.get(src.stem)}")
        for name in EDITIONS:
            target = REPO / name / src.name
            if not target.exists():
                problems.append(f"{name}/{src.name}: missing")
                continue
            want, have = signature(edition(nb, name, src.stem)), signature(nbformat.read(target, as_version=4))
            for i, (w, h) in enumerate(zip(want, have)):
                if w != h:
                    what = "cell type" if w[0] != h[0] else "source" if w[1] != h[1] else "tags"
                    problems.append(f"{name}/{src.name}: cell {i} is out of date ({what} differs from "
                                    f"{src.relative_to(REPO).as_posix()})")
                    break
            else:
                if len(want) != len(have):
                    problems.append(f"{name}/{src.name}: {len(have)} cells, the source gives {len(want)}")
    return problems


def orphans() -> list[str]:
    """Editions and exercises.json entries whose source notebook no longer exists (renamed or removed)."""
    stems = {p.stem for p in (REPO / "source").glob("*.ipynb")}
    found = [f"{name}/{p.name}: no source/{p.name} (renamed or removed; delete it)"
             for name in EDITIONS for p in sorted((REPO / name).glob("*.ipynb")) if p.stem not in stems]
    found += [f"{EXERCISES.relative_to(REPO).as_posix()}: {stem} has no source notebook"
              for stem in sorted(load_exercises()) if stem not in stems]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="*", type=Path, help="source notebooks (default: source/*.ipynb)")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if an edition is out of date")
    parser.add_argument("--no-execute", action="store_true", help="write the editions without running them")
    args = parser.parse_args(argv)
    sources = [p.resolve() for p in args.sources] or sorted(SOURCE.glob("*.ipynb"))
    if args.check:
        problems = check(sources) + orphans()
        for p in problems:
            print(p)
        if problems:
            print("out of date: run `make editions`")
            return 1
        print(f"{len(sources)} source notebooks: every edition is up to date")
        return 0
    try:
        generate(sources, run=not args.no_execute)
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
