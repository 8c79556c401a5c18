"""Signing adapter: PAdES signatures by server-held keys (bus) and by the signer's USB token (API).

Leaders approve and clerks issue PDFs with visible signatures (Decree 30/2020/NĐ-CP), each only by the
person bound to the key; incoming PDFs and edXML messages get a validation report. The engine (pyHanko,
worker processes) is imported only when first used, so loading the module stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import schemas.signing  # noqa: F401  (registers the message types)
from adapters.signing.settings import (
    KeySourceError,
    Pkcs11Key,
    Pkcs12Key,
    SecretRef,
    SignerProfile,
    SigningConfig,
    SigningSettings,
    load_config,
)
from hub.module import Module

if TYPE_CHECKING:
    from fastapi import APIRouter

    from adapters.signing.authority import KeyHolders
    from adapters.signing.engine import SigningEngine
    from adapters.signing.tokens import TokenSigning
    from hub.runtime import Hub

__all__ = [
    "KeySourceError",
    "Pkcs11Key",
    "Pkcs12Key",
    "SecretRef",
    "SignerProfile",
    "SigningConfig",
    "SigningModule",
    "SigningSettings",
    "module",
]


class SigningModule(Module):
    """Signs and validates PDFs through a SigningEngine; serves the token signing flow."""

    name = "signing"

    def __init__(self, config: SigningConfig | None = None, settings: SigningSettings | None = None) -> None:
        self.settings = settings or SigningSettings()
        if config is None and self.settings.config is not None:
            config = load_config(self.settings.config)
        self.config = config
        self._engine: SigningEngine | None = None
        self._tokens: TokenSigning | None = None

    @property
    def engine(self) -> SigningEngine:
        """The worker pool of the server-held keys, started on first use."""
        if self._engine is None:
            if self.config is None:
                raise RuntimeError("the signing module has no configuration")
            from adapters.signing.engine import SigningEngine

            self._engine = SigningEngine(
                self.config, revocation_timeout=self.settings.revocation_timeout_seconds
            )
        return self._engine

    @property
    def holders(self) -> KeyHolders:
        """Who is bound to which key and token certificate (LIENTHONG_SIGNING_KEY_HOLDERS, ...)."""
        from adapters.signing.authority import KeyHolders

        return KeyHolders.of(self.settings)

    @property
    def tokens(self) -> TokenSigning:
        """The token signing flow (sessions in the database, PDFs in the Object Store)."""
        if self._tokens is None:
            from adapters.signing.certcheck import RevocationChecker
            from adapters.signing.keys import load_extra_certs
            from adapters.signing.pades_report import TrustSettings
            from adapters.signing.tokens import TokenSigning

            config = self.config
            revocation = RevocationChecker(
                roots=load_extra_certs(config.trust_anchors) if config else [],
                extra_certs=load_extra_certs(config.extra_certs) if config else [],
                crls=TrustSettings.load_crls(config.crl_files) if config else [],
                timeout=self.settings.revocation_timeout_seconds,
            )
            self._tokens = TokenSigning(self.settings.token_session_seconds, lambda: self.holders, revocation)
        return self._tokens

    def setup(self, hub: Hub) -> None:
        from adapters.signing import consumers

        consumers.setup(hub, self)

    def router(self) -> APIRouter:
        from adapters.signing.api import router

        return router

    async def stop(self) -> None:
        if self._engine is not None:
            await self._engine.aclose()
            self._engine = None


module = SigningModule()
