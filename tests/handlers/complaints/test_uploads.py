"""The public form's body read as it streams: fields after a dropped file are kept, limits named."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from handlers.complaints.formdata import BodyTooLarge, read_form
from handlers.complaints.uploads import Limits, check_file, clean_name, sniff

BOUNDARY = "----lienthong"


def body(parts: list[tuple[str, str | None, bytes]]) -> bytes:
    out = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (
            f'; filename="{filename}"' if filename is not None else ""
        )
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + data + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


async def chunks(data: bytes, size: int = 97) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_a_large_file_is_dropped_as_it_streams_and_the_fields_after_it_kept() -> None:
    limits = Limits(file_bytes=1000, total_bytes=1500, count=2)
    data = body(
        [
            ("name", None, "Đỗ Văn Hải".encode()),
            ("files", "lon.pdf", b"%PDF-" + b"x" * 5000),
            ("files", "nho.png", b"\x89PNG\r\n\x1a\n" + b"y" * 100),
            ("files", "thua.png", b"\x89PNG\r\n\x1a\n"),
            ("subject", None, "Phản ánh".encode()),
        ]
    )
    form = await read_form(
        f"multipart/form-data; boundary={BOUNDARY}", chunks(data), limits, hard_cap=100_000
    )
    assert form.text("name") == "Đỗ Văn Hải" and form.text("subject") == "Phản ánh"
    assert [name for name, _ in form.files] == ["nho.png"]
    assert form.refused == [
        "Tệp “lon.pdf” có dung lượng 5 KB, vượt mức tối đa 1 KB cho mỗi tệp",
        "Chỉ được đính kèm tối đa 2 tệp",
    ]
    with pytest.raises(BodyTooLarge):
        await read_form(f"multipart/form-data; boundary={BOUNDARY}", chunks(data), limits, hard_cap=2000)


def test_files_are_told_apart_by_their_bytes() -> None:
    limits = Limits(10_000, 20_000, 3)
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 8) == "ole"
    assert check_file("bao-cao.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 8, limits).media_type == (
        "application/vnd.ms-excel"
    )
    assert check_file("ảnh.HEIC", b"\x00\x00\x00\x18ftypheic" + b"0" * 8, limits).media_type == "image/heic"
    assert clean_name("C:\\Users\\an\\Tài liệu\\đơn\x00.pdf") == "đơn.pdf"
