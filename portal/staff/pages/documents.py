"""Documents: the search list, a document's page (actions by status and role) and its files inline."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from hub.files import stored_file
from hub.orgchart import LEADER, OFFICER, UNIT_HEAD
from portal.staff import codes
from portal.staff.client import Api
from portal.staff.kit import (
    WHOLE,
    Who,
    current_approver,
    db_of,
    outcome,
    render,
    state_of,
    text_of,
    thread_of,
)
from portal.staff.labels import STATUS_LABELS
from portal.staff.people import Acting, chart
from portal.staff.timeline import timeline

router = APIRouter(prefix="/staff", include_in_schema=False)
# Statuses the shared labels do not name yet (documents taken back or replaced by their sender).
DOC_STATUS = STATUS_LABELS
DEADLINES = {
    "overdue": "Quá hạn",
    "due_today": "Đến hạn hôm nay",
    "due_this_week": "Đến hạn trong tuần này",
    "due_soon": "Sắp đến hạn",
    "on_time": "Trong hạn",
    "no_deadline": "Không có hạn",
    "done_on_time": "Hoàn thành đúng hạn",
    "done_late": "Hoàn thành quá hạn",
}
NOT_STARTED = "not_started"


# the columns a person may choose for the list (the subject always shows), in the table's order
COLUMNS = {
    "code": "Số / ký hiệu",
    "date": "Ngày đến / ban hành",
    "type": "Loại văn bản",
    "party": "Nơi gửi / loại",
    "lead": "Đơn vị chủ trì",
    "status": "Trạng thái",
    "deadline": "Hạn",
}
USUAL = ["code", "party", "status", "deadline"]
ORDERS = {
    "newest": "Mới nhất trước",
    "oldest": "Cũ nhất trước",
    "deadline": "Hạn xử lý gần nhất trước",
    "subject": "Theo trích yếu (A-Z)",
}


@router.get("/van-ban", response_class=HTMLResponse)
async def documents(
    request: Request,
    who: Who,
    q: str = "",
    direction: str = "",
    status: str = "",
    deadline_status: str = "",
    gui_den: str = "",
    order: str = "",
    cot: Annotated[list[str] | None, Query()] = None,
) -> HTMLResponse:
    addressed = gui_den == "1"
    cols = [c for c in COLUMNS if c in (cot or [])] or USUAL
    filters = {
        "q": q,
        "direction": direction,
        "status": status,
        "deadline_status": deadline_status,
        "addressed": "true" if addressed else "",
        "order": order if order in ORDERS else "",
    }
    chosen = {k: v for k, v in filters.items() if v}
    async with Api(request) as api:
        answer, kept = await api.many(
            f"/documents?{urlencode({**chosen, 'limit': 100})}", "/documents/saved-searches"
        )
    return render(
        request,
        "documents.html",
        who,
        title="Văn bản gửi đến tôi và đơn vị" if addressed else "Văn bản",
        docs=answer.items,
        total=answer.total,
        state=state_of(answer),
        error=answer.error,
        q=q,
        direction=direction,
        status=status,
        deadline_status=deadline_status,
        addressed=addressed,
        order=filters["order"],
        orders=ORDERS,
        statuses=DOC_STATUS,
        deadlines=DEADLINES,
        export_query=urlencode(chosen),
        columns=COLUMNS,
        cols=cols,
        unit_names={u["id"]: u["name"] for u in (await chart(db_of(request)))[0]},
        saved=[
            {**s, "href": _saved_href(s)}
            for s in (kept.data if kept.ok and isinstance(kept.data, list) else [])
        ],
    )


def _saved_href(saved: dict[str, Any]) -> str:
    """The documents list with a saved search's filters."""
    params: list[tuple[str, str]] = [
        (k, saved[k]) for k in ("q", "direction", "status", "deadline_status", "order") if saved.get(k)
    ]
    if saved.get("addressed"):
        params.append(("gui_den", "1"))
    params.extend(("cot", c) for c in str(saved.get("columns") or "").split(",") if c in COLUMNS)
    return f"/staff/van-ban?{urlencode(params)}"


@router.post("/tim-kiem-da-luu")
async def save_search(request: Request, who: Who) -> Response:
    """Keep the list's current filters under a name."""
    form = await request.form()
    body = {k: text_of(form, k) for k in ("name", "q", "direction", "status", "deadline_status", "order")}
    body["addressed"] = "1" if text_of(form, "gui_den") == "1" else ""
    body["columns"] = ",".join(c for c in COLUMNS if c in form.getlist("cot"))
    async with Api(request) as api:
        answer = await api.post("/documents/saved-searches", body)
    return outcome(answer, _saved_href(body), f"Đã lưu tìm kiếm «{body['name']}»")


@router.post("/tim-kiem-da-luu/xoa")
async def forget_search(request: Request, who: Who) -> Response:
    form = await request.form()
    name = text_of(form, "name")
    async with Api(request) as api:
        answer = await api.call("DELETE", f"/documents/saved-searches/{quote(name, safe='')}")
    return outcome(answer, "/staff/van-ban", f"Đã xóa tìm kiếm «{name}»")


async def _linked(api: Api, doc: dict[str, Any], key: str) -> dict[str, Any] | None:
    """The document that `doc[key]` points at (the one it answers, or its answer), if visible."""
    if not doc.get(key):
        return None
    answer = await api.get(f"/documents/{doc[key]}")
    found: dict[str, Any] | None = answer.data if answer.ok else None
    return found


