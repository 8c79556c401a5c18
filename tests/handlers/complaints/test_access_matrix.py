"""Walls of complaints and denunciations, table-driven: every role of the handling unit (TH) and of other
units, the desk, a leader and an account without a staff role, against every read and change of the API.

A case outside a person's walls answers the same 404 as no case; a denouncer's name, number, phone,
address and e-mail reach nobody but the leaders, the officer in charge and the head of the handling unit
(Law 25/2018 Art. 47), not the desk, not the unit's other officers, not the lists nor the exports; a
complaint's or petition's citizen stays within the handling unit, the desk and the leaders; a refused
change changes nothing."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from openpyxl import load_workbook

from handlers.complaints import ComplaintsModule
from handlers.complaints.access import WITHHELD_NAME
from handlers.complaints.service import PROTECTED_NAME
from hub.auth import hash_password
from hub.orgchart import OFFICER, User
from hub.runtime import Hub
from tests.handlers.intake.harness import PASSWORD, VN, Api, Clock, StartHub

NAME, ID_NUMBER, PHONE = "Phạm Thị Bí Mật", "001188776655", "0983334445"
EMAIL, ADDRESS = "bimat@example.vn", "18 Nguyễn Chí Thanh, Đống Đa, Hà Nội"
SECRETS = (NAME, ID_NUMBER, PHONE, EMAIL, ADDRESS)
LEADER, CLERK, NO_STAFF_ROLE = "giamdoc", "vanthu", "quantri"
HEAD, IN_CHARGE, COLLEAGUE = "truongphongth", "chuyenvien", "chuyenvien3"  # TH, the handling unit
OUTSIDERS = ("truongphongdt", "chuyenvien2", "chanhvanphong")  # heads and officer of DNDT and VP
EVERYONE = (LEADER, CLERK, HEAD, IN_CHARGE, COLLEAGUE, *OUTSIDERS, NO_STAFF_ROLE)
SEEN, MASKED, HIDDEN, FORBIDDEN = "seen", "masked", 404, 403

# who reads a case handled by TH (officer in charge: chuyenvien), and whether they know the submitter
READS_OF: dict[str, dict[str, Any]] = {
    "to_cao": {
        LEADER: SEEN,
        CLERK: MASKED,
        HEAD: SEEN,
        IN_CHARGE: SEEN,
        COLLEAGUE: MASKED,
        "truongphongdt": HIDDEN,
        "chuyenvien2": HIDDEN,
        "chanhvanphong": HIDDEN,
        NO_STAFF_ROLE: FORBIDDEN,
    },
    "khieu_nai": {
        LEADER: SEEN,
        CLERK: SEEN,
        HEAD: SEEN,
        IN_CHARGE: SEEN,
        COLLEAGUE: SEEN,
        "truongphongdt": HIDDEN,
        "chuyenvien2": HIDDEN,
        "chanhvanphong": HIDDEN,
        NO_STAFF_ROLE: FORBIDDEN,
    },
    # a new petition, not accepted yet: unit heads read it to decide on it, without the citizen
    "phan_anh": {
        LEADER: SEEN,
        CLERK: SEEN,
        HEAD: MASKED,
        IN_CHARGE: HIDDEN,
        COLLEAGUE: HIDDEN,
        "truongphongdt": MASKED,
        "chuyenvien2": HIDDEN,
        "chanhvanphong": MASKED,
        NO_STAFF_ROLE: FORBIDDEN,
    },
}
OK = "ok"
# changes of an accepted denunciation handled by TH: who may, who gets which refusal
CHANGES_ACCEPTED: dict[str, dict[str, Any]] = {
    "notes": {
        LEADER: OK,
        CLERK: 403,
        HEAD: OK,
        IN_CHARGE: OK,
        COLLEAGUE: OK,
        "truongphongdt": 404,
        "chuyenvien2": 404,
        "chanhvanphong": 404,
        NO_STAFF_ROLE: 403,
    },
    "evidence": {
        LEADER: OK,
        CLERK: 403,
        HEAD: OK,
        IN_CHARGE: OK,
        COLLEAGUE: OK,
        "truongphongdt": 404,
        "chuyenvien2": 404,
        "chanhvanphong": 404,
        NO_STAFF_ROLE: 403,
    },
    "assign": {
        LEADER: OK,
        CLERK: 403,
        HEAD: OK,
        IN_CHARGE: 403,
        COLLEAGUE: 403,
        "truongphongdt": 404,
        "chuyenvien2": 403,
        "chanhvanphong": 404,
        NO_STAFF_ROLE: 403,
    },
    "extend": {
        LEADER: OK,
        CLERK: 403,
        HEAD: OK,
        IN_CHARGE: 403,
        COLLEAGUE: 403,
        "truongphongdt": 404,
        "chuyenvien2": 403,
        "chanhvanphong": 404,
        NO_STAFF_ROLE: 403,
    },
}
# changes of a new petition
CHANGES_RECEIVED: dict[str, dict[str, Any]] = {
    "classify": {
        LEADER: OK,
        CLERK: OK,
        HEAD: OK,
        IN_CHARGE: 404,
        COLLEAGUE: 404,
        "truongphongdt": OK,
        "chuyenvien2": 404,
        "chanhvanphong": OK,
        NO_STAFF_ROLE: 403,
    },
    "accept": {  # into TH: a unit head of another unit may accept only into their own
        LEADER: OK,
        CLERK: 403,
        HEAD: OK,
        IN_CHARGE: 403,
        COLLEAGUE: 403,
        "truongphongdt": 403,
        "chuyenvien2": 403,
        "chanhvanphong": 403,
        NO_STAFF_ROLE: 403,
    },
    "reject": {
        LEADER: OK,
        CLERK: 403,
        HEAD: OK,
        IN_CHARGE: 403,
        COLLEAGUE: 403,
        "truongphongdt": OK,
        "chuyenvien2": 403,
        "chanhvanphong": OK,
        NO_STAFF_ROLE: 403,
    },
}
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


async def add_colleague(hub: Hub) -> None:
    """A second officer of TH, not in charge of the case."""
    async with hub.db.session() as s:
        s.add(
            User(
                id=COLLEAGUE,
                username=COLLEAGUE,
                full_name="Lý Thị Đồng",
                position="Chuyên viên",
                unit_id="TH",
                roles=[OFFICER],
                email=f"{COLLEAGUE}@skhdt.hanoi.gov.vn",
                password_hash=hash_password(PASSWORD),
            )
        )
        await s.commit()


async def new_case(api: Api, hub: Hub, kind: str, *, accept: bool) -> dict[str, Any]:
    """A case logged at the desk with the citizen's file; accepted into TH (officer chuyenvien) if asked."""
    claim = await hub.claims.put(b"%PDF-1.4 " + NAME.encode(), media_type="application/pdf")
    r = await api.call(
        "POST",
        CLERK,
        "/api/complaints/cases",
        json={
            "kind": kind,
            "channel": "counter",
            "subject": "Đơn về việc cấp phép đầu tư chậm",
            "content": "Nội dung đơn gửi Sở Kế hoạch và Đầu tư.",
            "submitter": {
                "name": NAME,
                "id_number": ID_NUMBER,
                "phone": PHONE,
                "email": EMAIL,
                "address": ADDRESS,
            },
            "attachments": [claim.model_dump(mode="json")],
        },
    )
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    if accept:
        r = await api.call(
            "POST",
            LEADER,
            f"/api/complaints/cases/{cid}/accept",
            json={"unit_id": "TH", "officer_id": IN_CHARGE},
        )
        assert r.status_code == 200, r.text
    return dict((await api.call("GET", LEADER, f"/api/complaints/cases/{cid}")).json())


