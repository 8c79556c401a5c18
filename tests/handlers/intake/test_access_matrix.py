"""Walls of the one-stop dossiers, table-driven: every role of the handling unit (DNDT) and of other units,
the desk, a leader and an account without a staff role, against every read and change of the API.

A dossier outside a person's walls answers the same 404 as no dossier (nothing about the applicant in
it), a list or a search leaves it out, and a refused change changes nothing."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from typing import Any

from handlers.intake import IntakeModule
from kit.workcal import default_calendar
from tests.handlers.intake.harness import VN, Api, Clock, StartHub

APPLICANT = {
    "name": "Công ty TNHH Sông Hồng Xanh",
    "id_number": "0109998887",
    "phone": "0912345678",
    "email": "songhong@example.vn",
    "address": "12 Phạm Hùng, Nam Từ Liêm, Hà Nội",
}
LEADER, CLERK = "giamdoc", "vanthu"
SAME_UNIT = ("truongphongdt", "chuyenvien2")  # head and officer of DNDT, the handling unit
OTHER_UNIT = ("truongphongth", "chuyenvien", "chanhvanphong")  # heads and officer of TH and VP
NO_STAFF_ROLE = "quantri"  # admin of the ops portal
EVERYONE = (LEADER, CLERK, *SAME_UNIT, *OTHER_UNIT, NO_STAFF_ROLE)
READERS = {LEADER, CLERK, *SAME_UNIT}

# path under the dossier -> status for a reader (an outsider gets 404, an account without a role 403)
READS = {
    "": 200,
    "/files/0": 200,
    "/receipt.pdf": 200,
    "/control.pdf": 200,
    "/supplement.pdf": 404,  # there is none: told apart from the wall by its message
    "/refusal.pdf": 404,
    "/apology.pdf": 404,
}
OK, FORBIDDEN, HIDDEN = "ok", 403, 404
CHANGES: dict[str, dict[str, Any]] = {
    LEADER: {"result_ready": OK, "refused": OK, "apology": OK},
    CLERK: {"result_ready": FORBIDDEN, "refused": OK, "apology": FORBIDDEN},
    "truongphongdt": {"result_ready": OK, "refused": OK, "apology": OK},
    "chuyenvien2": {"result_ready": OK, "refused": OK, "apology": OK},
    "truongphongth": {"result_ready": HIDDEN, "refused": HIDDEN, "apology": HIDDEN},
    "chuyenvien": {"result_ready": HIDDEN, "refused": HIDDEN, "apology": HIDDEN},
    "chanhvanphong": {"result_ready": HIDDEN, "refused": HIDDEN, "apology": HIDDEN},
    NO_STAFF_ROLE: {"result_ready": FORBIDDEN, "refused": FORBIDDEN, "apology": FORBIDDEN},
}


def pdf_text(pdf: bytes) -> str | None:
    """The PDF's text through poppler's pdftotext (None when it is not installed)."""
    if shutil.which("pdftotext") is None:
        return None
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(done.stdout.decode().split())


def change_of(action: str, due: str) -> tuple[str, dict[str, Any]]:
    """The path (under the dossier) and body of one change."""
    if action == "apology":
        new_due = default_calendar().add_working_days(datetime.fromisoformat(due).date(), 3)
        return "/apology", {"reason": "Chờ ý kiến thẩm định của Sở Xây dựng", "new_due_date": str(new_due)}
    return f"/actions/{action}", {"note": "Hồ sơ không đủ điều kiện" if action == "refused" else ""}


async def new_dossier(api: Api, document: dict[str, Any], *, to: str | None = "DNDT") -> dict[str, Any]:
    """A dossier received and accepted at the desk, then transferred to `to` (None: left at the desk)."""
    r = await api.call(
        "POST",
        CLERK,
        "/api/intake/dossiers",
        json={"procedure_code": "DT-01", "applicant": APPLICANT, "accept": True, "documents": [document]},
    )
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    if to is not None:
        moved = await api.call(
            "POST", CLERK, f"/api/intake/dossiers/{code}/actions/transferred", json={"unit_id": to}
        )
        assert moved.status_code == 200, moved.text
    return dict((await api.call("GET", LEADER, f"/api/intake/dossiers/{code}")).json())


async def test_every_role_of_every_unit_against_every_endpoint(module_hub: StartHub) -> None:
    clock = Clock(datetime(2026, 11, 2, 9, tzinfo=VN))
    hub = await module_hub([IntakeModule(clock=clock)], ["handlers.intake"])
    api = Api(hub)
    try:
        up = await api.call(
            "POST", CLERK, "/api/intake/files?name=don-de-nghi.pdf", content=b"%PDF-1.4 don de nghi"
        )
        assert up.status_code == 200, up.text
        document = up.json()
        target = await new_dossier(api, document)
        at_desk = await new_dossier(api, document, to=None)
        code, base = target["code"], f"/api/intake/dossiers/{target['code']}"
        hidden = f"Không tìm thấy hồ sơ {code}"

        # -- reads: the page, each file and form; the list, a search, the register
        for user in EVERYONE:
            for path, wanted in READS.items():
                r = await api.call("GET", user, base + path)
                if user == NO_STAFF_ROLE:
                    assert r.status_code == 403, (user, path, r.text)
                elif user in READERS:
                    assert r.status_code == wanted, (user, path, r.text)
                    if wanted == 404:
                        assert r.json()["detail"] != hidden, (user, path)
                else:
                    assert r.status_code == 404, (user, path, r.text)
                    assert r.json()["detail"] == hidden and APPLICANT["name"] not in r.text, (user, path)
            if user == NO_STAFF_ROLE:
                continue
            for query in ("", f"?q={APPLICANT['name'][:12]}", "?unit_id=DNDT"):
                listed = (await api.call("GET", user, f"/api/intake/dossiers{query}")).json()
                codes = {d["code"] for d in listed["items"]}
                assert (code in codes) == (user in READERS), (user, query)
                if query != "?unit_id=DNDT":
                    assert (at_desk["code"] in codes) == (user in (LEADER, CLERK)), (user, query)
                if user not in READERS:
                    assert APPLICANT["name"] not in str(listed) and listed["total"] == 0, (user, query)
            register = await api.call("GET", user, "/api/intake/register.pdf?from=2026-11-01&to=2026-11-30")
            assert register.status_code == 200, (user, register.text)
            text = pdf_text(register.content)
            if text is not None:
                assert (code in text) == (user in READERS), user
        # the dossier still at the desk is the desk's and the leaders' only
        for user in (*SAME_UNIT, *OTHER_UNIT):
            r = await api.call("GET", user, f"/api/intake/dossiers/{at_desk['code']}")
            assert r.status_code == 404, (user, r.text)
        ghost = await api.call("GET", "chuyenvien", "/api/intake/dossiers/KHONG-CO-0000")
        assert ghost.status_code == 404 and ghost.json()["detail"] == "Không tìm thấy hồ sơ KHONG-CO-0000"

        # -- changes: every refusal on the one dossier, which stays as it was
        before = (await api.call("GET", LEADER, base)).json()
        for user, outcomes in CHANGES.items():
            for action, wanted in outcomes.items():
                if wanted == OK:
                    continue
                path, body = change_of(action, target["due_date"])
                r = await api.call("POST", user, base + path, json=body)
                assert r.status_code == wanted, (user, action, r.text)
                detail = r.json()["detail"]
                assert isinstance(detail, str) and detail and APPLICANT["name"] not in r.text, (user, action)
        assert (await api.call("GET", LEADER, base)).json() == before
        r = await api.call(
            "POST", "chuyenvien2", f"/api/intake/dossiers/{at_desk['code']}/actions/result_ready", json={}
        )
        assert r.status_code == 404  # not transferred to DNDT (yet): not theirs
        assert (await api.call("GET", LEADER, f"/api/intake/dossiers/{at_desk['code']}")).json() == at_desk

        # -- every allowed change, each on a dossier of its own
        for user, outcomes in CHANGES.items():
            for action, wanted in outcomes.items():
                if wanted != OK:
                    continue
                fresh = await new_dossier(api, document)
                path, body = change_of(action, fresh["due_date"])
                r = await api.call("POST", user, f"/api/intake/dossiers/{fresh['code']}{path}", json=body)
                assert r.status_code in (200, 201), (user, action, r.text)
                after = (await api.call("GET", LEADER, f"/api/intake/dossiers/{fresh['code']}")).json()
                assert after["steps"][-1]["by"] == user, (user, action)
    finally:
        await api.close()
