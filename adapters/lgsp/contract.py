"""Load the LGSP WSDL: its operations, its inline XSD as a validator, and address rewriting."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

NS = "urn:lienthong:lgsp:v1"
SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
XS_NS = "http://www.w3.org/2001/XMLSchema"

WSDL_PATH = Path(__file__).with_name("lienthong-lgsp.wsdl")
BINDING_QNAME = f"{{{NS}}}LgspBinding"
CREDENTIALS_TAG = f"{{{NS}}}Credentials"

OPERATION_NAMES = (
    "SendDocument",
    "GetPendingDocumentIds",
    "GetDocument",
    "ConfirmReceived",
    "UpdateTraces",
    "GetTraces",
    "GetOrganizations",
)


class ContractError(RuntimeError):
    """The WSDL file is not a usable LGSP contract."""


@dataclass(frozen=True)
class Operation:
    """One operation of the binding: its name, SOAPAction and wrapper elements (Clark notation)."""

    name: str
    soap_action: str
    request_tag: str
    response_tag: str


@dataclass(frozen=True)
class Contract:
    """The parsed WSDL, ready for serving and validating."""

    path: Path
    wsdl: bytes
    schema: etree.XMLSchema
    operations: dict[str, Operation]  # keyed by request wrapper tag

    def operation_named(self, name: str) -> Operation:
        """Return the operation called `name`."""
        for op in self.operations.values():
            if op.name == name:
                return op
        raise KeyError(name)

    def wsdl_for(self, address: str) -> bytes:
        """Return the WSDL with every soap:address location set to `address`."""
        root = etree.fromstring(self.wsdl, etree.XMLParser(resolve_entities=False, no_network=True))
        for node in root.iter(f"{{{WSDL_SOAP_NS}}}address"):
            node.set("location", address)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _element_tag(root: etree._Element, message_qname: str) -> str:
    """Return the Clark tag of the element of the single part of a wsdl:message."""
    local = message_qname.split(":", 1)[-1]
    for message in root.iterfind(f"{{{WSDL_NS}}}message"):
        if message.get("name") == local:
            part = message.find(f"{{{WSDL_NS}}}part")
            element = part.get("element") if part is not None else None
            if not element:
                raise ContractError(f"message {local!r} has no element part")
            prefix, _, name = element.rpartition(":")
            return f"{{{message.nsmap.get(prefix or None, '')}}}{name}"
    raise ContractError(f"message {local!r} is not defined")


def _schema(root: etree._Element) -> etree.XMLSchema:
    """Build an XMLSchema from the WSDL's inline xs:schema, carrying the inherited namespace prefixes."""
    source = root.find(f"{{{WSDL_NS}}}types/{{{XS_NS}}}schema")
    if source is None:
        raise ContractError("the WSDL has no inline xs:schema in wsdl:types")
    nsmap: Any = source.nsmap
    attrib: Any = dict(source.attrib)
    standalone = etree.Element(source.tag, attrib=attrib, nsmap=nsmap)
    for child in source:
        standalone.append(copy.deepcopy(child))
    return etree.XMLSchema(standalone)


def _operations(root: etree._Element) -> dict[str, Operation]:
    port_types = {pt.get("name"): pt for pt in root.iterfind(f"{{{WSDL_NS}}}portType")}
    binding = next(
        (b for b in root.iterfind(f"{{{WSDL_NS}}}binding") if f"{{{NS}}}{b.get('name')}" == BINDING_QNAME),
        None,
    )
    if binding is None:
        raise ContractError(f"the WSDL has no binding {BINDING_QNAME}")
    port_type = port_types.get((binding.get("type") or "").split(":", 1)[-1])
    if port_type is None:
        raise ContractError("the binding's portType is not defined")
    result: dict[str, Operation] = {}
    for bop in binding.iterfind(f"{{{WSDL_NS}}}operation"):
        name = bop.get("name") or ""
        soap_op = bop.find(f"{{{WSDL_SOAP_NS}}}operation")
        action = (soap_op.get("soapAction") or "") if soap_op is not None else ""
        pop = next((o for o in port_type.iterfind(f"{{{WSDL_NS}}}operation") if o.get("name") == name), None)
        if pop is None:
            raise ContractError(f"operation {name!r} is in the binding but not in the portType")
        input_node = pop.find(f"{{{WSDL_NS}}}input")
        output_node = pop.find(f"{{{WSDL_NS}}}output")
        if input_node is None or output_node is None:
            raise ContractError(f"operation {name!r} needs an input and an output")
        request_tag = _element_tag(root, input_node.get("message") or "")
        response_tag = _element_tag(root, output_node.get("message") or "")
        result[request_tag] = Operation(name, action, request_tag, response_tag)
    missing = set(OPERATION_NAMES) - {op.name for op in result.values()}
    if missing:
        raise ContractError(f"the WSDL lacks operations {sorted(missing)}")
    return result


def load_contract(path: Path = WSDL_PATH) -> Contract:
    """Parse the WSDL at `path` into a Contract (cached per path)."""
    return _load(path.resolve())


@lru_cache(maxsize=4)
def _load(path: Path) -> Contract:
    data = path.read_bytes()
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    return Contract(path=path, wsdl=data, schema=_schema(root), operations=_operations(root))
