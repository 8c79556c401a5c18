"""Who may read and change what in the documents API, as a table: every role of the unit a document
was given to and of another unit, and for confidential documents a leader, a person named on it and
an unnamed person of the same unit, against every read and change endpoint. A refusal answers 403
(missing role) or 404 (not visible: no hint that it exists) and changes nothing; confidential
documents are missing from others' lists, search, registers and dossiers, their reads are audited,
and they never go over the axis."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from openpyxl import load_workbook
from sqlalchemy import func, select

from handlers.documents.models import DocAccess, DocApproval, DocDelivery, DocHistory, Document, DocVersion
from hub.auth import hash_password
from hub.models import AuditEntry
from hub.orgchart import CLERK, OFFICER, User
from hub.runtime import wait_for
from schemas.edxml import BuildOptions, Code, EdocMessage, MessageHeader, Organization
from schemas.edxml.build import build_edoc
from tests.handlers.documents.conftest import (
    PASSWORD,
    SENDER,
    SENDER_NAME,
    US,
    Office,
    StartOffice,
    pdf_bytes,
    received_event,
)

LEADER_ = "giamdoc"
CLERK_ = "vanthu"  # registers and issues the documents below
CLERK_2 = "vanthu2"  # another clerk, named on nothing
HEAD = "truongphongth"  # head of TH, the unit the documents are given to
OFFICER_ = "chuyenvien"  # officer of TH, named on them (handler, drafter)
OFFICER_3 = "chuyenvien3"  # officer of TH, named on nothing
OTHER_HEAD = "truongphongdt"  # head of DNDT, another unit
OTHER_OFFICER = "chuyenvien2"  # officer of DNDT (the outgoing one is issued to them personally)
PEOPLE = (LEADER_, CLERK_, CLERK_2, HEAD, OFFICER_, OFFICER_3, OTHER_HEAD, OTHER_OFFICER)
CLERKS = {CLERK_, CLERK_2}
LEADERS = {LEADER_}
HEADS = {HEAD, OTHER_HEAD}
OFFICERS = {OFFICER_, OFFICER_3, OTHER_OFFICER}


async def _add_people(office: Office) -> None:
    """A second clerk and a second officer of TH, named on nothing."""
    async with office.hub.db.session() as s:
        for user_id, name, unit, role in (
            (CLERK_2, "Phan Thị Ngọc", "VP", CLERK),
            (OFFICER_3, "Lý Văn Sơn", "TH", OFFICER),
        ):
            s.add(
                User(
                    id=user_id,
                    username=user_id,
                    full_name=name,
                    position="Chuyên viên",
                    unit_id=unit,
                    roles=[role],
                    email=f"{user_id}@skhdt.hanoi.gov.vn",
                    password_hash=hash_password(PASSWORD),
                )
            )


def _ok(r: httpx.Response, code: int = 200) -> dict[str, Any]:
    assert r.status_code == code, r.text
    body: dict[str, Any] = r.json()
    return body


async def _paper(office: Office, subject: str, confidentiality: str) -> str:
    """A paper document registered by the clerk, assigned to TH, handled and completed by the officer."""
    meta = {"subject": subject, "from_agency": "Công an thành phố", "confidentiality": confidentiality}
    files = {"file": ("scan.pdf", pdf_bytes(f"{subject}. Nội dung kín"), "application/pdf")}
    doc = _ok(
        await office.post(
            CLERK_, "/api/documents/incoming/paper", data={"metadata": json.dumps(meta)}, files=files
        ),
        201,
    )
    doc_id = str(doc["id"])
    _ok(await office.post(LEADER_, f"/api/documents/{doc_id}/assign", json={"lead_unit_id": "TH"}))
    _ok(await office.post(HEAD, f"/api/documents/{doc_id}/handlers", json={"officer_ids": [OFFICER_]}))
    _ok(await office.post(OFFICER_, f"/api/documents/{doc_id}/processing", json={}))
    _ok(await office.post(OFFICER_, f"/api/documents/{doc_id}/complete", json={"note": "Xong"}))
    return doc_id


async def _outgoing(office: Office, subject: str, confidentiality: str) -> str:
    """Drafted by the officer of TH with an appendix, approved by the head then the leader, issued by
    the clerk inside the agency to the officer of the other unit."""
    draft = _ok(
        await office.post(
            OFFICER_,
            "/api/documents/outgoing",
            json={
                "subject": subject,
                "document_type": "Công văn",
                "confidentiality": confidentiality,
                "recipients": [{"user_id": OTHER_OFFICER}],
            },
        ),
        201,
    )
    doc_id = str(draft["id"])
    pdf = {"file": ("du-thao.pdf", pdf_bytes(subject), "application/pdf")}
    _ok(await office.post(OFFICER_, f"/api/documents/{doc_id}/versions", files=pdf), 201)
    appendix = {"file": ("phu-luc.pdf", pdf_bytes("Phụ lục"), "application/pdf")}
    _ok(await office.post(OFFICER_, f"/api/documents/{doc_id}/attachments", files=appendix), 201)
    _ok(await office.post(OFFICER_, f"/api/documents/{doc_id}/submit", json={"approvers": [HEAD, LEADER_]}))
    _ok(await office.post(HEAD, f"/api/documents/{doc_id}/approve", json={}))
    otp = await office.code(LEADER_)
    _ok(await office.post(LEADER_, f"/api/documents/{doc_id}/approve", json={"otp": otp}))
    assert _ok(await office.post(CLERK_, f"/api/documents/{doc_id}/issue"))["status"] == "issued"
    return doc_id


async def _state(office: Office, doc_id: str) -> tuple[Any, ...]:
    """Everything a change could touch: the row and its history, grants, versions, approvals, deliveries."""
    async with office.hub.db.session() as s:
        doc = await s.get(Document, doc_id)
        assert doc is not None
        row = tuple(getattr(doc, c.key) for c in Document.__table__.columns)
        counts = []
        for model in (DocHistory, DocAccess, DocVersion, DocApproval, DocDelivery):
            stmt = select(func.count()).select_from(model).where(model.document_id == doc_id)  # type: ignore[attr-defined]
            counts.append(await s.scalar(stmt))
        return (row, *counts)


@dataclass(frozen=True)
class Case:
    """One documents document as seen by everyone: who sees it, and who may act at which endpoint."""

    name: str
    doc_id: str
    sees: frozenset[str]


@dataclass(frozen=True)
class Endpoint:
    """A change endpoint: the roles its route admits, the call, and the answer to one who sees it."""

    name: str
    roles: frozenset[str]
    call: Callable[[Office, str, str], Any]
    seen: Callable[[str, Case], int]


def _post(path: str, **kw: Any) -> Callable[[Office, str, str], Any]:
    async def call(office: Office, who: str, doc_id: str) -> httpx.Response:
        return await office.post(who, f"/api/documents/{doc_id}/{path}", **kw)

    return call


async def _detach(office: Office, who: str, doc_id: str) -> httpx.Response:
    return await office.client.delete(f"/api/documents/{doc_id}/attachments/0", headers=await office.as_(who))


def _upload(path: str) -> Callable[[Office, str, str], Any]:
    async def call(office: Office, who: str, doc_id: str) -> httpx.Response:
        files = {"file": ("khac.pdf", pdf_bytes("Bản khác"), "application/pdf")}
        return await office.post(who, f"/api/documents/{doc_id}/{path}", files=files)

    return call


def _incoming(case: Case) -> bool:
    return case.name.endswith("incoming")


# Every document below is finished (completed or issued): whoever passes the access gate is refused by
# the step itself (409 for its state, 403 for not being the one whose step it is, 422 for an incoming
# document having no appendices), so the table shows the gate without changing anything.
ENDPOINTS = [
    Endpoint("register", frozenset(CLERKS), _post("register", json={}), lambda who, c: 409),
    Endpoint("reject", frozenset(CLERKS), _post("reject", json={"reason": "Sai"}), lambda who, c: 409),
    Endpoint(
        "assign", frozenset(LEADERS), _post("assign", json={"lead_unit_id": "DNDT"}), lambda who, c: 409
    ),
    Endpoint(
        "handlers",
        frozenset(HEADS),
        _post("handlers", json={"officer_ids": [OFFICER_]}),
        lambda who, c: 409,
    ),
    Endpoint(
        "processing",
        frozenset(HEADS | OFFICERS),
        _post("processing", json={}),
        lambda who, c: 409 if who == OFFICER_ and _incoming(c) else 403,
    ),
    Endpoint(
        "complete",
        frozenset(HEADS | OFFICERS),
        _post("complete", json={}),
        lambda who, c: 409 if who in (OFFICER_, HEAD) and _incoming(c) else 403,
    ),
    Endpoint("versions", frozenset(PEOPLE), _upload("versions"), lambda who, c: 409),
    Endpoint(
        "attach", frozenset(PEOPLE), _upload("attachments"), lambda who, c: 422 if _incoming(c) else 409
    ),
    Endpoint("detach", frozenset(PEOPLE), _detach, lambda who, c: 422 if _incoming(c) else 409),
    Endpoint(
        "submit",
        frozenset(PEOPLE),
        _post("submit", json={"approvers": [LEADER_]}),
        lambda who, c: 409 if who == (CLERK_ if _incoming(c) else OFFICER_) else 403,  # its creator
    ),
    Endpoint("approve", frozenset(HEADS | LEADERS), _post("approve", json={}), lambda who, c: 403),
    Endpoint(
        "return", frozenset(HEADS | LEADERS), _post("return", json={"comment": "Sửa"}), lambda who, c: 403
    ),
    Endpoint("issue", frozenset(CLERKS), _post("issue"), lambda who, c: 409),
]


async def _cases(office: Office) -> list[Case]:
    """An ordinary and a confidential incoming document, an ordinary and a confidential outgoing one."""
    ordinary_in = await _paper(office, "Báo cáo tiến độ giải ngân", "Thường")
    secret_in = await _paper(office, "Báo cáo tình hình an ninh kinh tế", "Tuyệt mật")
    ordinary_out = await _outgoing(office, "Công văn đôn đốc giải ngân", "Thường")
    secret_out = await _outgoing(office, "Công văn về phương án bảo vệ mục tiêu", "Tối mật")
    everyone = frozenset(PEOPLE)
    return [
        # ordinary: clerks and leaders see all, the unit it was given to sees it, the other unit not
        Case("ordinary incoming", ordinary_in, everyone - {OTHER_HEAD, OTHER_OFFICER}),
        # confidential: the leader and the people named (registering clerk, head of the lead unit, the
        # officer handling it); not the other clerk nor the unnamed officer of the same unit
        Case("confidential incoming", secret_in, frozenset({LEADER_, CLERK_, HEAD, OFFICER_})),
        Case("ordinary outgoing", ordinary_out, everyone - {OTHER_HEAD}),
        # confidential outgoing: leader, drafter, approvers (head, leader), issuing clerk, the person it
        # was issued to (of another unit)
        Case(
            "confidential outgoing",
            secret_out,
            frozenset({LEADER_, CLERK_, HEAD, OFFICER_, OTHER_OFFICER}),
        ),
    ]


def _read_paths(case: Case) -> list[str]:
    base = f"/api/documents/{case.doc_id}"
    file_n = 0 if _incoming(case) else 1  # an incoming one's scan, an outgoing one's first version
    return [base, f"{base}/files/{file_n}", f"{base}/attachments/0"]


async def test_every_role_of_every_unit_against_every_documents_endpoint(start_office: StartOffice) -> None:
    office = await start_office()
    await _add_people(office)
    cases = await _cases(office)
    wrong: list[str] = []
    for case in cases:
        for who in PEOPLE:
            for path in _read_paths(case):
                r = await office.get(who, path)
                want = 200 if who in case.sees else 404
                if r.status_code != want:
                    wrong.append(f"{case.name} GET {path} as {who}: {r.status_code}, want {want}")
                elif want == 200 and path.endswith(case.doc_id):
                    assert r.json()["id"] == case.doc_id
                elif want == 200:
                    assert r.content.startswith(b"%PDF")
                elif want == 404:
                    assert "không tồn tại hoặc bạn không có quyền xem" in r.json()["detail"]
        before = await _state(office, case.doc_id)
        for endpoint in ENDPOINTS:
            for who in PEOPLE:
                if who not in endpoint.roles:
                    want = 403
                elif who not in case.sees:
                    want = 404
                else:
                    want = endpoint.seen(who, case)
                r = await endpoint.call(office, who, case.doc_id)
                if r.status_code != want:
                    wrong.append(f"{case.name} {endpoint.name} as {who}: {r.status_code} {r.text[:160]}")
                assert await _state(office, case.doc_id) == before, f"{case.name} {endpoint.name} as {who}"
    assert not wrong, "\n".join(wrong)


async def _found(office: Office, who: str, **params: Any) -> tuple[set[str], int]:
    """The ids a person's search finds and the total it reports."""
    page = _ok(await office.get(who, "/api/documents", params={"limit": 100, **params}))
    return {d["id"] for d in page["items"]}, int(page["total"])


