"""Text extraction of attached PDFs for full-text search."""

from __future__ import annotations

from pathlib import Path

import structlog

log = structlog.get_logger(__name__)
MAX_TEXT = 200_000


def pdf_text(path: Path) -> str:
    """The text layer of a PDF (scans without OCR give nothing); never raises."""
    try:
        from pdfminer.high_level import extract_text

        return str(extract_text(str(path), maxpages=50))[:MAX_TEXT]
    except Exception as exc:  # a broken or hostile file must not stop registration
        log.info("documents.pdf_text_unavailable", error=str(exc))
        return ""
