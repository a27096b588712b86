"""Sign in, sign out, and the landing page that sends each person to their own home."""

from __future__ import annotations

import functools
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from workflow.services import accounts
from workflow.web.security import (
    SESSION_COOKIE,
    AppDep,
    CsrfRejected,
    Viewer,
    ViewerDep,
    optional_viewer,
    safe_next,
)
from workflow.web.templating import redirect, render

router = APIRouter(include_in_schema=False)

LOGIN_CSRF_COOKIE = "zc_login_csrf"
# Proof of an earlier sign-in in this browser (accounts.DEVICE_MAX); only the login form sees it.
DEVICE_COOKIE = "zc_device"


def client_of(request: Request) -> str:
    return request.client.host if request.client else ""


def home_of(viewer: Viewer) -> str:
    if viewer.actor.is_expert:
        return "/expert"
    return "/office" if viewer.is_office else "/unit"


@router.get("/")
async def landing(viewer: ViewerDep) -> Response:
    return redirect(home_of(viewer))


@router.get("/login")
async def login_page(
    request: Request,
    viewer: Annotated[Viewer | None, Depends(optional_viewer)],
    next: str = "/",
) -> Response:
    if viewer is not None:
        return redirect(safe_next(next) if next != "/" else home_of(viewer))
    return login_form(request, next=next, name="", error=None)


def login_form(request: Request, *, next: str, name: str, error: str | None, status_code: int = 200) -> Response:
    """The form with a fresh pre-session CSRF token (double submit: cookie and hidden field)."""
    token = secrets.token_urlsafe(32)
    response = render(
        request, "login.html", None, status_code=status_code,
        next=safe_next(next), name=name, error=error, login_csrf=token,
    )
    secure = request.app.state.zc.settings.cookie_secure
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, path="/login", secure=secure, httponly=True, samesite="strict")
    return response


@router.post("/login")
async def login_submit(
    request: Request,
    zc: AppDep,
    name: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=accounts.MAX_PASSWORD_LENGTH)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected.encode(), csrf_token.encode()):
        raise CsrfRejected()
    try:
        signed = await run_in_threadpool(
            functools.partial(
                accounts.sign_in,
                zc.uow(),
                name,
                password,
                client=client_of(request),
                presented=[request.cookies.get(DEVICE_COOKIE), request.cookies.get(SESSION_COOKIE)],
            )
        )
    except accounts.LoginRefused as exc:
        response = login_form(
            request, next=next, name=name, error=str(exc), status_code=429 if exc.retry_after else 401
        )
        if exc.retry_after:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    viewer = Viewer(actor=signed.actor, csrf_token=signed.csrf_token, via_cookie=True)
    target = safe_next(next)
    response = redirect(home_of(viewer) if target == "/" else target)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    response.set_cookie(
        SESSION_COOKIE,
        signed.token,
        max_age=int(accounts.BROWSER_MAX.total_seconds()),
        path="/",
        secure=zc.settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )
    if signed.device_token is not None:
        response.set_cookie(
            DEVICE_COOKIE,
            signed.device_token,
            max_age=int(accounts.DEVICE_MAX.total_seconds()),
            path="/login",
            secure=zc.settings.cookie_secure,
            httponly=True,
            samesite="strict",
        )
    return response


@router.post("/logout")
async def logout(request: Request, zc: AppDep, viewer: ViewerDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await run_in_threadpool(accounts.sign_out, zc.uow(), token)
    response = redirect("/login", "已退出登录")
    response.delete_cookie(SESSION_COOKIE, path="/", secure=zc.settings.cookie_secure, httponly=True)
    return response
