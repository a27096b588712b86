"""The plan catalog: what a plan document says, in a form an office can review and edit.

A catalog is produced by the parser from a document, written to YAML with source line
numbers, optionally edited by the leading office, and loaded into the database. It is the
only thing the loader reads, so every fact the database holds about a plan's text is here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, model_validator

# Re-exported: the catalog's own vocabulary, also for importers of this module.
from checklists.kinds import (
    REF_PREFIX as REF_PREFIX,
)
from checklists.kinds import (
    Comparator as Comparator,
)
from checklists.kinds import (
    DeadlineKind as DeadlineKind,
)
from checklists.kinds import (
    EvidenceKind as EvidenceKind,
)
from checklists.kinds import (
    MeasureKind as MeasureKind,
)
from checklists.kinds import (
    UnitRole as UnitRole,
)


class Strict(BaseModel):
    """Base for catalog records: unknown fields are errors, so a typo in YAML is caught.

    The validators are built on first use (defer_build): every command imports these models
    (the enums they share with the database models live in checklists.kinds).
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, defer_build=True)


class Deadline(Strict):
    kind: DeadlineKind = DeadlineKind.NONE
    text: str = ""
    due: dt.date | None = None
    # For annual deadlines: the month (and day) by which each year's part is due.
    month: int | None = Field(default=None, ge=1, le=12)
    day: int | None = Field(default=None, ge=1, le=31)

    @model_validator(mode="after")
    def _consistent(self) -> Deadline:
        if self.kind in (DeadlineKind.FIXED, DeadlineKind.FIXED_THEN_ONGOING) and self.due is None:
            raise ValueError(f"期限类型 {self.kind.value} 需要 due 日期")
        if self.kind is DeadlineKind.ANNUAL and self.month is None:
            raise ValueError("期限类型 annual 需要 month")
        return self


class UnitRef(Strict):
    name: str = Field(min_length=1)  # as written in the document
    role: UnitRole = UnitRole.CO


class ChecklistItem(Strict):
    text: str = Field(min_length=1)
    evidence_kinds: list[EvidenceKind] = Field(default_factory=lambda: [EvidenceKind.FILE])
    min_evidence: int = Field(default=1, ge=0)


class Section(Strict):
    ref: str = Field(min_length=1)  # unique in the plan: "3", "3.2"
    number: str = ""  # as printed: "三", "(二)"
    title: str = Field(min_length=1)
    parent: str | None = None
    text: str = ""  # the paragraphs of a section that holds no measures (指导思想, 目标…)
    line: int | None = None


class Measure(Strict):
    kind: MeasureKind = MeasureKind.MEASURE
    number: str = Field(min_length=1)  # the document's own number, as a string
    section: str | None = None  # Section.ref
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)
    units: list[UnitRef] = Field(default_factory=list)
    units_text: str = ""  # the responsibility clause as written
    deadline: Deadline = Field(default_factory=Deadline)
    checklist: list[ChecklistItem] = Field(default_factory=list)
    lines: list[int] = Field(default_factory=list)  # source lines the measure was read from

    @property
    def ref(self) -> str:
        prefix = REF_PREFIX.get(self.kind, "")
        return f"{prefix}{self.number}"


class Phase(Strict):
    name: str = Field(min_length=1)
    text: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    # The phase in which units self-check and the acceptance review is prepared.
    acceptance: bool = False
    line: int | None = None


# A target an office writes into the YAML keeps its digits (the loader never goes through
# float), but it must fit the database column as written out there: `value: 1e999990` would be a
# million digits. Looser than a reported value's bounds (checklists.amounts), which the parser's
# own targets always meet; a target outside those prints in E notation.
MAX_TARGET_TEXT = 40  # characters, sign and point included: the width of the column


def _bounded(value: Decimal) -> Decimal:
    # adjusted() first: it is O(1), and it keeps format() below from writing out a huge number.
    if not (
        value.is_finite()
        and abs(value.adjusted()) < MAX_TARGET_TEXT
        and len(format(value.normalize(), "f")) <= MAX_TARGET_TEXT
    ):
        raise ValueError(f"目标值超出范围:写出来最多 {MAX_TARGET_TEXT} 个字符(含符号与小数点)")
    return value


Target = Annotated[Decimal, AfterValidator(_bounded)]


class Indicator(Strict):
    text: str = Field(min_length=1)  # the source phrase
    metric: str = Field(min_length=1)
    comparator: Comparator = Comparator.EQ
    value: Target
    value_max: Target | None = None
    unit: str = ""
    due: dt.date | None = None
    measure: str | None = None  # ref of the measure it belongs to, if any
    line: int | None = None

    @model_validator(mode="after")
    def _range_has_max(self) -> Indicator:
        if (self.comparator is Comparator.RANGE) != (self.value_max is not None):
            raise ValueError("value_max 仅在 comparator 为 range 时填写,且此时必填")
        return self


class Warning_(Strict):
    """A line or span the parser could not place, or read with doubt."""

    line: int
    message: str
    text: str = ""


class Skipped(Strict):
    """A span of lines recognised as page furniture (navigation, metadata, news links)."""

    start: int
    end: int
    reason: str


class PlanInfo(Strict):
    key: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title: str = Field(min_length=1)
    issuer: str = ""
    doc_number: str = ""
    issued_on: dt.date | None = None
    preamble: str = ""  # 为…制定本方案: the paragraph between the title and the first section
    source_file: str = ""
    source_sha256: str = ""


class Catalog(Strict):
    format: int = 1
    plan: PlanInfo
    sections: list[Section] = Field(default_factory=list)
    measures: list[Measure] = Field(default_factory=list)
    phases: list[Phase] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)
    warnings: list[Warning_] = Field(default_factory=list)
    skipped: list[Skipped] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references_resolve(self, info: ValidationInfo) -> Catalog:
        if info.context and info.context.get("defer_references"):
            return self  # the YAML loader checks them itself, to name each error's line
        errors = self.reference_errors()
        if errors:
            raise ValueError("; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in errors))
        return self

    def reference_errors(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Broken cross-references, each with the path of the field that holds it."""
        errors: list[tuple[tuple[str | int, ...], str]] = []
        section_refs: set[str] = set()
        for i, s in enumerate(self.sections):
            if s.ref in section_refs:
                errors.append((("sections", i, "ref"), f"章节编号 {s.ref} 重复"))
            section_refs.add(s.ref)
        for i, s in enumerate(self.sections):
            if s.parent is not None and s.parent not in section_refs:
                errors.append((("sections", i, "parent"), f"上级章节 {s.parent} 不存在"))
        refs: set[str] = set()
        for i, m in enumerate(self.measures):
            if m.ref in refs:
                errors.append((("measures", i, "number"), f"措施编号 {m.ref} 重复"))
            refs.add(m.ref)
            if m.section is not None and m.section not in section_refs:
                errors.append((("measures", i, "section"), f"章节 {m.section} 不存在"))
        for i, ind in enumerate(self.indicators):
            if ind.measure is not None and ind.measure not in refs:
                errors.append((("indicators", i, "measure"), f"措施 {ind.measure} 不存在"))
        return errors

    def measure(self, ref: str) -> Measure:
        for m in self.measures:
            if m.ref == ref:
                return m
        raise KeyError(ref)
