"""Evidence: uploading it to a measure's checklist item, its metadata, its file."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Form
from fastapi.responses import FileResponse
from sqlalchemy import select

from workflow.bootstrap import App
from workflow.models import Measure
from workflow.services import access, evidence
from workflow.web import downloads
from workflow.web.api_models import EvidenceAdded, EvidenceMeta, error_responses
from workflow.web.routes.api.common import OBJECT_ERRORS, Files, Id, Links, Note, signed_in, uploads
from workflow.web.security import AppDep, ViewerDep

router = signed_in()


DocDate = Annotated[dt.date | None, Form(description="成文日期;不填为今天")]


def _version(zc: App, measure_id: int) -> int:
    """The measure's version after the upload, for the client's next expected_version."""
    with zc.uow() as uow:
        return int(uow.session.execute(select(Measure.version_id).where(Measure.id == measure_id)).scalar_one())


@router.post(
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
    new = evidence.NewEvidence(
        files=uploads(files), links=list(link or []), note=note, doc_date=doc_date
    )
    views = evidence.add_evidence(zc.uow(), zc.store, viewer.actor, measure_id, item=item, new=new)
    return EvidenceAdded(
        measure_id=measure_id,
        version=_version(zc, measure_id),
        evidence=[EvidenceMeta.of(v) for v in views],
    )


@router.get(
    "/evidence/{evidence_id}",
    summary="佐证材料信息(含 sha256)",
    response_model=EvidenceMeta,
    responses=OBJECT_ERRORS,
)
def evidence_meta(evidence_id: Id, viewer: ViewerDep, zc: AppDep) -> Any:
    return EvidenceMeta.of(access.open_evidence(zc.uow(), viewer.actor, evidence_id, action="evidence_view"))


@router.get(
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
