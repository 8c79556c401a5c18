"""Development PKI: what `lienthong up` signs with when no real signing configuration is given.

On first start on an empty data folder it generates, into `<data>/devpki/`, a root and an issuing CA
whose names say they are for development, a signing certificate for each demo leader, the office's
seal, seal certificates for the demo agencies on the simulators, a timestamp authority's certificate
and CRLs; every later start reuses them (`generate.py`). `services.py` serves the timestamp
authority, OCSP and the CRLs on 127.0.0.1; `wiring.py` points the signing service, the documents
module and the national axis adapter at them. Production settings replace all of it.
"""

from lienthong.devpki.generate import Agency, DevPki, Person, Plan, Seal, ensure_dev_pki

__all__ = ["Agency", "DevPki", "Person", "Plan", "Seal", "ensure_dev_pki"]
