"""Text extraction of attached PDFs for full-text search."""

from __future__ import annotations

import io
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)
MAX_TEXT = 200_000


def pdf_text(source: Path | bytes) -> str:
    """The text layer of a PDF (scans without OCR give nothing); never raises."""
    try:
        from pdfminer.high_level import extract_text

        data = source if isinstance(source, bytes) else source.read_bytes()
        return str(extract_text(io.BytesIO(data), maxpages=50))[:MAX_TEXT]
    except Exception as exc:  # a broken or hostile file must not stop registration
        log.info("documents.pdf_text_unavailable", error=str(exc))
        return ""
