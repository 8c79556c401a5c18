"""Worker processes that sign and validate; each keeps its opened signers, so keys are parsed once."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from multiprocessing import util as mp_util

import aiohttp
from pyhanko.sign.signers import Signer

from adapters.signing.certcheck import RevocationChecker
from adapters.signing.keys import load_extra_certs, load_signer
from adapters.signing.pades_report import TrustSettings, validate_pdf
from adapters.signing.pades_sign import SigningContext, sign_pdf
from adapters.signing.settings import SigningConfig
from schemas.signing import SignPdfRequest, ValidatePdfRequest

log = logging.getLogger(__name__)


@dataclass
class WorkerState:
    """What one worker process keeps between jobs: its event loop, HTTP session and opened signers."""

    config: SigningConfig
    revocation_timeout: float = 5.0
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    signers: dict[str, Signer] = field(default_factory=dict, repr=False)
    context: SigningContext | None = field(default=None, repr=False)
    trust: TrustSettings | None = field(default=None, repr=False)

    def signing_context(self) -> SigningContext:
        if self.context is None:
            roots = load_extra_certs(self.config.trust_anchors)
            extra = load_extra_certs(self.config.extra_certs)
            session = self.loop.run_until_complete(_new_session())
            revocation = RevocationChecker(
                roots, extra, TrustSettings.load_crls(self.config.crl_files), timeout=self.revocation_timeout
            )
            self.context = SigningContext(self.config, roots, extra, session=session, revocation=revocation)
        return self.context

    def trust_settings(self) -> TrustSettings:
        if self.trust is None:
            self.trust = TrustSettings(
                roots=load_extra_certs(self.config.trust_anchors),
                extra_certs=load_extra_certs(self.config.extra_certs),
                crls=TrustSettings.load_crls(self.config.crl_files),
                online=self.config.fetch_revocation_online,
            )
        return self.trust

    def signer(self, name: str) -> Signer:
        """Return the opened signer of a profile, opening it on first use only."""
        signer = self.signers.get(name)
        if signer is None:
            ctx = self.signing_context()
            signer = load_signer(self.config.profile(name), ctx.extra_certs)
            self.signers[name] = signer
        return signer

    def close(self) -> None:
        """Close the HTTP session, token sessions and loop; safe to call twice."""
        if self.loop.is_closed():
            return
        if self.context is not None and self.context.session is not None:
            self.loop.run_until_complete(self.context.session.close())
        for signer in self.signers.values():
            session = getattr(signer, "pkcs11_session", None)
            if session is not None:
                try:
                    session.close()
                except Exception:  # the token may already be gone
                    log.debug("PKCS#11 session close failed", exc_info=True)
        self.signers.clear()
        self.loop.close()


async def _new_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession()


_state: WorkerState | None = None


def init_worker(config_json: str, revocation_timeout: float = 5.0) -> None:
    """Set up a worker process (ProcessPoolExecutor initializer)."""
    global _state
    _state = WorkerState(SigningConfig.model_validate_json(config_json), revocation_timeout)
    mp_util.Finalize(None, _state.close, exitpriority=10)


def state() -> WorkerState:
    if _state is None:
        raise RuntimeError("signing worker not initialised")
    return _state


def sign_job(data: bytes, request_json: str) -> tuple[bytes, str]:
    """Sign in the worker; return the signed bytes and the SignPdfResult as JSON."""
    st = state()
    req = SignPdfRequest.model_validate_json(request_json)
    profile = st.config.profile(req.signer)
    signer = st.signer(req.signer)
    signed, result = st.loop.run_until_complete(sign_pdf(data, req, profile, signer, st.signing_context()))
    return signed, result.model_dump_json()


def validate_job(data: bytes, request_json: str) -> str:
    """Validate in the worker; return the ValidationReport as JSON."""
    st = state()
    req = ValidatePdfRequest.model_validate_json(request_json)
    report = st.loop.run_until_complete(validate_pdf(data, req, st.trust_settings()))
    return report.model_dump_json()


def validate_edxml_job(data: bytes, allow_sha1: bool) -> str:
    """Verify an edXML signature in the worker; return the ValidationReport as JSON."""
    from adapters.signing.xmldsig_report import validate_edxml

    report = validate_edxml(data, list(state().config.trust_anchors), allow_sha1=allow_sha1)
    return report.model_dump_json()


def warm_job(names: list[str]) -> int:
    """Open the given signers in this worker; return its process id."""
    import os

    st = state()
    for name in names:
        st.signer(name)
    return os.getpid()
