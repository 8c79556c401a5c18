"""Public dossier look-up by code: no login, rate-limited per client IP, status and dates only."""

from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel

from handlers.intake.service import STATUS_LABELS, NotFound, find, public_status

if TYPE_CHECKING:
    from handlers.intake import IntakeModule


class PublicDossier(BaseModel):
    """What anyone holding the code may see: no name, no contact, no documents."""

    code: str
    procedure_name: str
    status: str
    status_label: str
    received_on: date
    appointment_date: date | None
    rescheduled: bool
    result_ready_on: date | None
    returned_on: date | None


def build_public_router(module: IntakeModule) -> APIRouter:
    router = APIRouter(prefix="/intake", tags=["intake-public"])

    @router.get("/lookup/{code}", response_model=PublicDossier)
    async def lookup(code: str, request: Request) -> PublicDossier:
        """Look a dossier up by its code (tra cứu hồ sơ)."""
        client = request.client.host if request.client else "unknown"
        wait = module.limiter.hit(client)
        if wait > 0:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                "Quá nhiều lượt tra cứu, vui lòng thử lại sau",
                headers={"Retry-After": str(math.ceil(wait))},
            )
        hub = request.app.state.hub
        async with hub.db.session() as s:
            try:
                d = await find(s, code.strip())
            except NotFound:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"Không tìm thấy hồ sơ mã {code}") from None
        shown = public_status(d, module.today())
        return PublicDossier(
            code=d.code,
            procedure_name=d.procedure_name,
            status=shown,
            status_label=STATUS_LABELS[shown],
            received_on=d.received_on,
            appointment_date=d.due_date,
            rescheduled=d.original_due_date is not None and d.due_date != d.original_due_date,
            result_ready_on=d.result_ready_on,
            returned_on=d.returned_on,
        )

    return router
