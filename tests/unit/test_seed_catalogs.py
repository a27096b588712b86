"""The committed seed catalogs are exactly what the parser makes of the seed documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from checklists.catalog_yaml import read_catalog
from checklists.seeds import catalog_path, render


@pytest.fixture(params=["000", "001", "002", "003", "004"])
def document(request: pytest.FixtureRequest, seeds_dir: Path) -> Path:
    return next(seeds_dir.glob(f"{request.param}_*.txt"))


def test_seed_catalog_is_up_to_date_with_the_parser(document: Path) -> None:
    stored = catalog_path(document)
    assert stored.exists(), f"missing {stored}: run `python -m checklists.seeds`"
    assert stored.read_text(encoding="utf-8") == render(document), (
        f"{stored.name} differs from the parser's output: review the change, then run "
        "`python -m checklists.seeds` to refresh it"
    )


def test_seed_catalog_loads_and_validates(document: Path) -> None:
    catalog = read_catalog(catalog_path(document))
    assert catalog.plan.source_file == document.name
    assert catalog.measures
