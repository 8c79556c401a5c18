"""The development PKI's services over HTTP on 127.0.0.1: RFC 3161 timestamps, OCSP, CRLs, CA certificates.

The signing engine reaches the timestamp authority (`tsa_url`) and, for B-LT, the OCSP responder and
CRLs named in the certificates; poppler's pdfsig asks the OCSP responder too. The timestamp authority
is pyHanko's own `DummyTimeStamper` (a real RFC 3161 responder that signs with the given key); OCSP
answers and CRLs are built with `cryptography` and signed by the issuing CA.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import urllib.parse

import structlog
from aiohttp import web
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from lienthong.devpki import certs
from lienthong.devpki.certs import Issuer
from lienthong.devpki.generate import DevPki

log = structlog.get_logger(__name__)
DER = serialization.Encoding.DER


def _issuer(pki: DevPki, name: str, cert_path: str) -> Issuer:
    cert = x509.load_pem_x509_certificates((pki.folder / cert_path).read_bytes())[0]
    key = serialization.load_pem_private_key(
        pki.key(name).read_bytes(), password=None, unsafe_skip_rsa_key_validation=True
    )
    assert isinstance(key, rsa.RSAPrivateKey)
    return Issuer(cert, key, name)


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(DER))


class DevPkiServices:
    """Serves one development PKI; `start` answers False (and logs) when its port is taken."""

    def __init__(self, pki: DevPki) -> None:
        self.pki = pki
        self.root = _issuer(pki, "root-ca", pki.root_cert.name)
        self.issuing = _issuer(pki, "issuing-ca", pki.issuing_cert.name)
        tsa = _issuer(pki, "tsa", pki.tsa_cert.name)
        self.timestamper = DummyTimeStamper(
            tsa_cert=_asn1_cert(tsa.cert),
            tsa_key=asn1_keys.PrivateKeyInfo.load(
                tsa.key.private_bytes(DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
            ),
            certs_to_embed=[_asn1_cert(self.issuing.cert)],  # type: ignore[arg-type]
        )
        self.known = self._issued_serials()
        self._runner: web.AppRunner | None = None

    def _issued_serials(self) -> set[int]:
        """Serial numbers of the certificates the issuing CA issued (OCSP says good for these only)."""
        found: set[int] = set()
        for path in (
            self.pki.tsa_cert,
            *self.pki.folder.glob("signers/*.pem"),
            *self.pki.folder.glob("agencies/*.pem"),
        ):
            cert = x509.load_pem_x509_certificates(path.read_bytes())[0]
            if cert.issuer == self.issuing.cert.subject:
                found.add(cert.serial_number)
        return found

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024)
        app.router.add_get("/", self.index)
        app.router.add_post("/tsa", self.tsa)
        app.router.add_post("/ocsp", self.ocsp_post)
        app.router.add_get("/ocsp/{request:.+}", self.ocsp_get)  # base64 may hold "/" (RFC 6960 A.1)
        app.router.add_get("/crl/{name}.crl", self.crl)
        app.router.add_get("/certs/{name}.cer", self.cert)
        return app

    async def start(self) -> bool:
        """Listen on the address fixed in the certificates."""
        url = self.pki.urls.base
        host, _, port = url.removeprefix("http://").partition(":")
        runner = web.AppRunner(self.app(), access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, int(port)).start()
        except OSError as exc:
            await runner.cleanup()
            log.warning(
                "devpki.services_not_started",
                url=url,
                error=str(exc),
                hint="timestamps (PAdES B-T) fail until the development TSA answers at this address",
            )
            return False
        self._runner = runner
        log.warning("devpki.services", url=url, tsa=self.pki.urls.tsa, ocsp=self.pki.urls.ocsp)
        return True

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def index(self, request: web.Request) -> web.Response:
        return web.Response(
            text=f"Lienthong development PKI - {certs.DEV_MARK}\n"
            "TSA: /tsa  OCSP: /ocsp  CRL: /crl/issuing-ca.crl\n"
        )

    async def tsa(self, request: web.Request) -> web.Response:
        """RFC 3161: a TimeStampReq in, a TimeStampResp out."""
        body = await request.read()
        try:
            req = tsp.TimeStampReq.load(body)
            req.native  # noqa: B018 - parse it all now, so a malformed request is refused here
        except (ValueError, TypeError):
            raise web.HTTPBadRequest(text="not an RFC 3161 TimeStampReq") from None
        resp = await asyncio.to_thread(self.timestamper.request_tsa_response, req)
        return web.Response(body=resp.dump(), content_type="application/timestamp-reply")

    async def ocsp_post(self, request: web.Request) -> web.Response:
        return self._ocsp(await request.read())

    async def ocsp_get(self, request: web.Request) -> web.Response:
        encoded = urllib.parse.unquote(request.raw_path.split("/ocsp/", 1)[1])
        try:
            body = base64.b64decode(encoded, validate=False)
        except (binascii.Error, ValueError):
            raise web.HTTPBadRequest(text="not a base64 OCSP request") from None
        return self._ocsp(body)

    def _ocsp(self, body: bytes) -> web.Response:
        """Good for a certificate the issuing CA issued, unknown for any other serial."""
        try:
            req = ocsp.load_der_ocsp_request(body)
        except ValueError:
            answer = ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
            return web.Response(body=answer.public_bytes(DER), content_type="application/ocsp-response")
        now = dt.datetime.now(dt.UTC)
        status = ocsp.OCSPCertStatus.GOOD if req.serial_number in self.known else ocsp.OCSPCertStatus.UNKNOWN
        builder = (
            ocsp.OCSPResponseBuilder()
            .add_response_by_hash(
                issuer_name_hash=req.issuer_name_hash,
                issuer_key_hash=req.issuer_key_hash,
                serial_number=req.serial_number,
                algorithm=req.hash_algorithm,
                cert_status=status,
                this_update=now - dt.timedelta(minutes=5),
                next_update=now + dt.timedelta(days=1),
                revocation_time=None,
                revocation_reason=None,
            )
            .responder_id(ocsp.OCSPResponderEncoding.HASH, self.issuing.cert)
            .certificates([self.issuing.cert])  # NSS looks for the signer in the response
        )
        for ext in req.extensions:
            if isinstance(ext.value, x509.OCSPNonce):
                builder = builder.add_extension(ext.value, critical=False)
        answer = builder.sign(self.issuing.key, hashes.SHA256())
        return web.Response(body=answer.public_bytes(DER), content_type="application/ocsp-response")

    def _named(self, name: str) -> Issuer:
        for ca in (self.root, self.issuing):
            if ca.name == name:
                return ca
        raise web.HTTPNotFound(text=f"no CA named {name}")

    async def crl(self, request: web.Request) -> web.Response:
        ca = self._named(request.match_info["name"])
        data = certs.crl(ca, dt.datetime.now(dt.UTC)).public_bytes(DER)
        return web.Response(body=data, content_type="application/pkix-crl")

    async def cert(self, request: web.Request) -> web.Response:
        ca = self._named(request.match_info["name"])
        return web.Response(body=ca.cert.public_bytes(DER), content_type="application/pkix-cert")
