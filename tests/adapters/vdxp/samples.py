"""Small edXML messages for transport tests (the codec's own tests cover the full structure)."""

from __future__ import annotations

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"


def edoc(
    from_code: str, to_codes: list[str], subject: str = "Về việc báo cáo tình hình đầu tư công"
) -> bytes:
    """A minimal edoc: From, To, Code, Subject."""
    to = "".join(f"<edXML:To><edXML:OrganId>{c}</edXML:OrganId></edXML:To>" for c in to_codes)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><edXML xmlns="{NS}"><edXML:edXMLEnvelope xmlns:edXML="{NS}">'
        f"<edXML:edXMLHeader><edXML:MessageHeader>"
        f"<edXML:From><edXML:OrganId>{from_code}</edXML:OrganId></edXML:From>{to}"
        f"<edXML:Code><edXML:CodeNumber>125</edXML:CodeNumber>"
        f"<edXML:CodeNotation>SKHĐT-TH</edXML:CodeNotation></edXML:Code>"
        f"<edXML:Subject>{subject}</edXML:Subject>"
        f"</edXML:MessageHeader></edXML:edXMLHeader></edXML:edXMLEnvelope></edXML>"
    ).encode()


def status(from_code: str, original_sender: str, code: str = "01") -> bytes:
    """A minimal status message answering a document of `original_sender`."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><edXML xmlns="{NS}"><edXML:edXMLEnvelope xmlns:edXML="{NS}">'
        f"<edXML:edXMLHeader><edXML:MessageHeader>"
        f"<edXML:From><edXML:OrganId>{from_code}</edXML:OrganId></edXML:From>"
        f"<edXML:ResponseFor><edXML:OrganId>{original_sender}</edXML:OrganId>"
        f"<edXML:Code>125/SKHĐT-TH</edXML:Code></edXML:ResponseFor>"
        f"<edXML:StatusCode>{code}</edXML:StatusCode>"
        f"<edXML:Description>Đã đến - Phần mềm QLVB đã nhận</edXML:Description>"
        f"</edXML:MessageHeader></edXML:edXMLHeader></edXML:edXMLEnvelope></edXML>"
    ).encode()
