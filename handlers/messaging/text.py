"""Diacritic-insensitive search text: 'Đường Vành đai 4' and 'duong vanh dai 4' match."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case without Vietnamese diacritics (đ -> d), whitespace collapsed."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(stripped.lower().split())


def terms(query: str) -> list[str]:
    """Search terms of a query, folded."""
    return [t for t in fold(query).split(" ") if t]
