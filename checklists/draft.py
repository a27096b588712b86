"""What the readers collect from a document before it is assembled into a catalog.

The header reader, the body reader and the table reader fill a `Draft`; the assembly
(`checklists.assembly`) turns it into measures, phases and indicators.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from checklists.catalog import MeasureKind, Section, Skipped, Warning_

__all__ = ["CLOSING_MARKS", "Draft", "RawItem", "TableTask"]

# How a paragraph that is complete ends; anything else continues on the next line.
CLOSING_MARKS = ("。", ")", ";", "!", "?", "”")


@dataclass
class RawItem:
    """An item being collected from the body: a measure, safeguard, outcome or phase."""

    kind: MeasureKind | None  # None: a schedule phase
    number: str | None  # the document's own number; None for unnumbered paragraphs
    section: str | None
    lines: list[int] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    responsibility: list[str] = field(default_factory=list)  # `责任单位:…` lines under it
    # An introduction followed by sub-items, each with its unit tag: every paragraph up to
    # the next numbered item or heading belongs to it.
    has_sub_items: bool = False

    @property
    def text(self) -> str:
        return "".join(self.parts).strip()

    def tail(self, size: int) -> str:
        """The last `size` characters of `text` (all of it when shorter).

        The body reader asks at every line whether the item is closed; reading only its end
        keeps that question as cheap for a paragraph of a thousand lines as for one line.
        """
        if size <= 0:
            return ""
        picked: list[str] = []
        length = 0
        for count, part in enumerate(reversed(self.parts), start=1):
            picked.append(part)
            length += len(part)
            if length > size and count < len(self.parts):
                tail = "".join(reversed(picked)).strip()
                if len(tail) >= size:  # so the start of the text, stripped, is not in it
                    return tail[-size:]
        return self.text[-size:]

    def is_closed(self) -> bool:
        return self.tail(1).endswith(CLOSING_MARKS)


@dataclass
class TableTask:
    """A numbered task of a responsibility table: `category | N.task | units |`."""

    number: str
    text: str
    units: str
    category: str
    line: int


@dataclass
class Draft:
    """Everything read from one document, in document order, before assembly."""

    sections: list[Section] = field(default_factory=list)
    items: list[RawItem] = field(default_factory=list)
    # Paragraphs of context sections (指导思想, 目标…): (line, section ref, text).
    context: list[tuple[int, str | None, str]] = field(default_factory=list)
    table: list[TableTask] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
