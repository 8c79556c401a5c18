"""The reason a refused document's sender reads: Vietnamese, with its diacritics, naming the element."""

from __future__ import annotations

import inspect

import pytest

from adapters.axis import reasons
from adapters.axis.intake import Refused
from schemas.edxml import errors
from schemas.edxml.codes import StatusCode
from schemas.edxml.errors import EdxmlError, MissingFieldError

CODEC_KINDS = sorted(
    name
    for name, cls in inspect.getmembers(errors, inspect.isclass)
    if issubclass(cls, EdxmlError) and cls is not EdxmlError
)


@pytest.mark.parametrize("kind", CODEC_KINDS)
def test_every_kind_of_codec_error_has_its_own_vietnamese_sentence(kind: str) -> None:
    told = reasons.sentence(kind, "edXMLHeader/MessageHeader/Subject")
    assert kind in reasons.SENTENCES
    assert told != reasons.GENERIC
    assert any(ch in told for ch in "ảãạăắằẳẵặâấầẩẫậđẻẽẹêếềểễệỉĩịỏõọôốồổỗộơớờởỡợủũụưứừửữựỷỹỵ")
    assert not any(word in told.split() for word in ("missing", "invalid", "required", "element"))


@pytest.mark.parametrize(
    ("kind", "field", "told"),
    [
        (
            "MissingFieldError",
            "edXMLHeader/MessageHeader/Subject",
            "thiếu trích yếu nội dung (Subject) hoặc để trống",
        ),
        (
            "MissingFieldError",
            "Attachment[2]/ContentTransferEncoded",
            "thiếu nội dung tệp đính kèm thứ 2 (ContentTransferEncoded) hoặc để trống",
        ),
        (
            "InvalidFieldError",
            "edXMLHeader/MessageHeader/PromulgationInfo/PromulgationDate",
            "ngày ban hành (PromulgationInfo/PromulgationDate) không đúng định dạng "
            "hoặc vượt quá giới hạn cho phép",
        ),
        (
            "DuplicateRecipientError",
            "edXMLHeader/MessageHeader/To[2]/OrganId",
            "mã định danh của cơ quan nhận thứ 2 (To/OrganId) bị khai báo trùng (một cơ quan nhận xuất hiện "
            "nhiều lần)",
        ),
        (
            reasons.SENDER_MISMATCH,
            "MessageHeader/From/OrganId",
            "mã định danh của cơ quan gửi (From/OrganId) ghi trong văn bản không khớp "
            "với cơ quan gửi mà trục liên thông ghi nhận",
        ),
        (
            "UnsafeXmlError",
            "<!DOCTYPE>",
            "tệp chứa khai báo DOCTYPE hoặc thực thể (entity), không được phép vì lý do an toàn",
        ),
        (None, None, "văn bản điện tử không hợp lệ"),
        (None, "Foo/Bar", "văn bản điện tử không hợp lệ (phần tử Foo/Bar)"),
    ],
)
def test_the_sentence_names_the_field(kind: str | None, field: str | None, told: str) -> None:
    assert reasons.sentence(kind, field) == told


def test_the_description_of_the_02_starts_with_the_official_wording() -> None:
    description = reasons.rejection_description("MissingFieldError", "edXMLHeader/MessageHeader/Subject")
    assert description == (
        f"{StatusCode.REJECTED.description}. Lý do: Thiếu trích yếu nội dung (Subject) hoặc để trống."
    )


def test_a_refusal_of_a_codec_error_keeps_the_english_detail_and_its_kind() -> None:
    exc = MissingFieldError("required element is missing or empty", field="MessageHeader/Subject", sender="X")
    refused = Refused.of(exc)
    assert (refused.kind, refused.field, refused.sender) == (
        "MissingFieldError",
        "MessageHeader/Subject",
        "X",
    )
    assert "required element is missing or empty" in refused.reason
    assert refused.told == "thiếu trích yếu nội dung (Subject) hoặc để trống"
