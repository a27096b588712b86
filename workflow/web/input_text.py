"""One check of every text a request carries, before any route reads it.

Query parameters, form fields, the names of uploaded files and every string in a JSON body go
through `workflow.domain.storable`; the first field that holds a character no database can
store is a 422 naming the field, on the pages (a Chinese error page) as on the API. One app-wide
dependency rather than a pattern on each route's parameters, so a new form field is covered
without anyone remembering to.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import UploadFile

from workflow.domain.storable import unstorable

# Fields whose text may run over several lines (the pages' <textarea>s and the API's free
# text); in every other field a tab or line break is refused too.
MULTILINE_FIELDS = frozenset(
    {"checklist", "comment", "levels", "note", "opinion", "parts", "reason", "statement"}
    | {"participants", "documents", "samples", "findings"}  # a 现场核查's form, one entry a line
    | {"text"}  # an expert's or the panel's opinion
)

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

Loc = tuple[str | int, ...]


async def refuse_unstorable_text(request: Request) -> None:
    """Raises a RequestValidationError (422) for the first field with an unstorable character."""
    for loc, text in [*_query_texts(request), *await _body_texts(request)]:
        reason = unstorable(text, multiline=str(loc[-1]) in MULTILINE_FIELDS)
        if reason is not None:
            raise RequestValidationError(
                [{"type": "unstorable_text", "loc": loc, "msg": reason, "input": None}]
            )


def _query_texts(request: Request) -> Iterator[tuple[Loc, str]]:
    for key, value in request.query_params.multi_items():
        yield ("query", key), key  # a forged name is text too
        yield ("query", key), value


async def _body_texts(request: Request) -> list[tuple[Loc, str]]:
    """The strings of the body as the route will see them (Starlette caches the parse)."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return []
    kind = request.headers.get("content-type", "")
    if kind.startswith(FORM_TYPES):
        form = await request.form()
        found: list[tuple[Loc, str]] = []
        for key, value in form.multi_items():
            found.append((("form", key), key))
            text = (value.filename or "") if isinstance(value, UploadFile) else value
            found.append((("form", key), text))
        return found
    if kind.startswith("application/json"):
        try:
            data = await request.json()
        except (ValueError, RecursionError):
            return []  # FastAPI's own parse answers it as the invalid JSON it is
        return _json_strings(data)
    return []


def _json_strings(data: Any) -> list[tuple[Loc, str]]:
    """Every string (keys too) with its place; a loop, not recursion, however deep the body."""
    found: list[tuple[Loc, str]] = []
    pending: list[tuple[Loc, Any]] = [(("body",), data)]
    while pending:
        loc, value = pending.pop()
        if isinstance(value, str):
            found.append((loc, value))
        elif isinstance(value, dict):
            for key, item in value.items():
                found.append((loc + (key,), key))
                pending.append((loc + (key,), item))
        elif isinstance(value, list):
            pending.extend((loc + (i,), item) for i, item in enumerate(value))
    return found
