"""JSON API of signing with the leader's own USB token: prepare the digest, complete with the signature."""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from adapters.signing.remote import RemoteSigner, RemoteSigningError
from hub.auth import Principal, current_principal
from hub.directory import LEADER
from portal.staff.client import Api
from portal.staff.people import acting

SIGNER = RemoteSigner()


class PrepareBody(BaseModel):
    """The token's certificate (PEM or base64 DER) and its issuing chain."""

    certificate: str = Field(min_length=1)
    chain: list[str] = Field(default_factory=list)


class CompleteBody(BaseModel):
    """The token's signature of the digest (base64)."""

    signature: str = Field(min_length=1)


def build_router() -> APIRouter:
    r = APIRouter(prefix="/staff/api/ky", include_in_schema=False)

    async def leader(request: Request, principal: Principal = Depends(current_principal)) -> Principal:
        who = await acting(request.app.state.hub.db, principal)
        if not who.has(LEADER):
            raise HTTPException(403, "Chỉ lãnh đạo ký được văn bản")
        return principal

    @r.post("/{doc_id}/chuan-bi")
    async def prepare(
        request: Request, doc_id: str, body: PrepareBody, principal: Principal = Depends(leader)
    ) -> dict[str, Any]:
        """Reserve the signature in the latest version of a draft awaiting this leader; return the digest."""
        async with Api(request) as api:
            answer = await api.get(f"/documents/{doc_id}")
            if not answer.ok:
                raise HTTPException(answer.status, answer.error)
            doc = answer.data
            approvers, step = doc.get("approvers") or [], doc.get("approval_step") or 0
            if (
                doc["status"] != "pending_approval"
                or step >= len(approvers)
                or approvers[step] != principal.id
            ):
                raise HTTPException(409, "Dự thảo không chờ bạn ký duyệt")
            version = max((v["version"] for v in doc["versions"]), default=None)
            if version is None:
                raise HTTPException(422, "Dự thảo chưa có tệp PDF")
            pdf = await api.get(f"/documents/{doc_id}/files/{version}")
        if not pdf.ok:
            raise HTTPException(pdf.status, pdf.error)
        try:
            pending = await SIGNER.prepare(
                pdf.content, body.certificate, chain=list(body.chain), owner=principal.id, document_id=doc_id
            )
        except RemoteSigningError as exc:
            raise HTTPException(422, str(exc)) from None
        return {
            "session": pending.id,
            "digest": base64.b64encode(pending.digest).decode("ascii"),
            "digest_algorithm": "sha256",
            "signature_algorithm": "rsassa_pkcs1v15",
            "to_be_signed": base64.b64encode(pending.signed_attrs).decode("ascii"),
            "version": version,
        }

    @r.post("/phien/{session}/hoan-tat")
    async def complete(
        request: Request, session: str, body: CompleteBody, principal: Principal = Depends(leader)
    ) -> dict[str, Any]:
        """Embed the token's signature; the signed PDF is kept for download until the server restarts."""
        try:
            signature = base64.b64decode(body.signature, validate=True)
        except ValueError:
            raise HTTPException(422, "Chữ ký không phải base64 (trường: signature)") from None
        try:
            signed = await SIGNER.complete(session, principal.id, signature)
        except RemoteSigningError as exc:
            raise HTTPException(422, str(exc)) from None
        claim = await request.app.state.hub.claims.put(signed.pdf, media_type="application/pdf")
        SIGNED[session] = (principal.id, signed.document_id, signed.pdf)
        while len(SIGNED) > KEEP_SIGNED:  # oldest first: dicts keep insertion order
            SIGNED.pop(next(iter(SIGNED)))
        return {
            "document_id": signed.document_id,
            "sha256": signed.sha256,
            "claim": claim.model_dump(mode="json"),
            "signer": signed.signer_subject,
            "download": f"/staff/api/ky/phien/{session}/tep.pdf",
        }

    @r.get("/phien/{session}/tep.pdf")
    async def signed_file(session: str, principal: Principal = Depends(current_principal)) -> Response:
        found = SIGNED.get(session)
        if found is None or found[0] != principal.id:
            raise HTTPException(404, "Không có tệp đã ký này")
        return Response(found[2], media_type="application/pdf", headers={"Content-Disposition": "inline"})

    return r


KEEP_SIGNED = 50
SIGNED: dict[str, tuple[str, str, bytes]] = {}  # session -> (owner, document id, signed PDF)
