"""The JSON API under /api/v1, described by OpenAPI at /api/v1/openapi.json.

For other government systems: sign in with POST /api/v1/session, then send
`Authorization: Bearer <token>`. Browsers may use their session cookie instead (unsafe methods
then need the `X-CSRF-Token` header). Every route is a thin layer over the same services the
CLI and the pages use; objects named by id go through `access.open_measure` /
`open_evidence`, so a refusal is audited like any refused change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Request, Security, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.security import HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from checklists import amounts
from workflow.bootstrap import App
from workflow.clock import office_today
from workflow.domain.states import MeasureState, Rating, parse_rating
from workflow.errors import NotFound, Refused
from workflow.models import Evidence, Measure, Plan
from workflow.services import (
    access,
    accounts,
    evidence,
    indicators,
    measure_work,
    plan_queries,
    progress,
    review_queue,
    worklist,
)
from workflow.services.measure_work import Outcome
from workflow.web import downloads
from workflow.web.api_models import (
    MAX_ID,
    NO_NUL,
    AcceptRequest,
    ActionRequest,
    ActionResult,
    AmountText,
    EvidenceAdded,
    EvidenceMeta,
    HistoryEntry,
    IndicatorOut,
    IndicatorReported,
    Me,
    MeasureDetail,
    MeasureHistory,
    MeasureRowOut,
    OverdueList,
    PartRequest,
    PlanStatus,
    PlanSummaryOut,
    QueueRowOut,
    ReturnRequest,
    SelfCheckRequest,
    SessionOut,
    SessionRequest,
    Text,
    WorkItemOut,
    error_responses,
)
from workflow.web.security import SESSION_COOKIE, AppDep, Viewer, ViewerDep, bearer_token

router = APIRouter(prefix="/api/v1", tags=["api"], responses=error_responses(400, 422))

# Declares the bearer token in the OpenAPI description; the check itself is ViewerDep's (which
# also accepts the browser's session cookie, so a missing header is no error here).
bearer = HTTPBearer(auto_error=False, description="POST /api/v1/session 取得的令牌")
# Every route but signing in: the person is known from the token (or the browser's cookie).
signed_in = APIRouter(dependencies=[Security(bearer)], responses=error_responses(401))

Id = Annotated[int, Path(ge=1, le=MAX_ID, description="编号", examples=[3])]
ItemNumber = Annotated[int, Path(ge=1, le=10_000, description="指标序号", examples=[1])]

OBJECT_ERRORS = error_responses(403, 404)
ACTION_ERRORS = error_responses(400, 403, 404, 409)


# ------------------------------------------------------------------------------------ session


@router.post(
    "/session",
    summary="登录,取得访问令牌",
    status_code=201,
    response_model=SessionOut,
    responses=error_responses(401, 429),
)
def open_session(body: SessionRequest, request: Request, zc: AppDep) -> Any:
    client = request.client.host if request.client else ""
    try:
        signed = accounts.sign_in(
            zc.uow(), body.name, body.password, kind="api", client=client, presented=[bearer_token(request)]
        )
    except accounts.LoginRefused as refused:
        error = {"error": {"code": "login_refused", "message": str(refused)}}
        if refused.retry_after:
            # Told to wait: the client should not retry before Retry-After.
            return JSONResponse(
                error, status_code=429, headers={"Retry-After": str(refused.retry_after)}
            )
        return JSONResponse(error, status_code=401, headers={"WWW-Authenticate": "Bearer"})
    actor = signed.actor
    return SessionOut(
        token=signed.token,
        expires_at=signed.expires_at,
        person=Me(name=actor.name, role=actor.role.value, unit=actor.unit_name),
    )


@signed_in.delete("/session", summary="退出登录(令牌作废)", status_code=204, response_class=Response)
def close_session(request: Request, viewer: ViewerDep, zc: AppDep) -> Response:
    token = bearer_token(request) or request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.sign_out(zc.uow(), token)
    return Response(status_code=204)


@signed_in.get("/me", summary="当前登录人员", response_model=Me)
async def me(viewer: ViewerDep) -> Me:
    actor = viewer.actor
    return Me(name=actor.name, role=actor.role.value, unit=actor.unit_name)


# -------------------------------------------------------------------------------------- plans


def _plan_key(zc: App, viewer: Viewer, plan_id: int) -> str:
    """Plan number `plan_id`'s key, if the viewer may see it (another zone's: 404, audited)."""
    return access.open_plan_id(zc.uow(), viewer.actor, plan_id).key


def _office_only(zc: App, viewer: ViewerDep, action: str, target: str, what: str) -> None:
    """Unit members get 403 for the office's lists, and the attempt is audited."""
    if viewer.is_office:
        return
    reason = f"{viewer.actor.describe()}不是领导小组办公室人员,无权查看{what}"
    accounts.record_refusal(zc.uow(), viewer.actor, action, target, reason)
    raise Refused(reason)


