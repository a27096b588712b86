"""No missing glyph (tofu) in the reports: the fonts they fall back to cover every character.

The print CSS prefers the official faces and falls back to AR PL UKai (body), Noto Serif CJK SC
(titles) and Noto Sans CJK SC (headings, tables); Pango falls back glyph by glyph along that
list. Every character of the seed plans, rare ones included, must be in one of them.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from fontTools.ttLib import TTCollection, TTFont

FALLBACK_FAMILIES = ("AR PL UKai CN", "Noto Serif CJK SC", "Noto Sans CJK SC", "DejaVu Sans")
CSS = Path(__file__).resolve().parents[2] / "reports" / "templates" / "_print.css"

pytestmark = pytest.mark.skipif(shutil.which("fc-match") is None, reason="needs fontconfig")


def _cmap(family: str) -> set[int]:
    found = subprocess.run(["fc-match", "-f", "%{family}|%{file}", family], check=True, capture_output=True, text=True).stdout
    names, path = found.split("|", 1)
    assert family in names.split(","), f"font {family!r} is not installed (got {names}); run scripts/setup.sh"
    if path.endswith(".ttc"):
        with TTCollection(path, lazy=True) as collection:
            return set(collection.fonts[0].getBestCmap())
    with TTFont(path, lazy=True) as font:
        return set(font.getBestCmap())


def test_the_css_falls_back_to_the_checked_fonts() -> None:
    css = CSS.read_text(encoding="utf-8")
    for family in FALLBACK_FAMILIES[:3]:
        assert f'"{family}"' in css


def test_every_seed_character_has_a_glyph(seeds_dir: Path) -> None:
    covered: set[int] = set()
    for family in FALLBACK_FAMILIES:
        covered |= _cmap(family)
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt")))
    # What the templates print besides the data.
    text += "—〔〕()【】·・✓…“”‘’、。,;:!?%‰≥≤–一二三四五六七八九十"
    missing = sorted({ch for ch in text if not ch.isspace() and ord(ch) not in covered and ord(ch) > 0x7F})
    assert not missing, f"characters without a glyph in {FALLBACK_FAMILIES}: {''.join(missing)}"
