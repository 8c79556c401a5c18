"""Async facade over the signing worker pool: what the bus service (and anything else) calls."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType

from adapters.signing import pool
from adapters.signing.config import SigningConfig
from adapters.signing.models import SignPdfRequest, SignPdfResult, ValidatePdfRequest, ValidationReport

log = logging.getLogger(__name__)


class SigningEngine:
    """Sign and validate PDFs in worker processes sized to the cores, never on the event loop.

    Usage::

        async with SigningEngine(config) as engine:
            signed, result = await engine.sign_pdf(pdf_bytes, SignPdfRequest(...))
            report = await engine.validate_pdf(signed)
    """

    def __init__(self, config: SigningConfig, *, start_method: str = "forkserver") -> None:
        self.config = config
        self.workers = config.workers or os.cpu_count() or 1
        self._executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context(start_method),
            initializer=pool.init_worker,
            initargs=(config.model_dump_json(),),
        )

    def __repr__(self) -> str:
        return f"SigningEngine(workers={self.workers}, signers={sorted(self.config.signers)})"

    async def sign_pdf(self, data: bytes, request: SignPdfRequest) -> tuple[bytes, SignPdfResult]:
        """Sign data as asked; raises SigningRefused or KeySourceError with a clear reason."""
        self.config.profile(request.signer)  # unknown profile: fail before queueing
        loop = asyncio.get_running_loop()
        signed, result_json = await loop.run_in_executor(
            self._executor, pool.sign_job, data, request.model_dump_json()
        )
        result = SignPdfResult.model_validate_json(result_json)
        log.info(
            "pdf signed",
            extra={"signer": request.signer, "stage": request.stage.value, "field": result.field_name},
        )
        return signed, result

    async def validate_pdf(self, data: bytes, request: ValidatePdfRequest | None = None) -> ValidationReport:
        """Validate every signature offline from embedded data and the configured trust anchors."""
        loop = asyncio.get_running_loop()
        report_json = await loop.run_in_executor(
            self._executor, pool.validate_job, data, (request or ValidatePdfRequest()).model_dump_json()
        )
        return ValidationReport.model_validate_json(report_json)

    async def warm_up(self, signers: list[str] | None = None) -> None:
        """Start every worker and open the given signers (all profiles by default) in each."""
        names = sorted(self.config.signers) if signers is None else signers
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(loop.run_in_executor(self._executor, pool.warm_job, names) for _ in range(self.workers))
        )

    def close(self) -> None:
        """Stop the workers; their signers and token sessions are closed."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    async def aclose(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.close)

    async def __aenter__(self) -> SigningEngine:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
