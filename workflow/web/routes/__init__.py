"""Every router of the web application, in the order they are mounted."""

from __future__ import annotations

from fastapi import APIRouter

from workflow.web.routes import api, auth, files, office, unit

ROUTERS: list[APIRouter] = [auth.router, unit.router, office.router, files.router, api.router]
