"""The course is a path: each notebook's title carries its number, and what a notebook says you need comes
from notebooks before it."""

import re
from pathlib import Path

import nbformat
import pytest

SOURCES = sorted((Path(__file__).resolve().parent.parent / "source").glob("[0-9][0-9]-*.ipynb"))
NOTEBOOK_REFS = re.compile(r"[Nn]otebooks?\s+(\d\d(?:(?:,\s*|\s+and\s+|\s+or\s+|\s*[–-]\s*)\d\d)*)")


def needs(text: str) -> list[int]:
    """The notebook numbers named in the "What you need" part of an opening cell, except in a sentence that
    says what is *not* needed ("No Jacobian: notebook 04 introduces it")."""
    part = re.search(r"What you need.*?(?=\n\*\*[A-Z]|\Z)", text, re.S)
    assert part, "no 'What you need' paragraph"
    sentences = re.split(r"(?<=[.;])\s+", part.group(0))
    kept = " ".join(s for s in sentences if not re.match(r"No\b", s) and "not need" not in s)
    return [int(n) for refs in NOTEBOOK_REFS.findall(kept) for n in re.findall(r"\d\d", refs)]


def test_needs_reads_lists_and_ranges():
    text = ("**What you need:** notebooks 01 and 02, notebook 03, notebooks 04-06. No Jacobian: notebook 08 "
            "introduces it.\n\n**Notation** notebook 09")
    assert needs(text) == [1, 2, 3, 4, 6]


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_a_notebook_needs_only_earlier_notebooks(src: Path):
    number = int(src.name[:2])
    opening = nbformat.read(src, as_version=4).cells[0].source
    assert opening.startswith(f"# {src.name[:2]} · "), f"{src.name}: the title does not carry its number"
    later = [n for n in needs(opening) if n >= number]
    assert later == [], f"{src.name} says it needs notebooks {later}, which come later on the path"


def test_the_path_has_no_gaps():
    assert [int(p.name[:2]) for p in SOURCES] == list(range(1, len(SOURCES) + 1))
