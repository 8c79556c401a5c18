"""Claim check: large content lives in the JetStream Object Store, messages carry a reference."""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from nats.js import JetStreamContext
from nats.js.errors import ObjectNotFoundError
from nats.js.object_store import ObjectStore

from hub.errors import ClaimCheckError, TransientError
from schemas.envelope import ClaimCheck

CONTENT_BUCKET = "lt-content"
PAYLOAD_MEDIA_TYPE = "application/vnd.lienthong.payload+json"
_CHUNK = 1 << 20


def _hash_file(f: BinaryIO) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := f.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    f.seek(0)
    return digest.hexdigest(), size


def _hash_path(path: Path) -> tuple[str, int]:
    with path.open("rb") as f:
        return _hash_file(f)


class ClaimStore:
    """Put and get content by sha256 in one Object Store bucket."""

    def __init__(self, js: JetStreamContext, bucket: str = CONTENT_BUCKET, timeout: float = 120.0) -> None:
        self._js = js
        self.bucket = bucket
        self.timeout = timeout  # nats-py object reads have been seen to stall under load: never wait forever
        self._store: ObjectStore | None = None

    async def store(self) -> ObjectStore:
        if self._store is None:
            self._store = await self._js.object_store(self.bucket)
        return self._store

    async def put(
        self, data: bytes | Path | BinaryIO, media_type: str = "application/octet-stream"
    ) -> ClaimCheck:
        """Store bytes, a file path or a binary stream; content-addressed, so equal content is kept once."""
        store = await self.store()
        if isinstance(data, bytes):
            sha, size = hashlib.sha256(data).hexdigest(), len(data)
            key = f"sha256/{sha}"
            await store.put(key, data)
        elif isinstance(data, Path):
            with data.open("rb") as f:
                sha, size = _hash_file(f)
                key = f"sha256/{sha}"
                await store.put(key, f)  # type: ignore[arg-type]
        else:
            sha, size = _hash_file(data)
            key = f"sha256/{sha}"
            await store.put(key, data)  # type: ignore[arg-type]
        return ClaimCheck(bucket=self.bucket, key=key, sha256=sha, size=size, media_type=media_type)

    async def get(self, claim: ClaimCheck) -> bytes:
        """The content, verified against the claim's sha256 and size."""
        store = await self._bucket_store(claim)
        try:
            result = await asyncio.wait_for(store.get(claim.key), self.timeout)
        except TimeoutError:
            raise TransientError(f"{claim.bucket}/{claim.key}: no answer in {self.timeout:.0f} s") from None
        except ObjectNotFoundError:
            raise ClaimCheckError(f"claim-checked object {claim.bucket}/{claim.key} is missing") from None
        data = result.data or b""
        self._verify(claim, hashlib.sha256(data).hexdigest(), len(data))
        return data

    async def get_to_file(self, claim: ClaimCheck, path: Path) -> Path:
        """Stream the content to a file without holding it in memory; verified, removed if corrupt."""
        store = await self._bucket_store(claim)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".claim-")
        try:
            with os.fdopen(fd, "wb") as out:
                await store.get(claim.key, writeinto=out)  # type: ignore[arg-type]
            sha, size = await asyncio.to_thread(_hash_path, Path(tmp))
            self._verify(claim, sha, size)
            os.replace(tmp, path)
        except TimeoutError:
            raise TransientError(f"{claim.bucket}/{claim.key}: no answer in {self.timeout:.0f} s") from None
        except ObjectNotFoundError:
            raise ClaimCheckError(f"claim-checked object {claim.bucket}/{claim.key} is missing") from None
        finally:
            Path(tmp).unlink(missing_ok=True)  # noqa: ASYNC240 - one unlink of a temp file
        return path

    async def _bucket_store(self, claim: ClaimCheck) -> ObjectStore:
        if claim.bucket == self.bucket:
            return await self.store()
        return await self._js.object_store(claim.bucket)

    @staticmethod
    def _verify(claim: ClaimCheck, sha: str, size: int) -> None:
        if sha != claim.sha256 or size != claim.size:
            raise ClaimCheckError(
                f"claim-checked object {claim.bucket}/{claim.key} is corrupt: "
                f"expected sha256 {claim.sha256} ({claim.size} bytes), got {sha} ({size} bytes)"
            )