@signed_in.get("/plans", summary="方案列表", response_model=list[PlanSummaryOut])
def plans(viewer: ViewerDep, zc: AppDep) -> Any:
    with zc.uow() as uow:
        return [dataclasses.asdict(s) for s in plan_queries.plan_summaries(uow.session, viewer.actor)]


@signed_in.get(
    "/plans/{plan_id}",
    summary="方案推进情况(按状态、章节、单位统计,验收率、平均分、量化指标)",
    response_model=PlanStatus,
    responses=error_responses(404),
)
def plan_status(plan_id: Id, viewer: ViewerDep, zc: AppDep) -> Any:
    return progress.plan_status(zc.uow(), viewer.actor, _plan_key(zc, viewer, plan_id), today=office_today())


@signed_in.get(
    "/plans/{plan_id}/measures",
    summary="方案的措施列表(办公室:全部;单位成员:本单位负责的)",
    response_model=list[MeasureRowOut],
    responses=error_responses(404),
)
def plan_measures(plan_id: Id, viewer: ViewerDep, zc: AppDep) -> Any:
    actor = viewer.actor
    _plan_key(zc, viewer, plan_id)
    with zc.uow() as uow:
        plan = uow.session.get(Plan, plan_id)
        assert plan is not None  # found just above
        rows = progress.plan_progress(uow.session, plan, office_today()).rows
        ids = {
            ref: (measure_id, version)
            for ref, measure_id, version in uow.session.execute(
                select(Measure.ref, Measure.id, Measure.version_id).where(
                    Measure.plan_id == plan.id
                )
            )
        }
    # The rows name the responsible units with groups expanded, as the VIEW rule counts them.
    visible = [r for r in rows if actor.is_office or actor.unit_name in r.units]
    return [
        {
            **dataclasses.asdict(r),
            "overdue": [o.as_dict() for o in r.overdue],
            "id": ids[r.ref][0],
            "version": ids[r.ref][1],
        }
        for r in visible
    ]


@signed_in.get(
    "/plans/{plan_id}/overdue",
    summary="督办清单:逾期及即将到期的措施(仅办公室)",
    response_model=OverdueList,
    responses=error_responses(403, 404),
)
def plan_overdue(plan_id: Id, viewer: ViewerDep, zc: AppDep) -> Any:
    key = _plan_key(zc, viewer, plan_id)
    _office_only(zc, viewer, "view_overdue", key, "督办清单")
    return progress.overdue_list(zc.uow(), viewer.actor, key, today=office_today())


@signed_in.get(
    "/worklist",
    summary="本单位的待办措施(逾期、即将到期的在前)",
    response_model=list[WorkItemOut],
)
def unit_worklist(viewer: ViewerDep, zc: AppDep) -> Any:
    items = worklist.unit_worklist(zc.uow(), viewer.actor, office_today())
    return [
        {**dataclasses.asdict(i), "overdue": [o.as_dict() for o in i.overdue]} for i in items
    ]


@signed_in.get(
    "/review-queue",
    summary="待审核的自查(仅办公室,提交早的在前)",
    response_model=list[QueueRowOut],
    responses=error_responses(403),
)
def office_review_queue(viewer: ViewerDep, zc: AppDep) -> Any:
    _office_only(zc, viewer, "view_review_queue", "review-queue", "待审核清单")
    rows = review_queue.review_queue(zc.uow(), viewer.actor, office_today())
    return [dataclasses.asdict(r) for r in rows]


