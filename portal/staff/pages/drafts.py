"""Outgoing documents: a new draft from the menu (công văn, thông báo, giấy mời, quyết định ...) or a
reply to an incoming one, with its recipients (agencies of the directory over the axes, units and
people of the agency), signer and attached files; then versions, submitting to the approvers, approving
(the signing leader's one-time code is passed on to the documents API, which checks it), returning and
issuing."""

from __future__ import annotations

import unicodedata
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from hub.orgchart import LEADER, UNIT_HEAD
from portal.staff.client import Api
from portal.staff.kit import (
    WHOLE,
    Who,
    act_on_document,
    back,
    db_of,
    document_page,
    file_of,
    outcome,
    render,
    text_of,
    texts_of,
)
from portal.staff.labels import CONFIDENTIALITY, DOC_TYPES, ORDINARY, PRIORITIES
from portal.staff.people import Acting, chart

router = APIRouter(prefix="/staff", include_in_schema=False)
# Decree 30 types offered besides the everyday ones of labels.DOC_TYPES (the module knows all 29).
MORE_TYPES = ["Chỉ thị", "Hướng dẫn", "Chương trình", "Công điện", "Biên bản", "Giấy giới thiệu"]


def _fold(text: str) -> str:
    bare = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return " ".join("".join(c for c in bare if not unicodedata.combining(c)).lower().split())


def reply_subject(subject: str) -> str:
    """The subject a reply starts with: "V/v trả lời" and the answered subject without its own "V/v "."""
    text = subject.strip()
    if text[:4].lower() == "v/v ":
        text = text[4:].lstrip()
    return f"V/v trả lời {text}"


async def _form_page(
    request: Request, who: Acting, tra_loi: str, form: dict[str, Any] | None, err: str = ""
) -> HTMLResponse:
    """The draft form (blank, a reply's, or as the person filled it when the API refused it)."""
    async with Api(request) as api:
        answering = None
        if tra_loi:
            answer = await api.get(f"/documents/{tra_loi}")
            if not answer.ok:
                raise HTTPException(answer.status, answer.error)
            answering = answer.data
        agencies = (await api.get("/documents/agencies", limit=WHOLE)).items
    units, users = await chart(db_of(request))
    if form is None:
        form = _initial(answering)
    return render(
        request,
        "draft.html",
        who,
        title="Soạn văn bản trả lời" if answering else "Soạn văn bản đi",
        status_code=422 if err else 200,
        answering=answering,
        form=form,
        error_text=err,
        agencies=agencies,
        units=units,
        people=[u for u in users if u["unit_id"]],
        unit_names={u["id"]: u["name"] for u in units},
        types=[*DOC_TYPES, *MORE_TYPES],
        priorities=PRIORITIES,
        levels=CONFIDENTIALITY,
        signers=[u for u in users if LEADER in u["roles"]],
        heads=[u for u in users if UNIT_HEAD in u["roles"] and u["id"] != who.principal.id],
    )


def _initial(answering: dict[str, Any] | None) -> dict[str, Any]:
    """A blank draft; a reply answers the sender of the incoming document."""
    form: dict[str, Any] = {"document_type": "Công văn", "priority": ORDINARY, "confidentiality": ORDINARY}
    if answering:
        form["subject"] = reply_subject(answering["subject"])
        if answering.get("from_code"):
            form["agencies"] = [answering["from_code"]]
    return form


@router.get("/du-thao/moi", response_class=HTMLResponse)
async def draft_form(request: Request, who: Who, tra_loi: str = "") -> HTMLResponse:
    return await _form_page(request, who, tra_loi, None)


def _filled(form: FormData) -> dict[str, Any]:
    """What the person filled in, to show the form again as it was."""
    return {
        "subject": text_of(form, "subject"),
        "document_type": text_of(form, "document_type"),
        "priority": text_of(form, "priority"),
        "confidentiality": text_of(form, "confidentiality"),
        "due_date": text_of(form, "due_date"),
        "agencies": texts_of(form, "agencies"),
        "other_code": text_of(form, "other_code"),
        "other_name": text_of(form, "other_name"),
        "units": texts_of(form, "recipient_units"),
        "users": texts_of(form, "recipient_users"),
        "signer": text_of(form, "approvers"),
        "via": text_of(form, "via"),
    }


