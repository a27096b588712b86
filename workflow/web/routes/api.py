"""The JSON API under /api/v1, described by OpenAPI at /api/v1/openapi.json."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from workflow.web.security import ViewerDep

router = APIRouter(prefix="/api/v1", tags=["api"])


class Me(BaseModel):
    name: str
    role: str
    unit: str | None


@router.get("/me", summary="当前登录人员", response_model=Me)
async def me(viewer: ViewerDep) -> Me:
    actor = viewer.actor
    return Me(name=actor.name, role=actor.role.value, unit=actor.unit_name)