# ----------------------------------------------------------------------------------- measures


@signed_in.get(
    "/measures/{measure_id}",
    summary="措施详情(清单、佐证材料、自查轮次、版本号)",
    response_model=MeasureDetail,
    responses=OBJECT_ERRORS,
)
def measure(measure_id: Id, viewer: ViewerDep, zc: AppDep) -> Any:
    return worklist.measure_detail(zc.uow(), viewer.actor, measure_id, office_today())


@signed_in.get(
    "/measures/{measure_id}/history",
    summary="措施的办理记录(审计日志,含被拒绝的操作)",
    response_model=MeasureHistory,
    responses=OBJECT_ERRORS,
)
def measure_history(measure_id: Id, viewer: ViewerDep, zc: AppDep) -> Any:
    ref = access.open_measure(zc.uow(), viewer.actor, measure_id, action="view_history")
    title, lines = progress.measure_history(zc.uow(), viewer.actor, ref.ident)
    return MeasureHistory(
        id=ref.id,
        measure=title,
        entries=[HistoryEntry.model_validate(dataclasses.asdict(line)) for line in lines],
    )


def _act(
    zc: App,
    viewer: ViewerDep,
    measure_id: int,
    action: str,
    call: Callable[[str], Outcome],
) -> ActionResult:
    """Open the measure (refusal audited), run the service, answer the measure's new state."""
    ref = access.open_measure(zc.uow(), viewer.actor, measure_id, action=action)
    outcome = call(ref.ident)
    state, version, rectification_due = _now(zc, measure_id)
    return ActionResult(
        id=ref.id,
        ident=ref.ident,
        action=outcome.action,
        from_state=outcome.from_state.value,
        to_state=outcome.to_state.value,
        state=state.value,
        state_label=progress.state_label(state, rectification_due),
        version=version,
        message=outcome.message,
    )


def _now(zc: App, measure_id: int) -> tuple[MeasureState, int, dt.date | None]:
    """State and version as they are after the command (read together, in one query)."""
    with zc.uow() as uow:
        row = uow.session.execute(
            select(Measure.state, Measure.version_id, Measure.rectification_due).where(
                Measure.id == measure_id
            )
        ).one()
        return row[0], row[1], row[2]


@signed_in.post(
    "/measures/{measure_id}/start",
    summary="启动措施",
    response_model=ActionResult,
    responses=ACTION_ERRORS,
)
def start(measure_id: Id, viewer: ViewerDep, zc: AppDep, body: ActionRequest | None = None) -> Any:
    version = body.expected_version if body else None
    return _act(
        zc,
        viewer,
        measure_id,
        "start",
        lambda ident: measure_work.start(zc.uow(), viewer.name, ident, expected_version=version),
    )


@signed_in.post(
    "/measures/{measure_id}/part",
    summary="标记(或取消)本单位部分完成",
    response_model=ActionResult,
    responses=ACTION_ERRORS,
)
def part(measure_id: Id, body: PartRequest, viewer: ViewerDep, zc: AppDep) -> Any:
    def call(ident: str) -> Outcome:
        return measure_work.set_part(
            zc.uow(), viewer.name, ident, done=body.done, expected_version=body.expected_version
        )

    return _act(zc, viewer, measure_id, "part_done" if body.done else "part_undone", call)


def _ratings(given: dict[int, str]) -> dict[int, Rating]:
    return {number: parse_rating(text) for number, text in given.items()}


@signed_in.post(
    "/measures/{measure_id}/self-check",
    summary="提交自查(牵头单位)",
    response_model=ActionResult,
    responses=ACTION_ERRORS,
)
def self_check(measure_id: Id, body: SelfCheckRequest, viewer: ViewerDep, zc: AppDep) -> Any:
    return _act(
        zc,
        viewer,
        measure_id,
        "submit_self_check",
        lambda ident: measure_work.submit_self_check(
            zc.uow(),
            viewer.name,
            ident,
            statement=body.statement,
            ratings=_ratings(dict(body.ratings)),
            expected_version=body.expected_version,
        ),
    )


