"""Signing with a key held on a PKCS#11 token (SoftHSM2), selected by token label and key label."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from adapters.signing import KeySourceError, Pkcs11Key, SecretRef, SignerProfile, SigningConfig
from adapters.signing.engine import SigningEngine
from adapters.signing.keys import load_signer
from schemas.signing import PadesLevel, SignPdfRequest, Verdict
from tests.adapters.signing.conftest import need_binary
from tests.adapters.signing.documents import LEADER_BOX, box, decision_pdf
from tests.adapters.signing.pki import GeneratedPKI

MODULE_CANDIDATES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
TOKEN = "LT-Token-SKHDT"
PIN = "246810"


@pytest.fixture(scope="module")
def softhsm(pki: GeneratedPKI, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Initialise a SoftHSM2 token in a temporary store and import the leader's key and certificate."""
    util = need_binary(shutil.which("softhsm2-util"), "softhsm2-util (softhsm2)")
    tool = need_binary(shutil.which("pkcs11-tool"), "pkcs11-tool (opensc)")
    module = Path(next((m for m in MODULE_CANDIDATES if Path(m).exists()), ""))
    need_binary(str(module) if module.name else None, "libsofthsm2.so")
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    env = {"SOFTHSM2_CONF": str(conf), "PATH": "/usr/bin:/bin"}
    subprocess.run(
        [util, "--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", "13572468"],
        check=True,
        env=env,
        capture_output=True,
    )
    key = serialization.load_pem_private_key(pki.key_pem("leader"), password=None)
    key_der = folder / "leader.key.der"
    key_der.write_bytes(
        key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    cert_der = folder / "leader.cert.der"
    cert_der.write_bytes(pki.cert("leader").dump())
    base = [tool, "--module", str(module), "--token-label", TOKEN, "--login", "--pin", PIN]
    for path, kind in ((key_der, "privkey"), (cert_der, "cert")):
        subprocess.run(
            [*base, "--write-object", str(path), "--type", kind, "--label", "leader", "--id", "01"],
            check=True,
            env=env,
            capture_output=True,
        )
    key_der.unlink()  # only the token holds the key now
    return module, conf


def _config(pki: GeneratedPKI, module: Path, pin_env: str) -> SigningConfig:
    return SigningConfig(
        signers={
            "leader-token": SignerProfile(
                key=Pkcs11Key(
                    module=module, token_label=TOKEN, key_label="leader", pin=SecretRef(env=pin_env)
                ),
                full_name="Nguyễn Văn An",
                position="Giám đốc",
            )
        },
        trust_anchors=[pki.cert_path("root")],
        extra_certs=[pki.cert_path("interm")],
        tsa_url=pki.tsa_url,
        workers=1,
    )


async def test_sign_with_softhsm_token_through_the_pool(
    softhsm: tuple[Path, Path], pki: GeneratedPKI, monkeypatch: pytest.MonkeyPatch
) -> None:
    module, conf = softhsm
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    monkeypatch.setenv("LT_TEST_TOKEN_PIN", PIN)
    async with SigningEngine(_config(pki, module, "LT_TEST_TOKEN_PIN"), start_method="spawn") as engine:
        signed, result = await engine.sign_pdf(
            decision_pdf(), SignPdfRequest(signer="leader-token", box=box(LEADER_BOX), level=PadesLevel.B_T)
        )
        again, _ = await engine.sign_pdf(
            decision_pdf(), SignPdfRequest(signer="leader-token", box=box(LEADER_BOX), level=PadesLevel.B_B)
        )
        report = await engine.validate_pdf(signed)
    assert "Nguyễn Văn An" in result.signer_subject
    assert again.startswith(b"%PDF")
    assert report.verdict is Verdict.VALID, report.model_dump_json(indent=1)
    assert report.signatures[0].level == "B-T"


def test_wrong_pin_is_refused_without_echoing_it(
    softhsm: tuple[Path, Path],
    pki: GeneratedPKI,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    module, conf = softhsm
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    monkeypatch.setenv("LT_TEST_BAD_PIN", "999111")
    profile = _config(pki, module, "LT_TEST_BAD_PIN").profile("leader-token")
    with pytest.raises(KeySourceError) as info:
        load_signer(profile)
    assert TOKEN in str(info.value)
    assert "999111" not in str(info.value) + repr(info.value) + caplog.text


def test_unknown_key_label_is_named(
    softhsm: tuple[Path, Path], pki: GeneratedPKI, monkeypatch: pytest.MonkeyPatch
) -> None:
    module, conf = softhsm
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    monkeypatch.setenv("LT_TEST_TOKEN_PIN", PIN)
    profile = SignerProfile(
        key=Pkcs11Key(
            module=module, token_label=TOKEN, key_label="ghost", pin=SecretRef(env="LT_TEST_TOKEN_PIN")
        ),
        full_name="X",
        position="Y",
    )
    with pytest.raises(KeySourceError, match="key 'ghost' or its certificate not found"):
        load_signer(profile)
