"""Signing service: leaders approve and clerks issue PDFs with PAdES signatures; incoming are validated."""

from adapters.signing.config import (
    KeySourceError,
    Pkcs11Key,
    Pkcs12Key,
    SecretRef,
    SignerProfile,
    SigningConfig,
)
from adapters.signing.engine import SigningEngine
from adapters.signing.models import (
    PadesLevel,
    Problem,
    SignatureReport,
    SigningStage,
    SignPdfRequest,
    SignPdfResult,
    StampBox,
    ValidatePdfRequest,
    ValidationReport,
    Verdict,
)
from adapters.signing.sign import SigningRefused

__all__ = [
    "KeySourceError",
    "PadesLevel",
    "Pkcs11Key",
    "Pkcs12Key",
    "Problem",
    "SecretRef",
    "SignPdfRequest",
    "SignPdfResult",
    "SignatureReport",
    "SignerProfile",
    "SigningConfig",
    "SigningEngine",
    "SigningRefused",
    "SigningStage",
    "StampBox",
    "ValidatePdfRequest",
    "ValidationReport",
    "Verdict",
]
