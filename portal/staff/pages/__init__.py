"""The staff pages under /staff, one module per area; each page shows its main content in one request,
gathered on the server from the modules' APIs (`portal.staff.client.Api`).

`router` gathers the areas' routers; `portal.staff.kit` holds what they share.
"""

from __future__ import annotations

from fastapi import APIRouter

from portal.staff.pages import (
    comments,
    complaints,
    dashboard,
    documents,
    dossiers,
    drafts,
    evaluation,
    home,
    incoming,
    meetings,
    messages,
    notifications,
    onestop,
    opinions,
    projects,
    registers,
    search,
    security,
    static,
    tasks,
    timesheet,
)

AREAS = (
    home,
    documents,
    incoming,
    opinions,
    comments,
    drafts,
    registers,
    dossiers,
    tasks,
    dashboard,
    meetings,
    messages,
    notifications,
    timesheet,
    evaluation,
    complaints,
    projects,
    onestop,
    search,
    security,
    static,
)

router = APIRouter(include_in_schema=False)
for area in AREAS:
    router.include_router(area.router)
