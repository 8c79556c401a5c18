"""Point the loaded modules at the development PKI when no real signing configuration is given.

- signing: its configuration becomes the generated `signing.yaml` (marked `development: true`);
- documents: asks for the approval and issuing signatures (unless LIENTHONG_DOCUMENTS_SIGNING_ENABLED says);
- national axis, only while it talks to the local simulator: outgoing edXML is XML-DSig signed with the
  office's seal, incoming signatures are checked against the development root. Settings given in the
  environment (LIENTHONG_VDXP_SIGNING_KEY_FILE / _CERT_FILE, _TRUST_CA_FILES) are left as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import structlog

from lienthong.devpki.generate import Agency, DevPki, Person, Plan, Seal, ensure_dev_pki

if TYPE_CHECKING:
    from hub.module import Module
    from hub.settings import Settings

log = structlog.get_logger(__name__)
DEFAULT_SEAL_PROFILE = "clerk"


def _find(modules: list[Module], name: str) -> Any:
    return next((m for m in modules if m.name == name), None)


def stamp_position(position: str) -> str:
    """The position as the signature block prints it (Decree 30): a deputy signs "KT." for the head.

    >>> stamp_position("Phó Giám đốc Sở")
    'KT. GIÁM ĐỐC\\nPHÓ GIÁM ĐỐC'
    """
    title = position.removesuffix(" Sở").strip()
    if title.lower().startswith("phó "):
        return f"KT. {title[4:].upper()}\nPHÓ {title[4:].upper()}"
    return title.upper()


def plan_for(settings: Settings, modules: list[Module], port: int) -> Plan:
    """Who the development PKI certifies: the demo leaders (seed), the office's seal, the demo agencies."""
    from hub.orgchart import LEADER
    from lienthong.seed import STAFF

    documents = _find(modules, "documents")
    profiles: dict[str, str] = dict(documents.settings.signer_profiles) if documents else {}
    seal_profile: str = documents.settings.seal_profile if documents else DEFAULT_SEAL_PROFILE
    people: dict[str, Person] = {}  # one certificate per signer profile, the first leader holding it
    for user_id, full_name, position, _unit, roles in STAFF:
        profile = profiles.get(user_id, user_id)
        if LEADER in roles and profile not in people:
            people[profile] = Person(profile, user_id, full_name, position, stamp_position(position))
    agencies: tuple[Agency, ...] = ()
    if _find(modules, "vdxp") is not None:
        from adapters.vdxp.simulator.directory import load_directory

        agencies = tuple(
            Agency(code, a.name) for code, a in load_directory().items() if code != settings.agency_code
        )
    return Plan(
        people=tuple(people.values()),
        seal=Seal(profile=seal_profile, agency=settings.agency_name),
        agencies=agencies,
        base_url=f"http://127.0.0.1:{port}",
    )


def configure_development_keys(settings: Settings, modules: list[Module]) -> DevPki | None:
    """Generate or reuse the development PKI and configure the modules with it; None when not used."""
    signing = _find(modules, "signing")
    if signing is None or signing.config is not None:
        return None  # no signing module here, or a real configuration (LIENTHONG_SIGNING_CONFIG) is given
    from adapters.signing.settings import load_config

    path = signing.settings.development_config(settings.data_dir)
    if path is None:
        log.info(
            "signing.disabled",
            reason="LIENTHONG_SIGNING_CONFIG is not set and LIENTHONG_SIGNING_DEV_PKI=false",
        )
        return None
    pki = ensure_dev_pki(path.parent, plan_for(settings, modules, signing.settings.dev_pki_port))
    if pki.config != path:
        raise RuntimeError(f"the development PKI wrote {pki.config}, the signing settings expect {path}")
    signing.config = load_config(pki.config)
    _documents_sign(modules)
    _axis_signs_with_seal(modules, pki)
    log.warning(
        "signing.development_keys",
        folder=str(pki.folder),
        issued=list(pki.issued) or "none (reused)",
        trust_anchor=str(pki.root_cert),
        hint="signatures have no legal value; set LIENTHONG_SIGNING_CONFIG for real keys",
    )
    return pki


def _documents_sign(modules: list[Module]) -> None:
    documents = _find(modules, "documents")
    if documents is not None and "signing_enabled" not in documents.settings.model_fields_set:
        documents.settings.signing_enabled = True


def _axis_signs_with_seal(modules: list[Module], pki: DevPki) -> None:
    vdxp = _find(modules, "vdxp")
    if vdxp is None:
        return
    s = vdxp.settings
    if not s.is_development:
        log.info("vdxp.development_seal_not_used", reason="a real axis endpoint is configured")
        return
    if s.signing_key_file is None and s.signing_cert_file is None:
        s.signing_key_file, s.signing_cert_file = pki.seal_key, pki.seal_chain
    if not s.trust_ca_files:
        s.trust_ca_files = [pki.root_cert]


def development_keys_in_use(modules: list[Module]) -> bool:
    """Whether the signing service signs with development keys (the portal then shows a warning)."""
    signing = _find(modules, "signing")
    return bool(getattr(getattr(signing, "config", None), "development", False))
