"""Refused incoming documents: who sent them, why they were refused, the 02 answered, and their files."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import FileResponse, HTMLResponse
from starlette.background import BackgroundTask

from hub.auth import Principal
from hub.files import FILE_CSP
from hub.web import hub_of
from portal.ops import service
from portal.ops.pages.kit import READER, render

router = APIRouter(include_in_schema=False)
LIST_LIMIT = 500
FILE_NAMES = {"file": "van-ban-bi-tu-choi", "answer": "trang-thai-02-da-gui"}


@router.get("/refusals", response_class=HTMLResponse)
async def refusals(request: Request, principal: Principal = READER) -> HTMLResponse:
    rows = await service.refusals(hub_of(request), LIST_LIMIT)
    return render(request, "refusals.html", principal, rows=rows)


@router.get("/refusals/{message_id}/{which}", response_class=FileResponse)
async def refusal_file(
    request: Request, message_id: str, which: str, principal: Principal = READER
) -> FileResponse:
    """The refused edXML (`file`) or the 02 status we answered (`answer`), as a download (audited)."""
    if which not in FILE_NAMES:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Không có tệp này (no such file)")
    folder = Path(tempfile.mkdtemp(prefix="lt-refusal-"))
    try:
        path = await service.refusal_file(hub_of(request), message_id, which, principal.username, folder)
    except Exception:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if path is None:
        shutil.rmtree(folder, ignore_errors=True)
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Không có tệp này (no such file)")
    safe_id = re.sub(r"[^0-9A-Za-z-]", "", message_id)[:36]
    return FileResponse(
        path,
        media_type="application/xml",
        filename=f"{FILE_NAMES[which]}-{safe_id}.edxml",
        headers={"X-Content-Type-Options": "nosniff", "Content-Security-Policy": FILE_CSP},
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )
