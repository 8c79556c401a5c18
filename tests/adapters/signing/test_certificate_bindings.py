"""USB token certificates bound to people by an administrator (database, not settings): once bound the
token flow accepts that certificate for that person only; unbound, for nobody; a certificate is bound to
one person at a time; expired and weak certificates are refused; only administrators bind, and every
binding is audited. The ops page does the same from the browser's form."""

from __future__ import annotations

from sqlalchemy import select

from hub.models import AuditEntry
from tests.adapters.signing.test_token_api import SESSIONS, StartHub, _body, _client, start_hub  # noqa: F401
from tests.hub.conftest import nats  # noqa: F401
from tests.portal.staff.agent import make_pki
from tests.portal.staff.conftest import pdf_bytes

CERTS = "/api/signing/certificates"


async def test_a_certificate_bound_by_an_administrator_signs_for_that_person_only(
    start_hub: StartHub,
) -> None:
    pki = make_pki()
    hub = await start_hub({})  # nothing bound in the settings
    original = await hub.claims.put(pdf_bytes("Quyết định"), media_type="application/pdf")
    admin, leader, deputy = [await _client(hub, u) for u in ("quantri", "giamdoc", "phogiamdoc")]
    pem = pki.pem(pki.cert).encode()
    try:
        before = await leader.post(SESSIONS, json=_body(original, pki))
        assert before.status_code == 403 and "chưa được gán" in before.text

        assert (
            await leader.post(CERTS, data={"user_id": "giamdoc"}, files={"file": ("t.cer", pem)})
        ).status_code == 403
        bound = await admin.post(CERTS, data={"user_id": "giamdoc"}, files={"file": ("token.cer", pem)})
        assert bound.status_code == 201, bound.text
        view = bound.json()
        assert view["user_id"] == "giamdoc" and view["certificate_sha256"] == pki.fingerprint
        assert "Nguyễn Văn Hùng" in view["subject"] and view["bound_by"] == "quantri"

        twice = await admin.post(CERTS, data={"user_id": "phogiamdoc"}, files={"file": ("t.cer", pem)})
        assert twice.status_code == 409 and "đã được gán cho tài khoản giamdoc" in twice.json()["detail"]

        assert (await leader.post(SESSIONS, json=_body(original, pki))).status_code == 200
        other = await deputy.post(SESSIONS, json=_body(original, pki))  # the same token, another person
        assert other.status_code == 403 and "chưa được gán cho tài khoản phogiamdoc" in other.text

        expired, weak = make_pki(valid=(-48, -24)), make_pki(key_size=1024)
        for bad, word in ((expired, "hết hạn"), (weak, "2048")):
            refused = await admin.post(
                CERTS, data={"user_id": "phogiamdoc"}, files={"file": ("t.cer", bad.pem(bad.cert).encode())}
            )
            assert refused.status_code == 422 and word in refused.json()["detail"], refused.text
        garbage = await admin.post(CERTS, data={"user_id": "giamdoc"}, files={"file": ("t.cer", b"<script>")})
        assert garbage.status_code == 422 and "không đọc được" in garbage.json()["detail"]

        listed = (await admin.get(CERTS)).json()
        assert [b["user_id"] for b in listed] == ["giamdoc"]
        assert (await leader.get(CERTS)).status_code == 403
        assert (await admin.delete(f"{CERTS}/{view['id']}")).status_code == 204
        assert (await admin.get(CERTS)).json() == []
        after = await leader.post(SESSIONS, json=_body(original, pki))
        assert after.status_code == 403 and "chưa được gán" in after.text
    finally:
        for c in (admin, leader, deputy):
            await c.aclose()
    async with hub.db.session() as s:
        actions = [
            (a.action, a.actor, a.target)
            for a in (
                await s.execute(select(AuditEntry).where(AuditEntry.action.like("signing.certificate%")))
            )
            .scalars()
            .all()
        ]
    assert actions == [
        ("signing.certificate_bound", "quantri", "user:giamdoc"),
        ("signing.certificate_unbound", "quantri", "user:giamdoc"),
    ]


async def test_the_ops_page_binds_and_unbinds_from_its_form(start_hub: StartHub) -> None:
    pki = make_pki("Trần Thị Lan")
    hub = await start_hub({})
    admin = await _client(hub, "quantri")
    csrf = admin.headers["X-CSRF-Token"]
    try:
        page = await admin.get("/signing-certificates")
        assert page.status_code == 200 and "Chưa gán chứng thư số nào" in page.text
        done = await admin.post(
            "/signing-certificates",
            data={"csrf_token": csrf, "user_id": "phogiamdoc"},
            files={"file": ("lan.pem", pki.pem(pki.cert).encode())},
        )
        assert done.status_code == 303 and "certificate_bound" in done.headers["location"]
        page = await admin.get(done.headers["location"])
        assert "Đã gán chứng thư số cho người ký" in page.text and "Trần Thị Lan" in page.text
        refused = await admin.post(
            "/signing-certificates",
            data={"csrf_token": csrf, "user_id": "giamdoc"},
            files={"file": ("lan.pem", pki.pem(pki.cert).encode())},
        )
        page = await admin.get(refused.headers["location"])
        assert "đã được gán cho tài khoản phogiamdoc" in page.text
        binding = (await admin.get(CERTS)).json()[0]["id"]
        gone = await admin.post(f"/signing-certificates/{binding}/unbind", data={"csrf_token": csrf})
        assert gone.status_code == 303 and (await admin.get(CERTS)).json() == []
    finally:
        await admin.aclose()
