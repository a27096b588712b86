"""Shared set-up for the office page tests (no tests here): Jiading measures driven through
the states with the services, as the units and the office would."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from tests.integration.workflow_helpers import (
    COURT,
    JIADING,
    MARKET,
    REVIEWER_A,
    REVIEWER_B,
    actor,
    measure_id,
    pdf_bytes,
    png_bytes,
    session_of,
    write_file,
)
from workflow.bootstrap import App
from workflow.models import AuditEntry
from workflow.services import measure_work
from workflow.services.evidence import NewEvidence, add_evidence

TODAY = dt.date(2024, 3, 1)  # inside Jiading's self-check phase

# What `drive_demo` leaves: ref → state (19 is returned: 推进中 with a rectification deadline).
DEMO_STATES = {
    "16": "self_checked",  # 区市场监管局 alone; a PDF on item 1, a PNG on item 2
    "13": "self_checked",  # 区法院 alone
    "12": "accepted",
    "19": "in_progress",
    "17": "in_progress",
}
RETURN_COMMENT = "佐证材料不足,请补充执法台账"


def add_file(app: App, folder: Path, ref: str, item: int, who: str, name: str, data: bytes) -> None:
    path = write_file(folder, name, data)
    add_evidence(app.uow(), app.store, actor(app, who), measure_id(app, JIADING, ref), item=item, new=NewEvidence(files=[path]))


def ready(app: App, folder: Path, ref: str, who: str = MARKET, items: int = 1) -> None:
    """Started, a file on every item, the unit's part done: ready to submit."""
    measure_work.start(app.uow(), actor(app, who), measure_id(app, JIADING, ref))
    for item in range(1, items + 1):
        add_file(app, folder, ref, item, who, f"{ref}-{item}.pdf", pdf_bytes(f"{ref} {item}"))
    measure_work.set_part(app.uow(), actor(app, who), measure_id(app, JIADING, ref))


def submit(app: App, ref: str, who: str = MARKET) -> None:
    measure_work.submit_self_check(
        app.uow(), actor(app, who), measure_id(app, JIADING, ref), statement=f"措施{ref}已按方案完成", today=TODAY
    )


def drive_demo(app: App, folder: Path) -> None:
    """Five Jiading measures in the states of DEMO_STATES."""
    measure_work.start(app.uow(), actor(app, MARKET), measure_id(app, JIADING, "16"))
    add_file(app, folder, "16", 1, MARKET, "执法台账.pdf", pdf_bytes("16 执法台账"))
    add_file(app, folder, "16", 2, MARKET, "现场照片.png", png_bytes())
    measure_work.set_part(app.uow(), actor(app, MARKET), measure_id(app, JIADING, "16"))
    submit(app, "16")
    ready(app, folder, "13", COURT)
    submit(app, "13", COURT)
    ready(app, folder, "12")
    submit(app, "12")
    measure_work.accept(app.uow(), actor(app, REVIEWER_A), measure_id(app, JIADING, "12"), score=90, comment="材料齐全")
    ready(app, folder, "19")
    submit(app, "19")
    measure_work.return_for_rectification(
        app.uow(), actor(app, REVIEWER_B), measure_id(app, JIADING, "19"), comment=RETURN_COMMENT
    )
    measure_work.start(app.uow(), actor(app, MARKET), measure_id(app, JIADING, "17"))


def audit_since(app: App, seq: int) -> list[AuditEntry]:
    with session_of(app) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.seq > seq).order_by(AuditEntry.seq)))


def last_seq(app: App) -> int:
    with session_of(app) as session:
        return int(session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)) or 0)
