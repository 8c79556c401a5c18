"""Keys are opened once per worker; PINs, passphrases and key bytes never leak into reprs, errors or logs."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import pytest
from pyhanko.sign.signers import pdf_cms

from adapters.signing import KeySourceError, Pkcs11Key, Pkcs12Key, SecretRef, pool
from adapters.signing import keys as keys_module
from adapters.signing.keys import load_signer
from adapters.signing.settings import SigningConfig
from schemas.signing import SignPdfRequest
from tests.adapters.signing.conftest import PASS_ENV
from tests.adapters.signing.documents import LEADER_BOX, box, decision_pdf
from tests.adapters.signing.pki import P12_PASSWORD, GeneratedPKI


def _key_fragments(pki: GeneratedPKI, label: str) -> list[str]:
    body = b"".join(pki.key_pem(label).splitlines()[1:-1])
    der = base64.b64decode(body)
    return [body[40:80].decode(), der[40:60].hex()]


def test_config_and_signer_reprs_hold_no_secret(
    signing_config: SigningConfig, pki: GeneratedPKI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    pin_source = Pkcs11Key(
        module=Path("/usr/lib/softhsm/libsofthsm2.so"),
        token_label="Token",
        key_label="leader",
        pin=SecretRef(env="SOME_PIN_ENV"),
    )
    signer = load_signer(signing_config.profile("leader"))
    texts = [
        repr(signing_config),
        str(signing_config),
        signing_config.model_dump_json(),
        repr(pin_source),
        repr(signer),
        str(signer),
        caplog.text,
    ]
    for text in texts:
        assert P12_PASSWORD not in text
        for fragment in _key_fragments(pki, "leader"):
            assert fragment not in text


def test_wrong_passphrase_error_names_the_file_not_the_secret(
    pki: GeneratedPKI, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("LT_TEST_WRONG_PASS", "sai-mat-khau-123")
    source = Pkcs12Key(path=pki.pkcs12("leader"), passphrase=SecretRef(env="LT_TEST_WRONG_PASS"))
    with pytest.raises(KeySourceError) as info:
        keys_module._load_pkcs12(source)
    message = str(info.value)
    assert "wrong passphrase" in message
    assert "leader.p12" in message
    assert "sai-mat-khau-123" not in message + repr(info.value) + caplog.text
    assert info.value.__cause__ is None  # the library's exception (which may quote input) is dropped


def test_missing_secret_names_its_source(pki: GeneratedPKI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LT_TEST_ABSENT", raising=False)
    source = Pkcs12Key(path=pki.pkcs12("leader"), passphrase=SecretRef(env="LT_TEST_ABSENT"))
    with pytest.raises(KeySourceError, match="environment variable LT_TEST_ABSENT is not set"):
        keys_module._load_pkcs12(source)


def test_secret_from_file(pki: GeneratedPKI, tmp_path: Path) -> None:
    secret_file = tmp_path / "pass.txt"
    secret_file.write_text(P12_PASSWORD + "\n")
    source = Pkcs12Key(path=pki.pkcs12("clerk"), passphrase=SecretRef(file=secret_file))
    signer = keys_module._load_pkcs12(source)
    assert signer.signing_cert is not None


class _NoParse:
    """Stand-in for the serialization module seen by pyHanko's stock SimpleSigner."""

    def __init__(self, forbidden: object) -> None:
        self.load_der_private_key = forbidden


def test_worker_opens_each_key_once_and_never_reparses_it(
    signing_config: SigningConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    real = keys_module._load_pkcs12

    def counting(source: Pkcs12Key) -> keys_module.CachedKeySigner:
        opened.append(source.path.name)
        return real(source)

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the private key was parsed again while signing")

    monkeypatch.setattr(keys_module, "_load_pkcs12", counting)
    monkeypatch.setattr(pdf_cms, "serialization", _NoParse(forbidden))
    monkeypatch.setenv(PASS_ENV, P12_PASSWORD)
    pool.init_worker(signing_config.model_dump_json())
    try:
        pdf = decision_pdf()
        request = SignPdfRequest(signer="leader", box=box(LEADER_BOX), level="B-B")
        for _ in range(3):
            signed, _result = pool.sign_job(pdf, request.model_dump_json())
            assert signed.startswith(b"%PDF")
    finally:
        pool.state().close()
        pool._state = None
    assert opened == ["leader.p12"]
