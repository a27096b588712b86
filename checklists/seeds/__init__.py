"""The catalogs of the five seed plans, as the parser reads them (golden files).

They are reviewed like code: a parser change that alters them shows up as a diff here.
Refresh them with `python -m checklists.seeds [SEEDS_DIR]`.
"""

from __future__ import annotations

from pathlib import Path

from checklists.catalog_yaml import dump_catalog
from checklists.parser import parse_document

HERE = Path(__file__).resolve().parent


def default_seeds_dir() -> Path:
    """`../shared/seeds` beside the repository."""
    return HERE.parents[2] / "shared" / "seeds"


def render(document: Path) -> str:
    """The catalog YAML of one seed document."""
    catalog = parse_document(document.read_text(encoding="utf-8"), source_name=document.name)
    return dump_catalog(catalog)


def catalog_path(document: Path) -> Path:
    return HERE / f"{document.stem}.yaml"
