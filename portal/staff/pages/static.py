"""The staff interface's own CSS, script, icons and web app manifest (nothing is loaded from the internet;
the manifest makes it installable on a phone, so a leader can approve from the home screen)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

router = APIRouter(prefix="/staff", include_in_schema=False)
STATIC = Path(__file__).parents[1] / "static"
MEDIA = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".png": "image/png",
    ".webmanifest": "application/manifest+json; charset=utf-8",
}


@router.get("/static/{name}")
async def static(name: str) -> FileResponse:
    path = STATIC / name
    if "/" in name or path.suffix not in MEDIA or not path.is_file():
        raise HTTPException(404, "Không có tệp này")
    return FileResponse(path, media_type=MEDIA[path.suffix], headers={"Cache-Control": "max-age=300"})