async def _people(request: Request, who: Acting) -> dict[str, Any]:
    """Names, units and the people the document's forms offer (officers of the unit, approvers)."""
    units, users = await chart(db_of(request))
    me = who.principal
    leaders = [u for u in users if LEADER in u["roles"]]
    heads = [u for u in users if UNIT_HEAD in u["roles"]]
    return {
        "names": {u["id"]: u["full_name"] for u in users},
        "unit_names": {u["id"]: u["name"] for u in units},
        "units": units,
        "unit_officers": [u for u in users if u["unit_id"] == me.unit_id and OFFICER in u["roles"]],
        "approvers": heads + leaders,
        "signers": leaders,
        "heads": [u for u in heads if u["id"] != me.id],
    }


def actor_names(doc: dict[str, Any], names: dict[str, str]) -> dict[str, str]:
    """Who each history line is by, in words: people by name, the system, the agencies on the axes."""
    found = {**names, "system": "Hệ thống", "axis": "Trục liên thông"}
    for d in doc.get("deliveries") or []:
        found[f"axis:{d['to_code']}"] = d.get("to_name") or d["to_code"]
    if doc.get("from_code"):
        found[f"axis:{doc['from_code']}"] = doc.get("from_agency") or doc["from_code"]
    return found


def addressed_to(doc: dict[str, Any], who: Acting) -> bool:
    """The document was issued to the person or to their unit (an internal recipient reading it)."""
    me = who.principal
    if doc.get("direction") != "out" or doc.get("status") != "issued":
        return False
    return any(
        r.get("user_id") == me.id or (r.get("unit_id") and r.get("unit_id") == me.unit_id)
        for r in doc.get("recipients") or []
    )


def _assign_deadline(doc: dict[str, Any], today: date) -> str:
    """The deadline the leader's form starts with: the sender's, unless it has passed."""
    due = doc.get("deadline") or doc.get("due_date")
    return due if due and due >= today.isoformat() else ""


@router.get("/van-ban/{doc_id}", response_class=HTMLResponse)
async def document(request: Request, doc_id: str, who: Who) -> HTMLResponse:
    async with Api(request) as api:
        answer = await api.get(f"/documents/{doc_id}")
        if not answer.ok:
            raise HTTPException(answer.status, answer.error)
        doc: dict[str, Any] = answer.data
        related = await _linked(api, doc, "response_for_id")
        answered = await _linked(api, doc, "answered_by_id")
        tasks = await api.get(f"/tasks/by-document/{doc_id}", limit=WHOLE)
        rounds = await api.get(f"/documents/{doc_id}/opinions")
        thread = await api.get(f"/documents/{doc_id}/comments")
        holding, open_dossiers = await api.many(
            f"/documents/dossiers?document={doc_id}&limit={WHOLE}",
            f"/documents/dossiers?status=open&limit={WHOLE}",
        )
    secret = await codes.state_of(db_of(request), who.principal.id)
    people = await _people(request, who)
    actors = actor_names(doc, people["names"])
    today = date.today()
    return render(
        request,
        "document.html",
        who,
        title=doc["subject"],
        doc=doc,
        related=related,
        answered=answered,
        tasks=tasks.items,
        **people,
        actors=actors,
        flow=timeline(doc, actors),
        opinion_rounds=rounds.data if rounds.ok and isinstance(rounds.data, list) else [],
        opinion_error=None if rounds.ok else rounds.error,
        **thread_of(thread, f"/staff/van-ban/{doc_id}/trao-doi"),
        addressed=addressed_to(doc, who),
        in_dossiers=holding.items,
        open_dossiers=[d for d in open_dossiers.items if d["id"] not in {h["id"] for h in holding.items}],
        fileable=not (doc["direction"] == "in" and doc["status"] in ("revoked", "rejected")),
        labels=DOC_STATUS,
        current_approver=current_approver(doc),
        latest_version=max((v["version"] for v in doc["versions"]), default=None),
        totp_ready=secret is not None,
        today=today.isoformat(),
        assign_deadline=_assign_deadline(doc, today),
    )


async def start_own_tasks(api: Api, doc_id: str, user_id: str) -> int:
    """Start the person's not-started tasks of a document they began handling, so the two agree."""
    started = 0
    for task in (await api.get(f"/tasks/by-document/{doc_id}", limit=WHOLE)).items:
        if task.get("assignee_user_id") == user_id and task.get("state") == NOT_STARTED:
            answer = await api.post(f"/tasks/{task['id']}/start")
            started += 1 if answer.ok else 0
    return started


def _inline(answer: Any, name: str) -> Response:
    """A stored file passed on: a PDF or a picture inline (framable by our pages), anything else saved."""
    return stored_file(answer.content, name, declared=answer.media_type, framed=True)


@router.get("/van-ban/{doc_id}/pdf")
async def document_pdf(request: Request, doc_id: str, who: Who, v: int = 0) -> Response:
    """The document's file inline (for the embedded viewer): version v of a draft, attachment v else."""
    async with Api(request) as api:
        answer = await api.get(f"/documents/{doc_id}/files/{v}")
    if not answer.ok:
        raise HTTPException(answer.status, answer.error)
    return stored_file(answer.content, f"van-ban-{v}.pdf", declared=answer.media_type, framed=True)


@router.get("/van-ban/{doc_id}/tep/{index}")
async def attached_file(request: Request, doc_id: str, index: int, who: Who) -> Response:
    """A file attached to the document (an outgoing document's appendix): PDF inline, others saved."""
    async with Api(request) as api:
        answer = await api.get(f"/documents/{doc_id}/attachments/{index}")
        if not answer.ok:
            raise HTTPException(answer.status, answer.error)
        doc = await api.get(f"/documents/{doc_id}")
    files = doc.data.get("attachments", []) if doc.ok else []
    name = files[index].get("name") if index < len(files) else None
    return _inline(answer, name or f"tep-dinh-kem-{index + 1}")
