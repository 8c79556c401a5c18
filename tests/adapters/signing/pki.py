"""Generate a throw-away test PKI with certomancer and serve its TSA, OCSP and CRLs on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web
from asn1crypto import x509 as asn1_x509
from certomancer.integrations.aiohttp_animator import build_animator_app
from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig, PKIArchitecture
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ARCH = "sokhdt"
P12_PASSWORD = "mat-khau-thu-nghiem"  # test-only passphrase of generated PKCS#12 files
KEY_LABELS = (
    "root",
    "interm",
    "ocsp",
    "tsa",
    "leader",
    "deputy",
    "clerk",
    "expired",
    "revoked",
    "rogue-root",
    "rogue",
)


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S+0000")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _signer_cert(issuer: str, valid_from: datetime, valid_to: datetime) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "validity": {"valid-from": _iso(valid_from), "valid-to": _iso(valid_to)},
        "extensions": [
            {
                "id": "key_usage",
                "critical": True,
                "smart-value": {"schema": "key-usage", "params": ["digital_signature", "non_repudiation"]},
            },
            {
                "id": "crl_distribution_points",
                "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["interm"]}},
            },
            {
                "id": "authority_information_access",
                "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": ["interm"]}},
            },
        ],
    }


def _ca_cert(issuer: str, valid_from: datetime, valid_to: datetime, crl_repo: str | None) -> dict[str, Any]:
    exts: list[dict[str, Any]] = [
        {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
        {
            "id": "key_usage",
            "critical": True,
            "smart-value": {
                "schema": "key-usage",
                "params": ["digital_signature", "key_cert_sign", "crl_sign"],
            },
        },
    ]
    if crl_repo:
        exts.append(
            {
                "id": "crl_distribution_points",
                "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": [crl_repo]}},
            }
        )
    return {
        "issuer": issuer,
        "validity": {"valid-from": _iso(valid_from), "valid-to": _iso(valid_to)},
        "extensions": exts,
    }


def pki_config(url_prefix: str, now: datetime) -> dict[str, Any]:
    """Certomancer configuration: VN-flavoured root, sub-CA, TSA, OCSP, CRLs and good and bad signers."""
    past, future = now - timedelta(days=365), now + timedelta(days=5 * 365)
    certs: dict[str, Any] = {
        "root": _ca_cert("root", now - timedelta(days=3650), now + timedelta(days=7300), None),
        "interm": _ca_cert("root", past, now + timedelta(days=3650), "root"),
        "rogue-root": _ca_cert("rogue-root", past, future, None),
        "ocsp": {
            "issuer": "interm",
            "validity": {"valid-from": _iso(past), "valid-to": _iso(future)},
            "extensions": [
                {
                    "id": "key_usage",
                    "critical": True,
                    "smart-value": {"schema": "key-usage", "params": ["digital_signature"]},
                },
                {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]},
                {"id": "ocsp_no_check"},
            ],
        },
        "tsa": {
            "issuer": "root",
            "validity": {"valid-from": _iso(past), "valid-to": _iso(future)},
            "extensions": [
                {
                    "id": "key_usage",
                    "critical": True,
                    "smart-value": {"schema": "key-usage", "params": ["digital_signature"]},
                },
                {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
                {
                    "id": "crl_distribution_points",
                    "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["root"]}},
                },
            ],
        },
        "leader": _signer_cert("interm", past, future),
        "deputy": _signer_cert("interm", past, future),
        "clerk": _signer_cert("interm", past, future),
        "expired": _signer_cert("interm", now - timedelta(days=800), now - timedelta(days=30)),
        "revoked": {
            **_signer_cert("interm", past, future),
            "revocation": {"revoked-since": _iso(now - timedelta(days=10)), "reason": "key_compromise"},
        },
        "rogue": _signer_cert("rogue-root", past, future),
    }
    return {
        "external-url-prefix": url_prefix,
        "keysets": {
            ARCH: {"keys": {label: {"path": f"{label}.key.pem"} for label in KEY_LABELS}},
        },
        "pki-architectures": {
            ARCH: {
                "keyset": ARCH,
                "entity-defaults": {"country-name": "VN", "organization-name": "UBND thành phố Hà Nội"},
                "entities": {
                    "root": {"common-name": "Test Root CA Ban Cơ yếu"},
                    "interm": {"common-name": "Test CA Chính phủ"},
                    "ocsp": {"common-name": "Test OCSP"},
                    "tsa": {"common-name": "Test TSA"},
                    "leader": {"common-name": "Nguyễn Văn An", "title": "Giám đốc"},
                    "deputy": {"common-name": "Trần Thị Bình", "title": "Phó Giám đốc"},
                    "clerk": {
                        "common-name": "Sở Kế hoạch và Đầu tư thành phố Hà Nội",
                        "organizational-unit-name": "Văn thư",
                    },
                    "expired": {"common-name": "Lê Văn Hết Hạn"},
                    "revoked": {"common-name": "Phạm Văn Thu Hồi"},
                    "rogue-root": {"common-name": "Rogue Root CA", "organization-name": "Không tin cậy"},
                    "rogue": {"common-name": "Kẻ Mạo Danh", "organization-name": "Không tin cậy"},
                },
                "certs": certs,
                "services": {
                    "ocsp": {
                        "interm": {"for-issuer": "interm", "responder-cert": "ocsp", "signing-key": "ocsp"}
                    },
                    "crl-repo": {
                        "root": {
                            "for-issuer": "root",
                            "signing-key": "root",
                            "simulated-update-schedule": "P90D",
                        },
                        "interm": {
                            "for-issuer": "interm",
                            "signing-key": "interm",
                            "simulated-update-schedule": "P30D",
                        },
                    },
                    "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
                },
            }
        },
    }


@dataclass
class GeneratedPKI:
    """A generated PKI with its services running on a real local HTTP server."""

    folder: Path
    arch: PKIArchitecture
    url_prefix: str
    _runner: web.AppRunner | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    p12: dict[str, Path] = field(default_factory=dict)

    @property
    def tsa_url(self) -> str:
        return f"{self.url_prefix}/{ARCH}/tsa/tsa"

    def cert(self, label: str) -> asn1_x509.Certificate:
        return self.arch.get_cert(CertLabel(label))

    def cert_path(self, label: str) -> Path:
        path = self.folder / f"{label}.cert.pem"
        if not path.exists():
            from asn1crypto import pem

            path.write_bytes(pem.armor("CERTIFICATE", self.cert(label).dump()))
        return path

    def key_pem(self, label: str) -> bytes:
        return (self.folder / f"{label}.key.pem").read_bytes()

    def pkcs12(self, label: str) -> Path:
        """A PKCS#12 file (key, certificate and chain) protected by P12_PASSWORD."""
        if label not in self.p12:
            data = self.arch.package_pkcs12(CertLabel(label), password=P12_PASSWORD.encode())
            path = self.folder / f"{label}.p12"
            path.write_bytes(data)
            self.p12[label] = path
        return self.p12[label]

    def start(self) -> GeneratedPKI:
        """Serve the TSA, OCSP responder and CRL repositories over HTTP in a background thread."""
        port = int(self.url_prefix.rsplit(":", 1)[1])
        app = build_animator_app({ArchLabel(ARCH): self.arch}, with_web_ui=False)
        loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=loop.run_forever, name="test-pki", daemon=True)
        self._thread.start()

        async def serve() -> web.AppRunner:
            runner = web.AppRunner(app)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            return runner

        self._runner = asyncio.run_coroutine_threadsafe(serve(), loop).result(timeout=10)
        self._loop = loop
        return self

    def stop(self) -> None:
        if self._loop is None or self._runner is None:
            return
        fut = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)
        fut.result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._loop.close()
        self._loop = self._runner = self._thread = None


def build_pki(folder: Path, now: datetime | None = None) -> GeneratedPKI:
    """Generate RSA-2048 keys and certificates in folder (a tmp dir); nothing is ever committed."""
    now = now or datetime.now(UTC)
    folder.mkdir(parents=True, exist_ok=True)
    for label in KEY_LABELS:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (folder / f"{label}.key.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    url_prefix = f"http://127.0.0.1:{_free_port()}"
    config = pki_config(url_prefix, now)
    (folder / "certomancer.yml").write_text(yaml.safe_dump(config, allow_unicode=True))
    cfg = CertomancerConfig(config, key_search_dir=str(folder))
    arch = cfg.get_pki_arch(ArchLabel(ARCH))
    return GeneratedPKI(folder=folder, arch=arch, url_prefix=url_prefix)
