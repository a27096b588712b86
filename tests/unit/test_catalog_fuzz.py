"""Fuzzing the catalog loader: whatever text an office or an upload hands in, load_catalog
either returns a catalog or raises CatalogError (a Chinese message naming the file); never
any other exception, and never unbounded work.

Two sources of input: arbitrary text (YAML punctuation weighted in), and the committed seed
catalogs (checklists/seeds/*.yaml) cut, spliced and sprinkled with YAML constructs, which
reach much deeper into the loader (schema errors, references, dates, decimals).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checklists.catalog import Catalog
from checklists.catalog_yaml import CatalogError, load_catalog

SEEDS = sorted((Path(__file__).resolve().parents[2] / "checklists" / "seeds").glob("*.yaml"))
# Constructs that stress a YAML reader: anchors, aliases, merges, tags, flow collections,
# directives, document markers, odd indentation, tabs, quotes, and typed-looking scalars.
YAML_BITS = [
    "&a ", "*a", "<<: *a", "!!binary ", "!!set ", "!!python/object:os.system ", "!!omap ",
    "!!timestamp ", "!!float ", "!custom ", "{", "}", "[", "]", ", ", ": ", "- ", "? ", "\t",
    "%YAML 1.1\n", "%TAG ! tag:x,2024:\n", "---\n", "...\n", "'", '"', "|\n", ">-\n", "#",
    "2025-13-45", "1e400", "0x1F", ".nan", "~", "null", "yes", "\ufeff", "\x00", "\u2028",
    "        ", "\n  - ", "\n    ", "plan:", "measures:", "ref: ", "checklist:",
]  # fmt: skip


def _load(text: str) -> None:
    try:
        result = load_catalog(text, source="fuzz.yaml")
    except CatalogError as exc:
        assert str(exc).startswith("fuzz.yaml"), str(exc)
        return
    assert isinstance(result, Catalog)


yaml_text = st.lists(
    st.one_of(st.sampled_from(YAML_BITS), st.text(max_size=12)), max_size=60
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(max_size=400), yaml_text))
def test_random_text_loads_or_is_refused_with_a_catalog_error(text: str) -> None:
    _load(text)


@pytest.fixture(scope="module")
def seed_lines() -> list[list[str]]:
    assert SEEDS, "no seed catalogs in checklists/seeds"
    return [path.read_text(encoding="utf-8").splitlines(keepends=True) for path in SEEDS]


@st.composite
def mutated_seed(draw: st.DrawFn, seeds: list[list[str]]) -> str:
    lines = list(draw(st.sampled_from(seeds)))
    # A window keeps each example fast; the header and the plan block are often kept, so
    # the schema and reference checks get to run on what follows.
    start = draw(st.sampled_from([0, 0, draw(st.integers(0, len(lines) - 1))]))
    lines = lines[start : start + draw(st.integers(1, 160))]
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(lines)))
        op = draw(st.sampled_from(["insert", "delete", "duplicate", "splice", "truncate"]))
        if op == "insert":
            bit = draw(st.one_of(st.sampled_from(YAML_BITS), st.text(max_size=8)))
            line = lines[at - 1] if at else ""
            col = draw(st.integers(0, len(line)))
            if at:
                lines[at - 1] = line[:col] + bit + line[col:]
            else:
                lines.insert(0, bit)
        elif op == "delete" and lines:
            del lines[min(at, len(lines) - 1)]
        elif op == "duplicate" and lines:
            lines.insert(at, lines[min(at, len(lines) - 1)])
        elif op == "splice":
            other = draw(st.sampled_from(seeds))
            pick = draw(st.integers(0, len(other) - 1))
            lines[at:at] = other[pick : pick + draw(st.integers(1, 20))]
        elif op == "truncate" and lines:
            last = lines[min(at, len(lines) - 1)]
            lines[min(at, len(lines) - 1)] = last[: draw(st.integers(0, len(last)))]
            del lines[at + 1 :]
    return "".join(lines)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_mutated_seed_catalogs_load_or_are_refused_with_a_catalog_error(
    seed_lines: list[list[str]], data: st.DataObject
) -> None:
    _load(data.draw(mutated_seed(seed_lines)))


@pytest.mark.parametrize("path", SEEDS, ids=[p.stem for p in SEEDS])
def test_every_seed_catalog_loads_unchanged(path: Path) -> None:
    """The fuzzer's starting points are valid, so mutations start from a real catalog."""
    assert isinstance(load_catalog(path.read_text(encoding="utf-8"), source=path.name), Catalog)
