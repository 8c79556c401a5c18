# mypy: disable-error-code="no-untyped-call"
"""Helpers to sign outside the engine's checks and to tamper with signed PDFs."""

from __future__ import annotations

import io

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from adapters.signing.keys import load_signer
from adapters.signing.settings import SignerProfile


async def raw_sign(data: bytes, profile: SignerProfile, field_name: str = "Raw1") -> bytes:
    """Sign PAdES B-B invisibly with pyHanko directly, bypassing the engine's refusals."""
    signer = load_signer(profile)
    meta = signers.PdfSignatureMetadata(field_name=field_name, subfilter=fields.SigSeedSubFilter.PADES)
    out = io.BytesIO()
    await signers.PdfSigner(meta, signer).async_sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(data)), output=out
    )
    return out.getvalue()


def flip_signed_byte(data: bytes) -> bytes:
    """Change one byte inside the first content stream, which every signature covers."""
    at = data.index(b"stream\n") + len(b"stream\n") + 10
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def add_page_text_after_signing(data: bytes, text: bytes = b"(Sua so lieu: 999 ty dong) Tj") -> bytes:
    """Append an incremental update that draws new text on page 1, as a forger would."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    font = writer.add_object(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Font"),
                generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
                generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica"),
            }
        )
    )
    stream = generic.StreamObject(stream_data=b"BT /FX 14 Tf 300 500 Td " + text + b" ET")
    resources = generic.DictionaryObject(
        {generic.NameObject("/Font"): generic.DictionaryObject({generic.NameObject("/FX"): font})}
    )
    writer.add_stream_to_page(0, writer.add_object(stream), resources=resources)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
