"""Shared set-up for the workflow integration tests: a migrated database, a seed, people, files.

Everything goes through the services, as the CLI does; the helpers below only read rows back,
or turn a person's name and a plan's key into what the services take (an Actor, ids), as the
CLI's `--as` and `PLAN/REF` are resolved.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support.databases import upgrade_from_template
from workflow.bootstrap import App, bootstrap
from workflow.config import Settings
from workflow.domain.permissions import Actor
from workflow.domain.states import Role
from workflow.models import (
    AuditEntry,
    Evidence,
    Measure,
    MeasurePart,
    Plan,
    Review,
    SelfCheck,
)
from workflow.services import access, people
from workflow.services.acting import resolve_actor
from workflow.services.plan_import import import_documents

JIADING = "003_ae6539458f46096d"  # 嘉府发〔2023〕18号: 22 tasks, units in a task table
WUHAN = "000_53900fa8173cc0f4"  # fixed, annual (每年4月底前) and ongoing deadlines
XUCHANG = "002_6c8dfd04ca7988e4"  # numeric targets (有效发明专利拥有量达到3600件 …)

ADMIN = "管理员周"
REVIEWER_A = "审核人甲"
REVIEWER_B = "审核人乙"
MARKET = "监管局张"  # 区市场监管局: lead of most Jiading measures
ECONOMY = "经委王"  # 区经委: co-unit of Jiading measure 3
COURT = "法院赵"  # 区法院
MARKET_REVIEWER = "监管局审核钱"  # a reviewer working in 区市场监管局: must recuse on its measures

JIADING_PEOPLE: list[tuple[str, Role, str | None]] = [
    (REVIEWER_A, Role.REVIEWER, None),
    (REVIEWER_B, Role.REVIEWER, None),
    (MARKET, Role.MEMBER, "区市场监管局"),
    (ECONOMY, Role.MEMBER, "区经委"),
    (COURT, Role.MEMBER, "区法院"),
    (MARKET_REVIEWER, Role.REVIEWER, "区市场监管局"),
]


def make_app(db_url: str, home: Path, **settings: Any) -> App:
    upgrade_from_template(db_url)  # a copy of a migrated template, then `upgrade` (a no-op)
    return bootstrap(Settings(home=home, db_url=db_url, **settings))


def seed_path(seeds_dir: Path, prefix: str) -> Path:
    return next(seeds_dir.glob(f"{prefix}_*.txt"))


def import_seed(app: App, seeds_dir: Path, prefix: str) -> str:
    [result] = import_documents(
        app.uow, [seed_path(seeds_dir, prefix)], catalog_dir=app.settings.catalog_dir
    )
    return result.plan_key


def add_people(app: App, specs: list[tuple[str, Role, str | None]]) -> None:
    """The first admin sets the system up; everybody else is added by that admin."""
    people.add_person(app.uow(), None, ADMIN, role=Role.ADMIN, unit=None)
    admin = actor(app, ADMIN)
    for name, role, unit in specs:
        people.add_person(app.uow(), admin, name, role=role, unit=unit)


def actor(app: App, name: str) -> Actor:
    """The person named, as the services take them (what `--as NAME` resolves to)."""
    found = resolve_actor(app.uow(), name)
    assert found is not None
    return found


def ident(plan_key: str, ref: str) -> str:
    return f"{plan_key}/{ref}"


@contextmanager
def session_of(app: App) -> Iterator[Session]:
    with app.uow() as uow:
        try:
            yield uow.session
        finally:
            # The unit of work rolls back on exit, which would expire what was read; detached
            # objects keep their loaded columns for the assertions.
            uow.session.expunge_all()


def audit_entries(app: App) -> list[AuditEntry]:
    with session_of(app) as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def last_audit(app: App) -> AuditEntry:
    return audit_entries(app)[-1]


def count(app: App, model: type, *where: Any) -> int:
    with session_of(app) as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def plan_id(app: App, plan: str) -> int:
    """The number of the plan named `plan` (key, unique prefix, document number), as the CLI's
    `PLAN` is resolved."""
    return access.open_plan(app.uow(), None, plan).id


def measure_of(app: App, name: str) -> int:
    """The number of the measure named `PLAN/REF`, as the CLI's `PLAN/REF` is resolved."""
    return access.resolve_measure(app.uow(), None, name, action="view").id


def measure_id(app: App, plan_key: str, ref: str) -> int:
    with session_of(app) as session:
        found = session.scalar(
            select(Measure.id).join(Plan).where(Plan.key == plan_key, Measure.ref == ref)
        )
        assert found is not None
        return found


def snapshot(app: App, plan_key: str, ref: str) -> dict[str, Any]:
    """Everything a workflow action may change about one measure, to show nothing did."""
    mid = measure_id(app, plan_key, ref)
    with session_of(app) as session:
        measure = session.get(Measure, mid)
        assert measure is not None
        return {
            "state": measure.state,
            "version": measure.version_id,
            "rectification_due": measure.rectification_due,
            "updated_at": measure.updated_at,
            "parts": sorted(
                (p.unit_id, p.done_at is not None)
                for p in session.scalars(select(MeasurePart).where(MeasurePart.measure_id == mid))
            ),
            "self_checks": [
                (s.round, s.withdrawn_at is not None)
                for s in session.scalars(
                    select(SelfCheck).where(SelfCheck.measure_id == mid).order_by(SelfCheck.round)
                )
            ],
            "reviews": [
                (r.level, r.verdict.value, r.person_id)
                for r in session.scalars(
                    select(Review)
                    .join(SelfCheck)
                    .where(SelfCheck.measure_id == mid)
                    .order_by(Review.id)
                )
            ],
            "evidence": [
                (e.id, e.superseded_by_id, e.removed_at is not None)
                for e in session.scalars(
                    select(Evidence).where(Evidence.measure_id == mid).order_by(Evidence.id)
                )
            ],
        }


# ------------------------------------------------------------------------------------ files


def pdf_bytes(text: str = "zonecheck") -> bytes:
    """A small, well-formed one-page PDF (cross-reference offsets computed, not faked)."""
    # A hex string, so any text (Chinese included) makes distinct, valid content.
    stream = f"BT /F1 12 Tf 72 720 Td <{text.encode('utf-8').hex()}> Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def png_bytes(rgb: tuple[int, int, int] = (200, 30, 30), size: int = 4) -> bytes:
    """A real PNG image of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" + bytes(rgb) * size
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )


def write_file(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def store_files(root: Path) -> list[Path]:
    """Every file under an evidence store (blobs and temporaries)."""
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
