"""Administration by the office's admins: people, passwords, unit groups, review levels, and
importing plan documents (with a preview that saves nothing, and in which the admin corrects
the parsed plan before confirming).

The people services refuse non-admins themselves (and audit it); reading these pages and the
import, which has no actor of its own, are checked here with the same rule (`AdminDep`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import Select, select
from starlette.concurrency import run_in_threadpool

from checklists.corrections import (
    MAX_EDITS,
    CorrectionError,
    Edit,
    describe,
    edit_from_payload,
    edit_payload,
)
from checklists.sources.limits import MAX_FILE_BYTES
from workflow.bootstrap import App
from workflow.domain.escalation import FIELD_LABELS as ESCALATION_FIELDS
from workflow.domain.permissions import Actor
from workflow.domain.states import ROLE_LABELS, Role
from workflow.errors import InputError, NotFound, Refused, ZonecheckError
from workflow.models import Plan
from workflow.services import access, accounts, escalation, people
from workflow.services.plan_import import ImportResult, import_documents
from workflow.web.routes.office import AdminDep
from workflow.web.routes.office_corrections import MeasureFormDep, ReshapeFormDep, form_context
from workflow.web.security import AppDep, Viewer
from workflow.web.templating import redirect, render

router = APIRouter(include_in_schema=False)

PEOPLE = "/office/people"
IMPORT = "/office/import"


def _fail(url: str, exc: ZonecheckError) -> Response:
    """Bad input comes back as a notice; a refusal (audited by the service) as the 403 page."""
    if isinstance(exc, Refused):
        raise exc
    return redirect(url, str(exc), kind="error")


def _own_zone_plans(viewer: Viewer) -> Select[Plan]:
    """The plans an admin administers: their own zone's (a parent zone's office reviews some
    levels of a district's plan, but the district's admins set them)."""
    return select(Plan).where(Plan.zone_id == viewer.actor.zone_id).order_by(Plan.id)


# -------------------------------------------------------------------------------------- people


@router.get(PEOPLE)
def people_page(request: Request, zc: AppDep, viewer: AdminDep) -> Response:
    persons = people.list_people(zc.uow(), viewer.actor)
    units = people.list_units(zc.uow(), viewer.actor)
    with zc.uow() as uow:
        plans = [
            {"id": p.id, "key": p.key, "title": p.title, "levels": list(p.review_levels)}
            for p in uow.session.scalars(_own_zone_plans(viewer))
        ]
    _, rules = escalation.show_rules(zc.uow(), viewer.actor)
    return render(
        request,
        "office_people.html",
        viewer,
        rules=rules,
        rule_labels=ESCALATION_FIELDS,
        persons=persons,
        units=[u for u in units if not u.is_group],
        groups=[u for u in units if u.is_group],
        plans=plans,
        roles=[(r.value, ROLE_LABELS[r]) for r in Role],
    )


@router.post(f"{PEOPLE}/escalation")
def set_escalation_rules(
    zc: AppDep,
    viewer: AdminDep,
    blue_days: Annotated[str, Form(max_length=10)] = "",
    yellow_days: Annotated[str, Form(max_length=10)] = "",
    yellow_share: Annotated[str, Form(max_length=10)] = "",
    report_to_office: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """The zone's 三色督办 rules, as `zonecheck escalation set` takes them (checked there)."""
    given = {
        "blue_days": blue_days, "yellow_days": yellow_days, "yellow_share": yellow_share,
        "report_to_office": report_to_office,
    }
    assignments = [f"{key}={value.strip()}" for key, value in given.items() if value.strip()]
    try:
        rules = escalation.set_rules(zc.uow(), viewer.actor, assignments)
    except ZonecheckError as exc:
        return _fail(PEOPLE, exc)
    return redirect(
        PEOPLE, f"已保存督办规则:期限前 {rules.blue_days} 天为蓝,{rules.yellow_days} 天未自查为黄"
    )


