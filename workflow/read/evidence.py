"""One piece of evidence as every reader sees it: the one row shape of 佐证材料.

Services answer uploads with it, the pages and the API show it, the bundle lays it out and
the JSON export prints it (`reports.export.evidence_to_dict`, the documented field names).
Built from a loaded `Evidence` row while its transaction is open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from checklists.kinds import EvidenceKind
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.models import Evidence
from workflow.services.acting import measure_target, open_measure_by_id, run_read


@dataclass(frozen=True)
class EvidenceRow:
    id: int
    measure_id: int | None  # None: evidence of an indicator report
    target: str | None  # the measure as PLAN_KEY/REF, for display; None for indicator evidence
    item: int | None  # the checklist item's number (1-based), if any
    kind: str  # file, link or note (EvidenceKind)
    file_name: str
    size: int | None
    media_type: str | None  # detected from the content: pdf, png, …
    sha256: str | None
    url: str
    note: str
    doc_date: dt.date  # 成文日期
    uploaded_at: dt.datetime  # aware, UTC
    person: str
    unit: str | None  # the handing-in unit; None for the office
    current: bool  # neither superseded nor removed
    superseded_by: int | None
    removed: bool

    @property
    def is_file(self) -> bool:
        return self.kind == EvidenceKind.FILE.value

    @property
    def status(self) -> str:
        """current, superseded or removed (the bundle's folders and the index)."""
        if self.superseded_by is not None:
            return "superseded"
        return "removed" if self.removed else "current"

    @property
    def label(self) -> str:
        """What names it in one line: the file's name, the link, or the note."""
        if self.kind == EvidenceKind.FILE.value:
            return self.file_name
        if self.kind == EvidenceKind.LINK.value:
            return self.url
        return self.note


def utc(value: dt.datetime) -> dt.datetime:
    """Aware UTC (stored times come back aware; an old naive one is taken as UTC)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def evidence_row(e: Evidence) -> EvidenceRow:
    """`e` as a row. Its item, measure and plan are many-to-one links the callers have loaded
    (the measure's checklist, the plan), so they come from the session without a query."""
    measure = e.measure if e.measure_id is not None else None
    return EvidenceRow(
        id=e.id,
        measure_id=e.measure_id,
        target=f"{measure.plan.key}/{measure.ref}" if measure is not None else None,
        item=e.item.position if e.item_id is not None and e.item is not None else None,
        kind=e.kind.value,
        file_name=e.file_name,
        size=e.size,
        media_type=e.media_type,
        sha256=e.sha256,
        url=e.url,
        note=e.note,
        doc_date=e.doc_date,
        uploaded_at=utc(e.uploaded_at),
        person=e.person.name,
        unit=e.unit.name if e.unit else None,
        current=e.current,
        superseded_by=e.superseded_by_id,
        removed=e.removed_at is not None,
    )


def list_evidence(
    uow: UnitOfWork, viewer: Actor | None, measure_id: int, *, include_old: bool = False
) -> list[EvidenceRow]:
    """A measure's evidence (current only, or with what was superseded and removed), for
    someone who may open the measure (None: the operator); else NotFound/Refused, audited."""

    def read(session: Session) -> list[EvidenceRow]:
        measure, _ = open_measure_by_id(session, viewer, measure_id)
        return [evidence_row(e) for e in measure.evidence if include_old or e.current]

    return run_read(uow, viewer, "evidence_list", measure_target(measure_id), read)
