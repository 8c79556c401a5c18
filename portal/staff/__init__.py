"""Staff web interface (e-office) under /staff: clerks, leaders, unit heads and officers."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

STATIC = Path(__file__).parent / "static"
MEDIA = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


def router() -> APIRouter:
    """All staff pages, the signing API and the static files, to include in the portal's app."""
    from portal.staff import signing, views

    r = APIRouter()
    r.include_router(views.build_router())
    r.include_router(signing.build_router())

    @r.get("/staff/static/{name}", include_in_schema=False)
    async def static(name: str) -> FileResponse:
        path = STATIC / name
        if "/" in name or path.suffix not in MEDIA or not path.is_file():
            raise HTTPException(404, "Không có tệp này")
        return FileResponse(path, media_type=MEDIA[path.suffix], headers={"Cache-Control": "max-age=300"})

    return r