@router.post(f"{PEOPLE}/add")
def add_person(
    zc: AppDep,
    viewer: AdminDep,
    name: Annotated[str, Form(max_length=100)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    unit: Annotated[str, Form(max_length=200)] = "",
    organisation: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        chosen = Role(role)
    except ValueError:
        return redirect(PEOPLE, "角色:请选择单位成员、审核人、管理员或专家", kind="error")
    try:
        view = people.add_person(
            zc.uow(), viewer.actor, name, role=chosen, unit=unit.strip() or None, organisation=organisation
        )
    except ZonecheckError as exc:
        return _fail(PEOPLE, exc)
    where = f"({view.unit or view.organisation})" if view.unit or view.organisation else ""
    return redirect(PEOPLE, f"已添加{view.role_label}“{view.name}”{where};请为其设置登录密码")


@router.post(f"{PEOPLE}/password")
def set_password(
    zc: AppDep,
    viewer: AdminDep,
    name: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=accounts.MAX_PASSWORD_LENGTH)] = "",
) -> Response:
    if not name.strip():
        return redirect(PEOPLE, "姓名:请选择要设置密码的人员", kind="error")
    try:
        accounts.set_password(zc.uow(), viewer.actor, name, password)
    except ZonecheckError as exc:
        return _fail(PEOPLE, exc)
    return redirect(PEOPLE, f"已为“{name.strip()}”设置登录密码(其已登录的会话已全部退出)")


