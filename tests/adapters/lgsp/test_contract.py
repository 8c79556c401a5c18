"""The WSDL is a usable contract: it parses with lxml and zeep, and the served copy points at its server."""

from __future__ import annotations

from typing import Any

import httpx
import zeep
from lxml import etree

from adapters.lgsp.contract import OPERATION_NAMES, WSDL_NS, WSDL_PATH, WSDL_SOAP_NS, load_contract
from adapters.lgsp.simulator import SERVICE_PATH, create_app
from adapters.lgsp.store import MemoryStore
from hub.listener import serve_in_thread
from tests.adapters.lgsp.conftest import ACCOUNTS, ORG_B, TOKENS, Simulator

ZeepClient: Any = zeep.Client


def test_wsdl_parses_with_lxml_and_its_schema_compiles() -> None:
    root = etree.parse(str(WSDL_PATH)).getroot()
    assert root.tag == f"{{{WSDL_NS}}}definitions"
    assert root.get("targetNamespace") == "urn:lienthong:lgsp:v1"
    contract = load_contract()
    assert sorted(op.name for op in contract.operations.values()) == sorted(OPERATION_NAMES)
    assert isinstance(contract.schema, etree.XMLSchema)


def test_wsdl_parses_with_zeep_and_every_operation_carries_the_credentials_header() -> None:
    client: Any = ZeepClient(str(WSDL_PATH))
    binding: Any = client.wsdl.bindings["{urn:lienthong:lgsp:v1}LgspBinding"]
    assert sorted(binding._operations) == sorted(OPERATION_NAMES)
    for name in OPERATION_NAMES:
        header = binding.get(name).input.header
        assert [qname for qname, _ in header.type.elements] == ["Credentials"], name


def test_served_wsdl_points_at_the_server_and_zeep_can_call_through_it(simulator: Simulator) -> None:
    response = httpx.get(simulator.address + "?wsdl")
    assert response.status_code == 200
    locations = [
        node.get("location") for node in etree.fromstring(response.content).iter(f"{{{WSDL_SOAP_NS}}}address")
    ]
    assert locations == [simulator.address]

    client: Any = ZeepClient(simulator.address + "?wsdl")  # sync zeep over HTTP, default service address
    organizations = client.service.GetOrganizations(
        _soapheaders={"Credentials": {"OrganId": ORG_B, "Token": TOKENS[ORG_B]}}
    )
    assert len(organizations) == len(ACCOUNTS)


def test_wsdl_address_honours_a_public_url_and_plain_get_is_not_found() -> None:
    public = "https://lgsp.example.gov.vn/lgsp"
    with serve_in_thread(create_app(MemoryStore(ACCOUNTS), public_url=public)) as url:
        wsdl = httpx.get(url + SERVICE_PATH + "?WSDL")
        plain = httpx.get(url + SERVICE_PATH)
    assert f'location="{public}"'.encode() in wsdl.content
    assert plain.status_code == 404
    assert "?wsdl" in plain.text
