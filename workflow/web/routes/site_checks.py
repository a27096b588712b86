"""The 现场核查 pages of a plan: the list with a form to record a check, a check's page with
its photos as thumbnails (upload, remove), its edit form and delete, and the photo itself.

The routes turn forms into a `SiteCheckDraft` and call the services, which decide who may
(`permissions.site_check_refused`: the office of the plan's zones; the experts' work joins
there, so the routes ask no role of their own and live outside /office, whose pages are the
office's alone) and refuse another zone's plan, check or photo as a missing one. Each request
makes one call that names its id first, so a refused attempt is audited once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from workflow.bootstrap import App
from workflow.clock import office_today
from workflow.domain.site_checks import (
    CONCLUSIONS,
    MAX_CAPTION,
    MAX_CONCLUSION,
    MAX_DOCUMENT,
    MAX_DOCUMENTS,
    MAX_FINDINGS,
    MAX_NAME,
    MAX_PARTICIPANTS,
    MAX_PLACE,
    MAX_SAMPLE_FIELD,
    MAX_SAMPLES,
    SiteCheckDraft,
    SiteCheckInvalid,
    parse_participant,
    parse_sample,
)
from workflow.errors import InputError, NotFound, ZonecheckError
from workflow.read.site_checks import (
    SiteCheckView,
    site_check_page,
    site_checks_of,
    site_photo,
)
from workflow.services import site_checks
from workflow.services.evidence import Upload
from workflow.web.downloads import stored_file
from workflow.web.routes.unit import ACTION_ERRORS
from workflow.web.security import AppDep, Viewer, ViewerDep
from workflow.web.templating import redirect, render

router = APIRouter(include_in_schema=False)

# A textarea's bound: its lines' bounds, with room for the separators and CRLF line ends.
PARTICIPANTS_FIELD = MAX_PARTICIPANTS * (2 * MAX_NAME + 3)
DOCUMENTS_FIELD = MAX_DOCUMENTS * (MAX_DOCUMENT + 2)
SAMPLES_FIELD = MAX_SAMPLES * (3 * MAX_SAMPLE_FIELD + 4)
FINDINGS_FIELD = 2 * MAX_FINDINGS


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _date(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"现场核查的“{field}”应为 YYYY-MM-DD 格式的日期,收到“{text[:20]}”", code="site_check_invalid") from None


@dataclass(frozen=True)
class CheckForm:
    """A check's form as posted: one participant, document or sample a line."""

    date: str
    place: str
    participants: str
    units: list[int]
    documents: str
    samples: str
    findings: str
    conclusion: str

    def values(self) -> dict[str, object]:
        """The form's fields as typed, to show the form again."""
        return {
            "date": self.date, "place": self.place, "participants": self.participants, "units": self.units,
            "documents": self.documents, "samples": self.samples, "findings": self.findings, "conclusion": self.conclusion,
        }  # fmt: skip

    def draft(self) -> SiteCheckDraft:
        try:
            people = tuple(parse_participant(p, n) for n, p in enumerate(_lines(self.participants), start=1))
            samples = tuple(parse_sample(s, n) for n, s in enumerate(_lines(self.samples), start=1))
        except SiteCheckInvalid as exc:
            raise InputError(str(exc), code="site_check_invalid") from None
        return SiteCheckDraft(
            held_on=_date(self.date, "核查日期"),
            place=self.place,
            participants=people,
            unit_ids=tuple(self.units),
            documents=tuple(_lines(self.documents)),
            samples=samples,
            findings=self.findings,
            conclusion=self.conclusion,
        )


def check_form(
    date: Annotated[str, Form(max_length=20)] = "",
    place: Annotated[str, Form(max_length=MAX_PLACE)] = "",
    participants: Annotated[str, Form(max_length=PARTICIPANTS_FIELD)] = "",
    unit: Annotated[list[int], Form()] = [],  # noqa: B006 - FastAPI copies defaults
    documents: Annotated[str, Form(max_length=DOCUMENTS_FIELD)] = "",
    samples: Annotated[str, Form(max_length=SAMPLES_FIELD)] = "",
    findings: Annotated[str, Form(max_length=FINDINGS_FIELD)] = "",
    conclusion: Annotated[str, Form(max_length=MAX_CONCLUSION)] = "",
) -> CheckForm:
    return CheckForm(date, place, participants, unit, documents, samples, findings, conclusion)


CheckFormDep = Annotated[CheckForm, Depends(check_form)]


def _plan_page(plan_id: int) -> str:
    return f"/plans/{plan_id}/site-checks"


def _check_page(check_id: int) -> str:
    return f"/site-checks/{check_id}"


def _form_values(check: SiteCheckView | None) -> dict[str, object]:
    """What the form shows: a check's values to edit, or the empty form."""
    if check is None:
        return {"date": "", "place": "", "participants": "", "units": [], "documents": "", "samples": "", "findings": "", "conclusion": ""}
    return {
        "date": check.held_on.isoformat(),
        "place": check.place,
        "participants": "\n".join(f"{p.name}|{p.role}" if p.role else p.name for p in check.participants),
        "units": [u.id for u in check.units],
        "documents": "\n".join(check.documents),
        "samples": "\n".join(f"{s.site}|{s.what}|{s.result}" for s in check.samples),
        "findings": check.findings,
        "conclusion": check.conclusion,
    }


def _refused(exc: ZonecheckError, back: str) -> Response:
    """Back to `back` with a bad input's, a conflict's or a closed record's reason; missing,
    another zone's or not the person's to change: the error page."""
    if not isinstance(exc, ACTION_ERRORS) or isinstance(exc, NotFound) or exc.code == "not_site_checker":
        raise exc
    return redirect(back, str(exc), kind="error")


