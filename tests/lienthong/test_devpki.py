"""The development PKI: generated once, reused after, checked by OpenSSL; its TSA, OCSP and CRLs answer."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from cryptography import x509

from adapters.signing.settings import load_config
from hub.embedded import free_port
from lienthong.devpki import Agency, DevPki, Person, Plan, Seal, ensure_dev_pki
from lienthong.devpki.services import DevPkiServices
from lienthong.devpki.wiring import stamp_position

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
AGENCY = "Sở Kế hoạch và Đầu tư thành phố Hà Nội"
PEOPLE = (
    Person("leader", "giamdoc", "Nguyễn Văn Hùng", "Giám đốc Sở", "GIÁM ĐỐC"),
    Person("deputy", "phogiamdoc", "Trần Thị Lan", "Phó Giám đốc Sở", "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC"),
)


def plan(port: int = 8809, people: tuple[Person, ...] = PEOPLE) -> Plan:
    return Plan(
        people=people,
        seal=Seal("clerk", AGENCY),
        agencies=(Agency("000.00.00.G22", "Văn phòng Chính phủ"),),
        base_url=f"http://127.0.0.1:{port}",
    )


def openssl() -> str:
    path = shutil.which("openssl")
    if path:
        return path
    if IN_CI:
        pytest.fail("openssl is not installed")
    pytest.skip("openssl is not installed")


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Every key, certificate and bundle with its modification time (CRLs are rebuilt on purpose)."""
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in folder.rglob("*")
        if p.is_file() and p.suffix != ".crl"
    }


def test_first_start_generates_every_certificate_and_the_second_reuses_them(tmp_path: Path) -> None:
    folder = tmp_path / "devpki"
    started = time.perf_counter()
    first = ensure_dev_pki(folder, plan())
    generated_in = time.perf_counter() - started
    assert set(first.issued) == {
        "root-ca",
        "issuing-ca",
        "tsa",
        "leader",
        "deputy",
        "clerk",
        "agency-000.00.00.G22",
    }
    before = snapshot(folder)

    started = time.perf_counter()
    second = ensure_dev_pki(folder, plan())
    reused_in = time.perf_counter() - started
    assert second.issued == ()
    assert snapshot(folder) == before  # nothing rewritten, not even touched
    assert generated_in < 5.0, f"generation took {generated_in:.2f}s"
    assert reused_in < 0.5, f"a reusing start took {reused_in:.2f}s"


