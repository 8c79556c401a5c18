"""Fuzzing the SOAP endpoint: broken or hostile envelopes always get a SOAP answer, never a crash."""

from __future__ import annotations

import asyncio

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from adapters.lgsp.contract import NS, SOAP11_ENV
from adapters.lgsp.simulator import SERVICE_PATH, create_app
from adapters.lgsp.store import MemoryStore
from tests.adapters.lgsp.conftest import ACCOUNTS, ORG_A, TOKENS

HEADER = (
    f'<soap:Header><l:Credentials xmlns:l="{NS}"><l:OrganId>{ORG_A}</l:OrganId>'
    f"<l:Token>{TOKENS[ORG_A]}</l:Token></l:Credentials></soap:Header>"
)
OPERATIONS = [
    "<l:GetOrganizationsRequest/>",
    "<l:GetPendingDocumentIdsRequest/>",
    "<l:GetDocumentRequest><l:DocumentId>x</l:DocumentId></l:GetDocumentRequest>",
    "<l:GetTracesRequest><l:DocumentId>x</l:DocumentId></l:GetTracesRequest>",
    "<l:SendDocumentRequest><l:Content>PGVkWE1MLz4=</l:Content></l:SendDocumentRequest>",
]
SNIPPETS = [
    "<!DOCTYPE x [<!ENTITY e 'a'>]>",
    "&e;",
    "<![CDATA[",
    "]]>",
    "\x00",
    "<l:",
    "</soap:Body>",
    "&#0;",
]

app = create_app(MemoryStore(list(ACCOUNTS)), max_request_bytes=256 * 1024)


def envelope(body: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="{SOAP11_ENV}" xmlns:l="{NS}">'
        f"{HEADER}<soap:Body>{body}</soap:Body></soap:Envelope>"
    )


@st.composite
def requests(draw: st.DrawFn) -> bytes:
    text = envelope(draw(st.sampled_from(OPERATIONS)))
    for _ in range(draw(st.integers(0, 5))):
        pos = draw(st.integers(0, len(text)))
        choice = draw(st.integers(0, 2))
        if choice == 0:
            text = text[:pos] + draw(st.sampled_from(SNIPPETS)) + text[pos:]
        elif choice == 1:
            text = text[:pos] + text[pos + draw(st.integers(1, 50)) :]
        else:
            text = text[:pos] + draw(st.text(max_size=20)) + text[pos:]
    return text.encode("utf-8", errors="replace")


async def _post(data: bytes) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://lgsp") as client:
        return await client.post(
            SERVICE_PATH, content=data, headers={"Content-Type": "text/xml; charset=utf-8"}
        )


@settings(max_examples=200, deadline=5000, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(requests())
def test_every_request_gets_a_soap_answer(data: bytes) -> None:
    response = asyncio.run(_post(data))
    assert response.status_code in (200, 400, 401, 404, 413, 415, 500)
    assert b"Traceback" not in response.content
    root = etree.fromstring(response.content, etree.XMLParser(resolve_entities=False, no_network=True))
    assert root.tag == f"{{{SOAP11_ENV}}}Envelope"
    if response.status_code != 200:
        fault = root.find(f".//{{{SOAP11_ENV}}}Fault")
        assert fault is not None and (fault.findtext("faultstring") or "").strip()
