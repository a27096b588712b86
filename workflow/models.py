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
    Date,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from checklists.catalog import Comparator, DeadlineKind, MeasureKind, UnitRole

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class MeasureState(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    SELF_CHECKED = "self_checked"
    ACCEPTED = "accepted"


STATE_LABELS = {
    MeasureState.PLANNED: "未启动",
    MeasureState.IN_PROGRESS: "推进中",
    MeasureState.SELF_CHECKED: "已自查",
    MeasureState.ACCEPTED: "已验收",
}


class DecimalText(TypeDecorator[Decimal]):
    """Exact decimals on every backend: SQLite has no decimal type and would round via float."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else format(Decimal(value).normalize(), "f")

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


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
        dt.datetime: DateTime(timezone=True),
        dt.date: Date(),
        str: String(200),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class Plan(Base):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    issuer: Mapped[str] = mapped_column(default="")
    doc_number: Mapped[str] = mapped_column(String(100), default="")
    issued_on: Mapped[dt.date | None]
    preamble: Mapped[str] = mapped_column(Text, default="")
    source_file: Mapped[str] = mapped_column(String(500), default="")
    source_sha256: Mapped[str] = mapped_column(String(64), default="")
    # sha256 of the catalog as loaded: re-loading the same catalog is recognised as no change.
    catalog_sha256: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

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

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)  # normalised
    is_group: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    aliases: Mapped[list[UnitAlias]] = relationship(
        back_populates="unit", cascade="all, delete-orphan"
    )


class UnitAlias(Base):
    """Another spelling of a unit's name (as written in some document, or set by the office)."""

    __tablename__ = "unit_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(unique=True)

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
        _enum(MeasureState, "measure_state"), default=MeasureState.PLANNED
    )
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

    # Optimistic locking: a concurrent change to the same measure fails instead of being lost.
    __mapper_args__ = {"version_id_col": version_id}

    def has_recorded_work(self) -> bool:
        """Work on a measure is never thrown away by a plan revision."""
        return self.state is not MeasureState.PLANNED


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

    plan: Mapped[Plan] = relationship(back_populates="indicators")
    measure: Mapped[Measure | None] = relationship()


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