def test_names_say_development_and_the_chain_verifies_with_openssl(tmp_path: Path) -> None:
    pki = ensure_dev_pki(tmp_path / "devpki", plan())
    root = x509.load_pem_x509_certificate(pki.root_cert.read_bytes())
    issuing = x509.load_pem_x509_certificate(pki.issuing_cert.read_bytes())
    for cert in (root, issuing):
        name = cert.subject.rfc4514_string()
        assert "DEVELOPMENT" in name and "KHÔNG DÙNG THẬT" in name
    leader = x509.load_pem_x509_certificates(pki.signer_chain("leader").read_bytes())[0]
    assert leader.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "Nguyễn Văn Hùng"
    assert "KHÔNG DÙNG THẬT" in leader.subject.rfc4514_string()
    for chain in (
        pki.signer_chain("leader"),
        pki.seal_chain,
        pki.tsa_cert,
        pki.agency_chain("000.00.00.G22"),
    ):
        out = subprocess.run(
            [
                openssl(),
                "verify",
                "-CAfile",
                str(pki.root_cert),
                "-untrusted",
                str(pki.issuing_cert),
                str(chain),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert out.returncode == 0 and ": OK" in out.stdout, out.stderr


def test_the_written_configuration_is_a_development_signing_config(tmp_path: Path) -> None:
    pki = ensure_dev_pki(tmp_path / "devpki", plan())
    config = load_config(pki.config)
    assert config.development
    assert set(config.signers) == {"leader", "deputy", "clerk"}
    assert config.signers["deputy"].position == "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC"
    assert config.signers["clerk"].organisation == AGENCY.upper()
    assert config.trust_anchors == [pki.root_cert]
    assert config.tsa_url == "http://127.0.0.1:8809/tsa"
    assert oct(pki.key("leader").stat().st_mode & 0o777) == "0o600"
    assert oct(pki.signer_p12("leader").stat().st_mode & 0o777) == "0o600"


def test_a_new_leader_gets_a_certificate_and_nobody_else_is_touched(tmp_path: Path) -> None:
    folder = tmp_path / "devpki"
    ensure_dev_pki(folder, plan())
    before = snapshot(folder)
    newcomer = Person("giamdoc2", "giamdoc2", "Lê Văn Mới", "Phó Giám đốc Sở", "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC")
    again = ensure_dev_pki(folder, plan(people=(*PEOPLE, newcomer)))
    assert again.issued == ("giamdoc2",)
    after = snapshot(folder)
    assert all(after[name] == before[name] for name in before if name not in ("signing.yaml",))


def test_the_services_port_is_the_one_written_in_the_certificates(tmp_path: Path) -> None:
    folder = tmp_path / "devpki"
    ensure_dev_pki(folder, plan(port=18809))
    assert ensure_dev_pki(folder, plan(port=28809)).base_url == "http://127.0.0.1:18809"


def test_stamp_positions_follow_decree_30() -> None:
    assert stamp_position("Giám đốc Sở") == "GIÁM ĐỐC"
    assert stamp_position("Phó Giám đốc Sở") == "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC"


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[DevPki]:
    pki = ensure_dev_pki(tmp_path / "devpki", plan(port=free_port()))
    services = DevPkiServices(pki)
    assert await services.start()
    yield pki
    await services.stop()


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([openssl(), *args], capture_output=True, text=True, check=False, timeout=60)


async def test_ocsp_answers_good_for_an_issued_certificate_checked_by_openssl(served: DevPki) -> None:
    leader = served.signer_chain("leader")
    out = await asyncio.to_thread(
        _run,
        "ocsp",
        "-issuer",
        str(served.issuing_cert),
        "-cert",
        str(leader),
        "-url",
        served.urls.ocsp,
        "-CAfile",
        str(served.root_cert),
        "-VAfile",
        str(served.issuing_cert),
    )
    assert "Response verify OK" in out.stderr + out.stdout, out.stderr
    assert f"{leader}: good" in out.stdout


async def test_the_timestamp_authority_answers_rfc3161_checked_by_openssl(
    served: DevPki, tmp_path: Path
) -> None:
    data = tmp_path / "van-ban.txt"
    data.write_text("Quyết định số 15/QĐ-SKHĐT", encoding="utf-8")
    query = tmp_path / "query.tsq"
    assert _run("ts", "-query", "-data", str(data), "-sha256", "-cert", "-out", str(query)).returncode == 0
    async with aiohttp.ClientSession() as session:
        async with session.post(
            served.urls.tsa, data=query.read_bytes(), headers={"Content-Type": "application/timestamp-query"}
        ) as r:
            assert r.status == 200 and r.content_type == "application/timestamp-reply"
            (tmp_path / "reply.tsr").write_bytes(await r.read())
        async with session.get(served.urls.crl("issuing-ca")) as r:
            assert r.status == 200
            (tmp_path / "issuing.crl").write_bytes(await r.read())
    verified = await asyncio.to_thread(
        _run,
        "ts",
        "-verify",
        "-in",
        str(tmp_path / "reply.tsr"),
        "-data",
        str(data),
        "-CAfile",
        str(served.root_cert),
        "-untrusted",
        str(served.issuing_cert),
    )
    assert "Verification: OK" in verified.stdout, verified.stdout + verified.stderr
    crl = _run(
        "crl",
        "-inform",
        "DER",
        "-in",
        str(tmp_path / "issuing.crl"),
        "-CAfile",
        str(served.issuing_cert),
        "-noout",
    )
    assert "verify OK" in crl.stderr + crl.stdout, crl.stderr
