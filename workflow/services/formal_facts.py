"""What the formal review (形式审查) judges, gathered from the database and the evidence store:
the evidence slots each unit is to fill and the self-check statements it owes, as the plain
facts `workflow.domain.formal_review` turns into gaps.

Who owes what (documented in the README):

* With an index system, every evidence slot of an indicator is owed, for each measure the
  indicator maps, by that measure's lead unit (a group the office has not mapped is itself
  addressed; a measure without units, an indicator mapped to no measure, and a plan-wide
  numeric target are owed by the office, 领导小组办公室). A slot whose text is one of the
  measure's checklist items (as the example index writes them) is filled by the evidence on
  that item; another slot by any current evidence of the measure (of a numeric target: the
  evidence of its reported values). Where several units lead a measure (a group's members,
  each leading its share), each one's own evidence counts for it.
* Without an index system, the plan's measures are read the same way the example index would
  read them: each checklist item that needs evidence is a slot of its measure, in the forms
  the item takes.
* Either way, the lead unit of each measure judged owes the measure's self-check statement
  (the statement of its latest self-check not withdrawn).

A file is readable when the store still holds it at its recorded size: a cheap check for
every file of a plan; `zonecheck evidence verify` re-hashes them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from checklists.indexsys.model import MAX_SLOT_CHARS, EvidenceSlot
from checklists.indexsys.system import IndexSystem
from checklists.kinds import EvidenceKind
from workflow.domain.formal_review import EvidenceFact, SlotDue, StatementDue
from workflow.domain.obligations import PlanPeriod
from workflow.evidence import EvidenceStore
from workflow.models import (
    ChecklistItem,
    Evidence,
    Indicator,
    IndicatorReport,
    Measure,
    Plan,
)
from workflow.read.plans import load_measures
from workflow.services.acting import measure_units, members_for
from workflow.services.index_store import current_row, system_of
from workflow.services.measure_work import plan_period

__all__ = ["OFFICE", "ReviewFacts", "gather_facts"]

# The addressee of what no unit owes: the leading office itself.
OFFICE = "领导小组办公室"
_SUBJECT_TITLE_CHARS = 40


@dataclass(frozen=True)
class ReviewFacts:
    basis: str  # "index": the plan's index system; "measures": its measures' checklists
    slots: list[SlotDue]
    statements: list[StatementDue]
    period: PlanPeriod
    unit_ids: dict[str, int | None]  # addressee name → unit id (None: the office)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SUBJECT_TITLE_CHARS else text[: _SUBJECT_TITLE_CHARS - 1] + "…"


def _fills(slot: EvidenceSlot, item: ChecklistItem) -> bool:
    """Whether `slot` names checklist item `item` (the example clips long items with …)."""
    text = " ".join(item.text.split())
    what = slot.what
    return text == what or (what.endswith("…") and len(what) == MAX_SLOT_CHARS and text.startswith(what[:-1]))


class _Readability:
    """Whether each stored file is still there at its size, asked once per file."""

    def __init__(self, store: EvidenceStore) -> None:
        self._store = store
        self._seen: dict[str, bool] = {}

    def __call__(self, evidence: Evidence) -> bool:
        if evidence.sha256 is None:
            return True
        known = self._seen.get(evidence.sha256)
        if known is None:
            try:
                known = self._store.path_of(evidence.sha256).stat().st_size == evidence.size
            except (OSError, ValueError):
                known = False
            self._seen[evidence.sha256] = known
        return known


def _fact(evidence: Evidence, readable: _Readability) -> EvidenceFact:
    label = evidence.file_name or evidence.url or _short(evidence.note) or f"佐证材料#{evidence.id}"
    return EvidenceFact(
        label=label,
        kind=EvidenceKind(evidence.kind),
        doc_date=evidence.doc_date,
        media_type=evidence.media_type if evidence.kind is EvidenceKind.FILE else None,
        readable=readable(evidence),
    )


@dataclass(frozen=True)
class _Owed:
    """A measure as the review reads it: who owes its material, and its current evidence."""

    measure: Measure
    owners: list[tuple[str, int | None]]
    several: bool  # several lead units: each one's own evidence counts for it

    def evidence_of(self, owner_id: int | None, pieces: Iterable[Evidence]) -> list[Evidence]:
        return [e for e in pieces if e.current and (not self.several or e.unit_id == owner_id)]


def _owed(session: Session, measures: list[Measure]) -> dict[str, _Owed]:
    members = members_for(session, measures)
    out: dict[str, _Owed] = {}
    for measure in measures:
        units = measure_units(None, measure, members)
        lead = units.responsibility.lead_unit_ids
        owners: list[tuple[str, int | None]] = [(n, u) for u, n in units.unit_names.items() if u in lead]
        if not owners:
            unmapped = set(units.unmapped_groups)
            groups: list[tuple[str, int | None]] = [
                (lk.unit.name, lk.unit_id) for lk in measure.unit_links if lk.unit.name in unmapped
            ]
            owners = groups[:1]
        if not owners:
            owners = [(OFFICE, None)]
        out[measure.ref] = _Owed(measure, owners, len(owners) > 1)
    return out


def _statements(owed: Iterable[_Owed]) -> list[StatementDue]:
    out: list[StatementDue] = []
    for o in owed:
        latest = next((c for c in reversed(o.measure.self_checks) if c.withdrawn_at is None), None)
        subject = f"措施 {o.measure.ref} {_short(o.measure.title)}"
        out += [StatementDue(name, subject, latest.statement if latest else "") for name, _ in o.owners]
    return out


def _by_index(
    session: Session, plan: Plan, system: IndexSystem, owed: dict[str, _Owed], readable: _Readability
) -> tuple[list[SlotDue], list[_Owed]]:
    metrics = {
        i.metric: i
        for i in session.scalars(
            select(Indicator)
            .where(Indicator.plan_id == plan.id, Indicator.retired_at.is_(None))
            .options(selectinload(Indicator.reports).selectinload(IndicatorReport.evidence))
        )
    }
    slots: list[SlotDue] = []
    judged: dict[str, _Owed] = {}
    for ind in system.indicators:
        mapped = [owed[r] for r in ind.measures if r in owed]
        judged.update((o.measure.ref, o) for o in mapped)
        if not ind.evidence:
            continue
        subject = f"指标 {ind.code} {_short(ind.name)}"
        for o in mapped:
            sub = f"{subject}(措施 {o.measure.ref})" if len(mapped) > 1 else subject
            for slot in ind.evidence:
                items = {i.id for i in o.measure.checklist if _fills(slot, i)}
                pieces = [e for e in o.measure.evidence if e.item_id in items] if items else list(o.measure.evidence)
                for name, uid in o.owners:
                    facts = tuple(_fact(e, readable) for e in o.evidence_of(uid, pieces))
                    slots.append(SlotDue(name, sub, slot, facts))
        if mapped:
            continue
        # A numeric target's statistics: the evidence of its reported values, owed by its
        # measure's lead, or by the office for a plan-wide target.
        targets = [metrics[m] for m in ind.metrics if m in metrics]
        pieces = [e for t in targets for r in t.reports for e in r.evidence if e.current]
        owner = OFFICE
        for target in targets:
            if target.measure is not None and target.measure.ref in owed:
                owner = owed[target.measure.ref].owners[0][0]
                break
        for slot in ind.evidence:
            slots.append(SlotDue(owner, subject, slot, tuple(_fact(e, readable) for e in pieces)))
    return slots, list(judged.values())


def _by_measures(owed: dict[str, _Owed], readable: _Readability) -> list[SlotDue]:
    slots: list[SlotDue] = []
    for o in owed.values():
        subject = f"措施 {o.measure.ref} {_short(o.measure.title)}"
        on_item: dict[int | None, list[Evidence]] = {}
        for e in o.measure.evidence:
            on_item.setdefault(e.item_id, []).append(e)
        seen: set[str] = set()
        for item in o.measure.checklist:
            what = " ".join(item.text.split())
            what = what if len(what) <= MAX_SLOT_CHARS else what[: MAX_SLOT_CHARS - 1] + "…"
            if item.min_evidence <= 0 or what in seen:
                continue
            seen.add(what)
            kinds = tuple(dict.fromkeys(EvidenceKind(k) for k in item.evidence_kinds)) or (EvidenceKind.FILE,)
            slot = EvidenceSlot(what, kinds)
            for name, uid in o.owners:
                facts = tuple(_fact(e, readable) for e in o.evidence_of(uid, on_item.get(item.id, ())))
                slots.append(SlotDue(name, subject, slot, facts))
    return slots


def gather_facts(session: Session, plan: Plan, store: EvidenceStore) -> ReviewFacts:
    """The slots and statements of plan `plan`'s formal review (see the module's docstring)."""
    measures = load_measures(session, plan, with_work=True)
    owed = _owed(session, measures)
    readable = _Readability(store)
    row = current_row(session, plan)
    if row is not None:
        slots, judged = _by_index(session, plan, system_of(row, plan.key), owed, readable)
        basis = "index"
    else:
        slots, judged = _by_measures(owed, readable), list(owed.values())
        basis = "measures"
    unit_ids: dict[str, int | None] = {OFFICE: None}
    for o in owed.values():
        unit_ids.update(o.owners)
    return ReviewFacts(basis, slots, _statements(judged), plan_period(session, plan), unit_ids)
