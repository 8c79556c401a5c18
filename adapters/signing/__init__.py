"""Signing service: leaders approve and clerks issue PDFs with PAdES signatures; incoming are validated.

Names are imported lazily, so importing `adapters.signing.models` (as schemas/signing.py does) stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from adapters.signing.service import SigningModule
    from adapters.signing.sign import SigningRefused

    module: SigningModule

_EXPORTS = {
    "KeySourceError": "adapters.signing.config",
    "Pkcs11Key": "adapters.signing.config",
    "Pkcs12Key": "adapters.signing.config",
    "SecretRef": "adapters.signing.config",
    "SignerProfile": "adapters.signing.config",
    "SigningConfig": "adapters.signing.config",
    "SigningEngine": "adapters.signing.engine",
    "PadesLevel": "adapters.signing.models",
    "Problem": "adapters.signing.models",
    "SignatureReport": "adapters.signing.models",
    "SigningStage": "adapters.signing.models",
    "SignPdfRequest": "adapters.signing.models",
    "SignPdfResult": "adapters.signing.models",
    "StampBox": "adapters.signing.models",
    "ValidatePdfRequest": "adapters.signing.models",
    "ValidationReport": "adapters.signing.models",
    "Verdict": "adapters.signing.models",
    "SigningRefused": "adapters.signing.sign",
}

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
    "module",
]


def __getattr__(name: str) -> Any:
    """Import exported names, and build the hub module, on first access."""
    if name == "module":
        from adapters.signing.service import SigningModule

        value: Any = SigningModule()
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    else:
        raise AttributeError(name)
    globals()[name] = value
    return value
