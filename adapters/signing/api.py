"""Token (USB) signing and the signers' one-time codes over HTTP, under /api/signing (behind login).

Token signing, for a certificate bound to the logged-in person:
1. `POST /signing/token/sessions` (the PDF as a claim check) or `POST /signing/token/sessions/upload`
   (the PDF uploaded), with the token's certificate and chain: the session id, the digest the token
   signs (SHA-256 of the DER signed attributes, RSA PKCS#1 v1.5), the attributes themselves and the
   certificate check (validity, key, revocation).
2. `POST /signing/token/sessions/{session}/complete` with the token's signature: checked against the
   digest and the bound certificate; the signed PDF is stored in the Object Store and
   `sign.token.signed` published (a draft awaiting this leader becomes approved with it).
3. `GET /signing/token/sessions/{session}/file`: the signed PDF, for the person who signed it.

One-time codes (`hub.otp`): `GET /signing/otp` (state; the secret only while not yet active),
`POST /signing/otp/enrol` (`otp`: a code of the current secret when replacing an active one),
`POST /signing/otp/activate` (`otp`: the first code from the app).

Refusals are domain errors (403 not bound or a wrong code, 422, 404).
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from adapters.signing import SigningModule, bindings
from adapters.signing.token_sign import DIGEST
from adapters.signing.tokens import TokenSession, TokenSigned, TokenSigning, decode_signature
from hub import otp
from hub.auth import CurrentPrincipal, Principal, require_roles
from hub.errors import Invalid
from hub.files import PDF_ONLY, read_upload, stored_file, upload_limit
from hub.orgchart import ADMIN
from hub.web import HubDep, hub_of, module_of
from schemas.envelope import ClaimCheck
from schemas.signing import CertificateCheck

router = APIRouter(prefix="/signing", tags=["signing"])
MAX_CERTIFICATE_BYTES = 64 * 1024


def _tokens(request: Request) -> TokenSigning:
    return module_of(request, "signing", SigningModule).tokens


Tokens = Annotated[TokenSigning, Depends(_tokens)]


class TokenCertificate(BaseModel):
    """The token's certificate (PEM, DER in base64) and its issuing chain."""

    certificate: str = Field(min_length=1)
    chain: list[str] = Field(default_factory=list)


class PrepareFromClaim(TokenCertificate):
    """Prepare a token signature of a PDF already in the Object Store."""

    document: ClaimCheck
    document_id: str | None = Field(default=None, description="The caller's reference of the document")
    version: int | None = Field(default=None, description="The document's version being signed")


class Prepared(BaseModel):
    """What the token must sign, and the session that completes the PDF."""

    session: str
    digest: str = Field(description="Base64 SHA-256 of the DER signed attributes: what the token signs")
    digest_algorithm: str = DIGEST
    signature_algorithm: str = "rsassa_pkcs1v15"
    to_be_signed: str = Field(description="Base64 DER of the CMS signed attributes")
    document_id: str | None
    certificate: CertificateCheck


class TokenSignature(BaseModel):
    """The token's signature of the digest (base64)."""

    signature: str = Field(min_length=1)


class SignedFile(BaseModel):
    """The PDF completed with the token's signature, stored as a claim."""

    session: str
    document_id: str | None
    signer: str = Field(description="Subject of the token's certificate")
    sha256: str
    claim: ClaimCheck
    certificate: CertificateCheck
    download: str = Field(description="Where its owner downloads it (under /api)")


def _prepared(found: TokenSession) -> Prepared:
    return Prepared(
        session=found.id,
        digest=base64.b64encode(found.digest).decode("ascii"),
        to_be_signed=base64.b64encode(found.signed_attrs).decode("ascii"),
        document_id=found.document_id,
        certificate=found.certificate,
    )


def _signed_file(done: TokenSigned) -> SignedFile:
    return SignedFile(
        session=done.session,
        document_id=done.document_id,
        signer=done.signer,
        sha256=done.sha256,
        claim=done.claim,
        certificate=done.certificate,
        download=f"/api/signing/token/sessions/{done.session}/file",
    )


@router.post("/token/sessions")
async def prepare(
    body: PrepareFromClaim, principal: CurrentPrincipal, tokens: Tokens, hub: HubDep
) -> Prepared:
    """Reserve a token signature in a claim-checked PDF; return the digest for the token."""
    found = await tokens.prepare(
        hub,
        body.document,
        body.certificate,
        body.chain,
        owner=principal.id,
        document_id=body.document_id,
        version=body.version,
    )
    return _prepared(found)


