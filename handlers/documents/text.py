"""Text extraction of attached PDFs for full-text search, within a size and time budget.

Extraction runs in the worker process (`hub.offload`): a crafted pseudo-PDF can cost minutes of pdfminer,
which must neither hold the event loop nor be done again on every redelivery. A file past the size limit
is not read; one past the time budget has its worker stopped. Either way the document is marked "not
indexed" with the reason in Vietnamese (`Indexed.note`), shown to staff, and never tried again.
"""

from __future__ import annotations

import io
import time
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from dataclasses import dataclass

import structlog

from hub.offload import OverBudget, in_worker

log = structlog.get_logger(__name__)
MAX_TEXT = 200_000
MAX_PAGES = 50


@dataclass(frozen=True)
class Indexed:
    """The text found in a document's files, and why some file was not indexed (empty when all were)."""

    text: str
    note: str = ""


def pdf_text(data: bytes) -> str:
    """The text layer of a PDF (scans without OCR give nothing); raises on a file pdfminer cannot read."""
    from pdfminer.high_level import extract_text

    return str(extract_text(io.BytesIO(data), maxpages=MAX_PAGES))[:MAX_TEXT]


async def _each(
    files: Iterable[tuple[str, bytes]] | AsyncIterable[tuple[str, bytes]],
) -> AsyncIterator[tuple[str, bytes]]:
    if isinstance(files, AsyncIterable):
        async for item in files:
            yield item
    else:
        for item in files:
            yield item


def _mb(size: int) -> str:
    return f"{size / 1_048_576:.1f}".replace(".", ",")


async def index_pdfs(
    files: Iterable[tuple[str, bytes]] | AsyncIterable[tuple[str, bytes]], *, max_bytes: int, seconds: float
) -> Indexed:
    """The text of each named PDF, extracted within `seconds` in all; files past `max_bytes` are skipped.

    An async iterable is read one file at a time, so only the file being indexed is held in memory.
    """
    texts: list[str] = []
    notes: list[str] = []
    deadline: float | None = None  # the budget runs from the first extraction (reading files is not in it)
    async for name, data in _each(files):
        if len(data) > max_bytes:
            notes.append(f"{name}: tệp {_mb(len(data))} MB vượt giới hạn lập chỉ mục {_mb(max_bytes)} MB")
            continue
        deadline = deadline if deadline is not None else time.monotonic() + seconds
        left = deadline - time.monotonic()
        if left <= 0:
            notes.append(f"{name}: hết thời gian lập chỉ mục ({seconds:g} giây cho văn bản)")
            continue
        try:
            texts.append(await in_worker(pdf_text, data, seconds=left))
        except OverBudget:
            log.warning("documents.pdf_text_over_budget", file=name, size=len(data), seconds=seconds)
            notes.append(f"{name}: trích xuất văn bản quá {seconds:g} giây, đã dừng")
        except Exception as exc:  # a broken or hostile file must not stop registration
            log.info("documents.pdf_text_unavailable", file=name, error=str(exc))
            notes.append(f"{name}: không đọc được lớp văn bản của tệp PDF")
    note = ("Không lập chỉ mục toàn văn: " + "; ".join(notes)) if notes else ""
    return Indexed(" ".join(t for t in texts if t), note[:1000])
