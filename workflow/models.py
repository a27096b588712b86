"""The data model: one metadata object, typed SQLAlchemy 2 models.

Persistence lives here and in `workflow.db`; domain rules that need no database
(what a deadline means, whether a measure carries recorded work) are plain methods.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from checklists.kinds import Comparator, DeadlineKind, EvidenceKind, MeasureKind, UnitRole
from workflow.domain.appeals import AppealGround, AppealState
from workflow.domain.escalation import Colour
from workflow.domain.extensions import ExtensionState, ExtensionTarget
from workflow.domain.states import STATE_LABELS, MeasureState, Rating, Role, Verdict
from workflow.jobs.rules import JobState
from workflow.notify.rules import Channel, MessageStatus

__all__ = ["STATE_LABELS", "MeasureState"]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class DecimalText(TypeDecorator[Decimal]):
    """Exact decimals on every backend: SQLite has no decimal type and would round via float."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else format(Decimal(value).normalize(), "f")

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Every stored time is UTC and comes back aware, on every backend: SQLite keeps no zone
    and hands back naive datetimes, which would otherwise need patching wherever one is read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _enum(cls: type[StrEnum], name: str) -> Enum:
    # Stored as VARCHAR with a CHECK constraint: portable, and readable in a raw SQL dump.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=30,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        dt.datetime: UtcDateTime(),
        dt.date: Date(),
        str: String(200),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


DEFAULT_REVIEW_LEVELS = ("领导小组办公室审核",)


class Zone(Base):
    """A jurisdiction (示范区/辖区) in a tree: 上海市 → 嘉定区. Its leading office is its
    reviewers and admins; plans, units and people each belong to one zone."""

    __tablename__ = "zones"
    # Names repeat across the country (朝阳区 is in Beijing and in Changchun), so a name is
    # unique among its siblings only; the service keeps root names unique too.
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("zones.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    parent: Mapped[Zone | None] = relationship(remote_side=[id])


class Plan(Base):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    issuer: Mapped[str] = mapped_column(default="")
    doc_number: Mapped[str] = mapped_column(String(100), default="")
    issued_on: Mapped[dt.date | None]
    preamble: Mapped[str] = mapped_column(Text, default="")
    source_file: Mapped[str] = mapped_column(String(500), default="")
    source_sha256: Mapped[str] = mapped_column(String(64), default="")
    # sha256 of the catalog as loaded: re-loading the same catalog is recognised as no change.
    catalog_sha256: Mapped[str] = mapped_column(String(64), default="")
    # Review levels in order (初审, 专家评审, …); a measure is accepted when the last one passes.
    review_levels: Mapped[list[Any]] = mapped_column(default=lambda: list(DEFAULT_REVIEW_LEVELS))
    # Review level name → id of the (ancestor) zone whose office reviews that level
    # (district self-check → city review → province acceptance); unlisted levels are the
    # plan's own zone's.
    level_zones: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Default rectification period when a return names no deadline.
    rectification_days: Mapped[int] = mapped_column(default=15)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    zone: Mapped[Zone] = relationship()
    sections: Mapped[list[Section]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Section.position"
    )
    measures: Mapped[list[Measure]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Measure.position"
    )
    phases: Mapped[list[Phase]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Phase.position"
    )
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Indicator.position"
    )
    imports: Mapped[list[PlanImport]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanImport.id"
    )

    def acceptance_phase(self) -> Phase | None:
        return next((p for p in reversed(self.phases) if p.acceptance), None)


class Section(Base):
    __tablename__ = "sections"
    __table_args__ = (UniqueConstraint("plan_id", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"))
    ref: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(20), default="")
    title: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int]
    source_line: Mapped[int | None]

    plan: Mapped[Plan] = relationship(back_populates="sections")
    parent: Mapped[Section | None] = relationship(remote_side=[id])

    def path_title(self) -> str:
        """`三、完善知识产权大保护格局 / (一)…` — the section as a reader locates it."""
        own = f"{self.number}{'、' if self.parent is None else ''}{self.title}"
        return f"{self.parent.path_title()} / {own}" if self.parent else own


