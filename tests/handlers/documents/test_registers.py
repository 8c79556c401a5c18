"""Registers and notation kept as data: the clerk opens a register for decisions and a confidential
one and sets the units' abbreviations; a decision is numbered from 01 in its register, a công văn in
the default one, a secret document in the confidential one, each notation with the new abbreviations;
a closed register's type goes back to the default register. A type cannot belong to two registers,
the default register cannot be closed, bad codes and abbreviations are refused by name, and only the
clerk (or an administrator) changes any of it."""

from __future__ import annotations

from typing import Any

from tests.handlers.documents.conftest import Office, StartOffice
from tests.handlers.documents.test_internal_and_replies import _draft


async def _issue(office: Office, document_type: str, leader: str, **extra: Any) -> dict[str, Any]:
    """Draft, approve (by `leader`: two leaders alternate, so no one waits for a new one-time code) and
    issue a document of the type."""
    doc_id = await _draft(
        office,
        "chuyenvien",
        subject=f"{document_type} thử đánh số theo sổ",
        document_type=document_type,
        recipients=[{"unit_id": "DNDT"}],
        **extra,
    )
    r = await office.post("chuyenvien", f"/api/documents/{doc_id}/submit", json={"approvers": [leader]})
    assert r.status_code == 200, r.text
    r = await office.post(leader, f"/api/documents/{doc_id}/approve", json={"otp": await office.code(leader)})
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    r = await office.post("vanthu", f"/api/documents/{doc_id}/issue")
    assert r.status_code == 200, r.text
    issued: dict[str, Any] = r.json()
    return issued


async def test_each_document_is_numbered_in_its_register_with_the_office_notation(
    start_office: StartOffice,
) -> None:
    office = await start_office()
    books = (await office.get("chuyenvien", "/api/documents/registers")).json()
    assert [(b["code"], b["direction"], b["default"], b["last_number"]) for b in books] == [
        ("VBDEN", "in", True, 0),
        ("VBDI", "out", True, 0),
    ]

    # only the clerk (or an administrator) opens registers and sets abbreviations
    decision = {"code": "qd", "name": "Sổ quyết định", "direction": "out", "document_types": ["quyet dinh"]}
    refused = await office.post("chuyenvien", "/api/documents/registers", json=decision)
    assert refused.status_code == 403 and "Văn thư" in refused.json()["detail"]
    opened = await office.post("vanthu", "/api/documents/registers", json=decision)
    assert opened.status_code == 201, opened.text
    assert (opened.json()["code"], opened.json()["document_types"]) == ("QD", ["Quyết định"])
    twice = {**decision, "code": "QD2", "name": "Sổ quyết định 2"}
    clash = await office.post("vanthu", "/api/documents/registers", json=twice)
    assert clash.status_code == 409 and "Quyết định" in clash.json()["detail"]
    bad = await office.post("vanthu", "/api/documents/registers", json={**decision, "code": "Q Đ"})
    assert bad.status_code == 422 and "Mã sổ" in bad.json()["detail"]
    unknown = await office.post(
        "vanthu", "/api/documents/registers", json={**twice, "document_types": ["Thư tình"]}
    )
    assert unknown.status_code == 422 and "Thư tình" in unknown.json()["detail"]
    secret = {"code": "MAT", "name": "Sổ văn bản mật", "direction": "out", "confidential": True}
    assert (await office.post("vanthu", "/api/documents/registers", json=secret)).status_code == 201
    closing = await office.call("PATCH", "vanthu", "/api/documents/registers/VBDI", json={"active": False})
    assert closing.status_code == 409 and "mặc định" in closing.json()["detail"]

    lower = await office.call(
        "PUT", "vanthu", "/api/documents/notation", json={"agency": "SK-HĐT", "units": {}}
    )
    assert lower.status_code == 422 and "SK-HĐT" in lower.json()["detail"]
    notation = {"agency": "SKHĐT", "units": {"TH": "THQH", "DNDT": "ĐKĐT"}}
    assert (
        await office.call("PUT", "chuyenvien", "/api/documents/notation", json=notation)
    ).status_code == 403
    saved = await office.call("PUT", "vanthu", "/api/documents/notation", json=notation)
    assert saved.status_code == 200 and saved.json()["units"]["DNDT"] == "ĐKĐT"

    # numbered: a decision from 01 in its register; a công văn in the default one; a secret one apart
    first = await _issue(office, "Quyết định", "giamdoc")
    letter = await _issue(office, "Công văn", "phogiamdoc")
    hidden = await _issue(office, "Công văn", "giamdoc", confidentiality="Mật")
    assert [d["code"] for d in (first, letter, hidden)] == [
        "01/QĐ-SKHĐT",
        "01/SKHĐT-THQH",  # the drafting unit's new abbreviation
        "01/SKHĐT-THQH",  # the confidential register numbers on its own
    ]
    assert [d["register_code"] for d in (first, letter, hidden)] == ["QD", "VBDI", "MAT"]
    counts = {
        b["code"]: b["last_number"] for b in (await office.get("vanthu", "/api/documents/registers")).json()
    }
    assert counts == {"VBDEN": 0, "VBDI": 1, "QD": 1, "MAT": 1}

    # the register's list and export hold its own documents only
    listed = (await office.get("vanthu", "/api/documents", params={"register": "QD"})).json()
    assert [d["code"] for d in listed["items"]] == ["01/QĐ-SKHĐT"]
    xlsx = await office.get("vanthu", "/api/documents/registers/outgoing.xlsx", params={"register": "QD"})
    assert xlsx.status_code == 200 and "so-quyet-dinh-" in xlsx.headers["content-disposition"]
    wrong_way = await office.get(
        "vanthu", "/api/documents/registers/incoming.xlsx", params={"register": "QD"}
    )
    assert wrong_way.status_code == 404

    # closing the decisions' register sends the next decision to the default register
    closed = await office.call("PATCH", "vanthu", "/api/documents/registers/QD", json={"active": False})
    assert closed.status_code == 200 and closed.json()["active"] is False
    later = await _issue(office, "Quyết định", "phogiamdoc")
    assert (later["register_code"], later["code"]) == ("VBDI", "02/QĐ-SKHĐT")