async def attempt(api: Api, user: str, cid: str, action: str, n: int) -> Any:
    """One change of the case by `user`."""
    base = f"/api/complaints/cases/{cid}"
    if action == "evidence":
        return await api.call(
            "POST",
            user,
            f"{base}/evidence",
            data={"text": f"Ảnh hiện trường {n}"},
            files=[("files", ("anh.png", PNG, "image/png"))],
        )
    body = {
        "notes": {"text": f"Ghi chú xác minh {n}"},
        "assign": {"unit_id": "TH", "officer_id": COLLEAGUE},
        "extend": {"days": 10, "reason": "Cần xác minh thêm tại nhiều nơi", "complexity": "complex"},
        "classify": {"kind": "kien_nghi"},
        "accept": {"unit_id": "TH"},
        "reject": {"reason": "Không thuộc thẩm quyền giải quyết của Sở"},
    }[action]
    return await api.call("POST", user, f"{base}/{action}", json=body)


def check_read(user: str, wanted: Any, r: Any, what: str) -> None:
    """The answer of one read: the data, with or without the submitter, or the refusal."""
    if wanted in (HIDDEN, FORBIDDEN):
        assert r.status_code == wanted, (user, what, r.text)
        assert not any(x in r.text for x in SECRETS), (user, what)
        return
    assert r.status_code == 200, (user, what, r.text)
    if wanted == SEEN:
        assert NAME in r.text and PHONE in r.text, (user, what)
    else:
        assert not any(x in r.text for x in SECRETS), (user, what)


