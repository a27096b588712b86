"""HTTP side of signing in: the session cookie, bearer tokens, CSRF, and security headers.

The rules (passwords, throttling, who may see what) live in `workflow.services.accounts` and
`workflow.domain.permissions`; this module only carries tokens between HTTP and those services.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import quote, urlsplit

from fastapi import Depends, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workflow.bootstrap import App
from workflow.domain.permissions import Actor
from workflow.services import accounts

SESSION_COOKIE = "zc_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Pages and API answers. Evidence shown inline gets a stricter policy of its own (files.py).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


class NotSignedIn(Exception):
    """No valid session: pages redirect to the login page, the API answers 401."""


class CsrfRejected(Exception):
    """An unsafe request from a browser session without the session's CSRF token."""


@dataclass(frozen=True)
class Viewer:
    """The signed-in person of this request."""

    actor: Actor
    csrf_token: str
    via_cookie: bool  # bearer-token clients are not exposed to CSRF

    @property
    def name(self) -> str:
        return self.actor.name

    @property
    def is_office(self) -> bool:
        return self.actor.is_office


def zc_app(request: Request) -> App:
    app: App = request.app.state.zc
    return app


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


async def optional_viewer(request: Request) -> Viewer | None:
    """Who is signed in, from a bearer token or the session cookie; None if nobody."""
    if hasattr(request.state, "viewer"):
        cached: Viewer | None = request.state.viewer
        return cached
    token = bearer_token(request)
    via_cookie = token is None
    if token is None:
        token = request.cookies.get(SESSION_COOKIE)
    viewer = None
    if token:
        kind: Literal["browser", "api"] = "browser" if via_cookie else "api"
        info = await run_in_threadpool(accounts.session_of, zc_app(request).uow(), token, kind=kind)
        if info is not None:
            viewer = Viewer(actor=info.actor, csrf_token=info.csrf_token, via_cookie=via_cookie)
    request.state.viewer = viewer
    return viewer


async def current_viewer(
    request: Request, viewer: Annotated[Viewer | None, Depends(optional_viewer)]
) -> Viewer:
    """The signed-in person; for unsafe methods from a browser, also checks the CSRF token."""
    if viewer is None:
        raise NotSignedIn()
    if request.method in UNSAFE_METHODS and viewer.via_cookie:
        await check_csrf(request, viewer.csrf_token)
    return viewer


async def check_csrf(request: Request, expected: str) -> None:
    """Synchroniser token: a header (scripts) or the form field (plain forms) must match."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host", ""):
        raise CsrfRejected()
    given = request.headers.get(CSRF_HEADER)
    if given is None and _is_form(request):
        form = await request.form()  # cached by Starlette for the route's own Form parameters
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not given or not secrets.compare_digest(given.encode(), expected.encode()):
        raise CsrfRejected()


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


ViewerDep = Annotated[Viewer, Depends(current_viewer)]
AppDep = Annotated[App, Depends(zc_app)]


def login_redirect_target(request: Request) -> str:
    path = request.url.path
    if request.url.query:
        path += "?" + request.url.query
    return "/login?next=" + quote(path, safe="")


def safe_next(target: str | None) -> str:
    """Only a local path may follow the login (no open redirect to another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


class SecurityHeaders:
    """Adds the headers every answer carries, unless a route set its own (inline evidence),
    and marks every cookie Secure unless the settings say plain HTTP (a test rig): set here, so
    a cookie set anywhere (the one-shot notice, a future one) cannot go out without it."""

    def __init__(self, app: ASGIApp, *, hsts: bool, secure_cookies: bool) -> None:
        self.app = app
        self.hsts = hsts
        self.secure_cookies = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                defaults = [
                    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                ]
                if self.hsts:
                    defaults.append((b"strict-transport-security", b"max-age=31536000"))
                if b"cache-control" not in present:
                    defaults.append((b"cache-control", b"no-store"))
                headers += [(k, v) for k, v in defaults if k not in present]
                if self.secure_cookies:
                    headers = [(k, _secure_cookie(v) if k.lower() == b"set-cookie" else v) for k, v in headers]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _secure_cookie(value: bytes) -> bytes:
    attributes = {part.strip().lower() for part in value.split(b";")[1:]}
    return value if b"secure" in attributes else value + b"; Secure"


# Unsafe requests anyone may send: signing in. Every other one needs a session first.
PUBLIC_WRITES = frozenset({("POST", "/login"), ("POST", "/api/v1/session")})


def not_signed_in(request: Request) -> Response:
    """Pages send the browser to the login page; the API answers 401."""
    if request.url.path.startswith("/api/"):
        return JSONResponse(
            {"error": {"code": "not_signed_in", "message": "未登录或登录已过期,请先登录"}},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    return RedirectResponse(login_redirect_target(request), status_code=303)


class SignInFirst:
    """Answers an unsafe request without a valid session before a byte of its body is read.

    FastAPI reads (and spools to disk) a route's whole form before its dependencies run, so
    without this anyone could make the server take in a 200 MB upload only to be told to sign
    in. The session found is kept for the route (`optional_viewer` reads it from the state).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in UNSAFE_METHODS
            or (scope["method"], scope["path"]) in PUBLIC_WRITES
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope)  # no receive: the body stays unread
        if await optional_viewer(request) is None:
            await not_signed_in(request)(scope, receive, send)
            return
        await self.app(scope, receive, send)


class BodyLimit:
    """Stops reading a request body once it passes the limit and answers 413.

    Applied while the body streams in, so an oversized upload is never written out in full.
    Uploads get the evidence size limit plus room for the form's other fields; anything
    else gets `small`.
    """

    def __init__(self, app: ASGIApp, *, upload_bytes: int, small: int = 1 << 20) -> None:
        self.app = app
        self.upload_bytes = upload_bytes + (1 << 20)
        self.small = small

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        kind = headers.get(b"content-type", b"")
        limit = self.upload_bytes if kind.startswith(b"multipart/form-data") else self.small
        declared = headers.get(b"content-length")
        is_api = str(scope.get("path", "")).startswith("/api/")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit, is_api)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, limited_receive, send)
        except BodyTooLarge:
            await _too_large(send, limit, is_api)


def too_large_message(limit: int) -> str:
    return f"请求过大:单次上传合计不能超过 {limit / (1 << 20):.0f} MB,请分多次上传"


class BodyTooLarge(HTTPException):
    """An HTTPException so FastAPI's body parsing lets it through to the error pages."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=too_large_message(limit))
        self.limit = limit


async def _too_large(send: Send, limit: int, is_api: bool) -> None:
    """Answered before the app sees the request, in the app's own error formats."""
    message = too_large_message(limit)
    if is_api:
        error = {"error": {"code": "http_413", "message": message}}
        body, kind = json.dumps(error, ensure_ascii=False).encode(), b"application/json"
    else:
        body, kind = message.encode(), b"text/plain; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", kind),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
