"""Staff web interface (e-office) under /staff: clerks, leaders, unit heads and officers."""

from __future__ import annotations

from fastapi import APIRouter


def router() -> APIRouter:
    """All staff pages, the signing API and the static files, to include in the portal's app."""
    from portal.staff import pages, signing

    r = APIRouter()
    r.include_router(pages.router)
    r.include_router(signing.build_router())
    return r