@signed_in.post(
    "/measures/{measure_id}/withdraw",
    summary="撤回自查(审核前,牵头单位)",
    response_model=ActionResult,
    responses=ACTION_ERRORS,
)
def withdraw(
    measure_id: Id, viewer: ViewerDep, zc: AppDep, body: ActionRequest | None = None
) -> Any:
    version = body.expected_version if body else None
    return _act(
        zc,
        viewer,
        measure_id,
        "withdraw",
        lambda ident: measure_work.withdraw(zc.uow(), viewer.name, ident, expected_version=version),
    )


@signed_in.post(
    "/measures/{measure_id}/accept",
    summary="审核通过(最后一级通过即验收)",
    response_model=ActionResult,
    responses=ACTION_ERRORS,
)
def accept(measure_id: Id, body: AcceptRequest, viewer: ViewerDep, zc: AppDep) -> Any:
    return _act(
        zc,
        viewer,
        measure_id,
        "accept",
        lambda ident: measure_work.accept(
            zc.uow(),
            viewer.name,
            ident,
            score=body.score,
            comment=body.comment,
            expected_version=body.expected_version,
        ),
    )


@signed_in.post(
    "/measures/{measure_id}/return",
    summary="退回整改(须写明意见)",
    response_model=ActionResult,
    responses=ACTION_ERRORS,
)
def return_for_rectification(
    measure_id: Id, body: ReturnRequest, viewer: ViewerDep, zc: AppDep
) -> Any:
    return _act(
        zc,
        viewer,
        measure_id,
        "return_for_rectification",
        lambda ident: measure_work.return_for_rectification(
            zc.uow(),
            viewer.name,
            ident,
            comment=body.comment,
            due=body.due,
            score=body.score,
            expected_version=body.expected_version,
        ),
    )


# ----------------------------------------------------------------------------------- evidence


def _evidence_meta(view: evidence.EvidenceView, measure_id: int | None) -> EvidenceMeta:
    return EvidenceMeta(
        id=view.id,
        measure_id=measure_id,
        measure=view.target or None,
        item=view.item,
        kind=view.kind,
        file_name=view.file_name,
        size=view.size,
        media_type=view.media_type,
        sha256=view.sha256,
        url=view.url,
        note=view.note,
        uploaded_at=dt.datetime.fromisoformat(view.uploaded_at),
        doc_date=dt.date.fromisoformat(view.doc_date),
        person=view.person,
        unit=view.unit,
        current=view.current,
        superseded_by=view.superseded_by,
        download=f"/api/v1/evidence/{view.id}/file" if view.kind == "file" else None,
    )


def _uploads(files: list[UploadFile] | None) -> list[evidence.Upload]:
    # A multipart field sent empty (no file chosen) arrives as a nameless, empty part.
    return [evidence.Upload(name=f.filename or "", stream=f.file) for f in files or [] if f.filename]


Links = Annotated[list[Text] | None, Form(description="网页链接(可多个)")]
Files = Annotated[list[UploadFile] | None, File(description="佐证文件(可多个)")]
Note = Annotated[str, Form(max_length=20_000, pattern=NO_NUL, description="说明")]
DocDate = Annotated[dt.date | None, Form(description="成文日期;不填为今天")]


@signed_in.post(
    "/measures/{measure_id}/evidence",
    summary="上传佐证材料(文件、链接或说明)",
    status_code=201,
    response_model=EvidenceAdded,
    responses=error_responses(400, 403, 404, 413),
)
def add_evidence(
    measure_id: Id,
    item: Annotated[int, Form(ge=1, le=10_000, description="清单项序号")],
    viewer: ViewerDep,
    zc: AppDep,
    files: Files = None,
    note: Note = "",
    doc_date: DocDate = None,
    link: Links = None,
) -> Any:
    ref = access.open_measure(zc.uow(), viewer.actor, measure_id, action="evidence_add")
    new = evidence.NewEvidence(
        files=_uploads(files), links=list(link or []), note=note, doc_date=doc_date
    )
    views = evidence.add_evidence(zc.uow(), zc.store, viewer.name, ref.ident, item=item, new=new)
    return EvidenceAdded(
        measure_id=ref.id,
        version=_now(zc, measure_id)[1],
        evidence=[_evidence_meta(v, ref.id) for v in views],
    )


