"""The JSON API under /api/v1, described by OpenAPI at /api/v1/openapi.json.

For other government systems: sign in with POST /api/v1/session, then send
`Authorization: Bearer <token>`. Browsers may use their session cookie instead (unsafe methods
then need the `X-CSRF-Token` header). Every route is a thin layer over the same services the
CLI and the pages use, called with the signed-in actor and the ids in the address: one action
is one service call, in one transaction that also checks the person may open the object (a
refusal is audited like any refused change, and answered with its code).

One module per resource; the order they are included in is the order of the description.
"""

from __future__ import annotations

from fastapi import APIRouter

from workflow.web.api_models import error_responses
from workflow.web.routes.api import evidence, indicators, measures, plans, session

router = APIRouter(prefix="/api/v1", tags=["api"], responses=error_responses(400, 422))
router.include_router(session.public)
for resource in (session, plans, measures, evidence, indicators):
    router.include_router(resource.router)

__all__ = ["router"]
