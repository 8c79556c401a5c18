"""What the documents API routes share: the module's context for this request's hub, role groups,
uploads within the size limit, and files handed out as downloads."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, UploadFile
from fastapi.responses import Response

from handlers.documents import DocumentsModule
from handlers.documents.context import Context
from handlers.documents.exports import Download
from hub import files
from hub.orgchart import CLERK, LEADER, OFFICER, UNIT_HEAD
from hub.web import module_of

STAFF = (CLERK, LEADER, UNIT_HEAD, OFFICER)
SOURCE = "documents"


def context_of(request: Request) -> Context:
    """The documents service context of the hub behind this request."""
    return module_of(request, "documents", DocumentsModule).ctx


ContextDep = Annotated[Context, Depends(context_of)]


async def read_upload(file: UploadFile, ctx: Context, kinds: frozenset[str] | None = files.PDF_ONLY) -> bytes:
    """The uploaded file's content, read in chunks and refused (413) past the size limit, and refused
    (422) when its content is not one of `kinds` (a draft or a scan: PDF only; None: the caller types
    it, as the appendices' own check does)."""
    limit = files.upload_limit(ctx.settings.max_upload_mb)
    if kinds is None:
        return await files.read_limited(file, limit)
    data, _ = await files.read_upload(file, limit, kinds)
    return data


def download(file: Download) -> Response:
    """A file as an attachment, its name kept in UTF-8."""
    return files.stored_file(file.data, file.filename, declared=file.media_type, inline=False)


FILE_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "content": {
            "application/pdf": {},
            "application/xml": {},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
        }
    }
}
