"""A local signing agent for the tests: plays a USB token holding a test key and certificate.

It answers like the agent on a leader's computer: GET /certificate (PEM of the signing certificate and
its chain), POST /sign {digest: base64 SHA-256} -> {signature: base64 RSA PKCS#1 v1.5 over the digest}.
The browser calls it cross-origin, so it answers CORS.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass
class TestPki:
    """A root CA and a leader's signing certificate with its private key (the 'token')."""

    __test__ = False  # not a test class, whatever its name

    root: x509.Certificate
    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    def pem(self, cert: x509.Certificate) -> str:
        return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the token certificate (DER), as bound to its holder in the signing settings."""
        return self.cert.fingerprint(hashes.SHA256()).hex()


def make_pki(
    common_name: str = "Nguyễn Văn Hùng", *, key_size: int = 2048, valid: tuple[int, int] = (-1, 90 * 24)
) -> TestPki:
    """Generate a throw-away root and a signing certificate for the leader.

    `key_size` is the token key's RSA size; `valid` the certificate's validity in hours from now
    (start, end), e.g. (-48, -24) for one that expired yesterday.
    """
    now = datetime.now(UTC)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CA thử nghiệm Lienthong"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Lienthong Test Root"),
        ]
    )
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Sở Kế hoạch và Đầu tư Hà Nội"),
                    x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                ]
            )
        )
        .issuer_name(root_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + timedelta(hours=valid[0]))
        .not_valid_after(now + timedelta(hours=valid[1]))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False
        )
        .sign(root_key, hashes.SHA256())
    )
    return TestPki(root, cert, key)


CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
}


class Agent:
    """The agent's HTTP server; counts the signatures it made."""

    def __init__(self, pki: TestPki) -> None:
        self.pki = pki
        self.signed: list[bytes] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    def sign(self, digest: bytes) -> bytes:
        """What the token does: RSA PKCS#1 v1.5 over a SHA-256 digest."""
        if len(digest) != 32:
            raise ValueError("digest must be 32 bytes of SHA-256")
        self.signed.append(digest)
        return self.pki.key.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))

    async def start(self) -> str:
        app = web.Application()

        async def options(_: web.Request) -> web.Response:
            return web.Response(headers=CORS)

        async def certificate(_: web.Request) -> web.Response:
            body: dict[str, Any] = {
                "certificate": self.pki.pem(self.pki.cert),
                "chain": [self.pki.pem(self.pki.root)],
            }
            return web.json_response(body, headers=CORS)

        async def sign(request: web.Request) -> web.Response:
            data = await request.json()
            try:
                signature = self.sign(base64.b64decode(data["digest"]))
            except (KeyError, ValueError) as exc:
                return web.json_response({"error": str(exc)}, status=400, headers=CORS)
            return web.json_response({"signature": base64.b64encode(signature).decode("ascii")}, headers=CORS)

        app.router.add_route("OPTIONS", "/{tail:.*}", options)
        app.router.add_get("/certificate", certificate)
        app.router.add_post("/sign", sign)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
