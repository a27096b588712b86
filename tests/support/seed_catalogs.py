"""The five committed seed catalogs (checklists/seeds), read once per test process."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from checklists.catalog import Catalog
from checklists.catalog_yaml import read_catalog

SEEDS = Path(__file__).resolve().parents[2] / "checklists" / "seeds"
PREFIXES = ("000", "001", "002", "003", "004")


@cache
def seed_catalog(prefix: str) -> Catalog:
    """The seed catalog whose file name starts with `prefix` (000 … 004)."""
    (path,) = SEEDS.glob(f"{prefix}_*.yaml")
    return read_catalog(path)
