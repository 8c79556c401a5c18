"""Async facade over the signing worker pool: what the bus service (and anything else) calls."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Any, TypeVar

from adapters.signing import pool
from adapters.signing.settings import SigningConfig
from schemas.signing import SignPdfRequest, SignPdfResult, ValidatePdfRequest, ValidationReport

log = logging.getLogger(__name__)
T = TypeVar("T")


class SigningEngine:
    """Sign and validate PDFs in worker processes sized to the cores, never on the event loop.

    Usage::

        async with SigningEngine(config) as engine:
            signed, result = await engine.sign_pdf(pdf_bytes, SignPdfRequest(...))
            report = await engine.validate_pdf(signed)

    Worker processes start with "forkserver" (or "spawn"): a script that creates an engine needs the
    usual `if __name__ == "__main__":` guard.
    """

    def __init__(
        self, config: SigningConfig, *, start_method: str = "forkserver", revocation_timeout: float = 5.0
    ) -> None:
        self.config = config
        self.revocation_timeout = revocation_timeout
        self.workers = config.workers or os.cpu_count() or 1
        self._start_method = start_method
        self._executor = self._new_executor()

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context(self._start_method),
            initializer=pool.init_worker,
            initargs=(self.config.model_dump_json(), self.revocation_timeout),
        )

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run fn in a worker; if a worker died (a crashing token driver), restart the pool and retry once."""
        loop = asyncio.get_running_loop()
        executor = self._executor
        try:
            return await loop.run_in_executor(executor, fn, *args)
        except BrokenProcessPool:
            if self._executor is executor:
                log.warning("signing worker died; restarting the worker pool")
                executor.shutdown(wait=False, cancel_futures=True)
                self._executor = self._new_executor()
            return await loop.run_in_executor(self._executor, fn, *args)

    def __repr__(self) -> str:
        return f"SigningEngine(workers={self.workers}, signers={sorted(self.config.signers)})"

    async def sign_pdf(self, data: bytes, request: SignPdfRequest) -> tuple[bytes, SignPdfResult]:
        """Sign data as asked; raises SigningRefused or KeySourceError with a clear reason."""
        self.config.profile(request.signer)  # unknown profile: fail before queueing
        signed, result_json = await self._run(pool.sign_job, data, request.model_dump_json())
        result = SignPdfResult.model_validate_json(result_json)
        log.info(
            "pdf signed",
            extra={"signer": request.signer, "stage": request.stage.value, "field": result.field_name},
        )
        return signed, result

    async def validate_pdf(self, data: bytes, request: ValidatePdfRequest | None = None) -> ValidationReport:
        """Validate every signature offline from embedded data and the configured trust anchors."""
        report_json = await self._run(
            pool.validate_job, data, (request or ValidatePdfRequest()).model_dump_json()
        )
        return ValidationReport.model_validate_json(report_json)

    async def validate_edxml(self, data: bytes, *, allow_sha1: bool = False) -> ValidationReport:
        """Verify an edXML message's XML-DSig signature against the configured trust anchors (PEM)."""
        report_json = await self._run(pool.validate_edxml_job, data, allow_sha1)
        return ValidationReport.model_validate_json(report_json)

    async def warm_up(self, signers: list[str] | None = None) -> set[int]:
        """Start the workers and open the given signers (all profiles by default); return the worker pids.

        Jobs go to whichever worker is free, so a worker may be missed; signers open lazily anyway.
        """
        names = sorted(self.config.signers) if signers is None else signers
        pids = await asyncio.gather(*(self._run(pool.warm_job, names) for _ in range(self.workers)))
        return set(pids)

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
