"""Rendering pages: one Jinja2 environment, the signed-in person and one-shot notices.

A notice ("已上传 2 个文件") survives the redirect after a form in a short-lived cookie; it is
escaped like any other text when shown, so a forged cookie can only change what its own
browser displays.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.exc import SQLAlchemyError

from reports.render import file_size
from workflow import clock
from workflow.domain.states import display_state
from workflow.errors import ZonecheckError
from workflow.web.security import CSRF_FIELD, Viewer, zc_app

TEMPLATES = Path(__file__).parent / "templates"
FLASH_COOKIE = "zc_flash"
NOTICE_MAX = 350  # characters


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local_time"] = clock.local_time
    env.filters["file_size"] = file_size
    env.filters["points"] = points
    env.globals["csrf_field"] = CSRF_FIELD
    env.globals["display_state"] = display_state  # 整改中 decided once, in the domain
    return env


def points(value: Decimal | None) -> str:
    """Points as written by hand: 100, 23.4, 0.5 (never 1E+2 or 23.40); "—" for none."""
    return "—" if value is None else format(value.normalize(), "f")


ENV = make_environment()


def render(
    request: Request,
    template: str,
    viewer: Viewer | None,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    flash = _read_flash(request)
    html = ENV.get_template(template).render(
        request=request,
        viewer=viewer,
        csrf_token=viewer.csrf_token if viewer else "",
        flash=flash,
        inbox_unread=_inbox_unread(request, viewer),
        **context,
    )
    response = HTMLResponse(html, status_code=status_code)
    if flash is not None:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def _inbox_unread(request: Request, viewer: Viewer | None) -> int | None:
    """The header's unread count (an indexed count of one person's rows); None when nobody is
    signed in or the database cannot answer (the error page of that must still render)."""
    if viewer is None:
        return None
    from workflow.read.inbox import unread_count  # the read side imports the services

    try:
        return unread_count(zc_app(request).uow(), viewer.actor)
    except (SQLAlchemyError, ZonecheckError):
        return None


def redirect(url: str, message: str | None = None, *, kind: str = "ok") -> RedirectResponse:
    """303 See Other after a form, with an optional notice for the next page."""
    response = RedirectResponse(url, status_code=303)
    if message:
        # Percent-encoded Chinese takes 9 bytes a character; browsers drop cookies over ~4 KB.
        text = message if len(message) <= NOTICE_MAX else message[: NOTICE_MAX - 1] + "…"
        value = quote(json.dumps({"kind": kind, "text": text}, ensure_ascii=False))
        # Marked Secure on its way out, like every cookie (SecurityHeaders, from the settings).
        response.set_cookie(FLASH_COOKIE, value, max_age=60, path="/", httponly=True, samesite="lax")
    return response


def _read_flash(request: Request) -> dict[str, str] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        data = json.loads(unquote(raw))
        return {"kind": str(data.get("kind", "ok")), "text": str(data["text"])}
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
