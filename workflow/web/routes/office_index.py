"""The plan's 评价指标体系 tab: the office loads the index system (YAML or XLSX), downloads
the plan's example, reads the indicator tree with the self-scores and the panel's, and an
admin of the plan's zone self-scores each leaf (自评打分) until the formal review closes it.

Thin routes over `workflow.services.index_systems` and `workflow.read.self_assessment`, with
the same rules as the CLI: every refusal is the service's, shown as its words.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath, PureWindowsPath
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from checklists.indexsys.model import MAX_CODE_CHARS
from workflow.bootstrap import App
from workflow.domain.permissions import Actor
from workflow.errors import InputError, NotFound, ZonecheckError
from workflow.read.self_assessment import self_assessment
from workflow.services.index_systems import (
    MAX_INDEX_FILE_BYTES,
    MAX_SCORE_EVIDENCE,
    MAX_STATEMENT_CHARS,
    example_index_yaml,
    load_index,
    set_self_score,
)
from workflow.web.downloads import content_disposition
from workflow.web.marks import POINTS_CHARS, form_mark
from workflow.web.routes.office import OfficeDep
from workflow.web.security import AppDep
from workflow.web.templating import redirect, render

router = APIRouter(include_in_schema=False)

MAX_NAME_CHARS = 200  # of the uploaded file's name, as the errors name it
EVIDENCE_TEXT_CHARS = 400  # "12、15 18": more numbers than MAX_SCORE_EVIDENCE fit easily


def index_url(plan_id: int, code: str | None = None) -> str:
    return f"/office/plans/{plan_id}/index" + (f"#ind-{code}" if code else "")


@router.get("/office/plans/{plan_id}/index")
def index_page(request: Request, zc: AppDep, viewer: OfficeDep, plan_id: int) -> Response:
    view = self_assessment(zc.uow(), viewer.actor, plan_id)
    return render(
        request,
        "office_index.html",
        viewer,
        plan_id=plan_id,
        view=view,
        max_statement=MAX_STATEMENT_CHARS,
        max_evidence=MAX_SCORE_EVIDENCE,
        max_mb=MAX_INDEX_FILE_BYTES >> 20,
    )


@router.get("/office/plans/{plan_id}/index/example")
def example(zc: AppDep, viewer: OfficeDep, plan_id: int) -> Response:
    text = example_index_yaml(zc.uow(), viewer.actor, plan_id)
    return Response(
        text.encode("utf-8"),
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": content_disposition(f"示例指标体系-{plan_id}.yaml")},
    )


def _file_name(raw: str) -> str:
    """The uploaded file's own name (no folders, no control characters), for the messages."""
    name = PureWindowsPath(PurePosixPath(raw).name).name
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    return name[:MAX_NAME_CHARS] or "指标体系文件"


@router.post("/office/plans/{plan_id}/index")
def upload_index(
    zc: AppDep,
    viewer: OfficeDep,
    plan_id: int,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    back = index_url(plan_id)
    if file is None or not file.filename:
        return redirect(back, "指标体系文件:请选择 YAML 或 .xlsx 文件", kind="error")
    name = _file_name(file.filename)
    data = file.file.read(MAX_INDEX_FILE_BYTES + 1)  # the service refuses anything larger
    try:
        if not data:
            raise InputError(f"{name}: 文件为空")
        loaded = load_index(zc.uow(), viewer.actor, plan_id, name, data)
    except NotFound:
        raise  # a missing plan, or another zone's: the error page, as for any page
    except ZonecheckError as exc:
        return redirect(back, str(exc), kind="error")
    what = "已替换" if loaded.replaced else "已载入"
    return redirect(back, f"{what}评价指标体系“{loaded.name}”:{loaded.indicators} 项指标,其中 {loaded.leaves} 项计分")


def _evidence_ids(form: Any, other: str) -> list[int]:
    """The chosen evidence (checkboxes `evidence`) and the numbers typed in `other`, in order,
    each once; InputError naming the field for anything that is not a number."""
    chosen = [str(v) for v in form.getlist("evidence") if str(v).strip()][: MAX_SCORE_EVIDENCE + 1]
    typed = [t for t in re.split(r"[\s,,、;;]+", other) if t][: MAX_SCORE_EVIDENCE + 1]
    ids: list[int] = []
    for field, values in (("佐证材料", chosen), ("其他材料编号", typed)):
        for value in values:
            text = value.strip().removeprefix("#")
            if not text.isascii() or not text.isdigit() or len(text) > 9:
                raise InputError(f"{field}:应为材料编号(数字),收到“{value[:20]}”")
            if int(text) not in ids:
                ids.append(int(text))
    return ids  # more than MAX_SCORE_EVIDENCE: the service says so


@router.post("/office/plans/{plan_id}/index/self-score")
async def self_score(
    request: Request,
    zc: AppDep,
    viewer: OfficeDep,
    plan_id: int,
    code: Annotated[str, Form(max_length=MAX_CODE_CHARS)] = "",
    points: Annotated[str, Form(max_length=POINTS_CHARS)] = "",
    met: Annotated[str, Form(max_length=5)] = "",
    statement: Annotated[str, Form(max_length=MAX_STATEMENT_CHARS + 1000)] = "",
    other: Annotated[str, Form(max_length=EVIDENCE_TEXT_CHARS)] = "",
    version: Annotated[int | None, Form(ge=1)] = None,
) -> Response:
    # async only to read the repeated `evidence` checkboxes; the service runs in the pool.
    try:
        evidence = _evidence_ids(await request.form(), other)
    except InputError as exc:
        return redirect(index_url(plan_id), str(exc), kind="error")
    return await run_in_threadpool(_self_score, zc, viewer.actor, plan_id, code, points, met, statement, evidence, version)


def _self_score(
    zc: App, actor: Actor, plan_id: int, code: str, points: str, met: str, statement: str,
    evidence: list[int], version: int | None,
) -> Response:  # fmt: skip
    back = index_url(plan_id)
    try:
        done = set_self_score(
            zc.uow(), actor, plan_id, code, form_mark(points, met, "得分"), statement, evidence, expected_version=version
        )
    except NotFound as exc:
        if exc.code in ("index_code_missing", "evidence_missing"):
            return redirect(back, str(exc), kind="error")
        raise  # a missing plan, or another zone's: the error page, as for any page
    except ZonecheckError as exc:
        return redirect(back, str(exc), kind="error")
    said = format(done.points.normalize(), "f")
    return redirect(index_url(plan_id, code), f"已自评 指标 {done.label}:{said} 分(版本 {done.version})")
