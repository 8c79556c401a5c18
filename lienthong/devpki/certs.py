"""Certificate profiles of the development PKI, built with `cryptography` (no hand-written ASN.1).

Every name says plainly that it is for development: nobody can take these for a real CA's. Root and
issuing CA, the timestamp authority, people's and organisations' signing certificates, and the CRLs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

DEV_MARK = "KHÔNG DÙNG THẬT"  # "not for real use"
ROOT_CN = f"Lienthong DEVELOPMENT Root CA - {DEV_MARK}"
ISSUING_CN = f"Lienthong DEVELOPMENT Issuing CA - {DEV_MARK}"
TSA_CN = f"Lienthong DEVELOPMENT TSA - {DEV_MARK}"
DEV_ORG = "Lienthong DEVELOPMENT - không có giá trị pháp lý"
DEV_UNIT = f"Khóa thử nghiệm - {DEV_MARK}"
KEY_SIZE = 2048
ROOT_YEARS, CA_YEARS, LEAF_YEARS = 20, 10, 3
RENEW_BEFORE = dt.timedelta(days=30)  # a certificate this close to its end is issued again


def new_key() -> rsa.RSAPrivateKey:
    """An RSA-2048 key, what Vietnamese public CAs issue and every verifier here accepts."""
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)


@dataclass(frozen=True)
class Urls:
    """Where the development services answer; fixed in the certificates when they are issued."""

    base: str

    def crl(self, name: str) -> str:
        return f"{self.base}/crl/{name}.crl"

    def cert(self, name: str) -> str:
        return f"{self.base}/certs/{name}.cer"

    @property
    def ocsp(self) -> str:
        return f"{self.base}/ocsp"

    @property
    def tsa(self) -> str:
        return f"{self.base}/tsa"


@dataclass(frozen=True)
class Issuer:
    """A CA that signs: its certificate and key, and the name of its CRL and certificate files."""

    cert: x509.Certificate
    key: rsa.RSAPrivateKey
    name: str


def _name(
    common_name: str, *, org: str = DEV_ORG, unit: str | None = DEV_UNIT, title: str | None = None
) -> x509.Name:
    pairs = [
        (NameOID.COUNTRY_NAME, "VN"),
        (NameOID.STATE_OR_PROVINCE_NAME, "Hà Nội"),
        (NameOID.ORGANIZATION_NAME, org),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
        (NameOID.TITLE, title),
        (NameOID.COMMON_NAME, common_name),
    ]
    return x509.Name([x509.NameAttribute(oid, _fit(value)) for oid, value in pairs if value])


def _fit(text: str, limit: int = 64) -> str:
    """Cut a name to 64 bytes of UTF-8 at a character boundary: OpenSSL (xmlsec1) counts bytes."""
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore").rstrip()


def root_ca_name() -> x509.Name:
    return _name(ROOT_CN)


def issuing_ca_name() -> x509.Name:
    return _name(ISSUING_CN)


def tsa_name() -> x509.Name:
    return _name(TSA_CN)


def person_name(full_name: str, position: str, agency: str) -> x509.Name:
    """A person's subject: their name and position at the agency, marked as a test certificate."""
    return _name(full_name, org=agency, title=position)


def organisation_name(agency: str, unit: str = "Văn thư") -> x509.Name:
    """An organisation's seal subject, marked as a test certificate."""
    return _name(agency, org=agency, unit=f"{unit} - {DEV_MARK}")


def _usage(*, ca: bool = False, commitment: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _builder(
    subject: x509.Name, key: rsa.RSAPrivateKey, now: dt.datetime, years: int
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )


def _issued_by(
    builder: x509.CertificateBuilder, issuer: Issuer, urls: Urls, *, ocsp: bool
) -> x509.CertificateBuilder:
    access = [
        x509.AccessDescription(
            AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(urls.cert(issuer.name))
        )
    ]
    if ocsp:
        access.insert(
            0,
            x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(urls.ocsp)
            ),
        )
    dp = x509.DistributionPoint([x509.UniformResourceIdentifier(urls.crl(issuer.name))], None, None, None)
    return (
        builder.issuer_name(issuer.cert.subject)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )
        .add_extension(x509.CRLDistributionPoints([dp]), critical=False)
        .add_extension(x509.AuthorityInformationAccess(access), critical=False)
    )


def root_ca(key: rsa.RSAPrivateKey, now: dt.datetime) -> x509.Certificate:
    """The self-signed development root, the only trust anchor of everything below."""
    subject = root_ca_name()
    return (
        _builder(subject, key, now, ROOT_YEARS)
        .issuer_name(subject)
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(_usage(ca=True), critical=True)
        .sign(key, hashes.SHA256())
    )


def issuing_ca(key: rsa.RSAPrivateKey, root: Issuer, urls: Urls, now: dt.datetime) -> x509.Certificate:
    """The development issuing CA (signs people's, seals' and the TSA's certificates)."""
    return (
        _issued_by(_builder(issuing_ca_name(), key, now, CA_YEARS), root, urls, ocsp=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(ca=True), critical=True)
        .sign(root.key, hashes.SHA256())
    )


def tsa_cert(key: rsa.RSAPrivateKey, issuer: Issuer, urls: Urls, now: dt.datetime) -> x509.Certificate:
    """The RFC 3161 timestamp authority's certificate (extended key usage timeStamping, critical)."""
    return (
        _issued_by(_builder(tsa_name(), key, now, CA_YEARS), issuer, urls, ocsp=True)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(commitment=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(issuer.key, hashes.SHA256())
    )


def signing_cert(
    key: rsa.RSAPrivateKey,
    subject: x509.Name,
    issuer: Issuer,
    urls: Urls,
    now: dt.datetime,
    email: str | None = None,
) -> x509.Certificate:
    """A document signing certificate (digitalSignature and nonRepudiation), for a person or a seal."""
    builder = (
        _issued_by(_builder(subject, key, now, LEAF_YEARS), issuer, urls, ocsp=True)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(commitment=True), critical=True)
    )
    if email:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
    return builder.sign(issuer.key, hashes.SHA256())


def crl(issuer: Issuer, now: dt.datetime, revoked: list[int] | None = None) -> x509.CertificateRevocationList:
    """A fresh CRL of the issuer, valid a week (rebuilt at every start and on every download)."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.cert.subject)
        .last_update(now - dt.timedelta(minutes=5))
        .next_update(now + dt.timedelta(days=7))
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )
        .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
    )
    for serial in revoked or []:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now).build()
        )
    return builder.sign(issuer.key, hashes.SHA256())


def still_good(
    cert: x509.Certificate, issuer: x509.Certificate, subject: x509.Name, now: dt.datetime
) -> bool:
    """Whether a certificate can be kept: same subject and issuer, signed by it, not near its end."""
    if cert.subject != subject or cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return cert.not_valid_after_utc - RENEW_BEFORE > now