def _other_agency(filled: dict[str, Any], agencies: list[dict[str, Any]]) -> dict[str, str] | None:
    """The agency typed by hand: found in the directory by code or name, else the code and name given."""
    code, name = filled["other_code"], filled["other_name"]
    if not code and not name:
        return None
    wanted = {_fold(v) for v in (code, name) if v}
    for agency in agencies:
        if _fold(agency["code"]) in wanted or _fold(agency["name"]) in wanted:
            return {"code": agency["code"], "name": agency["name"]}
    return {"code": code.upper(), "name": name} if code else {"code": name, "name": name}


def _recipients(filled: dict[str, Any], agencies: list[dict[str, Any]]) -> list[dict[str, str]]:
    names = {a["code"]: a["name"] for a in agencies}
    recipients = [{"code": c, "name": names.get(c, c)} for c in filled["agencies"] if c]
    other = _other_agency(filled, agencies)
    if other is not None:
        recipients.append(other)
    recipients.extend({"unit_id": u} for u in filled["units"] if u)
    recipients.extend({"user_id": u} for u in filled["users"] if u)
    return recipients


def _draft_body(filled: dict[str, Any], recipients: list[dict[str, str]], reply_to: str) -> dict[str, Any]:
    return {
        "subject": filled["subject"],
        "document_type": filled["document_type"] or "Công văn",
        "recipients": recipients,
        "response_for_id": reply_to or None,
        "priority": filled["priority"] or ORDINARY,
        "confidentiality": filled["confidentiality"] or ORDINARY,
        "due_date": filled["due_date"] or None,
    }


def _missing(filled: dict[str, Any], recipients: list[dict[str, str]]) -> str:
    """What the form still lacks, said before the documents API is asked."""
    if not filled["subject"]:
        return "Cần ghi trích yếu của văn bản"
    if not recipients:
        return "Cần chọn ít nhất một nơi nhận: cơ quan bên ngoài, đơn vị hoặc người trong Sở"
    return ""


async def _files(api: Api, doc_id: str, file: UploadFile | None, extra: list[UploadFile]) -> str:
    """Upload the draft's PDF and its attached files; what could not be kept ("" when all were)."""
    problems = []
    if file is not None and file.filename:
        uploaded = await api.call(
            "POST",
            f"/documents/{doc_id}/versions",
            files={"file": (file.filename, await file.read(), "application/pdf")},
            data={"note": "Dự thảo lần đầu"},
        )
        if not uploaded.ok:
            problems.append(f"tệp dự thảo: {uploaded.error}")
    for item in extra:
        data = await item.read()
        attached = await api.call(
            "POST",
            f"/documents/{doc_id}/attachments",
            files={"file": (item.filename, data, item.content_type or "application/octet-stream")},
        )
        if not attached.ok:
            problems.append(f"{item.filename}: {attached.error}")
    return "; ".join(problems)


def _chain(filled: dict[str, Any]) -> list[str]:
    """The approvers in order: the unit head it goes through (if any), then the signing leader."""
    return [a for a in (filled["via"], filled["signer"]) if a]


@router.post("/du-thao")
async def draft_submit(request: Request, who: Who) -> Response:
    form = await request.form()
    reply_to = text_of(form, "response_for_id")
    filled = _filled(form)
    file = file_of(form, "file")
    extra = [f for f in form.getlist("attachments") if isinstance(f, UploadFile) and f.filename]
    async with Api(request) as api:
        agencies = (await api.get("/documents/agencies", limit=WHOLE)).items
        recipients = _recipients(filled, agencies)
        refused = _missing(filled, recipients)
        created = None
        if not refused:
            created = await api.post("/documents/outgoing", _draft_body(filled, recipients, reply_to))
            refused = "" if created.ok else created.error
        if created is None or not created.ok:
            return await _form_page(request, who, reply_to, filled, refused)
        doc_id = created.data["id"]
        target = document_page(doc_id)
        problems = await _files(api, doc_id, file, extra)
        if problems:
            return back(target, err=f"Đã tạo dự thảo nhưng chưa tải được {problems}")
        chain = _chain(filled)
        if not (file is not None and file.filename and chain):
            return back(target, ok="Đã tạo dự thảo; tải tệp dự thảo (PDF) và trình lãnh đạo ký khi sẵn sàng")
        submitted = await api.post(f"/documents/{doc_id}/submit", {"approvers": chain})
    if not submitted.ok:
        return back(target, err=f"Đã tạo dự thảo nhưng chưa trình được: {submitted.error}")
    return back(target, ok="Đã tạo và trình dự thảo")


