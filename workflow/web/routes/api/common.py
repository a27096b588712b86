"""What the API's resources share: the signed-in router, path parameters, error responses."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Security, UploadFile
from fastapi.security import HTTPBearer

from workflow.bootstrap import App
from workflow.errors import Refused
from workflow.services import accounts
from workflow.services.evidence import Upload
from workflow.web.api_models import MAX_ID, NO_NUL, Text, error_responses
from workflow.web.security import Viewer

# Declares the bearer token in the OpenAPI description; the check itself is ViewerDep's (which
# also accepts the browser's session cookie, so a missing header is no error here).
bearer = HTTPBearer(auto_error=False, description="POST /api/v1/session 取得的令牌")

Id = Annotated[int, Path(ge=1, le=MAX_ID, description="编号", examples=[3])]
ItemNumber = Annotated[int, Path(ge=1, le=10_000, description="指标序号", examples=[1])]

OBJECT_ERRORS = error_responses(403, 404)
ACTION_ERRORS = error_responses(400, 403, 404, 409)

# Evidence arrives with a measure's checklist item or with an indicator's value.
Links = Annotated[list[Text] | None, Form(description="网页链接(可多个)")]
Files = Annotated[list[UploadFile] | None, File(description="佐证文件(可多个)")]
Note = Annotated[str, Form(max_length=20_000, pattern=NO_NUL, description="说明")]


def uploads(files: list[UploadFile] | None) -> list[Upload]:
    # A multipart field sent empty (no file chosen) arrives as a nameless, empty part.
    return [Upload(name=f.filename or "", stream=f.file) for f in files or [] if f.filename]


def signed_in() -> APIRouter:
    """A router for routes of a signed-in person: known from the token (or the browser's
    cookie). Every route but signing in."""
    return APIRouter(dependencies=[Security(bearer)], responses=error_responses(401))


def office_only(zc: App, viewer: Viewer, action: str, target: str, what: str) -> None:
    """Unit members get 403 for the office's lists, and the attempt is audited."""
    if viewer.is_office:
        return
    reason = f"{viewer.actor.describe()}不是领导小组办公室人员,无权查看{what}"
    accounts.record_refusal(zc.uow(), viewer.actor, action, target, reason)
    raise Refused(reason, code="not_office")
