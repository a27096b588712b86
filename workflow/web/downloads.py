"""Sending files: evidence from the store and generated reports, with safe headers.

The type sent is the one the store detected from the content, never the uploaded name, and
the name only ever reaches the headers percent-encoded (RFC 5987) or reduced to safe ASCII.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from fastapi.responses import FileResponse

from workflow.bootstrap import App
from workflow.errors import NotFound
from workflow.read.evidence import EvidenceRow

# What the store records (detected from the content) → the type a download is served as.
EVIDENCE_MEDIA_TYPES = {
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
OCTET_STREAM = "application/octet-stream"
MISSING_BLOB = "佐证材料#{id}“{name}”的文件缺失,请联系管理员运行 zonecheck evidence verify"
# A framed file may show itself and nothing else: no scripts, no requests, no navigation.
# Chromium's PDF viewer needs inline styles; sandbox keeps the document in an opaque origin.
INLINE_POLICY = (
    "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'"
)
_UNSAFE_ASCII = re.compile(r'[^\x20-\x7e]|["\\;]')


def content_disposition(name: str, kind: str = "attachment") -> str:
    """`attachment`/`inline` with an ASCII fallback name and the exact UTF-8 name (RFC 6266)."""
    # Compatibility decomposition keeps the ASCII part of accented letters (é → e).
    ascii_name = unicodedata.normalize("NFKD", name)
    ascii_name = "".join(c for c in ascii_name if not unicodedata.combining(c))
    fallback = re.sub(r"_+", "_", _UNSAFE_ASCII.sub("_", ascii_name)).strip(" ") or "file"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def evidence_file(zc: App, found: EvidenceRow, *, inline: bool = False) -> FileResponse:
    """The stored file of `found` (already authorised), as a download or for a frame."""
    if found.kind != "file" or not found.sha256:
        what = "链接" if found.kind == "link" else "说明"
        raise NotFound(f"佐证材料#{found.id} 是{what},没有可下载的文件")
    missing = MISSING_BLOB.format(id=found.id, name=found.file_name)
    return stored_file(zc, found.sha256, found.media_type, found.file_name, missing, inline=inline)


def stored_file(
    zc: App, sha256: str, media_type: str | None, name: str, missing: str, *, inline: bool = False
) -> FileResponse:
    """A blob of the evidence store (already authorised) as a download or for a frame, served
    as the type the store detected; NotFound saying `missing` when its file is gone."""
    path = zc.store.path_of(sha256)
    if not path.is_file():
        raise NotFound(missing)
    if inline:
        policy = {"Content-Security-Policy": INLINE_POLICY, "X-Frame-Options": "SAMEORIGIN"}
    else:
        policy = {"Content-Security-Policy": "sandbox; default-src 'none'", "X-Frame-Options": "DENY"}
    return FileResponse(
        path,
        media_type=EVIDENCE_MEDIA_TYPES.get(media_type or "", OCTET_STREAM),
        headers={
            "Content-Disposition": content_disposition(name or "未命名文件", "inline" if inline else "attachment"),
            "Cache-Control": "private, no-store",
            **policy,
        },
    )
