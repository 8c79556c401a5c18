"""Fixtures: a generated PKI served on 127.0.0.1, signer profiles, a signing engine with worker processes."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from adapters.signing import Pkcs12Key, SecretRef, SignerProfile, SigningConfig
from adapters.signing.engine import SigningEngine
from tests.adapters.signing.documents import seal_png, signature_png
from tests.adapters.signing.pki import P12_PASSWORD, GeneratedPKI, build_pki

PASS_ENV = "LT_TEST_SIGNING_P12_PASS"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GeneratedPKI]:
    """Root, sub-CA, TSA, OCSP, CRLs, good, expired, revoked and untrusted signers; nothing committed."""
    pki = build_pki(tmp_path_factory.mktemp("pki")).start()
    yield pki
    pki.stop()


@pytest.fixture(scope="session")
def signing_config(pki: GeneratedPKI, tmp_path_factory: pytest.TempPathFactory) -> SigningConfig:
    os.environ[PASS_ENV] = P12_PASSWORD
    images = tmp_path_factory.mktemp("images")
    sig, seal = signature_png(images / "chu-ky.png"), seal_png(images / "con-dau.png")
    secret = SecretRef(env=PASS_ENV)

    def profile(label: str, full_name: str, position: str, **extra: object) -> SignerProfile:
        return SignerProfile(
            key=Pkcs12Key(path=pki.pkcs12(label), passphrase=secret),
            full_name=full_name,
            position=position,
            **extra,  # type: ignore[arg-type]
        )

    return SigningConfig(
        signers={
            "leader": profile("leader", "Nguyễn Văn An", "Giám đốc", signature_image=sig),
            "deputy": profile("deputy", "Trần Thị Bình", "KT. Giám đốc\nPhó Giám đốc"),
            "clerk": profile(
                "clerk", "Văn thư Sở", "Văn thư", organisation="SỞ KẾ HOẠCH VÀ ĐẦU TƯ", seal_image=seal
            ),
            "expired": profile("expired", "Lê Văn Hết Hạn", "Trưởng phòng"),
            "revoked": profile("revoked", "Phạm Văn Thu Hồi", "Trưởng phòng"),
            "rogue": profile("rogue", "Kẻ Mạo Danh", "Giám đốc"),
        },
        trust_anchors=[pki.cert_path("root")],
        tsa_url=pki.tsa_url,
        workers=2,
    )


@pytest.fixture(scope="session")
async def engine(signing_config: SigningConfig) -> AsyncIterator[SigningEngine]:
    """A signing engine with two worker processes, shared by the tests of this folder."""
    engine = SigningEngine(signing_config)
    yield engine
    await engine.aclose()


def need_binary(path: str | None, name: str) -> str:
    """Return the binary's path; skip when absent outside CI, fail in CI."""
    if path:
        return path
    message = f"{name} is not installed (Debian package providing it is missing)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path