class Unit(Base):
    """A responsible body (局, 院, 办 …) or a group of them (各成员单位)."""

    __tablename__ = "units"
    # Every district has its 区市场监管局: a name is unique within its zone only.
    __table_args__ = (UniqueConstraint("zone_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str]  # normalised
    is_group: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    zone: Mapped[Zone] = relationship()
    aliases: Mapped[list[UnitAlias]] = relationship(
        back_populates="unit", cascade="all, delete-orphan"
    )


class UnitAlias(Base):
    """Another spelling of a unit's name (as written in some document, or set by the office)."""

    __tablename__ = "unit_aliases"
    __table_args__ = (UniqueConstraint("zone_id", "alias"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    # The unit's zone, repeated so that an alias is unique within the zone (as names are).
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="RESTRICT"))
    alias: Mapped[str]

    unit: Mapped[Unit] = relationship(back_populates="aliases")


class Measure(Base):
    __tablename__ = "measures"
    __table_args__ = (UniqueConstraint("plan_id", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id", ondelete="SET NULL"))
    kind: Mapped[MeasureKind] = mapped_column(_enum(MeasureKind, "measure_kind"))
    number: Mapped[str] = mapped_column(String(20))
    ref: Mapped[str] = mapped_column(String(20))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    units_text: Mapped[str] = mapped_column(Text, default="")
    deadline_kind: Mapped[DeadlineKind] = mapped_column(
        _enum(DeadlineKind, "deadline_kind"), default=DeadlineKind.NONE
    )
    deadline_text: Mapped[str] = mapped_column(default="")
    due_on: Mapped[dt.date | None]
    due_month: Mapped[int | None]
    due_day: Mapped[int | None]
    source_lines: Mapped[list[Any]] = mapped_column(default=list)
    state: Mapped[MeasureState] = mapped_column(
        _enum(MeasureState, "measure_state"), default=MeasureState.PLANNED, index=True
    )
    # Set by a return for rectification, cleared by the next self-check: the measure is 整改中.
    rectification_due: Mapped[dt.date | None]
    # The dates as first set, kept by the first approved extension (延期) of each; the count of
    # approved extensions of either date (workflow.domain.extensions).
    original_due_on: Mapped[dt.date | None]
    original_rectification_due: Mapped[dt.date | None]
    extension_count: Mapped[int] = mapped_column(default=0, server_default=sql_text("0"))
    # Set when a revised plan no longer has this measure but work was recorded on it.
    retired_at: Mapped[dt.datetime | None]
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="measures")
    section: Mapped[Section | None] = relationship()
    unit_links: Mapped[list[MeasureUnit]] = relationship(
        back_populates="measure", cascade="all, delete-orphan", order_by="MeasureUnit.position"
    )
    checklist: Mapped[list[ChecklistItem]] = relationship(
        back_populates="measure", cascade="all, delete-orphan", order_by="ChecklistItem.position"
    )

    parts: Mapped[list[MeasurePart]] = relationship(
        back_populates="measure", cascade="all, delete-orphan"
    )
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="measure", order_by="Evidence.id", passive_deletes="all"
    )
    self_checks: Mapped[list[SelfCheck]] = relationship(
        back_populates="measure", order_by="SelfCheck.round", passive_deletes="all"
    )

    # Optimistic locking: a concurrent change to the same measure fails instead of being lost.
    __mapper_args__ = {"version_id_col": version_id}

    def has_recorded_work(self) -> bool:
        """Work on a measure is never thrown away by a plan revision."""
        return (
            self.state is not MeasureState.PLANNED
            or bool(self.evidence)
            or bool(self.self_checks)
            or any(p.done_at for p in self.parts)
        )

    @property
    def label(self) -> str:
        return f"措施 {self.plan.key}/{self.ref}"


class MeasureUnit(Base):
    __tablename__ = "measure_units"
    __table_args__ = (UniqueConstraint("measure_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(
        ForeignKey("measures.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    role: Mapped[UnitRole] = mapped_column(_enum(UnitRole, "unit_role"))
    name_as_written: Mapped[str]
    position: Mapped[int]

    measure: Mapped[Measure] = relationship(back_populates="unit_links")
    unit: Mapped[Unit] = relationship()


class ChecklistItem(Base):
    __tablename__ = "checklist_items"
    __table_args__ = (UniqueConstraint("measure_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(
        ForeignKey("measures.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]  # 1-based: the N of `--item N`
    text: Mapped[str] = mapped_column(Text)
    evidence_kinds: Mapped[list[Any]] = mapped_column(default=lambda: ["file"])
    min_evidence: Mapped[int] = mapped_column(default=1)

    measure: Mapped[Measure] = relationship(back_populates="checklist")
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="item", order_by="Evidence.id", passive_deletes="all"
    )


class Phase(Base):
    __tablename__ = "phases"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text, default="")
    start_on: Mapped[dt.date | None]
    end_on: Mapped[dt.date | None]
    acceptance: Mapped[bool] = mapped_column(default=False)
    source_line: Mapped[int | None]

    plan: Mapped[Plan] = relationship(back_populates="phases")


class Indicator(Base):
    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    measure_id: Mapped[int | None] = mapped_column(
        ForeignKey("measures.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    metric: Mapped[str] = mapped_column(String(500))
    comparator: Mapped[Comparator] = mapped_column(_enum(Comparator, "comparator"))
    value: Mapped[Decimal] = mapped_column(DecimalText())
    value_max: Mapped[Decimal | None] = mapped_column(DecimalText())
    unit: Mapped[str] = mapped_column(String(20), default="")
    due_on: Mapped[dt.date | None]
    source_line: Mapped[int | None]
    # Set when a revised plan dropped this target but values had been reported against it.
    retired_at: Mapped[dt.datetime | None]

    plan: Mapped[Plan] = relationship(back_populates="indicators")
    measure: Mapped[Measure | None] = relationship()
    reports: Mapped[list[IndicatorReport]] = relationship(
        back_populates="indicator", order_by="IndicatorReport.id", passive_deletes="all"
    )

    def latest_report(self) -> IndicatorReport | None:
        return self.reports[-1] if self.reports else None


class PlanImport(Base):
    """One import of a plan document or catalog: what it was and what it changed."""

    __tablename__ = "plan_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    source_file: Mapped[str] = mapped_column(String(500), default="")
    source_sha256: Mapped[str] = mapped_column(String(64), default="")
    catalog_sha256: Mapped[str] = mapped_column(String(64), default="")
    changes: Mapped[list[Any]] = mapped_column(default=list)
    warnings: Mapped[list[Any]] = mapped_column(default=list)

    plan: Mapped[Plan] = relationship(back_populates="imports")


class PlanCorrection(Base):
    """One edit an office made to a plan in the browser or at the command line
    (`checklists.corrections`), in the order made: re-applied to the document whenever the
    same plan is imported again, so a re-import keeps the office's corrections."""

    __tablename__ = "plan_corrections"
    __table_args__ = (UniqueConstraint("plan_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]  # 1-based, the order the edits are applied in
    kind: Mapped[str] = mapped_column(String(20))  # the edit's `op`: units, deadline, merge, …
    payload: Mapped[dict[str, Any]]  # the edit as JSON, at most corrections.MAX_PAYLOAD_BYTES
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Why the edit did not apply to the document as last imported ("" when it did).
    stale_reason: Mapped[str] = mapped_column(Text, default="")

    person: Mapped[Person] = relationship()


class IssuedReport(Base):
    """A report handed out as PDF: the register a stage report reads "since the last one" from.

    The sha256 lets anyone holding a printed copy's file check it is the one issued.
    """

    __tablename__ = "issued_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # acceptance, selfcheck, stage, reminders, …
    as_of: Mapped[dt.date]
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    file_name: Mapped[str] = mapped_column(String(300), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    pages: Mapped[int] = mapped_column(default=0)
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))

    plan: Mapped[Plan] = relationship()
    unit: Mapped[Unit | None] = relationship()
    person: Mapped[Person | None] = relationship()


class UnitGroupMember(Base):
    """A member unit of a group (各成员单位), as mapped by the office."""

    __tablename__ = "unit_group_members"
    __table_args__ = (UniqueConstraint("group_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)

    group: Mapped[Unit] = relationship(foreign_keys=[group_id])
    member: Mapped[Unit] = relationship(foreign_keys=[member_id])


class Person(Base):
    """Someone who acts: a unit's staff member, or the leading office's reviewer or admin."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "person_role"))
    # Reviewers and admins work for this zone's leading office; members for a unit of it.
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="RESTRICT"), index=True)
    # None: the leading office itself. A reviewer may belong to a unit (and then must recuse).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    # argon2 hash for the web login (`zonecheck user passwd`); the CLI identifies people by --as.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # An expert's organisation (often a third party: 上海市知识产权服务中心); "" for others.
    organisation: Mapped[str] = mapped_column(String(200), default="")
    # Where notices reach this person (workflow.notify); "" when the office has not set one.
    # A server default too, so rows written by plain SQL (older tools, tests) need not name them.
    email: Mapped[str] = mapped_column(String(254), default="", server_default=sql_text("''"))
    dingtalk_userid: Mapped[str] = mapped_column(String(64), default="", server_default=sql_text("''"))
    wecom_userid: Mapped[str] = mapped_column(String(64), default="", server_default=sql_text("''"))

    zone: Mapped[Zone] = relationship()
    unit: Mapped[Unit | None] = relationship()
    panel_seats: Mapped[list[PlanExpert]] = relationship(
        foreign_keys="PlanExpert.person_id", back_populates="person", passive_deletes="all"
    )


class WebSession(Base):
    """A signed-in browser or API client. The cookie/bearer token itself is never stored:
    only its SHA-256, so a copy of the database does not let anyone sign in."""

    __tablename__ = "web_sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="browser")  # browser | api
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]

    person: Mapped[Person] = relationship()


class LoginThrottle(Base):
    """Failed sign-ins per login name (known or not), shared by every worker process."""

    __tablename__ = "login_throttle"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[dt.datetime | None]
    locked_until: Mapped[dt.datetime | None]


class MeasurePart(Base):
    """One responsible unit's part of a measure, which the unit marks done."""

    __tablename__ = "measure_parts"
    __table_args__ = (UniqueConstraint("measure_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(
        ForeignKey("measures.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    done_at: Mapped[dt.datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))

    measure: Mapped[Measure] = relationship(back_populates="parts")
    unit: Mapped[Unit] = relationship()
    done_by: Mapped[Person | None] = relationship()


class Evidence(Base):
    """A piece of evidence (佐证材料): a stored file, a link to a published page, or a note.

    Never deleted: a replacement supersedes it and a removal before the self-check marks it.
    """

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int | None] = mapped_column(
        ForeignKey("measures.id", ondelete="RESTRICT"), index=True
    )
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("checklist_items.id", ondelete="RESTRICT"), index=True
    )
    indicator_report_id: Mapped[int | None] = mapped_column(
        ForeignKey("indicator_reports.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[EvidenceKind] = mapped_column(_enum(EvidenceKind, "evidence_kind"))
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    size: Mapped[int | None] = mapped_column(BigInteger)  # files may exceed 2 GB if allowed
    media_type: Mapped[str | None] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(300), default="")
    url: Mapped[str] = mapped_column(String(2000), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    # The document's own date (成文日期); the upload date when the unit gave none.
    doc_date: Mapped[dt.date]
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence.id", ondelete="RESTRICT")
    )
    removed_at: Mapped[dt.datetime | None]

    measure: Mapped[Measure | None] = relationship(back_populates="evidence")
    item: Mapped[ChecklistItem | None] = relationship(back_populates="evidence")
    indicator_report: Mapped[IndicatorReport | None] = relationship(back_populates="evidence")
    person: Mapped[Person] = relationship()
    unit: Mapped[Unit | None] = relationship()
    superseded_by: Mapped[Evidence | None] = relationship(remote_side=[id])

    @property
    def current(self) -> bool:
        return self.superseded_by_id is None and self.removed_at is None


class SelfCheck(Base):
    """One submission of a measure's self-check (a review round), with the unit's own ratings."""

    __tablename__ = "self_checks"
    __table_args__ = (UniqueConstraint("measure_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(
        ForeignKey("measures.id", ondelete="RESTRICT"), index=True
    )
    round: Mapped[int]
    statement: Mapped[str] = mapped_column(Text)
    # {checklist position (as text): Rating value}
    ratings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None]

    measure: Mapped[Measure] = relationship(back_populates="self_checks")
    person: Mapped[Person] = relationship()
    unit: Mapped[Unit | None] = relationship()
    reviews: Mapped[list[Review]] = relationship(
        back_populates="self_check", order_by="Review.id", passive_deletes="all"
    )

    def rating_of(self, position: int) -> Rating | None:
        value = self.ratings.get(str(position))
        return Rating(value) if value else None


class Review(Base):
    """A review level's verdict on one self-check: 通过 or 退回整改, comment, optional score."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    self_check_id: Mapped[int] = mapped_column(
        ForeignKey("self_checks.id", ondelete="RESTRICT"), index=True
    )
    level: Mapped[int]  # 1-based position in plan.review_levels
    level_name: Mapped[str] = mapped_column(String(100))
    verdict: Mapped[Verdict] = mapped_column(_enum(Verdict, "verdict"))
    comment: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[int | None]
    rectification_due: Mapped[dt.date | None]
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    reviewed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    self_check: Mapped[SelfCheck] = relationship(back_populates="reviews")
    person: Mapped[Person] = relationship()


class IndicatorReport(Base):
    """A unit's reported actual value of an indicator, as of a date, with its evidence."""

    __tablename__ = "indicator_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicators.id", ondelete="RESTRICT"), index=True
    )
    value: Mapped[Decimal] = mapped_column(DecimalText())
    as_of: Mapped[dt.date]
    note: Mapped[str] = mapped_column(Text, default="")
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    reported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    indicator: Mapped[Indicator] = relationship(back_populates="reports")
    person: Mapped[Person] = relationship()
    unit: Mapped[Unit | None] = relationship()
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="indicator_report", order_by="Evidence.id"
    )


class AuditEntry(Base):
    """One line of the audit trail, hash-chained to the line before (see workflow.domain.audit)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str] = mapped_column(default="")
    action: Mapped[str] = mapped_column(String(50))
    # PLAN/REF for measure events; the plan key, person or unit name otherwise.
    target: Mapped[str] = mapped_column(String(300), default="", index=True)
    from_state: Mapped[str] = mapped_column(String(30), default="")
    to_state: Mapped[str] = mapped_column(String(30), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    refused: Mapped[bool] = mapped_column(default=False)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's last sequence number and hash: one row, locked by every writer.

    Locking it first serialises writers on both backends (no forked chain) and lets
    `audit verify` notice entries cut off the end.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))


class IndexSystemRow(Base):
    """A plan's current evaluation index system (评价指标体系), as loaded by its office.

    One per plan. The system's own fields are here, its indicators in `index_indicators`;
    together they rebuild the validated `checklists.indexsys.IndexSystem` (`workflow.services.
    index_store`). Reloading replaces it only while no score refers to it.
    """

    __tablename__ = "index_systems"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    total: Mapped[Decimal] = mapped_column(DecimalText())
    bonus_total: Mapped[Decimal | None] = mapped_column(DecimalText())
    # {"passing": "60", "good": "80", "excellent": "90"} (good / excellent may be absent)
    grades: Mapped[dict[str, Any]]
    consolidation: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    source_name: Mapped[str] = mapped_column(String(500), default="")
    source_sha256: Mapped[str] = mapped_column(String(64), default="")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    loaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Set when the formal review (形式审查) closes the self-assessment (issue 14, part 3):
    # no self-score may change after it.
    self_scoring_closed_at: Mapped[dt.datetime | None]

    indicators: Mapped[list[IndexIndicatorRow]] = relationship(
        back_populates="system", cascade="all, delete-orphan", order_by="IndexIndicatorRow.position"
    )


class IndexIndicatorRow(Base):
    """One indicator of an index system. Evidence slots and mappings are small bounded lists
    (20 slots, 100 refs: `checklists.indexsys.model`) read and written whole, so JSON."""

    __tablename__ = "index_indicators"
    __table_args__ = (UniqueConstraint("system_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("index_systems.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]  # 1-based, the file's order
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[int]
    points: Mapped[Decimal] = mapped_column(DecimalText())
    type: Mapped[str] = mapped_column(String(10))  # IndicatorType value: met / scored
    parent_code: Mapped[str | None] = mapped_column(String(20))
    bonus: Mapped[bool] = mapped_column(default=False)
    veto: Mapped[bool] = mapped_column(default=False)
    guidance: Mapped[str] = mapped_column(Text, default="")
    # [{"what": …, "kinds": ["file", …], "required": true}, …]
    evidence_slots: Mapped[list[Any]] = mapped_column(default=list)
    measure_refs: Mapped[list[Any]] = mapped_column(default=list)
    metric_names: Mapped[list[Any]] = mapped_column(default=list)

    system: Mapped[IndexSystemRow] = relationship(back_populates="indicators")


class SelfScore(Base):
    """The office's own score of one leaf indicator in one review round (自评分), with its
    statement and evidence. `points` for a 评分 indicator, `met` for a 达标 one."""

    __tablename__ = "self_scores"
    __table_args__ = (UniqueConstraint("indicator_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("index_indicators.id", ondelete="RESTRICT"), index=True)
    round: Mapped[int] = mapped_column(default=1)
    points: Mapped[Decimal | None] = mapped_column(DecimalText())
    met: Mapped[bool | None]
    statement: Mapped[str] = mapped_column(Text, default="")
    evidence_ids: Mapped[list[Any]] = mapped_column(default=list)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    scored_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)

    indicator: Mapped[IndexIndicatorRow] = relationship()
    person: Mapped[Person] = relationship()

    # Optimistic locking, as measures: two people scoring the same indicator at once, the
    # second is refused instead of silently overwriting the first.
    __mapper_args__ = {"version_id_col": version_id}


class ExpertScore(Base):
    """One expert's score of one leaf indicator in one review round (the expert sits on the
    plan's panel: `PlanExpert`)."""

    __tablename__ = "expert_scores"
    __table_args__ = (UniqueConstraint("indicator_id", "round", "expert_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("index_indicators.id", ondelete="RESTRICT"), index=True)
    round: Mapped[int] = mapped_column(default=1)
    expert_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    points: Mapped[Decimal | None] = mapped_column(DecimalText())
    met: Mapped[bool | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    scored_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)

    indicator: Mapped[IndexIndicatorRow] = relationship()
    expert: Mapped[Person] = relationship()

    __mapper_args__ = {"version_id_col": version_id}


class PlanExpert(Base):
    """One expert's seat on a plan's panel (专家组); at most one 组长 per plan."""

    __tablename__ = "plan_experts"
    __table_args__ = (
        UniqueConstraint("plan_id", "person_id"),
        # One 组长 a plan, on both backends (a partial unique index).
        Index(
            "uq_plan_experts_leader",
            "plan_id",
            unique=True,
            sqlite_where=sql_text("is_leader"),
            postgresql_where=sql_text("is_leader"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"), index=True)
    is_leader: Mapped[bool] = mapped_column(default=False)
    assigned_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))

    plan: Mapped[Plan] = relationship()
    person: Mapped[Person] = relationship(foreign_keys=[person_id], back_populates="panel_seats")
    assigned_by: Mapped[Person | None] = relationship(foreign_keys=[assigned_by_id])


class ExpertRound(Base):
    """One round of a plan's expert review: open until its 组长 finalises it; the office may
    then open the next (复审). Scores and opinions are kept per round."""

    __tablename__ = "expert_rounds"
    __table_args__ = (UniqueConstraint("plan_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    round: Mapped[int]
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    finalised_at: Mapped[dt.datetime | None]
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))

    opened_by: Mapped[Person | None] = relationship(foreign_keys=[opened_by_id])
    finalised_by: Mapped[Person | None] = relationship(foreign_keys=[finalised_by_id])


class PanelScore(Base):
    """The 组长's consolidated score of one leaf indicator in one round, where the index
    system consolidates by the 组长 (the panel's mark, beside the 组长's own expert score)."""

    __tablename__ = "panel_scores"
    __table_args__ = (UniqueConstraint("indicator_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("index_indicators.id", ondelete="RESTRICT"), index=True)
    round: Mapped[int]
    points: Mapped[Decimal | None] = mapped_column(DecimalText())
    met: Mapped[bool | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    scored_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)

    indicator: Mapped[IndexIndicatorRow] = relationship()
    person: Mapped[Person] = relationship()

    __mapper_args__ = {"version_id_col": version_id}


class ExpertOpinion(Base):
    """An expert's opinion (意见) on a plan in one round, or the panel's (专家组意见, by the
    组长): one of each per person and round, rewritten in place (each writing audited)."""

    __tablename__ = "expert_opinions"
    __table_args__ = (UniqueConstraint("plan_id", "round", "person_id", "panel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    round: Mapped[int]
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    panel: Mapped[bool] = mapped_column(default=False)
    text: Mapped[str] = mapped_column(Text)
    written_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)

    person: Mapped[Person] = relationship()

    __mapper_args__ = {"version_id_col": version_id}


class FormalReview(Base):
    """The office's formal review (形式审查) of a plan in one review round: opened on a day,
    with the 补正 deadline counted in working days from it, closed once (issue 14, part 3).
    Closing it closes the self-assessment (`IndexSystemRow.self_scoring_closed_at`)."""

    __tablename__ = "formal_reviews"
    __table_args__ = (UniqueConstraint("plan_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(default=1)
    opened_on: Mapped[dt.date]  # the day of issue the deadline counts from
    working_days: Mapped[int]
    deadline: Mapped[dt.date]  # the last day of 补正 (a supply on it is on time)
    # Where the gaps came from: "index" (the plan's index system) or "measures" (no index).
    basis: Mapped[str] = mapped_column(String(10))
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    closed_at: Mapped[dt.datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))

    plan: Mapped[Plan] = relationship()
    notices: Mapped[list[FormalNotice]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="FormalNotice.position"
    )


class FormalNotice(Base):
    """The one-time notice (一次性告知书) of one unit: every gap found when the review opened,
    as issued (a bounded JSON list read and written whole), and the PDF registered for it."""

    __tablename__ = "formal_notices"
    __table_args__ = (UniqueConstraint("review_id", "unit_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("formal_reviews.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]  # 1-based: the notice's number within the review
    # The addressee: a unit of the plan's zone (a group the office has not mapped is itself
    # addressed), or None with unit_name 领导小组办公室 for what no unit owes.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    unit_name: Mapped[str] = mapped_column(String(200))
    # [{"kind": GapKind value, "subject": …, "message": …}, …]
    gaps: Mapped[list[Any]] = mapped_column(default=list)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("issued_reports.id", ondelete="RESTRICT"))

    review: Mapped[FormalReview] = relationship(back_populates="notices")
    unit: Mapped[Unit | None] = relationship()
    report: Mapped[IssuedReport | None] = relationship()


class FormalSupply(Base):
    """Evidence that arrived after a formal review opened (补正材料): kept whatever its time,
    and marked late when it came after the deadline or after the review closed."""

    __tablename__ = "formal_supplies"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("formal_reviews.id", ondelete="CASCADE"), index=True)
    # The notice of the supplying unit; None when that unit was told of no gap.
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("formal_notices.id", ondelete="CASCADE"))
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), unique=True)
    supplied_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    late: Mapped[bool] = mapped_column(default=False)

    review: Mapped[FormalReview] = relationship()
    notice: Mapped[FormalNotice | None] = relationship()
    evidence: Mapped[Evidence] = relationship()


class SiteCheck(Base):
    """One 现场核查 of a plan in a review round: where and when, who took part, which units
    were visited, what was read and sampled, and what was found. The bounded lists are read
    and written whole (`workflow.domain.site_checks`), so JSON; visited units by id (units
    are never deleted)."""

    __tablename__ = "site_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(default=1)
    held_on: Mapped[dt.date]
    place: Mapped[str] = mapped_column(String(200))
    # [{"name": "李教授", "role": "组长"}, …]
    participants: Mapped[list[Any]] = mapped_column(default=list)
    unit_ids: Mapped[list[Any]] = mapped_column(default=list)
    documents: Mapped[list[Any]] = mapped_column(default=list)
    # [{"site": …, "what": …, "result": …}, …]
    samples: Mapped[list[Any]] = mapped_column(default=list)
    findings: Mapped[str] = mapped_column(Text, default="")
    conclusion: Mapped[str] = mapped_column(String(100), default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)

    plan: Mapped[Plan] = relationship()
    recorded_by: Mapped[Person] = relationship()
    photos: Mapped[list[SiteCheckPhoto]] = relationship(
        back_populates="site_check", cascade="all, delete-orphan", order_by="SiteCheckPhoto.id"
    )

    # Two people editing the same record: the second is refused instead of overwriting.
    __mapper_args__ = {"version_id_col": version_id}


class SiteCheckPhoto(Base):
    """A photo taken at an on-site check: a JPEG or PNG blob of the evidence store."""

    __tablename__ = "site_check_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_check_id: Mapped[int] = mapped_column(ForeignKey("site_checks.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(300), default="")
    caption: Mapped[str] = mapped_column(String(200))
    taken_on: Mapped[dt.date]
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    site_check: Mapped[SiteCheck] = relationship(back_populates="photos")
    person: Mapped[Person] = relationship()


class OutgoingMessage(Base):
    """A notice to one person over one channel, and what became of it (workflow.notify).

    `event_key` names the event the notice is for (e.g. ``overdue:12:2026-12-06``); it is
    unique per person and channel, so an event queued twice (a reminder run repeated the same day) is one
    row and is never sent twice. The sender claims a row, sends it and records the outcome in
    one transaction per message.
    """

    __tablename__ = "outgoing_messages"
    __table_args__ = (
        UniqueConstraint("person_id", "channel", "event_key"),
        # The sender's question: what is queued or failed and due by now.
        Index("ix_outgoing_messages_due", "status", "next_attempt_at"),
        # The inbox's question: a person's in-app messages (unread first), on every page.
        Index("ix_outgoing_messages_inbox", "person_id", "channel", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "message_channel"))
    event_kind: Mapped[str] = mapped_column(String(40))
    event_key: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[MessageStatus] = mapped_column(
        _enum(MessageStatus, "message_status"), default=MessageStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None]
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    # In-app messages only: when the person opened it (None: unread).
    read_at: Mapped[dt.datetime | None]
    # The page of the thing the message is about (a path on this site), "" for none.
    link: Mapped[str] = mapped_column(String(200), default="", server_default=sql_text("''"))

    person: Mapped[Person] = relationship()


class ExtensionRequest(Base):
    """A lead unit's request to move a measure's due or rectification date (延期), and the
    office's decision. Every request is kept, with the dates from and to."""

    __tablename__ = "extension_requests"
    __table_args__ = (
        # One open request a measure, on both backends (a partial unique index): two people
        # asking at once, the second is refused.
        Index(
            "uq_extension_requests_open",
            "measure_id",
            unique=True,
            sqlite_where=sql_text("state = 'requested'"),
            postgresql_where=sql_text("state = 'requested'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"), index=True)
    target: Mapped[ExtensionTarget] = mapped_column(_enum(ExtensionTarget, "extension_target"))
    from_date: Mapped[dt.date]  # the date in force when it was asked
    requested_to: Mapped[dt.date]
    approved_to: Mapped[dt.date | None]
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[ExtensionState] = mapped_column(
        _enum(ExtensionState, "extension_state"), default=ExtensionState.REQUESTED
    )
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    decided_at: Mapped[dt.datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
    # Set when the extension was granted with the answer to an appeal (申诉采纳).
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id", ondelete="RESTRICT"))
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)

    measure: Mapped[Measure] = relationship()
    requested_by: Mapped[Person] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[Person | None] = relationship(foreign_keys=[decided_by_id])
    unit: Mapped[Unit | None] = relationship()

    # Two offices deciding the same request at once: the second is refused.
    __mapper_args__ = {"version_id_col": version_id}


class Appeal(Base):
    """A unit's appeal (申诉) against a return for rectification, and the office's answer."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"), index=True)
    # One appeal a return.
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="RESTRICT"), unique=True)
    ground: Mapped[AppealGround] = mapped_column(_enum(AppealGround, "appeal_ground"))
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[AppealState] = mapped_column(_enum(AppealState, "appeal_state"), default=AppealState.PENDING)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    filed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    upheld: Mapped[bool | None]
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    answered_at: Mapped[dt.datetime | None]
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)

    measure: Mapped[Measure] = relationship()
    review: Mapped[Review] = relationship()
    filed_by: Mapped[Person] = relationship(foreign_keys=[filed_by_id])
    answered_by: Mapped[Person | None] = relationship(foreign_keys=[answered_by_id])
    unit: Mapped[Unit | None] = relationship()

    __mapper_args__ = {"version_id_col": version_id}
class EscalationSettings(Base):
    """A zone's 三色督办 rules as its admin set them (`workflow.domain.escalation`); a zone
    without a row uses the defaults."""

    __tablename__ = "escalation_settings"

    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="CASCADE"), primary_key=True)
    blue_days: Mapped[int]
    yellow_days: Mapped[int]
    yellow_share: Mapped[int]
    report_to_office: Mapped[bool]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))


class EscalationMark(Base):
    """The colour last recorded for a measure (`unit_id` None) or one unit's part of it, so the
    daily run audits a change once and a repeated run finds nothing new. Runs hold the audit
    chain's lock while they write, so two runs never record the same change twice."""

    __tablename__ = "escalation_marks"
    __table_args__ = (UniqueConstraint("measure_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    colour: Mapped[Colour] = mapped_column(_enum(Colour, "escalation_colour"))
    since: Mapped[dt.date]  # the office day the colour was first recorded


class RenderJob(Base):
    """A report, bundle or ledger the office asked for on the web, rendered by the worker
    (workflow.jobs). Marked done in the same transaction that registers the issued report,
    so a retried job never registers twice. `lease_until` is renewed while a worker renders;
    a lease left to expire means the worker died, and the sweep queues the job again."""

    __tablename__ = "render_jobs"
    __table_args__ = (
        # The sweep's and the bound's question: which jobs are pending.
        Index("ix_render_jobs_pending", "state", "lease_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # a report kind, "bundle" or "ledger"
    format: Mapped[str] = mapped_column(String(10))  # pdf, docx, xlsx, zip
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    requested_by: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    state: Mapped[JobState] = mapped_column(_enum(JobState, "render_job_state"), default=JobState.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(String(500), default="")
    lease_token: Mapped[str] = mapped_column(String(40), default="")
    lease_until: Mapped[dt.datetime | None]
    file_name: Mapped[str] = mapped_column(String(300), default="")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    issued_report_id: Mapped[int | None] = mapped_column(ForeignKey("issued_reports.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]

    plan: Mapped[Plan] = relationship()
    requester: Mapped[Person] = relationship()
    issued_report: Mapped[IssuedReport | None] = relationship()
