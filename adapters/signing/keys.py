"""Load signers from PKCS#12 files and PKCS#11 tokens; the parsed key is kept, never re-read per signature."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.keys import load_certs_from_pemder
from pyhanko.sign.signers import Signer, SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

from adapters.signing.settings import KeySourceError, Pkcs11Key, Pkcs12Key, SignerProfile

log = logging.getLogger(__name__)

PrivateKey = (
    rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey
)


class CachedKeySigner(SimpleSigner):
    """SimpleSigner that signs with a parsed `cryptography` key instead of re-parsing DER per signature."""

    def __init__(
        self, key: PrivateKey, cert: asn1_x509.Certificate, chain: list[asn1_x509.Certificate]
    ) -> None:
        store = SimpleCertificateStore()  # type: ignore[no-untyped-call]
        store.register_multiple(chain)
        der = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        super().__init__(
            signing_cert=cert, signing_key=asn1_keys.PrivateKeyInfo.load(der), cert_registry=store
        )
        self._pyca_key = key

    def __repr__(self) -> str:
        return f"CachedKeySigner(subject={self.subject_name!r})"

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        """Sign data with the cached key."""
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        algo = mechanism.signature_algo
        key = self._pyca_key
        if isinstance(key, rsa.RSAPrivateKey):
            if algo == "rsassa_pss":
                pss, hash_algo = process_pss_params(mechanism["parameters"])
                return key.sign(data, pss, hash_algo)
            return key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        return key.sign(data)


def _load_pkcs12(source: Pkcs12Key) -> CachedKeySigner:
    passphrase = source.passphrase.read().encode() if source.passphrase else None
    try:
        data = source.path.read_bytes()
    except OSError as exc:
        raise KeySourceError(f"PKCS#12 file {source.path} is not readable: {exc.strerror}") from None
    try:
        key, cert, others = pkcs12.load_key_and_certificates(data, passphrase)
    except ValueError:
        raise KeySourceError(
            f"PKCS#12 file {source.path} could not be opened: wrong passphrase or damaged file"
        ) from None
    finally:
        del passphrase
    if key is None or cert is None:
        raise KeySourceError(f"PKCS#12 file {source.path} holds no private key with its certificate")
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
        raise KeySourceError(f"PKCS#12 file {source.path} holds an unsupported key type")
    to_asn1: Callable[[Any], asn1_x509.Certificate] = lambda c: asn1_x509.Certificate.load(  # noqa: E731
        c.public_bytes(serialization.Encoding.DER)
    )
    return CachedKeySigner(key, to_asn1(cert), [to_asn1(c) for c in others])


def _load_pkcs11(source: Pkcs11Key, extra_certs: list[asn1_x509.Certificate]) -> Signer:
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    pin = source.pin.read() if source.pin else None
    try:
        session = open_pkcs11_session(
            str(source.module), token_criteria=TokenCriteria(label=source.token_label), user_pin=pin
        )
    except Exception as exc:
        raise KeySourceError(
            f"PKCS#11 token {source.token_label!r} via {source.module} could not be opened "
            f"({type(exc).__name__}); check the module path, token label and PIN"
        ) from None
    finally:
        del pin
    try:
        signer = PKCS11Signer(
            session,
            key_label=source.key_label,
            cert_label=source.cert_label or source.key_label,
            other_certs_to_pull=None,
            ca_chain=extra_certs,
        )
        signer.signing_cert  # noqa: B018 - fail now, not at the first signature
    except Exception as exc:
        session.close()
        raise KeySourceError(
            f"key {source.key_label!r} or its certificate not found on PKCS#11 token "
            f"{source.token_label!r} ({type(exc).__name__})"
        ) from None
    return signer


def load_extra_certs(paths: list[Path]) -> list[asn1_x509.Certificate]:
    """Read PEM or DER certificates."""
    return list(load_certs_from_pemder([str(p) for p in paths]))  # type: ignore[no-untyped-call]


def load_signer(profile: SignerProfile, extra_certs: list[asn1_x509.Certificate] | None = None) -> Signer:
    """Open the profile's key once; the result signs many documents."""
    source = profile.key
    if isinstance(source, Pkcs12Key):
        signer: Signer = _load_pkcs12(source)
        if extra_certs:
            signer.cert_registry.register_multiple(extra_certs)
    else:
        signer = _load_pkcs11(source, extra_certs or [])
    log.info("signer loaded", extra={"source": source.kind, "full_name": profile.full_name})
    return signer
