"""The parser's work grows linearly with its input: counted, not timed.

The work of one parse is the number of lines of Python it runs (loop iterations included)
plus the functions it calls, Python and C (`sys.settrace` and `sys.setprofile` see each): a
loop over lines inside a loop over lines, a rescan of a paragraph per number or a search of
every paragraph per table task all show up. Each shape of `tests/support/plan_texts.py` is
parsed at n and 10n lines (or characters per line) and the count may grow at most 12.5-fold
(10-fold, plus a margin for the mix of lines shifting with size). The parser this replaced
grew 13- to 42-fold on five of these seven cases; this one grows 8- to 11-fold.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from checklists import memo
from checklists.parser import parse_document
from tests.support import plan_texts

GROWTH_LIMIT = 12.5


def work_to_parse(text: str) -> int:
    """Lines of Python run, and functions called (Python and C), by `parse_document` on `text`."""
    steps = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Callable[..., Any]:
        nonlocal steps
        steps += 1  # 'call', then a 'line' per line run, loop iterations included
        return trace

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal steps
        if event == "c_call":
            steps += 1

    memo.forget()  # every reading done afresh, whatever ran before
    sys.settrace(trace)
    sys.setprofile(profile)
    try:
        parse_document(text, source_name="synthetic.txt")
    finally:
        sys.setprofile(None)
        sys.settrace(None)
    return steps


def growth(make: Callable[[int], str], n: int) -> float:
    return work_to_parse(make(10 * n)) / work_to_parse(make(n))


@pytest.mark.parametrize(
    ("shape", "n"),
    [
        ("long_paragraph", 150),
        ("many_sections", 150),
        ("task_table", 150),
        ("schedule", 150),
    ],
)
def test_work_grows_linearly_with_the_number_of_lines(shape: str, n: int) -> None:
    ratio = growth(plan_texts.SHAPES[shape], n)
    assert ratio <= GROWTH_LIMIT, f"{shape}: {ratio:.1f}-fold work for 10-fold lines"


@pytest.mark.parametrize("distinct_clauses", [False, True])
def test_work_grows_linearly_for_a_seed_plan_grown_tenfold(
    seeds_dir: Path, distinct_clauses: bool
) -> None:
    seed = next(seeds_dir.glob("000_*.txt")).read_text(encoding="utf-8")
    # 100 and 1,000 lines: below 999 measures, whose numbers would repeat.
    ratio = growth(lambda n: plan_texts.renumbered(seed, n, distinct_clauses=distinct_clauses), 100)
    assert ratio <= GROWTH_LIMIT, f"{ratio:.1f}-fold work for 10-fold lines"


def test_work_grows_linearly_with_the_length_of_lines() -> None:
    ratio = growth(lambda width: plan_texts.long_lines(5, width), 600)
    assert ratio <= GROWTH_LIMIT, f"{ratio:.1f}-fold work for 10-fold line length"


def test_work_grows_linearly_with_the_task_table_of_seed_003_copied(seeds_dir: Path) -> None:
    # Seed 003 lists its tasks twice (paragraphs, then a table): k copies of both, each copy's
    # tasks marked `第k批` so that every table task has its own paragraph to be found in.
    seed = next(seeds_dir.glob("003_*.txt")).read_text(encoding="utf-8")
    lines = seed.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("三、"))
    end = next(i for i, line in enumerate(lines) if line.startswith("四、"))
    table = next(i for i, line in enumerate(lines) if line.startswith("任务措施 |"))
    paragraphs = [line for line in lines[start + 1 : end] if not line.startswith("(")]
    rows = lines[table + 1 :]

    def copies(k: int) -> str:
        body = [f"第{c}批{line}" for c in range(k) for line in paragraphs]
        table_rows = [re.sub(r"(\d{1,3}\.)", rf"\g<1>第{c}批", row, count=1) for c in range(k) for row in rows]
        return "\n".join([*lines[: start + 1], *body, *lines[end : table + 1], *table_rows])

    ratio = work_to_parse(copies(20)) / work_to_parse(copies(2))
    assert ratio <= GROWTH_LIMIT, f"{ratio:.1f}-fold work for 10 times the tasks"
