"""The routes of the FastAPI app, inside included routers too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def walk_routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(full path, route) of every route. FastAPI keeps each included router as one entry,
    with the prefix it was included under."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from walk_routes(included.routes, prefix + route.include_context.prefix)
        else:
            yield prefix + route.path, route
