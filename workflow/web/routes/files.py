"""Evidence files: download, and inline view (PDF and images) for the review pages to frame.

Every request goes through `access.open_evidence` (refusals audited); `downloads` sends the
file with the stored type and safe headers.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from workflow.read.worklist import INLINE_TYPES
from workflow.services import access
from workflow.web.downloads import evidence_file
from workflow.web.security import AppDep, ViewerDep
from workflow.web.templating import redirect

router = APIRouter(include_in_schema=False)


@router.get("/evidence/{evidence_id}/file")
def download(zc: AppDep, viewer: ViewerDep, evidence_id: int) -> Response:
    found = access.open_evidence(zc.uow(), viewer.actor, evidence_id, action="evidence_download")
    return evidence_file(zc, found)


@router.get("/evidence/{evidence_id}/view")
def view(zc: AppDep, viewer: ViewerDep, evidence_id: int) -> Response:
    found = access.open_evidence(zc.uow(), viewer.actor, evidence_id, action="evidence_view")
    if found.kind == "file" and found.media_type not in INLINE_TYPES:
        # Word, Excel, ZIP …: a browser cannot show them, so it gets the download.
        return redirect(f"/evidence/{evidence_id}/file")
    return evidence_file(zc, found, inline=True)
