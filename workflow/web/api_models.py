"""Request and response models of the JSON API (/api/v1): the OpenAPI description is built from
these, so each field says what it is; the shapes follow the read side (`workflow.read`):
`EvidenceMeta` is built from `read.evidence.EvidenceRow`, the measure's evidence lists follow
the JSON export (`reports.export.evidence_to_dict` of the same rows)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from checklists import amounts
from reports.export import work_to_dict
from workflow.read import worklist
from workflow.read.evidence import EvidenceRow

# Largest id a path may carry: PostgreSQL's `integer`. Beyond it the driver would fail.
MAX_ID = 2**31 - 1



# Stored times come back aware in UTC on every backend (models.UtcDateTime), as RFC 3339 needs.
UtcDateTime = dt.datetime

# Text that is stored: PostgreSQL text cannot hold NUL, so it is refused here as a 422
# instead of failing in the database driver.
NO_NUL = r"^[^\x00]*$"
Text = Annotated[str, StringConstraints(pattern=NO_NUL)]


def _amount_text(text: str) -> str:
    amounts.parse(text, field="")  # AmountError is a ValueError: a 422 naming the field
    return text


# An indicator value as typed (3600、8.2、6.8万), within the bounds of checklists.amounts.
AmountText = Annotated[str, AfterValidator(_amount_text)]

RatingText = Literal["完成", "部分完成", "未完成", "done", "partial", "not_done"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _In(BaseModel):
    # Unknown fields are an error rather than silently dropped (a typo in "expected_version"
    # would otherwise switch off the optimistic lock).
    model_config = ConfigDict(extra="forbid")


# ------------------------------------------------------------------------------------ errors


class ErrorBody(_Out):
    code: str = Field(description="错误类别(英文标识,如 refused、notfound、conflict、invalid_request)")
    message: str = Field(description="可直接展示给用户的中文说明")


class Error(_Out):
    """Every error answer of the API."""

    error: ErrorBody


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    descriptions = {
        400: "请求内容有误或无法解析(如清单项不存在、日期晚于今天)",
        401: "未登录、登录已过期或用户名密码错误",
        403: "无权进行该操作(已记入审计日志)",
        404: "对象不存在",
        409: "对象已被他人修改(expected_version 过期)",
        413: "请求过大",
        422: "请求格式不正确",
        429: "登录失败次数过多,请按 Retry-After 等待后再试",
    }
    return {s: {"model": Error, "description": descriptions[s]} for s in statuses}


# ----------------------------------------------------------------------------------- session


class SessionRequest(_In):
    name: Text = Field(min_length=1, max_length=100, description="姓名(登录名)")
    password: str = Field(min_length=1, max_length=1024, description="密码")


class Me(_Out):
    name: str
    role: str = Field(description="member(单位成员)、reviewer(审核人)或 admin(管理员)")
    unit: str | None = Field(description="所在单位;办公室人员为 null")


class SessionOut(_Out):
    token: str = Field(description="此后每个请求带上 Authorization: Bearer <token>")
    expires_at: UtcDateTime
    person: Me


# ------------------------------------------------------------------------------------- plans


class PlanSummaryOut(_Out):
    id: int
    key: str
    title: str
    issuer: str
    doc_number: str
    issued_on: str | None
    measures: int
    safeguards: int
    outcomes: int
    units: int
    phases: int
    indicators: int
    states: dict[str, int] = Field(description="各状态的措施数")
    acceptance_phase: str | None


class PlanRef(_Out):
    id: int
    key: str
    title: str
    doc_number: str


class SectionCount(_Out):
    section: str
    total: int
    by_state: dict[str, int]


class UnitCount(_Out):
    unit: str
    total: int
    by_state: dict[str, int]
    overdue: list[str] = Field(description="逾期措施编号")
    returned: list[str] = Field(description="退回整改中的措施编号")


class IndicatorOut(_Out):
    position: int = Field(description="指标序号(填报时用)")
    metric: str
    text: str
    comparator: str
    target: int | float | None
    target_max: int | float | None
    unit: str
    reported: int | float | None = Field(description="最近一次填报的数值")
    as_of: str | None
    met: bool | None


class PlanStatus(_Out):
    plan: PlanRef
    today: str
    review_levels: list[str]
    total: int
    by_state: dict[str, int] = Field(description="planned、in_progress、self_checked、accepted、rectifying")
    acceptance_rate: float
    average_score: float | None
    overdue: int
    by_section: list[SectionCount]
    by_unit: list[UnitCount]
    indicators: list[IndicatorOut]


class OverdueReason(_Out):
    kind: str
    due: str
    days_late: int
    year: int | None
    text: str


class MeasureRowOut(_Out):
    id: int
    ref: str
    title: str
    section: str | None
    state: str
    state_label: str
    units: list[str] = Field(description="责任单位,牵头单位在前")
    lead: list[str]
    deadline: str
    overdue: list[OverdueReason]
    due_soon: dt.date | None
    rectification_due: dt.date | None
    score: int | None
    version: int = Field(description="当前版本号,办理时作为 expected_version 传回")


class OverdueEntry(_Out):
    ref: str
    title: str
    state: str
    state_label: str
    deadline: str
    lead: list[str]
    role: str = Field(description="lead(牵头)或 co(配合)")
    colour: str = Field(default="none", description="三色督办:red、yellow、blue 或 none(本单位部分)")
    stage: str = Field(default="none", description="督办阶段:report(情况通报)、due(到期催办)、near(临近提醒)或 none")
    reasons: list[OverdueReason] = []
    due: str | None = Field(default=None, description="即将到期的日期(仅 due_soon)")


class OverdueUnit(_Out):
    unit: str
    overdue: list[OverdueEntry]
    due_soon: list[OverdueEntry]


class OverdueList(_Out):
    plan: dict[str, str]
    today: str
    overdue_measures: int
    units: list[OverdueUnit]


# ----------------------------------------------------------------------------------- measures


class EvidenceOut(_Out):
    id: int
    kind: str = Field(description="file、link 或 note")
    name: str = Field(description="文件名")
    sha256: str | None
    size: int | None
    type: str | None = Field(description="文件类型(pdf、png…)")
    url: str
    note: str
    doc_date: str | None
    who: str
    unit: str | None
    when: str | None
    current: bool
    superseded_by: int | None
    removed: bool


class ChecklistItemOut(_Out):
    number: int
    text: str
    evidence_kinds: list[str]
    min_evidence: int
    rating: str | None
    rating_label: str | None
    evidence: list[EvidenceOut]


class UnitMemberOut(_Out):
    name: str
    part: str
    done_at: str | None
    done_by: str | None


class MeasureUnitOut(_Out):
    name: str
    name_as_written: str
    role: str
    part: str | None = None
    done_at: str | None = None
    done_by: str | None = None
    members: list[UnitMemberOut] | None = None
    mapped: bool | None = None


class ReviewOut(_Out):
    level: int
    level_name: str
    verdict: str
    verdict_label: str
    comment: str
    score: int | None
    rectification_due: str | None
    by: str
    at: str | None


class SelfCheckOut(_Out):
    round: int
    statement: str
    ratings: dict[str, str]
    by: str
    unit: str | None
    at: str | None
    withdrawn_at: str | None
    reviews: list[ReviewOut]


class DeadlineOut(_Out):
    kind: str
    text: str
    due: str | None
    month: int | None
    day: int | None


class PlanBrief(_Out):
    id: int
    key: str
    title: str


class UnitName(_Out):
    name: str
    lead: bool


class MeasureLateness(_Out):
    overdue: list[OverdueReason]
    due_soon: str | None


class LastReturn(_Out):
    comment: str
    level_name: str
    by: str
    rectification_due: str | None


class ItemShort(_Out):
    number: int
    text: str
    needed: int
    have: int


class SelfCheckFacts(_Out):
    """What still stands in the way of the self-check (only while in progress)."""

    pending_parts: list[str]
    unmapped_groups: list[str]
    items_short: list[ItemShort]
    missing_years: list[int]
    ongoing_without_dated_evidence: bool


class MeasureCan(_Out):
    """What the signed-in person may do now (the services decide again when it arrives)."""

    start: bool
    add_evidence: bool
    mark_part: bool
    part_done: bool = Field(description="本单位部分已标记完成")
    submit: bool
    withdraw: bool
    replace: list[int] = Field(description="可替换的佐证材料编号")
    remove: list[int] = Field(description="可撤下的佐证材料编号")


class MeasureDetail(_Out):
    id: int
    ident: str = Field(description="方案键/措施编号")
    label: str
    version: int = Field(description="当前版本号,办理时作为 expected_version 传回")
    plan: PlanBrief
    number: str
    ref: str
    kind: str
    section: str | None
    title: str
    text: str
    units: list[MeasureUnitOut]
    deadline: DeadlineOut
    state: str
    state_label: str
    rectification_due: str | None
    retired: bool
    checklist: list[ChecklistItemOut]
    self_checks: list[SelfCheckOut]
    reviews: list[ReviewOut]
    source_lines: list[Any]
    unit_names: list[UnitName]
    unmapped_groups: list[str]
    progress: MeasureLateness
    last_return: LastReturn | None
    self_check_facts: SelfCheckFacts | None
    can: MeasureCan
    why_not: dict[str, str | None] = Field(description="不能办理时的原因")

    @classmethod
    def of(cls, d: worklist.MeasureDetail) -> MeasureDetail:
        """The typed read as JSON: the measure in the export's shape, then the viewer's facts."""
        facts = d.self_check_facts
        last = d.last_return
        return cls.model_validate(
            work_to_dict(d)
            | {
                "id": d.id,
                "ident": d.ident,
                "label": d.label,
                "version": d.version,
                "plan": {"id": d.plan.id, "key": d.plan.key, "title": d.plan.title},
                "unit_names": [{"name": u.name, "lead": u.lead} for u in d.unit_names],
                "unmapped_groups": list(d.unmapped_groups),
                "progress": {
                    "overdue": [o.as_dict() for o in d.progress.overdue],
                    "due_soon": d.progress.due_soon.isoformat() if d.progress.due_soon else None,
                },
                "last_return": None
                if last is None
                else {
                    "comment": last.comment,
                    "level_name": last.level_name,
                    "by": last.by,
                    "rectification_due": last.rectification_due.isoformat()
                    if last.rectification_due
                    else None,
                },
                "self_check_facts": None
                if facts is None
                else {
                    "pending_parts": list(facts.pending_parts),
                    "unmapped_groups": list(facts.unmapped_groups),
                    "items_short": [
                        {"number": s.number, "text": s.text, "needed": s.needed, "have": s.have}
                        for s in facts.items_short
                    ],
                    "missing_years": list(facts.missing_years),
                    "ongoing_without_dated_evidence": facts.ongoing_without_dated_evidence,
                },
                "can": dataclasses.asdict(d.can) | {"replace": list(d.can.replace), "remove": list(d.can.remove)},
                "why_not": dict(d.why_not),
            }
        )


class HistoryEntry(_Out):
    seq: int
    at: UtcDateTime
    actor: str
    role: str
    unit: str
    action: str
    from_state: str
    to_state: str
    comment: str
    detail: dict[str, Any]
    refused: bool


class MeasureHistory(_Out):
    id: int
    measure: str
    entries: list[HistoryEntry]


# ------------------------------------------------------------------------------------ actions


class ActionRequest(_In):
    expected_version: int | None = Field(
        default=None, ge=0, le=MAX_ID, description="读取时的版本号;已被他人修改则答 409"
    )


class PartRequest(ActionRequest):
    done: bool = Field(default=True, description="true 标记本单位部分完成,false 取消标记")


class SelfCheckRequest(ActionRequest):
    statement: Text = Field(min_length=1, max_length=20_000, description="自查说明")
    ratings: dict[Annotated[int, Field(ge=1, le=9999)], RatingText] = Field(
        default_factory=dict,
        json_schema_extra={"propertyNames": {"pattern": "^[1-9][0-9]{0,3}$"}},
        description="清单项序号 → 自评(完成/部分完成/未完成);未给出的项按有无佐证材料评定",
    )


class AcceptRequest(ActionRequest):
    comment: Text = Field(default="", max_length=20_000, description="审核意见")
    score: int | None = Field(default=None, ge=0, le=100, description="评分(0–100)")


class ReturnRequest(ActionRequest):
    comment: Text = Field(min_length=1, max_length=20_000, description="退回意见(必填)")
    due: dt.date | None = Field(default=None, description="整改期限;不填按方案默认天数")
    score: int | None = Field(default=None, ge=0, le=100)


class ActionResult(_Out):
    id: int
    ident: str
    action: str
    from_state: str
    to_state: str
    state: str
    state_label: str = Field(description="状态名称(退回后为“整改中”)")
    version: int = Field(description="办理后的版本号")
    message: str


# ----------------------------------------------------------------------------------- evidence


class EvidenceMeta(_Out):
    id: int
    measure_id: int | None
    measure: str | None = Field(description="方案键/措施编号;量化指标材料为 null")
    item: int | None = Field(description="清单项序号")
    kind: str
    file_name: str
    size: int | None
    media_type: str | None
    sha256: str | None
    url: str
    note: str
    doc_date: dt.date
    uploaded_at: UtcDateTime
    person: str
    unit: str | None
    current: bool
    superseded_by: int | None
    download: str | None = Field(description="文件下载地址(仅文件类材料)")

    @classmethod
    def of(cls, row: EvidenceRow) -> EvidenceMeta:
        return cls(
            id=row.id,
            measure_id=row.measure_id,
            measure=row.target,
            item=row.item,
            kind=row.kind,
            file_name=row.file_name,
            size=row.size,
            media_type=row.media_type,
            sha256=row.sha256,
            url=row.url,
            note=row.note,
            doc_date=row.doc_date,
            uploaded_at=row.uploaded_at.replace(microsecond=0),  # to the second, as always
            person=row.person,
            unit=row.unit,
            current=row.current,
            superseded_by=row.superseded_by,
            download=f"/api/v1/evidence/{row.id}/file" if row.is_file else None,
        )


class EvidenceAdded(_Out):
    measure_id: int
    version: int
    evidence: list[EvidenceMeta]


class IndicatorReported(_Out):
    metric: str
    value: int | float
    unit: str
    met: bool


# ------------------------------------------------------------------------- worklists / queues


class WorkItemOut(_Out):
    """One measure on the signed-in member's unit worklist."""

    measure_id: int
    plan_key: str
    plan_title: str
    ref: str
    title: str
    section: str | None
    state: str
    state_label: str
    role: str = Field(description="lead(牵头)或 co(配合)")
    units: list[str]
    deadline: str
    overdue: list[OverdueReason]
    due_soon: dt.date | None
    rectification_due: dt.date | None
    evidence_count: int


class QueueRowOut(_Out):
    """One self-checked measure waiting for a review level."""

    measure_id: int
    ident: str
    version: int
    plan_id: int
    plan_key: str
    plan_title: str
    ref: str
    title: str
    lead: list[str]
    units: list[str]
    submitted_at: UtcDateTime
    round: int
    level: int
    level_name: str
    levels: int
    waiting_days: int
    recuse: bool = Field(description="本人所在单位是责任单位,须回避")
    recuse_reason: str | None
    passed_by_me: bool = Field(description="本人已通过本轮上一级审核,下一级须由他人审核")
