"""Hostile and malformed SOAP requests get a clear Client fault and the server keeps serving."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from lxml import etree

from adapters.lgsp.contract import NS, SOAP11_ENV
from adapters.lgsp.simulator import SERVICE_PATH, create_app
from adapters.lgsp.store import MemoryStore
from hub.listener import serve_in_thread
from tests.adapters.lgsp.conftest import ACCOUNTS, ORG_A, TOKENS

LIMIT = 64 * 1024
HEADER = (
    f'<soap:Header><l:Credentials xmlns:l="{NS}"><l:OrganId>{ORG_A}</l:OrganId>'
    f"<l:Token>{TOKENS[ORG_A]}</l:Token></l:Credentials></soap:Header>"
)
VALID = (
    f'<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="{SOAP11_ENV}">{HEADER}'
    f'<soap:Body><l:GetOrganizationsRequest xmlns:l="{NS}"/></soap:Body></soap:Envelope>'
).encode()


def envelope(body: str, header: str = HEADER, prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<soap:Envelope xmlns:soap="{SOAP11_ENV}" '
        f'xmlns:l="{NS}">{header}<soap:Body>{body}</soap:Body></soap:Envelope>'
    ).encode()


LAUGHS = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)).replace(
    "&lol0;", "lol"
)

CASES = {
    "malformed": (VALID[:-30], "Client", "MALFORMED_XML", "not well-formed"),
    "empty": (b"", "Client", "MALFORMED_XML", "empty"),
    "xxe": (
        envelope(
            "<l:GetTracesRequest><l:DocumentId>&xxe;</l:DocumentId></l:GetTracesRequest>",
            prolog='<!DOCTYPE e [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        ),
        "Client",
        "FORBIDDEN_XML",
        "DTD",
    ),
    "billion-laughs": (
        envelope(
            "<l:GetTracesRequest><l:DocumentId>&lol9;</l:DocumentId></l:GetTracesRequest>",
            prolog=f"<!DOCTYPE e [{LAUGHS}]>",
        ),
        "Client",
        "FORBIDDEN_XML",
        "entit",
    ),
    "external-dtd": (
        envelope("<l:GetOrganizationsRequest/>", prolog='<!DOCTYPE e SYSTEM "http://127.0.0.1:9/evil.dtd">'),
        "Client",
        "FORBIDDEN_XML",
        "DTD",
    ),
    "undeclared-entity": (
        envelope("<l:GetTracesRequest><l:DocumentId>&nope;</l:DocumentId></l:GetTracesRequest>"),
        "Client",
        "FORBIDDEN_XML",
        "entit",
    ),
    "soap12": (
        b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>',
        "VersionMismatch",
        "VERSION_MISMATCH",
        "SOAP 1.2",
    ),
    "not-an-envelope": (b"<hello/>", "Client", "INVALID_ENVELOPE", "not a SOAP 1.1 Envelope"),
    "no-body": (
        f'<soap:Envelope xmlns:soap="{SOAP11_ENV}">{HEADER}</soap:Envelope>'.encode(),
        "Client",
        "INVALID_ENVELOPE",
        "no Body",
    ),
    "two-operations": (
        envelope("<l:GetOrganizationsRequest/><l:GetOrganizationsRequest/>"),
        "Client",
        "INVALID_ENVELOPE",
        "exactly one element",
    ),
    "unknown-operation": (
        envelope("<l:DeleteEverythingRequest/>"),
        "Client",
        "UNKNOWN_OPERATION",
        "DeleteEverythingRequest",
    ),
    "schema-violation": (
        envelope(
            "<l:UpdateTracesRequest><l:Trace><l:DocumentId>abc</l:DocumentId>"
            "<l:StatusCode>1</l:StatusCode></l:Trace></l:UpdateTracesRequest>"
        ),
        "Client",
        "SCHEMA_VIOLATION",
        "StatusCode",
    ),
    "bad-base64": (
        envelope(
            "<l:SendDocumentRequest><l:MessageType>edoc</l:MessageType>"
            "<l:Content>!!not base64!!</l:Content></l:SendDocumentRequest>"
        ),
        "Client",
        "SCHEMA_VIOLATION",
        "Content",
    ),
    "missing-credentials": (
        envelope("<l:GetOrganizationsRequest/>", header=""),
        "Client",
        "AUTHENTICATION_FAILED",
        "Header",
    ),
    "must-understand": (
        envelope(
            "<l:GetOrganizationsRequest/>",
            header=HEADER.replace(
                "</soap:Header>", '<x:Sign xmlns:x="urn:x" soap:mustUnderstand="1"/></soap:Header>'
            ),
        ),
        "MustUnderstand",
        "MUST_UNDERSTAND",
        "urn:x",
    ),
    "deep-nesting": (envelope("<a>" * 5000 + "</a>" * 5000), "Client", "TOO_LARGE", "nested"),
    "binary-garbage": (bytes(range(256)) * 4, "Client", "MALFORMED_XML", "not well-formed"),
    "utf16-doctype": (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE e [<!ENTITY x "y">]><e>&x;</e>'.encode("utf-16"),
        "Client",
        "FORBIDDEN_XML",
        "DTD",
    ),
    "oversize": (
        envelope("<l:GetOrganizationsRequest/>" + " " * (2 * LIMIT)),
        "Client",
        "TOO_LARGE",
        "limit",
    ),
}


@dataclass(frozen=True)
class Fault:
    http_status: int
    faultcode: str
    code: str
    message: str
    raw: str


def read_fault(response: httpx.Response) -> Fault:
    root = etree.fromstring(response.content)
    fault = root.find(f"{{{SOAP11_ENV}}}Body/{{{SOAP11_ENV}}}Fault")
    assert fault is not None, response.text
    return Fault(
        response.status_code,
        (fault.findtext("faultcode") or "").split(":")[-1],
        fault.findtext(f"detail/{{{NS}}}FaultDetail/{{{NS}}}Code") or "",
        fault.findtext("faultstring") or "",
        response.text,
    )


@pytest.fixture(scope="module")
def small_server() -> Iterator[str]:
    with serve_in_thread(create_app(MemoryStore(ACCOUNTS), max_request_bytes=LIMIT)) as url:
        yield url + SERVICE_PATH


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30, headers={"Content-Type": "text/xml; charset=utf-8"}) as client:
        yield client


async def assert_still_serving(http: httpx.AsyncClient, address: str) -> None:
    response = await http.post(address, content=VALID)
    assert response.status_code == 200, response.text
    assert b"GetOrganizationsResponse" in response.content


@pytest.mark.parametrize("case", list(CASES))
async def test_bad_request_gets_a_client_fault_naming_the_problem(
    case: str, small_server: str, http: httpx.AsyncClient
) -> None:
    body, faultcode, code, phrase = CASES[case]
    fault = read_fault(await http.post(small_server, content=body))
    assert fault.http_status == 500
    assert (fault.faultcode, fault.code) == (faultcode, code)
    assert phrase.lower() in fault.message.lower()
    assert "Traceback" not in fault.raw
    assert "root:" not in fault.raw  # nothing of /etc/passwd leaks
    await assert_still_serving(http, small_server)


async def test_oversize_chunked_body_without_length_is_cut_off(
    small_server: str, http: httpx.AsyncClient
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield VALID[:200]
        for _ in range(8):
            yield b" " * (LIMIT // 4)

    fault = read_fault(await http.post(small_server, content=chunks()))
    assert (fault.faultcode, fault.code) == ("Client", "TOO_LARGE")
    await assert_still_serving(http, small_server)


async def test_soap_action_must_match_the_body(small_server: str, http: httpx.AsyncClient) -> None:
    ok = await http.post(small_server, content=VALID, headers={"SOAPAction": f'"{NS}#GetOrganizations"'})
    assert ok.status_code == 200
    fault = read_fault(await http.post(small_server, content=VALID, headers={"SOAPAction": "GetDocument"}))
    assert (fault.faultcode, fault.code) == ("Client", "UNKNOWN_OPERATION")
    assert "GetDocument" in fault.message
