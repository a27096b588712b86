"""The web application: pages for units and the office, and the JSON API, over the services.

`create_app()` wires settings → engine → routes. Every error a person can cause becomes a
Chinese page (or a JSON error under /api/); anything unexpected is logged with its traceback
on the server and shown only as "服务器内部错误" with a reference number.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from workflow.bootstrap import App, bootstrap
from workflow.config import Settings
from workflow.errors import Conflict, DatabaseError, InputError, NotFound, Refused, ZonecheckError
from workflow.web import routes
from workflow.web.input_text import refuse_unstorable_text
from workflow.web.path_ids import refuse_unbounded_ids
from workflow.web.security import (
    BodyLimit,
    CsrfRejected,
    NotSignedIn,
    SecurityHeaders,
    SignInFirst,
    not_signed_in,
    optional_viewer,
)
from workflow.web.templating import render

log = logging.getLogger("zonecheck.web")

STATIC = Path(__file__).parent / "static"
API_PREFIX = "/api/v1"


def status_of(error: ZonecheckError) -> int:
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Refused):
        return 403
    if isinstance(error, Conflict):
        return 409
    if isinstance(error, DatabaseError):
        return 503
    if isinstance(error, InputError):
        return 400
    return 400


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(request: Request, status: int, message: str, *, code: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
    viewer = getattr(request.state, "viewer", None)
    return render(request, "error.html", viewer, status_code=status, status=status, message=message)


def create_app(settings: Settings | None = None, *, zc: App | None = None) -> FastAPI:
    zc = zc or bootstrap(settings)
    zc.require_current_schema()
    app = FastAPI(
        title="zonecheck",
        dependencies=[Depends(refuse_unbounded_ids), Depends(refuse_unstorable_text)],
        summary="知识产权保护示范区建设方案:任务清单、自查与验收",
        version="1",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # Swagger UI would load scripts from a CDN; the JSON description is enough
        redoc_url=None,
    )
    app.state.zc = zc
    # Outermost last: headers on every answer, then the session, then the body's size.
    app.add_middleware(BodyLimit, upload_bytes=zc.settings.max_upload_bytes)
    app.add_middleware(SignInFirst)
    app.add_middleware(SecurityHeaders, hsts=False, secure_cookies=zc.settings.cookie_secure)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in routes.ROUTERS:
        app.include_router(router)
    _install_error_handlers(app)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def not_signed_in_handler(request: Request, exc: NotSignedIn) -> Response:
        return not_signed_in(request)

    @app.exception_handler(CsrfRejected)
    async def csrf_rejected(request: Request, exc: CsrfRejected) -> Response:
        message = "页面已过期或请求来源不明(CSRF 校验未通过),未执行任何操作;请刷新页面后重试"
        return error_response(request, 403, message, code="csrf")

    @app.exception_handler(ZonecheckError)
    async def domain_error(request: Request, exc: ZonecheckError) -> Response:
        # The refusal's own code (not_started, recuse, …); another zone's object is answered
        # exactly as a missing one, code included.
        code = "notfound" if isinstance(exc, NotFound) else exc.code
        return error_response(request, status_of(exc), str(exc), code=code)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code in (404, 405) and not _wants_json(request):
            # No route ran, so nobody looked up the session: do it for the page's header.
            await optional_viewer(request)
        messages = {
            400: "请求内容无法解析:应为有效的 JSON 或表单",
            404: "找不到该页面",
            405: "不支持该请求方式",
            413: "请求过大",
        }
        message = exc.detail if isinstance(exc.detail, str) and not exc.detail.isascii() else None
        message = message or messages.get(exc.status_code, "请求无法处理")
        response = error_response(request, exc.status_code, message, code=f"http_{exc.status_code}")
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 422, validation_message(exc), code="invalid_request")

    @app.exception_handler(OperationalError)
    async def database_down(request: Request, exc: OperationalError) -> Response:
        ref = _log_failure(request, exc)
        message = f"数据库暂时无法访问,未写入任何内容;请稍后重试(编号 {ref})"
        return error_response(request, 503, message, code="database_unavailable")

    @app.exception_handler(SQLAlchemyError)
    async def database_error(request: Request, exc: SQLAlchemyError) -> Response:
        ref = _log_failure(request, exc)
        return error_response(
            request, 500, f"数据库操作失败,未写入任何内容(编号 {ref})", code="database_error"
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        ref = _log_failure(request, exc)
        return error_response(
            request, 500, f"服务器内部错误,已记录(编号 {ref});请稍后重试或联系管理员", code="internal"
        )


FIELD_NAMES = {
    "body": "请求内容",
    "query": "查询参数",
    "path": "地址",
    "header": "请求头",
    "cookie": "Cookie",
    "form": "表单",
}


def validation_message(exc: RequestValidationError) -> str:
    """FastAPI's English validation errors as one Chinese sentence naming each field."""
    parts = []
    for error in exc.errors()[:5]:
        loc = [str(x) for x in error.get("loc", ())]
        where = FIELD_NAMES.get(loc[0], loc[0]) if loc else "请求"
        field = ".".join(loc[1:]) if len(loc) > 1 else ""
        kind = error.get("type", "")
        if kind == "missing":
            what = "缺少此项"
        elif kind.startswith(("int", "float", "decimal")):
            what = "应为数字"
        elif kind.startswith("date"):
            what = "应为 YYYY-MM-DD 格式的日期"
        elif kind.startswith(("string_too_long", "too_long")):
            what = "内容过长"
        elif kind.startswith(("string_too_short", "too_short")):
            what = "内容过短"
        elif kind.startswith(("greater_than", "less_than")):
            what = "超出允许范围"
        elif kind.startswith("enum") or kind == "literal_error":
            what = "取值不在允许范围内"
        elif kind == "unstorable_text":
            what = str(error.get("msg", ""))
        elif kind == "value_error" and not str(error.get("ctx", {}).get("error", "")).isascii():
            what = str(error["ctx"]["error"])  # our own validators explain in Chinese
        else:
            what = "格式不正确"
        parts.append(f"{where} {field}:{what}" if field else f"{where}:{what}")
    return "请求有误:" + ";".join(parts)


def _log_failure(request: Request, exc: BaseException) -> str:
    ref = secrets.token_hex(4)
    log.error("request %s %s failed (ref %s)", request.method, request.url.path, ref, exc_info=exc)
    return ref


def app_factory() -> FastAPI:
    """For `uvicorn --factory` (several workers): settings from the environment."""
    logging.basicConfig(level=logging.INFO)
    return create_app()
