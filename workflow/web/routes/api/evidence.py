"""Evidence: uploading it to a measure's checklist item, its metadata, its file."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Form
from fastapi.responses import FileResponse
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from workflow.bootstrap import App
from workflow.errors import NotFound
from workflow.models import Evidence, Measure
from workflow.services import access, evidence
from workflow.web import downloads
from workflow.web.api_models import EvidenceAdded, EvidenceMeta, error_responses
from workflow.web.routes.api.common import OBJECT_ERRORS, Files, Id, Links, Note, signed_in, uploads
from workflow.web.security import AppDep, ViewerDep

router = signed_in()


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
        evidence=[_evidence_meta(v, measure_id) for v in views],
    )


@router.get(
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