async def _register_subjects(office: Office, who: str) -> str:
    """The text of every cell of the incoming register's workbook as the person downloads it."""
    r = await office.get(who, "/api/documents/registers/incoming.xlsx")
    assert r.status_code == 200, r.text
    book = load_workbook(io.BytesIO(r.content), read_only=True)
    return " ".join(
        str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row
    )


async def test_confidential_documents_are_missing_for_others_and_every_read_is_audited(
    start_office: StartOffice,
) -> None:
    office = await start_office()
    await _add_people(office)
    ordinary = await _paper(office, "Báo cáo tiến độ giải ngân", "Thường")
    secret = await _paper(office, "Báo cáo tình hình an ninh kinh tế", "Tuyệt mật")

    # lists and counts: the unnamed officer of the same unit and the other clerk see the ordinary one only
    for who in (OFFICER_3, CLERK_2):
        assert await _found(office, who) == ({ordinary}, 1), who
    for who in (LEADER_, CLERK_, HEAD, OFFICER_):
        assert await _found(office, who) == ({ordinary, secret}, 2), who
    # search by metadata (without diacritics) and by the scan's text
    for q in ("an ninh kinh te", "noi dung kin"):
        assert (await _found(office, OFFICER_3, q=q))[1] == (1 if q == "noi dung kin" else 0)
        assert secret in (await _found(office, OFFICER_, q=q))[0]
        assert secret not in (await _found(office, CLERK_2, q=q, direction="in"))[0]
    # the register: the other clerk's export leaves the confidential row out; the named clerk's has it
    assert "an ninh kinh tế" not in await _register_subjects(office, CLERK_2)
    assert "an ninh kinh tế" in await _register_subjects(office, CLERK_)
    assert "an ninh kinh tế" in await _register_subjects(office, LEADER_)
    # a dossier of the unit holding it: the unnamed officer of the unit does not find it there
    dossier = _ok(
        await office.post(HEAD, "/api/documents/dossiers", json={"title": "An ninh", "notation": "TH.09"}),
        201,
    )["id"]
    for doc_id in (ordinary, secret):
        item = {"document_id": doc_id}
        _ok(await office.post(HEAD, f"/api/documents/dossiers/{dossier}/items", json=item), 201)
    r = await office.post(OFFICER_3, f"/api/documents/dossiers/{dossier}/items", json={"document_id": secret})
    assert r.status_code == 404, r.text

    def held(body: dict[str, Any]) -> set[str]:
        return {i["document_id"] for i in body["items"] if i["document_id"]}

    assert held(_ok(await office.get(OFFICER_3, f"/api/documents/dossiers/{dossier}"))) == {ordinary}
    assert held(_ok(await office.get(HEAD, f"/api/documents/dossiers/{dossier}"))) == {ordinary, secret}
    r = await office.get(OFFICER_3, f"/api/documents/dossiers/{dossier}/export.xml")
    assert r.status_code == 200 and "an ninh kinh tế" not in r.text

    # every read of the confidential one is audited: who, when, which document; refusals too
    async with office.hub.db.session() as s:
        first = await s.scalar(select(func.max(AuditEntry.id)))
    for who in (LEADER_, OFFICER_, OFFICER_3):
        await office.get(who, f"/api/documents/{secret}")
    await office.get(HEAD, f"/api/documents/{secret}/files/0")
    async with office.hub.db.session() as s:
        rows = (
            await s.execute(
                select(AuditEntry.actor, AuditEntry.action, AuditEntry.target, AuditEntry.at)
                .where(AuditEntry.id > (first or 0))
                .order_by(AuditEntry.id)
            )
        ).all()
    assert [(a, act, t) for a, act, t, _ in rows] == [
        (LEADER_, "document.read", f"document:{secret}"),
        (OFFICER_, "document.read", f"document:{secret}"),
        (OFFICER_3, "document.read_refused", f"document:{secret}"),
        (HEAD, "document.file_read", f"document:{secret}"),
    ]
    assert all(at is not None for *_, at in rows)


