"""Fixtures for the edXML codec tests: official samples, a fresh message factory and a test PKI."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest

from schemas.edxml import (
    Attachment,
    BuildOptions,
    Bussiness,
    BussinessDocType,
    Code,
    EdocMessage,
    MessageHeader,
    Organization,
    StaffInfo,
    TraceHeader,
    TraceHeaderList,
    build_edoc,
)
from schemas.edxml.codes import VN_TZ
from tests.paths import EDXML_SAMPLES, official_sample
from tests.schemas.edxml.pki import Pki, make_pki

SAMPLES = EDXML_SAMPLES
EDOC_SAMPLES = ["edoc_new.edxml", "edoc_revocation.edxml", "edoc_update.edxml", "edoc_replacement.edxml"]
STATUS_SAMPLES = sorted(p.name for p in SAMPLES.glob("status*.edxml"))


def sample(name: str) -> bytes:
    """Return the bytes of an official sample."""
    return official_sample(name)


def unsigned(data: bytes) -> bytes:
    """Remove the (unverifiable) sample Signature element."""
    return re.sub(rb"\s*<Signature>.*?</Signature>", b"", data, flags=re.S)


def make_edoc(**changes: Any) -> EdocMessage:
    """Build a small valid edoc from the Department to two agencies, with one PDF attachment."""
    header = MessageHeader(
        from_=Organization(organ_id="000.00.31.H26", organ_name="Sở Nội vụ Hà Nội"),
        to=[
            Organization(organ_id="000.00.00.G22", organ_name="Văn phòng Chính phủ"),
            Organization(organ_id="000.00.00.H41", organ_name="UBND Tỉnh Nghệ An"),
        ],
        document_id="000.00.31.H26,2026/11/20,123/SNV-VP",
        code=Code(code_number="123", code_notation="SNV-VP"),
        subject="V/v triển khai liên thông văn bản điện tử",
        content="Đề nghị các đơn vị phối hợp.",
        to_places=["Như trên", "Lưu: VT"],
    )
    trace = TraceHeaderList(
        trace_headers=[
            TraceHeader(organ_id="000.00.31.H26", timestamp=dt.datetime(2026, 11, 20, 8, 30, tzinfo=VN_TZ))
        ],
        bussiness=Bussiness(
            bussiness_doc_type=BussinessDocType.NEW,
            bussiness_doc_reason=BussinessDocType.NEW.description,
            paper=0,
            staff_info=StaffInfo(department="Văn phòng", staff="Nguyễn Thị Hà"),
        ),
    )
    attachment = Attachment(
        content_id="1",
        attachment_name="123-SNV-VP.pdf",
        description="Công văn 123",
        content_type="application/pdf",
        data=b"%PDF-1.7\n" + bytes(range(256)) * 8,
    )
    values: dict[str, Any] = {
        "message_header": header,
        "trace_header_list": trace,
        "attachments": [attachment],
    }
    values.update(changes)
    return EdocMessage(**values)


@pytest.fixture
def edoc_bytes() -> bytes:
    """An unsigned edoc built by the codec (attachment zipped as the SDK does)."""
    return build_edoc(make_edoc(), BuildOptions(zip_attachments=True))


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A root CA and a signer, generated for this test session."""
    return make_pki(tmp_path_factory.mktemp("pki"), "Lienthong Test")


@pytest.fixture(scope="session")
def other_pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """An unrelated CA and signer that is not trusted."""
    return make_pki(tmp_path_factory.mktemp("pki-other"), "Attacker")


Mutator = Callable[[bytes], bytes]