async def test_every_role_of_every_unit_against_every_endpoint(module_hub: StartHub) -> None:
    clock = Clock(datetime(2026, 9, 1, 9, tzinfo=VN))
    hub = await module_hub([ComplaintsModule(clock=clock)], ["handlers.complaints"])
    await add_colleague(hub)
    api = Api(hub)
    try:
        cases = {kind: await new_case(api, hub, kind, accept=kind != "phan_anh") for kind in READS_OF}

        # -- reads: the page, the citizen's file, the conclusion, the list, a search, the statistics
        for kind, expected in READS_OF.items():
            c = cases[kind]
            base = f"/api/complaints/cases/{c['id']}"
            for user, wanted in expected.items():
                page = await api.call("GET", user, base)
                check_read(user, wanted, page, f"{kind} page")
                if wanted == HIDDEN:
                    assert page.json()["detail"] == f"Không tìm thấy đơn {c['id']}", (user, kind)
                if wanted == MASKED:
                    mask = PROTECTED_NAME if kind == "to_cao" else WITHHELD_NAME
                    assert page.json()["submitter"]["name"] == mask and page.json()["identity_protected"]
                    assert all(f["name"] != "" and "bí mật" in f["name"] for f in page.json()["attachments"])
                file = await api.call("GET", user, f"{base}/files/0")
                if wanted == SEEN:
                    assert file.status_code == 200 and NAME.encode() in file.content, (user, kind)
                else:
                    assert file.status_code in (403, 404) and NAME.encode() not in file.content, (user, kind)
                conclusion = await api.call("GET", user, f"{base}/conclusion.pdf")
                assert conclusion.status_code == (403 if wanted == FORBIDDEN else 404), (user, kind)
                if wanted == FORBIDDEN:
                    continue
                for query in ("", f"?kind={kind}", f"?q={c['number']}", "?unit_id=TH"):
                    listed = await api.call("GET", user, f"/api/complaints/cases{query}")
                    ids = {i["id"]: i for i in listed.json()["items"]}
                    if wanted == HIDDEN:
                        assert c["id"] not in ids, (user, kind, query)
                    elif query != "?unit_id=TH" or kind != "phan_anh":
                        assert c["id"] in ids, (user, kind, query)
                        shown = ids[c["id"]]["submitter"]
                        assert (shown["name"] == NAME) == (wanted == SEEN), (user, kind, query)
                        assert (shown["phone"] == PHONE) == (wanted == SEEN), (user, kind, query)
        for user in EVERYONE:
            period = "from=2026-01-01&to=2026-12-31"
            stats = await api.call("GET", user, f"/api/complaints/stats?{period}")
            xlsx = await api.call("GET", user, f"/api/complaints/stats.xlsx?{period}")
            if user == NO_STAFF_ROLE:
                assert stats.status_code == 403 and xlsx.status_code == 403
                continue
            readable = {k for k, e in READS_OF.items() if e[user] in (SEEN, MASKED)}
            assert stats.json()["total"] == len(readable), user
            rows = list(load_workbook(io.BytesIO(xlsx.content)).worksheets[-1].iter_rows(values_only=True))
            numbers = {row[0] for row in rows[1:]}
            assert numbers == {cases[k]["number"] for k in readable}, user
            assert not any(x in str(rows) for x in SECRETS), user

        # -- refused changes: the answer, and nothing changed
        targets = {"to_cao": CHANGES_ACCEPTED, "phan_anh": CHANGES_RECEIVED}
        for kind, matrix in targets.items():
            c = cases[kind]
            before = (await api.call("GET", LEADER, f"/api/complaints/cases/{c['id']}")).json()
            for action, outcomes in matrix.items():
                for user, wanted in outcomes.items():
                    if wanted == OK:
                        continue
                    r = await attempt(api, user, c["id"], action, 0)
                    assert r.status_code == wanted, (user, action, r.text)
                    assert isinstance(r.json()["detail"], str) and r.json()["detail"], (user, action)
                    assert not any(x in r.text for x in SECRETS), (user, action)
            assert (await api.call("GET", LEADER, f"/api/complaints/cases/{c['id']}")).json() == before
        # a unit head hands a case only to their own unit
        r = await api.call(
            "POST", HEAD, f"/api/complaints/cases/{cases['to_cao']['id']}/assign", json={"unit_id": "DNDT"}
        )
        assert r.status_code == 403 and "chính đơn vị mình" in r.json()["detail"], r.text

        # -- every allowed change, each on a case of its own
        for kind, matrix in targets.items():
            for action, outcomes in matrix.items():
                for n, (user, wanted) in enumerate(outcomes.items()):
                    if wanted != OK:
                        continue
                    fresh = await new_case(api, hub, kind, accept=kind != "phan_anh")
                    r = await attempt(api, user, fresh["id"], action, n)
                    assert r.status_code in (200, 201), (user, action, r.text)
                    after = (await api.call("GET", LEADER, f"/api/complaints/cases/{fresh['id']}")).json()
                    assert after != fresh, (user, action)
    finally:
        await api.close()