async def test_a_confidential_document_never_goes_over_the_axis(start_office: StartOffice) -> None:
    office = await start_office()
    agency = {"code": SENDER, "name": SENDER_NAME}
    draft = {"subject": "Phương án bảo vệ", "document_type": "Công văn", "confidentiality": "Mật"}

    async def documents() -> int:
        async with office.hub.db.session() as s:
            return int(await s.scalar(select(func.count()).select_from(Document)) or 0)

    # refused when drafted for an agency outside, nothing kept
    r = await office.post(OFFICER_, "/api/documents/outgoing", json={**draft, "recipients": [agency]})
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith("Văn bản mật không được gửi qua trục liên thông")
    assert r.json()["field"] == "recipients"
    assert await documents() == 0
    # internal delivery to a named person stays allowed
    r = await office.post(
        OFFICER_, "/api/documents/outgoing", json={**draft, "recipients": [{"user_id": HEAD}]}
    )
    assert r.status_code == 201, r.text

    # a draft approved for an agency, marked confidential afterwards: the issue is refused before the
    # number, the delivery or the edoc
    ordinary = _ok(
        await office.post(
            OFFICER_,
            "/api/documents/outgoing",
            json={**draft, "confidentiality": "Thường", "recipients": [agency]},
        ),
        201,
    )["id"]
    pdf = {"file": ("du-thao.pdf", pdf_bytes("Phương án"), "application/pdf")}
    _ok(await office.post(OFFICER_, f"/api/documents/{ordinary}/versions", files=pdf), 201)
    _ok(await office.post(OFFICER_, f"/api/documents/{ordinary}/submit", json={"approvers": [LEADER_]}))
    otp = await office.code(LEADER_)
    _ok(await office.post(LEADER_, f"/api/documents/{ordinary}/approve", json={"otp": otp}))
    async with office.hub.db.session() as s:
        doc = await s.get(Document, ordinary)
        assert doc is not None
        doc.confidentiality = "Tối mật"
    before = await _state(office, ordinary)
    r = await office.post(CLERK_, f"/api/documents/{ordinary}/issue")
    assert r.status_code == 422, r.text
    assert "Văn bản mật không được gửi qua trục liên thông" in r.json()["detail"]
    assert SENDER_NAME in r.json()["detail"]
    assert await _state(office, ordinary) == before
    async with office.hub.db.session() as s:
        doc = await s.get(Document, ordinary)
        assert doc is not None and (doc.status, doc.number, doc.code) == ("approved", None, None)
    assert not [c for _, c in office.bus.seen["axis.send"] if c.message_type == "edoc"]
    assert not office.bus.seen["document.issued"]