@router.post("/van-ban/{doc_id}/tai-len")
async def upload(request: Request, doc_id: str, who: Who) -> Response:
    form = await request.form()
    file = file_of(form, "file")
    if file is None or not file.filename:
        return back(document_page(doc_id), err="Cần chọn tệp PDF")
    data = await file.read()
    async with Api(request) as api:
        answer = await api.call(
            "POST",
            f"/documents/{doc_id}/versions",
            files={"file": (file.filename or "du-thao.pdf", data, "application/pdf")},
            data={"note": text_of(form, "note")},
        )
    return outcome(answer, document_page(doc_id), "Đã tải lên phiên bản mới")


@router.post("/van-ban/{doc_id}/dinh-kem")
async def attach(request: Request, doc_id: str, who: Who) -> Response:
    """Attach files (phụ lục) to a draft."""
    form = await request.form()
    files = [f for f in form.getlist("attachments") if isinstance(f, UploadFile) and f.filename]
    if not files:
        return back(document_page(doc_id), err="Cần chọn tệp đính kèm")
    async with Api(request) as api:
        problems = await _files(api, doc_id, None, files)
    if problems:
        return back(document_page(doc_id), err=f"Chưa đính kèm được {problems}")
    return back(document_page(doc_id), ok=f"Đã đính kèm {len(files)} tệp")


@router.post("/van-ban/{doc_id}/dinh-kem/{index}/xoa")
async def detach(request: Request, doc_id: str, index: int, who: Who) -> Response:
    async with Api(request) as api:
        answer = await api.call("DELETE", f"/documents/{doc_id}/attachments/{index}")
    return outcome(answer, document_page(doc_id), "Đã bỏ tệp đính kèm")


@router.post("/van-ban/{doc_id}/trinh")
async def submit(request: Request, doc_id: str, who: Who) -> Response:
    form = await request.form()
    chain = [a for a in (text_of(form, "via"), *texts_of(form, "approvers")) if a]
    if not chain:
        return back(document_page(doc_id), err="Cần chọn người duyệt (người cuối là lãnh đạo ký)")
    return await act_on_document(request, doc_id, "submit", {"approvers": chain}, "Đã trình duyệt dự thảo")


@router.post("/van-ban/{doc_id}/duyet")
async def approve(request: Request, doc_id: str, who: Who) -> Response:
    """Approve; the leader's one-time code goes to the documents API, which checks it before signing."""
    form = await request.form()
    body = {"comment": text_of(form, "comment"), "otp": text_of(form, "otp") or None}
    done = "Đã duyệt và ký số" if who.has(LEADER) else "Đã duyệt, chuyển duyệt tiếp"
    return await act_on_document(request, doc_id, "approve", body, done)


@router.post("/van-ban/{doc_id}/tra-lai")
async def return_draft(request: Request, doc_id: str, who: Who) -> Response:
    form = await request.form()
    body = {"comment": text_of(form, "comment")}
    return await act_on_document(request, doc_id, "return", body, "Đã trả lại dự thảo")


@router.post("/van-ban/{doc_id}/thu-hoi")
async def withdraw(request: Request, doc_id: str, who: Who) -> Response:
    form = await request.form()
    body = {"reason": text_of(form, "reason")}
    return await act_on_document(request, doc_id, "withdraw", body, "Đã thu hồi văn bản")


@router.post("/van-ban/{doc_id}/ban-hanh")
async def issue(request: Request, doc_id: str, who: Who) -> Response:
    return await act_on_document(request, doc_id, "issue", {}, "Đã cấp số, đóng dấu và gửi văn bản")
