"""Public web form for complaints, denunciations and petitions: no login, rate-limited per client IP."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, Field

from handlers.complaints import service
from schemas.complaints import CaseKind, SubmitCase, Submitter

if TYPE_CHECKING:
    from handlers.complaints import ComplaintsModule


class WebForm(BaseModel):
    """What a citizen fills in on the portal."""

    kind: CaseKind | None = None
    subject: str = Field(min_length=3, max_length=500)
    content: str = Field(min_length=10, max_length=20000)
    submitter: Submitter
    respondent: str | None = Field(default=None, max_length=300)


def build_public_router(module: ComplaintsModule) -> APIRouter:
    router = APIRouter(prefix="/complaints", tags=["complaints-public"])

    @router.post("/web-form", status_code=201)
    async def web_form(body: WebForm, request: Request) -> dict[str, Any]:
        """File a case from the public web form; answers the case number and the acceptance deadline."""
        client = request.client.host if request.client else "unknown"
        wait = module.limiter.hit(client)
        if wait > 0:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                "Quá nhiều lượt gửi đơn, vui lòng thử lại sau",
                headers={"Retry-After": str(math.ceil(wait))},
            )
        sub = SubmitCase(channel="web", **body.model_dump())
        hub = request.app.state.hub
        async with hub.transaction(source="complaints") as tx:
            c = await service.submit(tx, sub, when=module.now(), by=None, intake_unit=module.intake_unit)
        return {
            "number": c.number,
            "received_on": c.received_on,
            "message": f"Đơn của Ông/Bà đã được tiếp nhận, số {c.number}. "
            f"Cơ quan sẽ xem xét thụ lý và thông báo trước ngày {service.vn(c.acceptance_due)}.",
        }

    return router
