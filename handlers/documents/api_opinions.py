"""Documents API: requests for opinions (xin ý kiến, góp ý) on a document, the answers, the deadline's
extension, the round's close and its XLSX summary."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from handlers.documents import opinions
from handlers.documents.api_common import FILE_RESPONSES, SOURCE, STAFF, download
from hub.auth import CurrentPrincipal, require_roles
from hub.web import HubDep, transaction

router = APIRouter()


class AskBody(BaseModel):
    """Whom to ask (people, units: their people), what, by when."""

    question: str = Field(min_length=1, max_length=2000)
    deadline: date
    user_ids: list[str] = Field(default_factory=list, max_length=200)
    unit_ids: list[str] = Field(default_factory=list, max_length=50)


class AnswerBody(BaseModel):
    answer: Literal["agree", "disagree", "other"]
    comment: str = Field(default="", max_length=4000)


class ExtendBody(BaseModel):
    deadline: date


class AnswerOut(BaseModel):
    user_id: str
    name: str
    unit: str
    answer: str | None = Field(description="agree, disagree, other; none: not answered yet")
    answer_label: str
    comment: str
    answered_at: datetime | None


class RoundOut(BaseModel):
    """A request for opinions with its answers and their counts (agree, disagree, other, waiting)."""

    id: str
    document_id: str
    asked_by: str
    asked_by_name: str
    question: str
    deadline: date
    created_at: datetime
    units: list[str]
    extensions: list[dict[str, Any]]
    closed: bool
    overdue: bool
    answers: list[AnswerOut]
    counts: dict[str, int]


class WaitingOut(BaseModel):
    request_id: str
    document_id: str
    subject: str
    question: str
    deadline: date
    asked_by_name: str


class RequestOut(BaseModel):
    id: str
    document_id: str
    deadline: date


@router.get("/opinions/waiting", dependencies=[require_roles(*STAFF)])
async def waiting(hub: HubDep, principal: CurrentPrincipal) -> list[WaitingOut]:
    """The requests for opinions waiting for the caller's answer, soonest deadline first."""
    async with hub.db.session() as s:
        found = await opinions.waiting_for(s, principal)
    return [WaitingOut.model_validate(w, from_attributes=True) for w in found]


@router.get("/opinions/{request_id}.xlsx", dependencies=[require_roles(*STAFF)], responses=FILE_RESPONSES)
async def export(hub: HubDep, principal: CurrentPrincipal, request_id: str) -> Response:
    """The summary of one round as XLSX."""
    async with hub.db.session() as s:
        return download(await opinions.export(s, principal, request_id))


@router.post("/opinions/{request_id}/answer", dependencies=[require_roles(*STAFF)])
async def answer(
    request: Request, principal: CurrentPrincipal, request_id: str, body: AnswerBody
) -> RequestOut:
    """The addressee answers (or changes the answer) until the deadline."""
    async with transaction(request, SOURCE, principal.id) as work:
        await opinions.answer(work, principal, request_id, body.answer, body.comment)
        found = await opinions.request_of(work.session, request_id)
    return RequestOut(id=found.id, document_id=found.document_id, deadline=found.deadline)


@router.post("/opinions/{request_id}/extend", dependencies=[require_roles(*STAFF)])
async def extend(
    request: Request, principal: CurrentPrincipal, request_id: str, body: ExtendBody
) -> RequestOut:
    """The asker (or a leader) moves the deadline later; who has not answered is told."""
    async with transaction(request, SOURCE, principal.id) as work:
        found = await opinions.extend(work, principal, request_id, body.deadline)
    return RequestOut(id=found.id, document_id=found.document_id, deadline=found.deadline)


@router.post("/opinions/{request_id}/close", dependencies=[require_roles(*STAFF)])
async def close(request: Request, principal: CurrentPrincipal, request_id: str) -> RequestOut:
    """The asker (or a leader) ends the round."""
    async with transaction(request, SOURCE, principal.id) as work:
        found = await opinions.close(work, principal, request_id)
    return RequestOut(id=found.id, document_id=found.document_id, deadline=found.deadline)


@router.get("/{document_id}/opinions", dependencies=[require_roles(*STAFF)])
async def of_document(hub: HubDep, principal: CurrentPrincipal, document_id: str) -> list[RoundOut]:
    """The document's requests for opinions, newest first (404 to who may not read the document)."""
    async with hub.db.session() as s:
        found = await opinions.rounds(s, principal, document_id)
    return [RoundOut.model_validate(r, from_attributes=True) for r in found]


@router.post("/{document_id}/opinions", status_code=201, dependencies=[require_roles(*STAFF)])
async def ask(request: Request, principal: CurrentPrincipal, document_id: str, body: AskBody) -> RequestOut:
    """Ask people and units for their opinion on the document; each is told and may read it."""
    async with transaction(request, SOURCE, principal.id) as work:
        found = await opinions.ask(
            work,
            principal,
            document_id,
            question=body.question,
            deadline=body.deadline,
            user_ids=body.user_ids,
            unit_ids=body.unit_ids,
        )
    return RequestOut(id=found.id, document_id=found.document_id, deadline=found.deadline)