@router.post(f"{PEOPLE}/unit")
def add_unit(
    zc: AppDep, viewer: AdminDep, name: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    try:
        view = people.add_unit(zc.uow(), viewer.actor, name)
    except ZonecheckError as exc:
        return _fail(PEOPLE, exc)
    return redirect(PEOPLE, f"已添加单位“{view.name}”")


@router.post(f"{PEOPLE}/group")
async def set_group(request: Request, zc: AppDep, viewer: AdminDep) -> Response:
    # Checkboxes arrive as a repeated field; read the form as a whole.
    form = await request.form()
    group = str(form.get("group", "")).strip()
    chosen = {str(v) for v in form.getlist("member") if str(v).strip()}
    if not group:
        return redirect(PEOPLE, "单位群体:请选择要设置成员的群体", kind="error")
    return await run_in_threadpool(_set_group, zc, viewer.actor, group, chosen)


def _set_group(zc: App, actor: Actor, group: str, chosen: set[str]) -> Response:
    current = next((set(u.members) for u in people.list_units(zc.uow(), actor) if u.name == group), None)
    if current is None:
        return redirect(PEOPLE, f"单位群体:找不到“{group}”", kind="error")
    add = sorted(chosen - current)
    remove = sorted(current - chosen)
    if not add and not remove:
        return redirect(PEOPLE, f"“{group}”的成员单位没有变化", kind="warn")
    try:
        view = people.set_group_members(zc.uow(), actor, group, add=add, remove=remove)
    except ZonecheckError as exc:
        return _fail(PEOPLE, exc)
    members = "、".join(view.members) or "(无)"
    return redirect(PEOPLE, f"已设置“{view.name}”的成员单位:{members}")


@router.post(f"{PEOPLE}/levels")
def set_levels(
    zc: AppDep,
    viewer: AdminDep,
    plan: Annotated[str, Form(max_length=100)] = "",
    levels: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    names = [line.strip() for line in re.split(r"[\r\n]+", levels)]
    try:
        # The form names the plan by its key, as listed on the people page.
        found = access.open_plan(zc.uow(), viewer.actor, plan, action="review_levels")
        result = people.set_review_levels(zc.uow(), viewer.actor, found.id, names)
    except ZonecheckError as exc:
        return _fail(PEOPLE, exc)
    return redirect(PEOPLE, f"已设置审核层级:{' → '.join(result)}")


# -------------------------------------------------------------------------------------- import

# The hidden form field carries only this token; it names a folder under the staging area.
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")
MAX_PLAN_BYTES = MAX_FILE_BYTES  # what read_source reads at most; plans are a few hundred KB
STAGING_KEEP = dt.timedelta(days=1)
META = ".upload.json"  # a dot name: uploads may not start with a dot, so never collide


def staging_root(zc: App) -> Path:
    return zc.settings.home / "uploads" / "import"


EDITS = ".edits.json"  # the corrections made in the preview, applied at confirm


def _staged(zc: App, token: str, viewer: Viewer) -> tuple[Path, dict[str, Any]]:
    """The staged upload named by `token` and what was recorded about it; only the admin who
    uploaded it may preview, correct or confirm it (anyone else is told it is not there)."""
    if not TOKEN.fullmatch(token):
        raise InputError("导入凭据无效,请重新上传方案文件")
    folder = staging_root(zc) / token
    missing = NotFound("找不到待导入的文件(可能已导入或已过期),请重新上传")
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        path = folder / str(meta["file"])
    except (OSError, ValueError, KeyError):
        raise missing from None
    if path.parent != folder or not path.is_file() or meta.get("by") != viewer.name:
        raise missing
    return path, meta


def _staged_edits(path: Path) -> list[Edit]:
    try:
        data = json.loads((path.parent / EDITS).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError):
        raise InputError("待导入方案的校正无法读取,请重新上传方案文件") from None
    try:
        return [edit_from_payload(item) for item in data]
    except CorrectionError as exc:
        raise InputError(str(exc)) from None


def _stage_edits(path: Path, edits: list[Edit]) -> None:
    if len(edits) > MAX_EDITS:
        raise InputError(f"导入前至多保存 {MAX_EDITS} 项校正;请先确认导入,再在方案的校正页继续")
    try:
        payload = [edit_payload(e) for e in edits]
    except CorrectionError as exc:
        raise InputError(str(exc)) from None
    tmp = path.parent / f"{EDITS}.tmp"
    tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path.parent / EDITS)


def _dry_run(zc: App, viewer: Viewer, path: Path, edits: list[Edit]) -> ImportResult:
    [result] = import_documents(
        zc.uow, [path], catalog_dir=zc.settings.catalog_dir, dry_run=True, actor=viewer.actor, edits=edits
    )
    return result


def _upload_name(raw: str | None) -> str:
    """The file's own name, without any folder a browser sent along; the plan key is made
    from it, as when the file is imported with the CLI."""
    name = PurePosixPath(PureWindowsPath(raw or "").name).name.strip()
    if not name or name.startswith(".") or len(name) > 200:
        raise InputError("方案文件:文件名无效,请上传带有文件名的方案文件(网页、PDF、Word、Excel、文本)或 .yaml 方案目录")
    return name


def _clean_old(root: Path) -> None:
    """Previews nobody confirmed are dropped after a day."""
    cutoff = dt.datetime.now().timestamp() - STAGING_KEEP.total_seconds()
    for folder in root.iterdir() if root.is_dir() else ():
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


@router.get(IMPORT)
def import_page(request: Request, zc: AppDep, viewer: AdminDep) -> Response:
    with zc.uow() as uow:
        plans = [
            {"id": p.id, "key": p.key, "title": p.title, "source_file": p.source_file, "updated_at": p.updated_at}
            for p in uow.session.scalars(_own_zone_plans(viewer))
        ]
    return render(request, "office_import.html", viewer, plans=plans, preview=None, token=None)


@router.post(IMPORT)
def import_preview(
    request: Request,
    zc: AppDep,
    viewer: AdminDep,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    if file is None or not file.filename:
        return redirect(IMPORT, "方案文件:请选择要导入的文件", kind="error")
    try:
        name = _upload_name(file.filename)
    except InputError as exc:
        return redirect(IMPORT, str(exc), kind="error")
    root = staging_root(zc)
    root.mkdir(parents=True, exist_ok=True)
    _clean_old(root)
    token = secrets.token_urlsafe(24)
    folder = root / token
    folder.mkdir()
    path = folder / name
    try:
        size = _save(file, path)
        if size == 0:
            raise InputError("方案文件:文件为空")
        (folder / META).write_text(
            json.dumps({"file": name, "by": viewer.name, "size": size}, ensure_ascii=False),
            encoding="utf-8",
        )
        [result] = import_documents(
            zc.uow, [path], catalog_dir=zc.settings.catalog_dir, dry_run=True, actor=viewer.actor
        )
    except ZonecheckError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return redirect(IMPORT, str(exc).replace(str(path), name), kind="error")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return _render_preview(request, viewer, result, name, token, [], "")


def _render_preview(
    request: Request, viewer: Viewer, result: ImportResult, name: str, token: str, edits: list[Edit], ref: str
) -> Response:
    measures = result.catalog.measures if result.catalog is not None else []
    return render(
        request,
        "office_import.html",
        viewer,
        plans=[],
        preview=_preview(result, name) | {"edits": [describe(e) for e in edits]},
        token=token,
        **form_context(measures, ref),
    )


def _preview_url(token: str, ref: str = "") -> str:
    return f"{IMPORT}/preview?token={token}" + (f"&ref={quote(ref)}#edit" if ref else "")


@router.get(f"{IMPORT}/preview")
def import_preview_page(request: Request, zc: AppDep, viewer: AdminDep, token: str = "", ref: str = "") -> Response:
    """The staged import's preview again, with the corrections made so far applied."""
    try:
        path, meta = _staged(zc, token[:200], viewer)
        edits = _staged_edits(path)
        result = _dry_run(zc, viewer, path, edits)
    except ZonecheckError as exc:
        return redirect(IMPORT, str(exc).replace(str(staging_root(zc)), "…"), kind="error")
    return _render_preview(request, viewer, result, str(meta["file"]), token, edits, ref[:20])


def _stage_more(zc: App, viewer: Viewer, token: str, more: Callable[[ImportResult], list[Edit]], back_ref: str) -> Response:
    """Apply `more` edits to the staged import's preview; kept only if the whole list still
    applies (the same check the confirmation makes)."""
    try:
        path, _meta = _staged(zc, token, viewer)
    except ZonecheckError as exc:
        return redirect(IMPORT, str(exc), kind="error")
    try:
        edits = _staged_edits(path)
        added = more(_dry_run(zc, viewer, path, edits))
        if not added:
            return redirect(_preview_url(token, back_ref), "没有要保存的校正(各项内容与当前相同)", kind="warn")
        _dry_run(zc, viewer, path, edits + added)
        _stage_edits(path, edits + added)
    except ZonecheckError as exc:
        return redirect(_preview_url(token, back_ref), str(exc).replace(str(path), path.name), kind="error")
    return redirect(_preview_url(token), f"已记下校正(确认导入时保存):{';'.join(describe(e) for e in added)}")


@router.post(f"{IMPORT}/edit")
def import_edit(
    zc: AppDep, viewer: AdminDep, form: MeasureFormDep, token: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    def more(result: ImportResult) -> list[Edit]:
        current = next((m for m in result.catalog.measures if m.ref == form.ref), None) if result.catalog else None
        if current is None:
            raise InputError(f"待导入的方案中没有编号为“{form.ref}”的措施")
        return form.edits(current)

    return _stage_more(zc, viewer, token, more, form.ref)


@router.post(f"{IMPORT}/reshape")
def import_reshape(
    zc: AppDep, viewer: AdminDep, form: ReshapeFormDep, token: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    return _stage_more(zc, viewer, token, lambda _result: [form.edit()], "")


def _save(upload: UploadFile, path: Path) -> int:
    size = 0
    with path.open("wb") as out:
        while chunk := upload.file.read(1 << 20):
            size += len(chunk)
            if size > MAX_PLAN_BYTES:
                raise InputError(f"方案文件:超过 {MAX_PLAN_BYTES >> 20} MB,不像是方案文件")
            out.write(chunk)
    return size


def _preview(result: ImportResult, name: str) -> dict[str, Any]:
    catalog = result.catalog
    info = catalog.plan if catalog is not None else None
    sections = len(catalog.sections) if catalog is not None else 0
    return {
        "file": name,
        "key": result.plan_key,
        "status": result.status,
        "status_label": result.status_label,
        "title": result.title,
        "issuer": info.issuer if info else "",
        "doc_number": info.doc_number if info else "",
        "issued_on": info.issued_on.isoformat() if info and info.issued_on else "",
        "counts": result.counts,
        "sections": sections,
        "note": result.note,
        "changes": result.changes,
        "warnings": [str(w) for w in result.warnings],
        "measures": [
            {
                "ref": m.ref,
                "kind": m.kind.value,
                "title": m.title,
                "units": [(u.name, u.role.value) for u in m.units],
                "deadline": m.deadline.text,
                "item_count": len(m.checklist),
            }
            for m in (catalog.measures if catalog is not None else [])
        ],
    }


@router.post(f"{IMPORT}/confirm")
def import_confirm(
    zc: AppDep, viewer: AdminDep, token: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    try:
        path, _meta = _staged(zc, token, viewer)
        [result] = import_documents(
            zc.uow, [path], catalog_dir=zc.settings.catalog_dir, actor=viewer.actor, edits=_staged_edits(path)
        )
    except ZonecheckError as exc:
        return redirect(IMPORT, str(exc).replace(str(staging_root(zc)), "…"), kind="error")
    shutil.rmtree(path.parent, ignore_errors=True)
    with zc.uow() as uow:
        plan_id = uow.session.scalar(select(Plan.id).where(Plan.key == result.plan_key))
    changes = f",{len(result.changes)} 处变化" if result.changes else ""
    message = f"{result.status_label}:{result.title}({result.plan_key}{changes})"
    return redirect(f"/office/plans/{plan_id}" if plan_id else IMPORT, message)


@router.post(f"{IMPORT}/cancel")
def import_cancel(
    zc: AppDep, viewer: AdminDep, token: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    try:
        path, _meta = _staged(zc, token, viewer)
    except ZonecheckError as exc:
        return redirect(IMPORT, str(exc), kind="error")
    shutil.rmtree(path.parent, ignore_errors=True)
    return redirect(IMPORT, "已取消导入,上传的文件已删除", kind="warn")
