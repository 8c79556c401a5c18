"""Server-rendered pages of the ops portal (Jinja2), in Vietnamese or English, one module per area.

`router` gathers the areas' routers; `kit` holds what they share (templates, menu, role checks).
"""

from __future__ import annotations

from fastapi import APIRouter

from portal.ops.pages import (
    adapters,
    audit,
    catalogue,
    certificates,
    dead_letters,
    login,
    messages,
    orgchart,
    overview,
    refusals,
    routes,
    settings,
    simulators,
    users,
)

router = APIRouter(include_in_schema=False)
for area in (
    login,
    overview,
    routes,
    messages,
    dead_letters,
    refusals,
    adapters,
    simulators,
    catalogue,
    audit,
    users,
    orgchart,
    certificates,
    settings,
):
    router.include_router(area.router)