@router.post("/token/sessions/upload")
async def prepare_upload(
    file: UploadFile,
    certificate: Annotated[str, Form(min_length=1)],
    principal: CurrentPrincipal,
    tokens: Tokens,
    hub: HubDep,
    chain: Annotated[list[str] | None, Form()] = None,
    document_id: Annotated[str | None, Form()] = None,
    version: Annotated[int | None, Form()] = None,
) -> Prepared:
    """Reserve a token signature in an uploaded PDF; return the digest for the token."""
    pdf, _ = await read_upload(file, upload_limit(hub.settings.max_upload_mb), PDF_ONLY)
    found = await tokens.prepare(
        hub, pdf, certificate, chain or [], owner=principal.id, document_id=document_id, version=version
    )
    return _prepared(found)


@router.post("/token/sessions/{session}/complete")
async def complete(
    session: str, body: TokenSignature, principal: CurrentPrincipal, tokens: Tokens, hub: HubDep
) -> SignedFile:
    """Check the token's signature, embed it and store the signed PDF in the Object Store."""
    done = await tokens.complete(hub, session, principal.id, decode_signature(body.signature))
    return _signed_file(done)


@router.get("/token/sessions/{session}/file", response_class=Response)
async def signed_file(session: str, principal: CurrentPrincipal, tokens: Tokens, hub: HubDep) -> Response:
    """The signed PDF of a session, for the person who signed it."""
    done = await tokens.signed(hub, session, principal.id)
    data = await hub.claims.get(done.claim)
    return stored_file(data, "van-ban-da-ky.pdf")


# -- one-time codes --------------------------------------------------------------------------------


class OtpCode(BaseModel):
    """A code from the person's authenticator app."""

    otp: str | None = Field(default=None, max_length=12)


class OtpState(BaseModel):
    """The person's one-time codes; the secret and its URI only while waiting for activation."""

    enrolled: bool
    active: bool
    locked_until: datetime | None = None
    secret: str | None = None
    uri: str | None = None


async def _state(request: Request, principal: Principal) -> OtpState:
    hub = hub_of(request)
    cipher = otp.cipher_for(hub.settings)
    async with hub.db.session() as s:
        found = await otp.status(s, principal.id, cipher)
        secret = await otp.pending_secret(s, cipher, principal.id)
    return OtpState(
        enrolled=found.enrolled,
        active=found.active,
        locked_until=found.locked_until,
        secret=secret,
        uri=otp.provisioning_uri(secret, principal.username) if secret else None,
    )


@router.get("/otp")
async def otp_state(request: Request, principal: CurrentPrincipal) -> OtpState:
    """Whether the person has one-time codes (and the secret to set up while not yet active)."""
    return await _state(request, principal)


@router.post("/otp/enrol")
async def otp_enrol(request: Request, body: OtpCode, principal: CurrentPrincipal, hub: HubDep) -> OtpState:
    """A new secret for the authenticator app; replacing an active one needs a code of it."""
    async with otp.counted(hub.db, principal.id, body.otp), hub.db.session() as s:
        await otp.enrol(s, otp.cipher_for(hub.settings), principal.id, body.otp)
    return await _state(request, principal)


@router.post("/otp/activate")
async def otp_activate(request: Request, body: OtpCode, principal: CurrentPrincipal, hub: HubDep) -> OtpState:
    """Turn the enrolled secret on with a first code from the app."""
    async with otp.counted(hub.db, principal.id, body.otp), hub.db.session() as s:
        await otp.activate(s, otp.cipher_for(hub.settings), principal.id, body.otp)
    return await _state(request, principal)


# -- token certificates bound to people (administrators, in the ops portal) ----------------------------


@router.get("/certificates", dependencies=[require_roles(ADMIN)])
async def certificates(hub: HubDep) -> list[bindings.BindingView]:
    """Every USB token certificate bound now, with its person."""
    async with hub.db.session() as s:
        return await bindings.listing(s)


@router.post("/certificates", status_code=201, dependencies=[require_roles(ADMIN)])
async def bind_certificate(
    hub: HubDep, principal: CurrentPrincipal, user_id: Annotated[str, Form()], file: UploadFile
) -> bindings.BindingView:
    """Bind a token's certificate (.cer/.crt/.pem, PEM or DER) to the one person who signs with it."""
    data = await file.read(MAX_CERTIFICATE_BYTES + 1)
    if len(data) > MAX_CERTIFICATE_BYTES:
        raise Invalid("Tệp chứng thư số lớn quá 64 KB: hãy chọn tệp .cer, .crt hoặc .pem", field="file")
    async with hub.db.session() as s:
        row = await bindings.bind(s, user_id.strip(), data, principal.username)
        await s.flush()
        binding_id = row.id
    views = {v.id: v for v in await certificates(hub)}
    return views[binding_id]


@router.delete("/certificates/{binding_id}", status_code=204, dependencies=[require_roles(ADMIN)])
async def unbind_certificate(hub: HubDep, principal: CurrentPrincipal, binding_id: int) -> Response:
    """End a binding: the certificate signs for nobody from now on."""
    async with hub.db.session() as s:
        await bindings.unbind(s, binding_id, principal.username)
    return Response(status_code=204)
