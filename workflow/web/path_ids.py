"""Numbers in a page's address bounded before any route looks them up.

The API declares its ids `Path(ge=1, le=MAX_ID)`; the pages take plain `int` path parameters, so
/measures/99999999999999999999/start reached the database: a 500 on SQLite (OverflowError: no
SQLite integer holds it), a 404 on PostgreSQL (compared as a numeric). Now a 422 on both, from
one app-wide check, so a new route is covered without anyone remembering to; a number in range
goes on to the route (a missing object is still the 404 it was).
"""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError

from workflow.web.api_models import MAX_ID

_INT = TypeAdapter(int)  # reads a path parameter as the route's own `int` would


async def refuse_unbounded_ids(request: Request) -> None:
    """Raises a RequestValidationError (422) for a path number past the integer columns."""
    for name, value in request.path_params.items():
        try:
            number = _INT.validate_python(value)
        except ValidationError:
            continue  # not a number: the route's own validation answers (a 422 or a notice)
        if not -MAX_ID <= number <= MAX_ID:
            raise RequestValidationError(
                [{"type": "less_than_equal", "loc": ("path", name), "msg": "out of range", "input": None}]
            )
