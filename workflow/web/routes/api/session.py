"""Signing in and out of the API, and who is signed in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from workflow.services import accounts
from workflow.web.api_models import Me, SessionOut, SessionRequest, error_responses
from workflow.web.routes.api.common import signed_in
from workflow.web.security import SESSION_COOKIE, AppDep, ViewerDep, bearer_token

public = APIRouter()  # signing in is the one route without a token
router = signed_in()


@public.post(
    "/session",
    summary="登录,取得访问令牌",
    status_code=201,
    response_model=SessionOut,
    responses=error_responses(401, 429),
)
def open_session(body: SessionRequest, request: Request, zc: AppDep) -> Any:
    client = request.client.host if request.client else ""
    try:
        signed = accounts.sign_in(
            zc.uow(), body.name, body.password, kind="api", client=client, presented=[bearer_token(request)]
        )
    except accounts.LoginRefused as refused:
        error = {"error": {"code": refused.code, "message": str(refused)}}
        if refused.retry_after:
            # Told to wait: the client should not retry before Retry-After.
            return JSONResponse(
                error, status_code=429, headers={"Retry-After": str(refused.retry_after)}
            )
        return JSONResponse(error, status_code=401, headers={"WWW-Authenticate": "Bearer"})
    actor = signed.actor
    return SessionOut(
        token=signed.token,
        expires_at=signed.expires_at,
        person=Me(name=actor.name, role=actor.role.value, unit=actor.unit_name),
    )


@router.delete("/session", summary="退出登录(令牌作废)", status_code=204, response_class=Response)
def close_session(request: Request, viewer: ViewerDep, zc: AppDep) -> Response:
    token = bearer_token(request) or request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.sign_out(zc.uow(), token)
    return Response(status_code=204)


@router.get("/me", summary="当前登录人员", response_model=Me)
async def me(viewer: ViewerDep) -> Me:
    actor = viewer.actor
    return Me(name=actor.name, role=actor.role.value, unit=actor.unit_name)
