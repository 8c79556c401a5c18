"""JSON API of signing with the leader's own USB token: prepare the digest, complete with the signature.

The staff page calls these URLs; they check that the draft awaits this leader, then reach the signing
adapter's token API (`/api/signing/token/...`) over the in-process client as the same person. The
signing adapter keeps the sessions and the signed files' links in memory (one process) for now.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from hub.auth import Principal, current_principal
from hub.files import stored_file
from hub.orgchart import LEADER
from portal.staff.client import Answer, Api
from portal.staff.people import acting

PREFIX = "/staff/api/ky"
SESSIONS_API = "/signing/token/sessions"

router = APIRouter(prefix=PREFIX, include_in_schema=False)


class PrepareBody(BaseModel):
    """The token's certificate (PEM or base64 DER) and its issuing chain."""

    certificate: str = Field(min_length=1)
    chain: list[str] = Field(default_factory=list)


class CompleteBody(BaseModel):
    """The token's signature of the digest (base64)."""

    signature: str = Field(min_length=1)


async def leader(request: Request, principal: Principal = Depends(current_principal)) -> Principal:
    """The caller, who must be a leader (own roles or a delegation)."""
    who = await acting(request.app.state.hub.db, principal)
    if not who.has(LEADER):
        raise HTTPException(403, "Chỉ lãnh đạo ký được văn bản")
    return principal


def _raise_unless_ok(answer: Answer) -> None:
    if not answer.ok:
        raise HTTPException(answer.status, answer.error)


def _signing_answer(answer: Answer) -> Any:
    """The token API's JSON answer; its refusal (or its absence) as the staff page's error."""
    if answer.missing:
        raise HTTPException(503, "Dịch vụ ký số chưa được nạp trên máy chủ này")
    _raise_unless_ok(answer)
    return answer.data


def _latest_version_awaiting(doc: dict[str, Any], leader_id: str) -> int:
    """The latest PDF version of a draft whose current approval step is this leader's."""
    approvers, step = doc.get("approvers") or [], doc.get("approval_step") or 0
    if doc["status"] != "pending_approval" or step >= len(approvers) or approvers[step] != leader_id:
        raise HTTPException(409, "Dự thảo không chờ bạn ký duyệt")
    version = max((v["version"] for v in doc["versions"]), default=None)
    if version is None:
        raise HTTPException(422, "Dự thảo chưa có tệp PDF")
    return int(version)


@router.post("/{doc_id}/chuan-bi")
async def prepare(
    request: Request, doc_id: str, body: PrepareBody, principal: Principal = Depends(leader)
) -> dict[str, Any]:
    """Reserve the signature in the latest version of a draft awaiting this leader; return the digest."""
    async with Api(request) as api:
        answer = await api.get(f"/documents/{doc_id}")
        _raise_unless_ok(answer)
        version = _latest_version_awaiting(answer.data, principal.id)
        pdf = await api.get(f"/documents/{doc_id}/files/{version}")
        _raise_unless_ok(pdf)
        prepared = await api.post(
            f"{SESSIONS_API}/upload",
            files={"file": (f"{doc_id}-v{version}.pdf", pdf.content, "application/pdf")},
            data={"certificate": body.certificate, "chain": list(body.chain), "document_id": doc_id},
        )
    data = _signing_answer(prepared)
    return {
        "session": data["session"],
        "digest": data["digest"],
        "digest_algorithm": data["digest_algorithm"],
        "signature_algorithm": data["signature_algorithm"],
        "to_be_signed": data["to_be_signed"],
        "version": version,
    }


@router.post("/phien/{session}/hoan-tat")
async def complete(
    request: Request, session: str, body: CompleteBody, principal: Principal = Depends(leader)
) -> dict[str, Any]:
    """Embed the token's signature; the signed PDF is stored and kept downloadable by its signer."""
    async with Api(request) as api:
        answer = await api.post(f"{SESSIONS_API}/{session}/complete", json={"signature": body.signature})
    data = _signing_answer(answer)
    return {
        "document_id": data["document_id"],
        "sha256": data["sha256"],
        "claim": data["claim"],
        "signer": data["signer"],
        "download": f"{PREFIX}/phien/{session}/tep.pdf",
    }


@router.get("/phien/{session}/tep.pdf")
async def signed_file(
    request: Request, session: str, principal: Principal = Depends(current_principal)
) -> Response:
    """The signed PDF, for the leader who signed it."""
    async with Api(request) as api:
        answer = await api.get(f"{SESSIONS_API}/{session}/file")
    _signing_answer(answer)
    return stored_file(answer.content, "van-ban-da-ky.pdf")


def build_router() -> APIRouter:
    """The staff signing routes (portal/staff/__init__.py includes them)."""
    return router
