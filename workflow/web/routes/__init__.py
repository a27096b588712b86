"""Every router of the web application, in the order they are mounted."""

from __future__ import annotations

from fastapi import APIRouter

from workflow.web.routes import (
    api,
    auth,
    expert,
    extensions,
    files,
    inbox,
    office,
    office_admin,
    office_corrections,
    office_formal,
    office_index,
    office_jobs,
    office_messages,
    office_panel,
    office_reports,
    office_review,
    site_checks,
    unit,
)

ROUTERS: list[APIRouter] = [
    auth.router,
    unit.router,
    expert.router,
    office.router,
    office_review.router,
    office_admin.router,
    office_corrections.router,
    office_reports.router,
    office_jobs.router,
    office_formal.router,
    extensions.router,
    office_index.router,
    office_panel.router,
    site_checks.router,
    inbox.router,
    office_messages.router,
    files.router,
    api.router,
]
