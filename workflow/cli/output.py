"""Terminal output helpers: aligned tables that count Chinese characters as two columns."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import click

from checklists import amounts
from workflow import clock


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def clip(text: str, limit: int) -> str:
    if width(text) <= limit:
        return text
    out, used = "", 0
    for ch in text:
        w = width(ch)
        if used + w > limit - 1:
            break
        out += ch
        used += w
    return out + "…"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], limits: Sequence[int] = ()) -> str:
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    if limits:
        cells = [[clip(c, limits[i]) if i < len(limits) else c for i, c in enumerate(r)] for r in cells]
    widths = [max(width(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c + " " * (widths[i] - width(c)) for i, c in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return amounts.json_number(value)
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=_plain))


def local_time(value: dt.datetime | str | None) -> str:
    """A stored (UTC) time as the office reads it (see workflow.clock); "-" when there is none."""
    return clock.local_time(value, empty="-")