def _act(back: str, command: Callable[[], tuple[str, str]]) -> Response:
    """Run one change; to the page it names with its message, or `_refused`."""
    try:
        target, message = command()
    except ZonecheckError as exc:
        return _refused(exc, back)
    return redirect(target, message)


def _list_page(
    request: Request,
    zc: App,
    viewer: Viewer,
    plan_id: int,
    *,
    form: dict[str, object] | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response:
    """The plan's checks, and the form to record one (as typed, with `error`, after a refusal)."""
    listed = site_checks_of(zc.uow(), viewer.actor, plan_id)
    return render(
        request,
        "site_checks.html",
        viewer,
        status_code=status_code,
        listed=listed,
        form=form or _form_values(None),
        error=error,
        conclusions=CONCLUSIONS,
        today=office_today(),
    )


def _record_page(
    request: Request,
    zc: App,
    viewer: Viewer,
    check_id: int,
    *,
    form: dict[str, object] | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response:
    """A check's page: the record, its photos, and its edit form (as typed, with `error`)."""
    page = site_check_page(zc.uow(), viewer.actor, check_id)
    return render(
        request,
        "site_check.html",
        viewer,
        status_code=status_code,
        page=page,
        check=page.check,
        form=form or _form_values(page.check),
        error=error,
        conclusions=CONCLUSIONS,
        today=office_today(),
        max_caption=MAX_CAPTION,
    )


@router.get("/plans/{plan_id}/site-checks")
def site_checks_page(request: Request, zc: AppDep, viewer: ViewerDep, plan_id: int) -> Response:
    return _list_page(request, zc, viewer, plan_id)


@router.post("/plans/{plan_id}/site-checks")
def record_check(request: Request, zc: AppDep, viewer: ViewerDep, plan_id: int, form: CheckFormDep) -> Response:
    try:
        view = site_checks.record_site_check(zc.uow(), viewer.actor, plan_id, form.draft())
    except InputError as exc:  # the form again, as typed, with what to correct
        return _list_page(request, zc, viewer, plan_id, form=form.values(), error=str(exc), status_code=400)
    except ZonecheckError as exc:
        return _refused(exc, _plan_page(plan_id))
    return redirect(_check_page(view.id), f"已记录现场核查#{view.id}:{view.held_on.isoformat()} {view.place[:60]}")


@router.get("/site-checks/{check_id}")
def site_check_record(request: Request, zc: AppDep, viewer: ViewerDep, check_id: int) -> Response:
    return _record_page(request, zc, viewer, check_id)


@router.post("/site-checks/{check_id}")
def edit_check(
    request: Request,
    zc: AppDep,
    viewer: ViewerDep,
    check_id: int,
    form: CheckFormDep,
    version: Annotated[int | None, Form(ge=1)] = None,
) -> Response:
    try:
        view = site_checks.edit_site_check(zc.uow(), viewer.actor, check_id, form.draft(), expected_version=version)
    except InputError as exc:  # the form again, as typed, with what to correct
        return _record_page(request, zc, viewer, check_id, form=form.values(), error=str(exc), status_code=400)
    except ZonecheckError as exc:
        return _refused(exc, _check_page(check_id))
    return redirect(_check_page(check_id), f"已修改现场核查#{view.id}")


@router.post("/site-checks/{check_id}/photos")
def add_photo(
    zc: AppDep,
    viewer: ViewerDep,
    check_id: int,
    file: Annotated[UploadFile, File()],
    caption: Annotated[str, Form(max_length=MAX_CAPTION)] = "",
    taken_date: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    def command() -> tuple[str, str]:
        if not file.filename:
            raise InputError("现场核查的“现场照片”:请选择一张照片", code="site_check_invalid")
        day = _date(taken_date, "拍摄日期") if taken_date.strip() else None
        photo = site_checks.add_site_photo(
            zc.uow(), zc.store, viewer.actor, check_id, Upload(file.filename, file.file), caption, day
        )
        return _check_page(check_id), f"已添加照片#{photo.id}“{photo.caption[:60]}”"

    return _act(_check_page(check_id), command)


@router.post("/site-photos/{photo_id}/remove")
def remove_photo(zc: AppDep, viewer: ViewerDep, photo_id: int) -> Response:
    def command() -> tuple[str, str]:
        check_id = site_checks.remove_site_photo(zc.uow(), viewer.actor, photo_id)
        return _check_page(check_id), f"已撤下照片#{photo_id}"

    return _act("/", command)


@router.get("/site-photos/{photo_id}")
def photo_file(zc: AppDep, viewer: ViewerDep, photo_id: int) -> Response:
    """The photo itself, inline, as the store detected its type (JPEG or PNG)."""
    photo = site_photo(zc.uow(), viewer.actor, photo_id)
    missing = f"现场照片#{photo.id}“{photo.file_name}”的文件缺失,请联系管理员运行 zonecheck evidence verify"
    return stored_file(zc, photo.sha256, photo.media_type, photo.file_name, missing, inline=True)


@router.post("/site-checks/{check_id}/delete")
def delete_check(
    zc: AppDep, viewer: ViewerDep, check_id: int, version: Annotated[int | None, Form(ge=1)] = None
) -> Response:
    def command() -> tuple[str, str]:
        gone = site_checks.delete_site_check(zc.uow(), viewer.actor, check_id, expected_version=version)
        return _plan_page(gone.plan_id), f"已删除现场核查#{check_id}"

    return _act(_check_page(check_id), command)
