"""A unit's pages: its worklist, one measure, and the forms that move a measure along.

Each form posts to a thin route that calls the same service as the CLI with the signed-in
actor and the measure's number; the service checks, in its one transaction, that the person
may open the measure at all (object-level authorisation) and may do this. A refusal comes
back to the measure page as a Chinese notice (the service has already put it on the audit
trail), except that a measure the person may not open is answered with the error page;
scripts that ask for JSON (the uploader) get `{"ok": false, "message": …}` instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from workflow.bootstrap import App
from workflow.clock import office_today
from workflow.domain.states import (
    EVENT_LABELS,
    RATING_LABELS,
    STATE_LABELS,
    MeasureState,
    Rating,
    parse_rating,
)
from workflow.errors import Conflict, InputError, NotFound, Refused, ZonecheckError
from workflow.read import worklist
from workflow.read.extensions_appeals import extension_panel, measure_requests
from workflow.read.history import measure_history
from workflow.services import access, measure_work
from workflow.services.evidence import (
    NewEvidence,
    Upload,
    add_evidence,
    remove_evidence,
    replace_evidence,
)
from workflow.web.security import AppDep, Viewer, ViewerDep
from workflow.web.templating import redirect, render

router = APIRouter(include_in_schema=False)

# Errors an action's service raises that the person can fix or should just read.
ACTION_ERRORS = (Refused, InputError, Conflict)
# A refusal to open the measure at all: not a notice on its page, the page itself is refused.
NO_VIEW = "no_view"

VersionField = Annotated[int | None, Form(ge=1)]


def wants_json(request: Request) -> bool:
    """The uploader script asks for JSON; a plain form submission does not."""
    return "application/json" in request.headers.get("accept", "") or bool(
        request.headers.get("x-requested-with")
    )


def measure_url(measure_id: int) -> str:
    return f"/measures/{measure_id}"


def _status(exc: ZonecheckError) -> int:
    from workflow.web.app import status_of  # the app imports the routes

    return status_of(exc)


def act(request: Request, back: str, command: Callable[[], str]) -> Response:
    """Run one command; back to the page with its message, or with the refusal as an error."""
    try:
        message = command()
    except ZonecheckError as exc:
        refused = json_refusal(request, exc)
        if refused is not None:
            return refused
        if not isinstance(exc, ACTION_ERRORS) or exc.code == NO_VIEW:
            raise  # missing, another zone's or not theirs to open: the error page (404, 403)
        return redirect(back, str(exc), kind="error")
    if wants_json(request):
        return JSONResponse({"ok": True, "message": message})
    return redirect(back, message)


def json_refusal(request: Request, exc: ZonecheckError) -> Response | None:
    if wants_json(request):
        return JSONResponse({"ok": False, "message": str(exc)}, status_code=_status(exc))
    return None


# ----------------------------------------------------------------------------------- pages


@router.get("/unit")
def unit_home(request: Request, zc: AppDep, viewer: ViewerDep) -> Response:
    if viewer.is_office:
        return redirect("/office")
    if viewer.actor.is_expert:
        return redirect("/expert")
    day = office_today()
    items = worklist.unit_worklist(zc.uow(), viewer.actor, day)
    return render(
        request,
        "unit_home.html",
        viewer,
        items=items,
        counts=worklist.worklist_counts(items),
        today=day,
    )


@router.get("/measures/{measure_id}")
def measure_page(
    request: Request,
    zc: AppDep,
    viewer: ViewerDep,
    measure_id: int,
    uploaded: Annotated[int | None, Query(ge=1, le=1000)] = None,
) -> Response:
    day = office_today()
    detail = worklist.measure_detail(zc.uow(), viewer.actor, measure_id, day)
    _title, history = measure_history(zc.uow(), viewer.actor, measure_id)
    extensions = extension_panel(detail, measure_requests(zc.uow(), viewer.actor, measure_id), day)
    return render(
        request,
        "measure.html",
        viewer,
        m=detail,
        history=history,
        history_labels=EVENT_LABELS,
        state_labels={s.value: STATE_LABELS[s] for s in MeasureState},
        rating_labels=list(RATING_LABELS.values()),
        inline_types=worklist.INLINE_TYPES,
        today=day,
        uploaded=uploaded,
        extensions=extensions,
    )


# --------------------------------------------------------------------------------- actions


@router.post("/measures/{measure_id}/start")
def start(
    request: Request, zc: AppDep, viewer: ViewerDep, measure_id: int, version: VersionField = None
) -> Response:
    return act(
        request,
        measure_url(measure_id),
        lambda: measure_work.start(
            zc.uow(), viewer.actor, measure_id, expected_version=version
        ).message,
    )


@router.post("/measures/{measure_id}/part")
def part(
    request: Request,
    zc: AppDep,
    viewer: ViewerDep,
    measure_id: int,
    done: Annotated[int, Form(ge=0, le=1)] = 1,
    version: VersionField = None,
) -> Response:
    return act(
        request,
        measure_url(measure_id),
        lambda: measure_work.set_part(
            zc.uow(), viewer.actor, measure_id, done=bool(done), expected_version=version
        ).message,
    )


def _ratings(form: Any) -> dict[int, Rating]:
    """`rating_N` fields: 完成/部分完成/未完成, or empty to let the evidence decide (as the CLI)."""
    ratings: dict[int, Rating] = {}
    for key, value in form.multi_items():
        if not key.startswith("rating_") or not isinstance(value, str) or not value.strip():
            continue
        number = key.removeprefix("rating_")
        try:
            ratings[int(number)] = parse_rating(value.strip())
        except ValueError:
            allowed = "/".join(RATING_LABELS.values())
            raise InputError(
                f"表单 {key}:清单第 {number} 项的自评应为 {allowed},收到“{value}”"
            ) from None
    return ratings


@router.post("/measures/{measure_id}/self-check")
async def self_check(
    request: Request,
    zc: AppDep,
    viewer: ViewerDep,
    measure_id: int,
    statement: Annotated[str, Form(max_length=5000)] = "",
    version: VersionField = None,
) -> Response:
    # async only to read the variable rating_N fields; the services still run in the pool.
    back = measure_url(measure_id)
    try:
        ratings = _ratings(await request.form())
    except InputError as exc:
        return json_refusal(request, exc) or redirect(back, str(exc), kind="error")

    def command() -> str:
        return measure_work.submit_self_check(
            zc.uow(),
            viewer.actor,
            measure_id,
            statement=statement,
            ratings=ratings,
            today=office_today(),
            expected_version=version,
        ).message

    return await run_in_threadpool(act, request, back, command)


@router.post("/measures/{measure_id}/withdraw")
def withdraw(
    request: Request, zc: AppDep, viewer: ViewerDep, measure_id: int, version: VersionField = None
) -> Response:
    return act(
        request,
        measure_url(measure_id),
        lambda: measure_work.withdraw(
            zc.uow(), viewer.actor, measure_id, expected_version=version
        ).message,
    )


def _doc_date(text: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"成文日期应为 YYYY-MM-DD 格式的日期,收到“{text}”") from None


def _uploads(files: list[UploadFile]) -> list[Upload]:
    # A form submitted without choosing a file still sends one empty, unnamed part.
    return [Upload(name=f.filename or "", stream=f.file) for f in files if f.filename]


def _added(views: list[Any]) -> str:
    # The notice travels in a cookie (about 4 KB, Chinese percent-encoded): name a few only.
    names = "、".join(f"“{v.label[:40]}”" for v in views[:5])
    more = " 等" if len(views) > 5 else ""
    return f"已提交 {len(views)} 份佐证材料:{names}{more}"


@router.post("/measures/{measure_id}/evidence")
def evidence(
    request: Request,
    zc: AppDep,
    viewer: ViewerDep,
    measure_id: int,
    item: Annotated[int, Form(ge=1)],
    files: Annotated[list[UploadFile], File()] = [],  # noqa: B006 - FastAPI copies defaults
    note: Annotated[str, Form(max_length=2000)] = "",
    doc_date: Annotated[str, Form(max_length=20)] = "",
    link: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    def command() -> str:
        new = NewEvidence(
            files=_uploads(files),
            links=[link.strip()] if link.strip() else [],
            note=note,
            doc_date=_doc_date(doc_date),
        )
        return _added(add_evidence(zc.uow(), zc.store, viewer.actor, measure_id, item=item, new=new))

    return act(request, measure_url(measure_id), command)


def _measure_of(zc: App, viewer: Viewer, evidence_id: int, action: str) -> int:
    """The measure page to come back to (the evidence opened, or refused and audited)."""
    found = access.open_evidence(zc.uow(), viewer.actor, evidence_id, action=action)
    if found.measure_id is None:
        raise NotFound(f"佐证材料#{evidence_id} 不属于任何措施,不能在此替换或撤下")
    return found.measure_id


@router.post("/evidence/{evidence_id}/replace")
def replace(
    request: Request,
    zc: AppDep,
    viewer: ViewerDep,
    evidence_id: int,
    file: Annotated[UploadFile, File()],
    note: Annotated[str, Form(max_length=2000)] = "",
    doc_date: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    measure_id = _measure_of(zc, viewer, evidence_id, "evidence_replace")

    def command() -> str:
        uploads = _uploads([file])
        if not uploads:
            raise InputError("请选择用于替换的文件")
        new = NewEvidence(files=uploads, note=note, doc_date=_doc_date(doc_date))
        views = replace_evidence(zc.uow(), zc.store, viewer.actor, evidence_id, new=new)
        return f"佐证材料#{evidence_id} 已替换为“{views[0].label}”(原材料保留在记录中)"

    return act(request, measure_url(measure_id), command)


@router.post("/evidence/{evidence_id}/remove")
def remove(request: Request, zc: AppDep, viewer: ViewerDep, evidence_id: int) -> Response:
    measure_id = _measure_of(zc, viewer, evidence_id, "evidence_remove")

    def command() -> str:
        view = remove_evidence(zc.uow(), viewer.actor, evidence_id)
        return f"已撤下佐证材料#{evidence_id}“{view.label}”"

    return act(request, measure_url(measure_id), command)
