"""Evidence files: download, and inline view (PDF and images) for the review pages to frame.

Every request goes through `access.open_evidence` (refusals audited). The type sent is the
one the store detected from the content, never the uploaded name, and the name only ever
reaches the headers percent-encoded (RFC 5987) or reduced to safe ASCII.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

from workflow.errors import NotFound
from workflow.services import access
from workflow.services.worklist import INLINE_TYPES
from workflow.web.security import AppDep, ViewerDep
from workflow.web.templating import redirect

router = APIRouter(include_in_schema=False)

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "ofd": "application/ofd",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "wps": "application/vnd.ms-works",
    "jpg": "image/jpeg",
    "png": "image/png",
    "zip": "application/zip",
}
MISSING_BLOB = "佐证材料#{id}“{name}”的文件缺失,请联系管理员运行 zonecheck evidence verify"
# A framed file may show itself and nothing else: no scripts, no requests, no navigation.
# Chromium's PDF viewer needs inline styles; sandbox keeps the document in an opaque origin.
INLINE_POLICY = (
    "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'"
)
_UNSAFE_ASCII = re.compile(r'[^\x20-\x7e]|["\\;]')


def content_disposition(kind: str, name: str) -> str:
    """`attachment`/`inline` with an ASCII fallback name and the exact UTF-8 name (RFC 6266)."""
    # Compatibility decomposition keeps the ASCII part of accented letters (é → e).
    ascii_name = unicodedata.normalize("NFKD", name)
    ascii_name = "".join(c for c in ascii_name if not unicodedata.combining(c))
    fallback = re.sub(r"_+", "_", _UNSAFE_ASCII.sub("_", ascii_name)).strip(" ") or "file"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _file_of(zc: AppDep, viewer: ViewerDep, evidence_id: int, action: str) -> access.EvidenceFile:
    found = access.open_evidence(zc.uow(), viewer.actor, evidence_id, action=action)
    if found.kind != "file" or not found.sha256:
        what = "链接" if found.kind == "link" else "说明"
        raise NotFound(f"佐证材料#{evidence_id} 是{what},没有可下载的文件")
    return found


def _send(zc: AppDep, found: access.EvidenceFile, disposition: str, headers: dict[str, str]) -> Response:
    assert found.sha256 is not None
    path = zc.store.path_of(found.sha256)
    if not path.is_file():
        raise NotFound(MISSING_BLOB.format(id=found.id, name=found.file_name))
    return FileResponse(
        path,
        media_type=MEDIA_TYPES.get(found.media_type or "", "application/octet-stream"),
        headers={
            "Content-Disposition": content_disposition(disposition, found.file_name),
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            **headers,
        },
    )


@router.get("/evidence/{evidence_id}/file")
def download(zc: AppDep, viewer: ViewerDep, evidence_id: int) -> Response:
    found = _file_of(zc, viewer, evidence_id, "evidence_download")
    return _send(
        zc,
        found,
        "attachment",
        {"Content-Security-Policy": "sandbox; default-src 'none'", "X-Frame-Options": "DENY"},
    )


@router.get("/evidence/{evidence_id}/view")
def view(zc: AppDep, viewer: ViewerDep, evidence_id: int) -> Response:
    found = _file_of(zc, viewer, evidence_id, "evidence_view")
    if found.media_type not in INLINE_TYPES:
        # Word, Excel, ZIP …: a browser cannot show them, so it gets the download.
        return redirect(f"/evidence/{evidence_id}/file")
    return _send(
        zc,
        found,
        "inline",
        {"Content-Security-Policy": INLINE_POLICY, "X-Frame-Options": "SAMEORIGIN"},
    )
