"""PAdES B-B signatures per second: our cached-key signer against pyHanko's stock PKCS#12 SimpleSigner.

Run: `.venv/bin/python -m bench.signing [N]`. Both signers sign the same 3-page PDF with the same
RSA-2048 key, in the same run, pinned to one core. Prints both rates and the ratio cached/stock,
plus the rate of the full service path (placement check, Decree 30 visible stamp, cached key).
Target: >= 20 signatures per second with the cached key.
"""

from __future__ import annotations

import asyncio
import io
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from fpdf import FPDF
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from adapters.signing.keys import load_extra_certs, load_signer
from adapters.signing.pades_sign import SigningContext, sign_pdf
from adapters.signing.settings import Pkcs12Key, SecretRef, SignerProfile, SigningConfig
from schemas.signing import PadesLevel, SignPdfRequest, StampBox

PASSPHRASE = "bench-only-passphrase"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def make_p12(folder: Path) -> tuple[Path, Path]:
    """Write a self-signed RSA-2048 certificate and its key as PKCS#12 (temporary, never kept)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Nguyễn Văn Bench")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )
        .sign(key, hashes.SHA256())
    )
    p12 = folder / "bench.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"bench", key, cert, None, serialization.BestAvailableEncryption(PASSPHRASE.encode())
        )
    )
    pem = folder / "bench.cert.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return p12, pem


def make_pdf() -> bytes:
    pdf = FPDF(unit="pt", format="A4")
    pdf.add_font("DejaVu", "", FONT)
    pdf.set_font("DejaVu", "", 11)
    for n in range(3):
        pdf.add_page()
        pdf.set_xy(60, 80)
        pdf.multi_cell(475, 16, f"Trang {n + 1}. Quyết định về việc phê duyệt kế hoạch đầu tư công. " * 12)
    return bytes(pdf.output())


def sign_invisible(data: bytes, signer: signers.Signer) -> bytes:
    meta = signers.PdfSignatureMetadata(field_name="Sig1", subfilter=fields.SigSeedSubFilter.PADES)
    out = io.BytesIO()
    signers.PdfSigner(meta, signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data)), output=out)
    return out.getvalue()


def rate(label: str, n: int, one: object) -> float:
    assert callable(one)
    one()  # warm-up
    times = []
    for _ in range(n):
        start = time.perf_counter()
        one()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    per_second = 1 / median
    print(f"{label:<46} {per_second:7.1f} signatures/s  (median {median * 1000:6.1f} ms, n={n})")
    return per_second


def main(n: int) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    with tempfile.TemporaryDirectory() as tmp:
        p12, cert = make_p12(Path(tmp))
        data = make_pdf()
        os.environ["LT_BENCH_P12_PASS"] = PASSPHRASE
        profile = SignerProfile(
            key=Pkcs12Key(path=p12, passphrase=SecretRef(env="LT_BENCH_P12_PASS")),
            full_name="Nguyễn Văn Bench",
            position="Giám đốc",
        )
        cached = load_signer(profile)
        stock = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=PASSPHRASE.encode())  # type: ignore[no-untyped-call]
        assert stock is not None
        print(f"PAdES B-B, RSA-2048, {len(data)} byte 3-page PDF, one core")
        stock_rate = rate("pyHanko SimpleSigner.load_pkcs12 (stock)", n, lambda: sign_invisible(data, stock))
        cached_rate = rate("CachedKeySigner (key parsed once)", n, lambda: sign_invisible(data, cached))
        config = SigningConfig(signers={"bench": profile}, trust_anchors=[cert])
        ctx = SigningContext(config, load_extra_certs([cert]), [])
        req = SignPdfRequest(
            signer="bench", box=StampBox(page=3, x1=330, y1=60, x2=540, y2=170), level=PadesLevel.B_B
        )
        loop = asyncio.new_event_loop()
        service_rate = rate(
            "service path: placement + visible stamp + cached",
            n,
            lambda: loop.run_until_complete(sign_pdf(data, req, profile, cached, ctx)),
        )
        loop.close()
    print(f"ratio cached/stock: {cached_rate / stock_rate:.2f}x")
    print(f"ratio service/stock: {service_rate / stock_rate:.2f}x")
    verdict = "meets" if cached_rate >= 20 else "misses"
    print(f"cached-key rate {cached_rate:.1f}/s {verdict} the target of 20/s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
