"""The one refusal of the signing engine: a document or a certificate that cannot be signed as asked."""

from __future__ import annotations


class SigningRefused(ValueError):
    """The document cannot be signed as asked; the message says why in English and Vietnamese."""

    def __init__(self, en: str, vi: str) -> None:
        super().__init__(en, vi)
        self.en, self.vi = en, vi

    def __str__(self) -> str:
        return f"{self.en} / {self.vi}"