@signed_in.get(
    "/evidence/{evidence_id}",
    summary="佐证材料信息(含 sha256)",
    response_model=EvidenceMeta,
    responses=OBJECT_ERRORS,
)
def evidence_meta(evidence_id: Id, viewer: ViewerDep, zc: AppDep) -> Any:
    found = access.open_evidence(zc.uow(), viewer.actor, evidence_id, action="evidence_view")
    with zc.uow() as uow:
        row = uow.session.get(
            Evidence,
            found.id,
            options=[
                selectinload(Evidence.item),
                selectinload(Evidence.person),
                selectinload(Evidence.unit),
            ],
        )
        if row is None:  # gone since open_evidence read it
            raise NotFound(f"找不到编号为 {evidence_id} 的佐证材料")
        view = evidence.view_of(row, found.measure.ident if found.measure else "")
    return _evidence_meta(view, found.measure.id if found.measure else None)


@signed_in.get(
    "/evidence/{evidence_id}/file",
    summary="下载佐证文件",
    response_class=FileResponse,
    responses={
        200: {
            "content": {t: {} for t in [*downloads.EVIDENCE_MEDIA_TYPES.values(), downloads.OCTET_STREAM]},
            "description": "文件内容(类型按存储时识别的文件格式)",
        },
        **OBJECT_ERRORS,
    },
)
def evidence_download(evidence_id: Id, viewer: ViewerDep, zc: AppDep) -> FileResponse:
    found = access.open_evidence(zc.uow(), viewer.actor, evidence_id)
    return downloads.evidence_file(zc, found)


# --------------------------------------------------------------------------------- indicators


@signed_in.get(
    "/plans/{plan_id}/indicators",
    summary="方案的量化指标及最近填报值",
    response_model=list[IndicatorOut],
    responses=error_responses(404),
)
def plan_indicators(plan_id: Id, viewer: ViewerDep, zc: AppDep) -> Any:
    _plan_key(zc, viewer, plan_id)
    with zc.uow() as uow:
        plan = uow.session.get(Plan, plan_id)
        assert plan is not None  # found just above
        return progress.plan_progress(uow.session, plan, office_today()).indicators


@signed_in.post(
    "/plans/{plan_id}/indicators/{number}/reports",
    summary="填报量化指标的实际值(须附文件或链接)",
    status_code=201,
    response_model=IndicatorReported,
    responses=error_responses(400, 403, 404, 413),
)
def report_indicator(
    plan_id: Id,
    number: ItemNumber,
    value: Annotated[
        AmountText,
        Form(
            min_length=1,
            max_length=amounts.MAX_TEXT_LENGTH,
            description=(
                f"数值,如 3600、8.2、6.8万;整数部分最多 {amounts.MAX_INTEGER_DIGITS} 位,"
                f"小数最多 {amounts.MAX_FRACTION_DIGITS} 位,有效数字最多 {amounts.MAX_SIGNIFICANT_DIGITS} 位"
            ),
        ),
    ],
    viewer: ViewerDep,
    zc: AppDep,
    as_of: Annotated[dt.date | None, Form(description="统计日期;不填为今天")] = None,
    files: Files = None,
    note: Note = "",
    link: Links = None,
) -> Any:
    key = _plan_key(zc, viewer, plan_id)
    result = indicators.report_value(
        zc.uow(),
        zc.store,
        viewer.name,
        key,
        number,
        value,
        as_of=as_of,
        evidence=evidence.NewEvidence(files=_uploads(files), links=list(link or []), note=note),
    )
    reported = result["value"]
    assert isinstance(reported, Decimal)
    return IndicatorReported(
        metric=str(result["metric"]),
        value=amounts.as_number(reported),
        unit=str(result["unit"]),
        met=bool(result["met"]),
    )


# Last, so every route above is registered on it first.
router.include_router(signed_in)
