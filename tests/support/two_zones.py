"""Two zones in one database, for the cross-zone tests of the pages, the API and the CLI.

嘉定区 (under 上海市) holds Jiading's plan; 武汉市某区 holds Wuhan's plan and Xuchang's targets.
Both zones have a unit named 区市场监管局, a member of it, a reviewer and an admin. Zone B's
measure 13 is self-checked with a file, and a Xuchang target is reported with a file; Wuhan's
plan has an on-site check (现场核查) with a photo.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.integration.workflow_helpers import (
    actor,
    measure_id,
    measure_of,
    pdf_bytes,
    plan_id,
    png_bytes,
    seed_path,
    session_of,
    write_file,
)
from tests.support.databases import app_with_state
from workflow.bootstrap import App
from workflow.domain.site_checks import Participant, SiteCheckDraft
from workflow.domain.states import Role
from workflow.jobs.requests import request_render
from workflow.models import (
    Evidence,
    IndicatorReport,
    Measure,
    Person,
    Plan,
    SiteCheck,
    SiteCheckPhoto,
    Unit,
)
from workflow.services import indicators, measure_work, people, site_checks, zones
from workflow.services.evidence import NewEvidence, add_evidence
from workflow.services.plan_import import import_documents

JIADING = "003_ae6539458f46096d"
WUHAN = "000_53900fa8173cc0f4"
XUCHANG = "002_6c8dfd04ca7988e4"
ZONE_A, ZONE_B = "上海市/嘉定区", "武汉市某区"
A_MEMBER, A_REVIEWER, A_ADMIN = "嘉定监管局张", "嘉定审核人", "嘉定管理员"
B_MEMBER, B_REVIEWER, B_ADMIN = "武汉监管局李", "武汉审核人", "武汉管理员"
B_REF = "13"  # Wuhan: 区市场监管局 alone
B_GROUP = "区知识产权工作领导小组各成员单位"  # a group only Wuhan's plan names
B_ONLY_UNIT = "区知识产权工作领导小组办公室"  # a unit only zone B has
MISSING = 999_999


@dataclass(frozen=True)
class World:
    app: App
    plan_b: int
    xuchang: int
    measure_b: int
    evidence_b: int
    indicator_evidence_b: int
    site_check_b: int
    site_photo_b: int
    render_job_b: int  # zone B's office asked for its acceptance report


def build_world(app: App, seeds_dir: Path, uploads: Path) -> World:
    """Two zones as the module docstring says, in `app`'s empty, migrated database."""
    zones.add_zone(app.uow(), None, "上海市", parent=None)
    zones.add_zone(app.uow(), None, "嘉定区", parent="上海市")
    zones.add_zone(app.uow(), None, ZONE_B, parent=None)
    for prefix, zone in (("003", ZONE_A), ("000", ZONE_B), ("002", ZONE_B)):
        import_documents(app.uow, [seed_path(seeds_dir, prefix)], catalog_dir=app.settings.catalog_dir, zone=zone)
    for admin, zone, staff in (
        (A_ADMIN, ZONE_A, [(A_MEMBER, Role.MEMBER, "区市场监管局"), (A_REVIEWER, Role.REVIEWER, None)]),
        (B_ADMIN, ZONE_B, [(B_MEMBER, Role.MEMBER, "区市场监管局"), (B_REVIEWER, Role.REVIEWER, None)]),
    ):
        people.add_person(app.uow(), None, admin, role=Role.ADMIN, unit=None, zone=zone)
        for name, role, unit in staff:
            people.add_person(app.uow(), actor(app, admin), name, role=role, unit=unit)

    # Zone B's work: measure 13 self-checked with a file; a Xuchang target reported with a file.
    ident = f"{WUHAN}/{B_REF}"
    measure_work.start(app.uow(), actor(app, B_MEMBER), measure_of(app, ident))
    upload = write_file(uploads, "武汉台账.pdf", pdf_bytes("wuhan-secret"))
    add_evidence(
        app.uow(), app.store, actor(app, B_MEMBER), measure_of(app, ident), item=1,
        new=NewEvidence(files=[upload], doc_date=dt.date(2025, 6, 30)),
    )
    measure_work.set_part(app.uow(), actor(app, B_MEMBER), measure_of(app, ident))
    measure_work.submit_self_check(app.uow(), actor(app, B_MEMBER), measure_of(app, ident), statement="已完成", today=dt.date(2025, 12, 10))
    indicators.report_value(
        app.uow(), app.store, actor(app, B_MEMBER), plan_id(app, XUCHANG), 1, "3700", evidence=NewEvidence(files=[upload])
    )
    with session_of(app) as s:
        plan_b = s.scalars(select(Plan.id).where(Plan.key == WUHAN)).one()
        xuchang = s.scalars(select(Plan.id).where(Plan.key == XUCHANG)).one()
        mid = measure_id(app, WUHAN, B_REF)
        eid = s.scalars(select(Evidence.id).where(Evidence.measure_id == mid)).one()
        ind_eid = s.scalars(
            select(Evidence.id).where(Evidence.indicator_report_id.is_not(None))
        ).one()
    check = site_checks.record_site_check(
        app.uow(), actor(app, B_REVIEWER), plan_b,
        SiteCheckDraft(dt.date(2025, 6, 30), "武汉核查现场", (Participant("武汉专家", "组长"),), findings="wuhan-secret"),
    )  # fmt: skip
    photo = site_checks.add_site_photo(
        app.uow(), app.store, actor(app, B_REVIEWER), check.id, write_file(uploads, "武汉现场.png", png_bytes()), "武汉台账"
    )
    # Zone B's office asks for a report: its render job is zone B's (it is not rendered).
    job = request_render(
        app.uow(), actor(app, B_REVIEWER), plan_b, "acceptance", "pdf", {},
        today=dt.date(2026, 12, 6), now=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    return World(app, plan_b, xuchang, mid, eid, ind_eid, check.id, photo.id, job.job_id)


def copied_world(
    db_url: str,
    home: Path,
    seeds_dir: Path,
    key: str = "two-zones",
    then: Callable[[App], None] | None = None,
) -> World:
    """The world of `build_world` in ``db_url`` (and ``then`` done to it), built once per
    worker and backend under ``key`` and copied (tests/support/databases.py)."""
    build = functools.partial(_build_world_then, seeds_dir=seeds_dir, then=then)
    app, built = app_with_state(db_url, home, key, build)
    return dataclasses.replace(built, app=app)


def _build_world_then(app: App, seeds_dir: Path, then: Callable[[App], None] | None) -> World:
    built = build_world(app, seeds_dir, app.settings.home.parent / "up")
    if then is not None:
        then(app)
    return built


@pytest.fixture
def world(db_url: str, tmp_path: Path, seeds_dir: Path) -> Iterator[World]:
    built = copied_world(db_url, tmp_path / "home", seeds_dir)
    yield built
    built.app.close()


def fingerprint(app: App) -> dict[str, Any]:
    """What any attempt could have changed, anywhere."""
    with session_of(app) as s:
        return {
            "measures": sorted(s.execute(select(Measure.id, Measure.state, Measure.version_id)).all()),
            "evidence": sorted(s.execute(select(Evidence.id, Evidence.superseded_by_id, Evidence.removed_at)).all()),
            "indicator_reports": s.scalar(select(func.count()).select_from(IndicatorReport)),
            "people": sorted(s.execute(select(Person.name, Person.zone_id, Person.password_hash)).all()),
            "units": s.scalar(select(func.count()).select_from(Unit)),
            "plans": sorted(s.execute(select(Plan.id, Plan.review_levels)).all()),
            "site_checks": sorted(s.execute(select(SiteCheck.id, SiteCheck.version_id)).all()),
            "site_photos": s.scalar(select(func.count()).select_from(SiteCheckPhoto)),
        }