def _secret_edxml(subject: str, element: str | None = None) -> bytes:
    """An edoc whose subject carries the stamp, or with a secret-level element of the sender's own."""
    header = MessageHeader(
        from_=Organization(organ_id=SENDER, organ_name=SENDER_NAME),
        to=[Organization(organ_id=US)],
        document_id=f"{SENDER},2026/11/20,77/VPCP-KTTH",
        code=Code(code_number="77", code_notation="VPCP-KTTH"),
        subject=subject,
    )
    data = build_edoc(EdocMessage(message_header=header), BuildOptions())
    if element:
        data = data.replace(b"</edXML:Subject>", b"</edXML:Subject>" + element.encode(), 1)
    return data


async def test_a_document_marked_secret_from_an_axis_is_kept_confidential_for_the_clerk(
    start_office: StartOffice,
) -> None:
    office = await start_office()
    await _add_people(office)
    subject = "TỐI MẬT - Kế hoạch bảo vệ mục tiêu trọng yếu"
    payload = await received_event(office.hub, number="77", subject=subject, edxml=_secret_edxml(subject))
    await office.hub.publish("document.received", payload, source="vdxp", issue=payload.document_id)

    async def arrived() -> Document | None:
        async with office.hub.db.session() as s:
            found: Document | None = await s.scalar(select(Document).where(Document.code == "77/VPCP-KTTH"))
            return found

    async def has_arrived() -> bool:
        return await arrived() is not None

    assert await wait_for(has_arrived, timeout=60)
    doc = await arrived()
    assert doc is not None
    # marked confidential and not registered nor announced: it waits for the clerk
    assert (doc.confidentiality, doc.status, doc.number) == ("Tối mật", "received", None)
    assert not office.bus.seen["document.registered"]
    for who, want in ((CLERK_, 200), (CLERK_2, 200), (LEADER_, 200), (HEAD, 404), (OFFICER_, 404)):
        assert (await office.get(who, f"/api/documents/{doc.id}")).status_code == want, who
    detail = _ok(await office.get(CLERK_, f"/api/documents/{doc.id}"))
    assert any("không phân phối tự động" in h["text"] for h in detail["history"])
    # the clerk registers it: then only the clerk who did (and leaders) still see it
    _ok(await office.post(CLERK_, f"/api/documents/{doc.id}/register", json={}))
    [(_, registered)] = await office.bus.wait("document.registered")
    assert "Kế hoạch bảo vệ" not in registered.subject  # the subject does not travel on the bus
    assert (await office.get(CLERK_2, f"/api/documents/{doc.id}")).status_code == 404
    assert (await office.get(CLERK_, f"/api/documents/{doc.id}")).status_code == 200


async def test_a_secret_level_element_marks_an_axis_document_and_an_ordinary_one_is_left_alone(
    start_office: StartOffice,
) -> None:
    office = await start_office()
    subject = "Kế hoạch kiểm tra định kỳ"
    marked = _secret_edxml(subject, "<edXML:SecurityLevel>3</edXML:SecurityLevel>")
    payload = await received_event(office.hub, number="77", subject=subject, edxml=marked)
    await office.hub.publish("document.received", payload, source="vdxp", issue=payload.document_id)
    plain = await received_event(office.hub, number="78", subject="Mật độ dân số các quận")
    await office.hub.publish("document.received", plain, source="vdxp", issue=plain.document_id)
    [(_, registered)] = await office.bus.wait("document.registered")
    assert registered.code == "78/VPCP-KTTH" and registered.confidentiality == "Thường"

    async def both() -> bool:
        async with office.hub.db.session() as s:
            return int(await s.scalar(select(func.count()).select_from(Document)) or 0) == 2

    assert await wait_for(both, timeout=60)
    async with office.hub.db.session() as s:
        doc = await s.scalar(select(Document).where(Document.code == "77/VPCP-KTTH"))
    assert doc is not None and (doc.confidentiality, doc.status) == ("Tuyệt mật", "received")
