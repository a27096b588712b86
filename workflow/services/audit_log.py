"""Appending to and verifying the hash-chained audit log. Every writer locks the head first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from workflow.domain.audit import GENESIS, HASHED_FIELDS, entry_hash
from workflow.domain.permissions import Actor
from workflow.models import AuditEntry, AuditHead, utcnow

SYSTEM = "系统"


class AuditChain:
    """The open end of the chain inside one transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session
        # An UPDATE (not just SELECT … FOR UPDATE) so SQLite takes its write lock here too:
        # writers queue up at the start of their transaction and the chain never forks.
        self.head = session.scalars(
            update(AuditHead)
            .where(AuditHead.id == 1)
            .values(seq=AuditHead.seq)
            .returning(AuditHead),
            execution_options={"populate_existing": True},
        ).one()

    def append(
        self,
        actor: Actor | None,
        action: str,
        target: str = "",
        *,
        from_state: str = "",
        to_state: str = "",
        comment: str = "",
        detail: dict[str, Any] | None = None,
        refused: bool = False,
        at: dt.datetime | None = None,
    ) -> AuditEntry:
        fields: dict[str, Any] = {
            "seq": self.head.seq + 1,
            "at": at or utcnow(),
            "actor": actor.name if actor else SYSTEM,
            "role": actor.role.value if actor else "",
            "unit": (actor.unit_name or "") if actor else "",
            "action": action,
            "target": target,
            "from_state": from_state,
            "to_state": to_state,
            "comment": comment,
            "detail": detail or {},
            "refused": refused,
        }
        digest = entry_hash(self.head.hash, fields)
        entry = AuditEntry(**fields, prev_hash=self.head.hash, hash=digest)
        self.session.add(entry)
        self.head.seq, self.head.hash = fields["seq"], digest
        return entry


@dataclass
class ChainReport:
    entries: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(session: Session, *, batch: int = 5000) -> ChainReport:
    """Re-compute every hash in order; name each entry that was edited, deleted or reordered."""
    report = ChainReport(entries=0)
    expected_prev, expected_seq = GENESIS, 1
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch))
    for entry in rows.scalars():
        report.entries += 1
        if entry.seq != expected_seq:
            if entry.seq < expected_seq:
                report.problems.append(f"第 {entry.seq} 条记录顺序错乱")
            else:
                # "第 3 至 3 条" reads oddly: one missing entry is named on its own.
                gap = f"{expected_seq}" if entry.seq - 1 == expected_seq else f"{expected_seq} 至 {entry.seq - 1}"
                report.problems.append(f"第 {gap} 条记录缺失(被删除)")
        if entry.prev_hash != expected_prev:
            report.problems.append(f"第 {entry.seq} 条记录与前一条的链接不符(记录被删除、插入或调换顺序)")
        recomputed = entry_hash(entry.prev_hash, {n: getattr(entry, n) for n in HASHED_FIELDS})
        if recomputed != entry.hash:
            report.problems.append(f"第 {entry.seq} 条记录内容被修改(哈希不符)")
        expected_prev, expected_seq = entry.hash, entry.seq + 1
    head = session.get(AuditHead, 1)
    if head is None:
        report.problems.append("审计链头记录缺失")
    elif (head.seq, head.hash) != (expected_seq - 1, expected_prev):
        report.problems.append(
            f"审计链末尾不符:链头记录为第 {head.seq} 条,实际最后一条为第 {expected_seq - 1} 条"
            "(末尾记录被删除或修改)"
        )
    return report

