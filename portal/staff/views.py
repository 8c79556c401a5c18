"""The staff pages under /staff: each shows its main content in one request, through the modules' APIs."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import UploadFile

from hub.auth import Principal
from hub.directory import CLERK, LEADER, OFFICER, UNIT_HEAD, User
from portal.security import page_principal
from portal.staff import totp
from portal.staff.client import Answer, Api
from portal.staff.people import Acting, acting, chart, fold, search_people
from portal.staff.render import STATUS_LABELS, render

TOTP_KEY = "staff_totp"
DOC_TYPES = ["Công văn", "Quyết định", "Tờ trình", "Báo cáo", "Kế hoạch", "Thông báo", "Giấy mời"]
PRIORITIES = ["Thường", "Khẩn", "Thượng khẩn", "Hỏa tốc"]
CONFIDENTIALITY = ["Thường", "Mật", "Tối mật", "Tuyệt mật"]
LEVELS = {
    "xuat_sac": "Hoàn thành xuất sắc nhiệm vụ",
    "tot": "Hoàn thành tốt nhiệm vụ",
    "hoan_thanh": "Hoàn thành nhiệm vụ",
    "khong_hoan_thanh": "Không hoàn thành nhiệm vụ",
}
LEAVE_KINDS = {"annual": "Nghỉ phép", "sick": "Nghỉ ốm", "business_trip": "Đi công tác"}


async def who_is(request: Request, principal: Principal = Depends(page_principal)) -> Acting:
    """The logged-in person with their effective roles (delegations included)."""
    return await acting(request.app.state.hub.db, principal)


def back(url: str, ok: str = "", err: str = "") -> RedirectResponse:
    """Redirect after a form, with a message shown on the next page."""
    sep = "&" if "?" in url else "?"
    if ok:
        url += f"{sep}ok={quote(ok)}"
    elif err:
        url += f"{sep}loi={quote(err)}"
    return RedirectResponse(url, status_code=303)


def items_of(answer: Answer) -> list[dict[str, Any]]:
    """The rows of a list answer, whatever its envelope ({items: [...]}, [...], {...: [...]})."""
    data = answer.data
    if not answer.ok:
        return []
    if isinstance(data, list):
        return [d for d in data if isinstance(d, dict)]
    if isinstance(data, dict):
        for key in ("items", "results", "rows", "meetings", "cases", "projects", "dossiers", "messages"):
            if isinstance(data.get(key), list):
                return [d for d in data[key] if isinstance(d, dict)]
    return []


def text_of(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _state(answer: Answer) -> str:
    """How to present an answer that brought nothing: missing API, refusal, or just empty."""
    if answer.ok:
        return "ok"
    if answer.missing or answer.status == 404:
        return "missing"
    return "error"


def build_router() -> APIRouter:
    r = APIRouter(prefix="/staff", include_in_schema=False)
    who_dep = Depends(who_is)

    # -- home ------------------------------------------------------------------------------------------

    @r.get("/", response_class=HTMLResponse)
    async def home(request: Request, who: Acting = who_dep) -> HTMLResponse:
        sections: dict[str, Any] = {}
        async with Api(request) as api:
            if who.has(CLERK):
                queue, approved, failed = await api.many(
                    "/documents?direction=in&status=received&limit=100",
                    "/documents?direction=out&status=approved&limit=100",
                    "/documents?direction=out&status=issue_failed&limit=100",
                )
                sections["queue"] = items_of(queue)
                sections["to_issue"] = items_of(approved) + items_of(failed)
            if who.has(LEADER):
                waiting, drafts = await api.many(
                    "/documents?direction=in&status=registered&limit=100",
                    "/documents?direction=out&status=pending_approval&limit=100",
                )
                sections["to_assign"] = items_of(waiting)
                sections["to_approve"] = [
                    d for d in items_of(drafts) if _current_approver(d) == who.principal.id
                ]
                week = await api.get("/meetings", week=_monday("").isoformat())
                sections["week"] = items_of(week)
                sections["week_state"] = _state(week)
            if who.has(UNIT_HEAD, OFFICER, LEADER):
                tasks = await api.get("/tasks", scope="mine")
                sections["tasks"] = items_of(tasks)
                sections["tasks_state"] = _state(tasks)
            if who.has(UNIT_HEAD, OFFICER):
                mine = await api.get("/documents", direction="in", limit=50)
                sections["my_docs"] = [d for d in items_of(mine) if d["status"] in ("assigned", "processing")]
                drafts_out = await api.get("/documents", direction="out", limit=50)
                sections["my_drafts"] = [
                    d
                    for d in items_of(drafts_out)
                    if d["status"] in ("draft", "returned", "pending_approval")
                ]
                if who.has(UNIT_HEAD):
                    sections["to_approve"] = [
                        d
                        for d in items_of(drafts_out)
                        if d["status"] == "pending_approval" and _current_approver(d) == who.principal.id
                    ]
        return render(request, "home.html", who, title="Trang chính", s=sections)

    # -- documents -------------------------------------------------------------------------------------

    @r.get("/van-ban", response_class=HTMLResponse)
    async def documents(
        request: Request,
        q: str = "",
        direction: str = "",
        status: str = "",
        deadline_status: str = "",
        who: Acting = who_dep,
    ) -> HTMLResponse:
        async with Api(request) as api:
            answer = await api.get(
                "/documents",
                q=q,
                direction=direction,
                status=status,
                deadline_status=deadline_status,
                limit=100,
            )
        return render(
            request,
            "documents.html",
            who,
            title="Văn bản",
            docs=items_of(answer),
            total=(answer.data or {}).get("total", 0) if answer.ok else 0,
            state=_state(answer),
            error=answer.error,
            q=q,
            direction=direction,
            status=status,
            statuses=STATUS_LABELS,
        )

    @r.get("/van-ban/{doc_id}", response_class=HTMLResponse)
    async def document(request: Request, doc_id: str, who: Acting = who_dep) -> HTMLResponse:
        async with Api(request) as api:
            answer = await api.get(f"/documents/{doc_id}")
            if not answer.ok:
                raise HTTPException(answer.status, answer.error)
            doc = answer.data
            related = None
            if doc.get("response_for_id"):
                rel = await api.get(f"/documents/{doc['response_for_id']}")
                related = rel.data if rel.ok else None
            answered = None
            if doc.get("answered_by_id"):
                ans = await api.get(f"/documents/{doc['answered_by_id']}")
                answered = ans.data if ans.ok else None
            tasks = await api.get(f"/tasks/by-document/{doc_id}")
        units, users = await chart(request.app.state.hub.db)
        names = {u["id"]: u["full_name"] for u in users}
        unit_names = {u["id"]: u["name"] for u in units}
        me = who.principal
        unit_officers = [u for u in users if u["unit_id"] == me.unit_id and OFFICER in u["roles"]]
        leaders = [u for u in users if LEADER in u["roles"]]
        heads = [u for u in users if UNIT_HEAD in u["roles"]]
        secret = await _totp_state(request, me.id)
        return render(
            request,
            "document.html",
            who,
            title=doc["subject"],
            doc=doc,
            related=related,
            answered=answered,
            tasks=items_of(tasks),
            names=names,
            unit_names=unit_names,
            units=units,
            unit_officers=unit_officers,
            approvers=heads + leaders,
            current_approver=_current_approver(doc),
            latest_version=max((v["version"] for v in doc["versions"]), default=None),
            totp_ready=secret is not None,
            today=date.today().isoformat(),
        )

    @r.get("/van-ban/{doc_id}/pdf")
    async def document_pdf(request: Request, doc_id: str, v: int = 0, who: Acting = who_dep) -> Response:
        """The document's file inline (for the embedded viewer): version v of a draft, attachment v else."""
        async with Api(request) as api:
            answer = await api.get(f"/documents/{doc_id}/files/{v}")
        if not answer.ok:
            raise HTTPException(answer.status, answer.error)
        return Response(
            answer.content,
            media_type=answer.media_type or "application/pdf",
            headers={"Content-Disposition": "inline", "X-Frame-Options": "SAMEORIGIN"},
        )

    async def _act(request: Request, doc_id: str, path: str, body: dict[str, Any], done: str) -> Response:
        async with Api(request) as api:
            answer = await api.post(f"/documents/{doc_id}/{path}", body)
        target = f"/staff/van-ban/{doc_id}"
        return back(target, ok=done) if answer.ok else back(target, err=answer.error)

    @r.post("/van-ban/{doc_id}/vao-so")
    async def register(request: Request, doc_id: str, who: Acting = who_dep) -> Response:
        form = await request.form()
        body = {"allow_duplicate": text_of(form, "allow_duplicate") == "1"}
        return await _act(request, doc_id, "register", body, "Đã vào sổ văn bản đến")

    @r.post("/van-ban/{doc_id}/tu-choi")
    async def reject(request: Request, doc_id: str, who: Acting = who_dep) -> Response:
        form = await request.form()
        reason = text_of(form, "reason")
        if not reason:
            return back(f"/staff/van-ban/{doc_id}", err="Cần ghi lý do từ chối")
        return await _act(request, doc_id, "reject", {"reason": reason}, "Đã từ chối văn bản")

    @r.post("/van-ban/{doc_id}/giao")
    async def assign(request: Request, doc_id: str, who: Acting = who_dep) -> Response:
        form = await request.form()
        body = {
            "lead_unit_id": text_of(form, "lead_unit_id"),
            "coordinating_unit_ids": [v for v in form.getlist("coordinating_unit_ids") if isinstance(v, str)],
            "deadline": text_of(form, "deadline") or None,
            "instruction": text_of(form, "instruction"),
        }
        if not body["lead_unit_id"]:
            return back(f"/staff/van-ban/{doc_id}", err="Cần chọn đơn vị chủ trì")
        return await _act(request, doc_id, "assign", body, "Đã giao xử lý văn bản")

    @r.post("/van-ban/{doc_id}/phan-cong")
    async def handlers(request: Request, doc_id: str, who: Acting = who_dep) -> Response:
        form = await request.form()
        officers = [v for v in form.getlist("officer_ids") if isinstance(v, str)]
        body = {
            "officer_ids": officers,
            "lead_officer_id": text_of(form, "lead_officer_id") or (officers[0] if officers else None),
            "deadline": text_of(form, "deadline") or None,
        }
        return await _act(request, doc_id, "handlers", body, "Đã phân công chuyên viên")

    @r.post("/van-ban/{doc_id}/xu-ly")
    async def processing(request: Request, doc_id: str, who: Acting = who_dep) -> Response:
        form = await request.form()
        return await _act(
            request, doc_id, "processing", {"note": text_of(form, "note")}, "Đã nhận xử lý văn bản"
        )

    @r.post("/van-ban/{doc_id}/hoan-thanh")
    async def complete(request: Request, doc_id: str, who: Acting = who_dep) -> Response:
        form = await request.form()
        return await _act(request, doc_id, "complete", {"note": text_of(form, "note")}, "Đã hoàn thành xử lý")

    @r.post("/van-ban/{doc_id}/trinh")
    async def submit(request: Request, doc_id: str, who: Acting = who_dep) -> Response:
        form = await request.form()
        approvers = [v for v in form.getlist("approvers") if isinstance(v, str) and v]
        if not approvers:
            return back(f"/staff/van-ban/{doc_id}", err="Cần chọn người duyệt (người cuối là lãnh đạo ký)")
        return await _act(request, doc_id, "submit", {"approvers": approvers}, "Đã trình duyệt dự thảo")

    @r.post("/van-ban/{doc_id}/tai-len")
    async def upload(request: Request, doc_id: str, who: Acting = who_dep) -> Response:
        form = await request.form()
        file = form.get("file")
        if not isinstance(file, UploadFile):
            return back(f"/staff/van-ban/{doc_id}", err="Cần chọn tệp PDF")
        data = await file.read()
        async with Api(request) as api:
            answer = await api.call(
                "POST",
                f"/documents/{doc_id}/versions",
                files={"file": (file.filename or "du-thao.pdf", data, "application/pdf")},
                data={"note": text_of(form, "note")},
            )
        target = f"/staff/van-ban/{doc_id}"
        return back(target, ok="Đã tải lên phiên bản mới") if answer.ok else back(target, err=answer.error)

    @r.post("/van-ban/{doc_id}/duyet")
    async def approve(request: Request, doc_id: str, who: Acting = who_dep) -> Response:
        """Approve; the leader who signs confirms with a one-time code first (server-held key)."""
        form = await request.form()
        target = f"/staff/van-ban/{doc_id}"
        if who.has(LEADER):
            problem = await _check_code(request, who.principal.id, text_of(form, "otp"))
            if problem:
                return back(target, err=problem)
        return await _act(
            request, doc_id, "approve", {"comment": text_of(form, "comment")}, "Đã duyệt và ký số"
        )

    @r.post("/van-ban/{doc_id}/tra-lai")
    async def return_draft(request: Request, doc_id: str, who: Acting = who_dep) -> Response:
        form = await request.form()
        return await _act(
            request, doc_id, "return", {"comment": text_of(form, "comment")}, "Đã trả lại dự thảo"
        )

    @r.post("/van-ban/{doc_id}/ban-hanh")
    async def issue(request: Request, doc_id: str, who: Acting = who_dep) -> Response:
        return await _act(request, doc_id, "issue", {}, "Đã cấp số, đóng dấu và gửi văn bản")

    # -- paper registration and drafting ---------------------------------------------------------------

    @r.get("/van-ban-giay", response_class=HTMLResponse)
    async def paper_form(request: Request, who: Acting = who_dep) -> HTMLResponse:
        return render(
            request,
            "paper.html",
            who,
            title="Vào sổ văn bản giấy",
            priorities=PRIORITIES,
            levels=CONFIDENTIALITY,
            types=DOC_TYPES,
        )

    @r.post("/van-ban-giay")
    async def paper_submit(request: Request, who: Acting = who_dep) -> Response:
        form = await request.form()
        file = form.get("file")
        if not isinstance(file, UploadFile):
            return back("/staff/van-ban-giay", err="Cần chọn tệp bản quét (PDF)")
        meta = {
            "subject": text_of(form, "subject"),
            "from_agency": text_of(form, "from_agency"),
            "code": text_of(form, "code") or None,
            "issued_date": text_of(form, "issued_date") or None,
            "document_type": text_of(form, "document_type") or None,
            "priority": text_of(form, "priority") or "Thường",
            "confidentiality": text_of(form, "confidentiality") or "Thường",
            "due_date": text_of(form, "due_date") or None,
            "allow_duplicate": text_of(form, "allow_duplicate") == "1",
        }
        data = await file.read()
        async with Api(request) as api:
            answer = await api.call(
                "POST",
                "/documents/incoming/paper",
                data={"metadata": json.dumps(meta, ensure_ascii=False)},
                files={"file": (file.filename or "scan.pdf", data, file.content_type or "application/pdf")},
            )
        if not answer.ok:
            return back("/staff/van-ban-giay", err=answer.error)
        return back(f"/staff/van-ban/{answer.data['id']}", ok=f"Đã vào sổ, số đến {answer.data['number']}")

    @r.get("/du-thao/moi", response_class=HTMLResponse)
    async def draft_form(request: Request, tra_loi: str = "", who: Acting = who_dep) -> HTMLResponse:
        answering = None
        if tra_loi:
            async with Api(request) as api:
                answer = await api.get(f"/documents/{tra_loi}")
            if not answer.ok:
                raise HTTPException(answer.status, answer.error)
            answering = answer.data
        units, users = await chart(request.app.state.hub.db)
        return render(
            request,
            "draft.html",
            who,
            title="Soạn dự thảo",
            answering=answering,
            units=units,
            types=DOC_TYPES,
            priorities=PRIORITIES,
            levels=CONFIDENTIALITY,
            approvers=[u for u in users if set(u["roles"]) & {LEADER, UNIT_HEAD}],
        )

    @r.post("/du-thao")
    async def draft_submit(request: Request, who: Acting = who_dep) -> Response:
        form = await request.form()
        back_to = "/staff/du-thao/moi" + (
            f"?tra_loi={text_of(form, 'response_for_id')}" if text_of(form, "response_for_id") else ""
        )
        recipients: list[dict[str, str]] = []
        code, name = text_of(form, "recipient_code"), text_of(form, "recipient_name")
        if code:
            recipients.append({"code": code, "name": name or code})
        for unit in form.getlist("recipient_units"):
            if isinstance(unit, str) and unit:
                recipients.append({"unit_id": unit})
        body = {
            "subject": text_of(form, "subject"),
            "document_type": text_of(form, "document_type") or "Công văn",
            "recipients": recipients,
            "response_for_id": text_of(form, "response_for_id") or None,
            "priority": text_of(form, "priority") or "Thường",
            "confidentiality": text_of(form, "confidentiality") or "Thường",
        }
        file = form.get("file")
        approvers = [v for v in form.getlist("approvers") if isinstance(v, str) and v]
        async with Api(request) as api:
            created = await api.post("/documents/outgoing", body)
            if not created.ok:
                return back(back_to, err=created.error)
            doc_id = created.data["id"]
            target = f"/staff/van-ban/{doc_id}"
            if isinstance(file, UploadFile) and file.filename:
                uploaded = await api.call(
                    "POST",
                    f"/documents/{doc_id}/versions",
                    files={"file": (file.filename, await file.read(), "application/pdf")},
                    data={"note": "Dự thảo lần đầu"},
                )
                if not uploaded.ok:
                    return back(target, err=f"Đã tạo dự thảo nhưng chưa tải được tệp: {uploaded.error}")
                if approvers:
                    submitted = await api.post(f"/documents/{doc_id}/submit", {"approvers": approvers})
                    if not submitted.ok:
                        return back(target, err=f"Đã tạo dự thảo nhưng chưa trình được: {submitted.error}")
                    return back(target, ok="Đã tạo và trình dự thảo")
        return back(target, ok="Đã tạo dự thảo")

    # -- registers, dossiers ---------------------------------------------------------------------------

    @r.get("/so-van-ban", response_class=HTMLResponse)
    async def registers(
        request: Request, q: str = "", kind: str = "in", year: int = 0, who: Acting = who_dep
    ) -> HTMLResponse:
        year = year or datetime.now(UTC).year
        async with Api(request) as api:
            answer = await api.get("/documents", q=q, direction=kind, year=year, limit=200)
        rows = sorted((d for d in items_of(answer) if d.get("number") is not None), key=lambda d: d["number"])
        return render(
            request,
            "registers.html",
            who,
            title="Sổ văn bản",
            rows=rows,
            state=_state(answer),
            error=answer.error,
            q=q,
            kind=kind,
            year=year,
        )

    @r.get("/ho-so/{dossier_id}", response_class=HTMLResponse)
    async def dossier(request: Request, dossier_id: str, who: Acting = who_dep) -> HTMLResponse:
        async with Api(request) as api:
            answer = await api.get(f"/documents/dossiers/{dossier_id}")
        if not answer.ok:
            raise HTTPException(answer.status, answer.error)
        return render(request, "dossier.html", who, title=answer.data["title"], dossier=answer.data)

    @r.post("/ho-so")
    async def dossier_create(request: Request, who: Acting = who_dep) -> Response:
        form = await request.form()
        body = {
            "title": text_of(form, "title"),
            "notation": text_of(form, "notation"),
            "description": text_of(form, "description"),
        }
        async with Api(request) as api:
            answer = await api.post("/documents/dossiers", body)
            if answer.ok and text_of(form, "document_id"):
                await api.post(
                    f"/documents/dossiers/{answer.data['id']}/items",
                    {"document_id": text_of(form, "document_id")},
                )
        if not answer.ok:
            return back(text_of(form, "back") or "/staff/", err=answer.error)
        return back(f"/staff/ho-so/{answer.data['id']}", ok="Đã lập hồ sơ")

    # -- tasks and dashboards --------------------------------------------------------------------------

    @r.get("/cong-viec", response_class=HTMLResponse)
    async def tasks(request: Request, scope: str = "mine", who: Acting = who_dep) -> HTMLResponse:
        async with Api(request) as api:
            answer = await api.get("/tasks", scope=scope)
        return render(
            request,
            "tasks.html",
            who,
            title="Công việc của tôi" if scope == "mine" else "Công việc",
            tasks=items_of(answer),
            state=_state(answer),
            error=answer.error,
            scope=scope,
        )

    @r.get("/cong-viec/{task_id}", response_class=HTMLResponse)
    async def task(request: Request, task_id: str, who: Acting = who_dep) -> HTMLResponse:
        async with Api(request) as api:
            answer = await api.get(f"/tasks/{task_id}")
        if not answer.ok:
            raise HTTPException(answer.status, answer.error)
        return render(
            request, "task.html", who, title=str(answer.data.get("title", "Công việc")), task=answer.data
        )

    @r.post("/cong-viec/{task_id}/bao-cao")
    async def task_report(request: Request, task_id: str, who: Acting = who_dep) -> Response:
        form = await request.form()
        files = [
            ("files", (f.filename or "tep", await f.read(), f.content_type or "application/octet-stream"))
            for f in form.getlist("files")
            if isinstance(f, UploadFile) and f.filename
        ]
        data = {"text": text_of(form, "text"), "progress": text_of(form, "progress") or "0"}
        async with Api(request) as api:
            answer = await api.call("POST", f"/tasks/{task_id}/reports", data=data, files=files or None)
        target = f"/staff/cong-viec/{task_id}"
        return back(target, ok="Đã gửi báo cáo tiến độ") if answer.ok else back(target, err=answer.error)

    @r.get("/tong-hop", response_class=HTMLResponse)
    async def dashboard(request: Request, who: Acting = who_dep) -> HTMLResponse:
        """Overdue work by unit: tasks (tasks module dashboards) and documents past their deadline."""
        me = who.principal
        units, users = await chart(request.app.state.hub.db)
        work_units = (
            [u for u in units if u["id"] != "BGD"]
            if who.has(LEADER)
            else [u for u in units if u["id"] == me.unit_id]
        )
        async with Api(request) as api:
            boards = await api.many(*(f"/tasks/dashboard/unit/{u['id']}" for u in work_units))
            overdue = await api.get("/documents", deadline_status="overdue", limit=200)
        by_unit: dict[str, list[dict[str, Any]]] = {}
        for d in items_of(overdue):
            by_unit.setdefault(d.get("lead_unit_id") or "—", []).append(d)
        rows = [
            {"unit": u, **(b.data if b.ok and isinstance(b.data, dict) else {})}
            for u, b in zip(work_units, boards, strict=True)
        ]
        state = "ok" if any(b.ok for b in boards) else (_state(boards[0]) if boards else "missing")
        return render(
            request,
            "dashboard.html",
            who,
            title="Tổng hợp công việc quá hạn theo đơn vị",
            rows=rows,
            state=state,
            error=boards[0].error if boards and not boards[0].ok else "",
            overdue=by_unit,
            unit_names={u["id"]: u["name"] for u in units},
            names={u["id"]: u["full_name"] for u in users},
        )

    # -- the other modules: lists rendered generically -------------------------------------------------

    async def _listing(
        request: Request,
        who: Acting,
        title: str,
        path: str,
        columns: list[tuple[str, str]],
        link: str = "",
        **params: Any,
    ) -> HTMLResponse:
        async with Api(request) as api:
            answer = await api.get(path, **params)
        return render(
            request,
            "listing.html",
            who,
            title=title,
            rows=items_of(answer),
            raw=answer.data if answer.ok and not items_of(answer) else None,
            state=_state(answer),
            error=answer.error,
            columns=columns,
            link=link,
        )

    @r.get("/lich-hop", response_class=HTMLResponse)
    async def meetings(request: Request, week: str = "", who: Acting = who_dep) -> HTMLResponse:
        monday = _monday(week)
        return await _listing(
            request,
            who,
            f"Lịch công tác tuần từ {monday.strftime('%d/%m/%Y')}",
            "/meetings",
            [
                ("when", "Thời gian"),
                ("title", "Nội dung"),
                ("chair", "Chủ trì"),
                ("place", "Địa điểm"),
                ("status", "Trạng thái"),
            ],
            week=monday.isoformat(),
        )

    @r.get("/khieu-nai", response_class=HTMLResponse)
    async def complaints(request: Request, who: Acting = who_dep) -> HTMLResponse:
        return await _listing(
            request,
            who,
            "Khiếu nại, tố cáo, kiến nghị",
            "/complaints/cases",
            [
                ("number", "Số"),
                ("kind_label", "Loại"),
                ("subject", "Nội dung"),
                ("submitter", "Người gửi"),
                ("status", "Trạng thái"),
                ("resolution_due", "Hạn giải quyết"),
            ],
        )

    @r.get("/du-an", response_class=HTMLResponse)
    async def projects(request: Request, q: str = "", who: Acting = who_dep) -> HTMLResponse:
        return await _listing(
            request,
            who,
            "Dự án đầu tư",
            "/projects",
            [
                ("code", "Mã dự án"),
                ("name", "Tên dự án"),
                ("district", "Địa bàn"),
                ("sector", "Lĩnh vực"),
                ("status", "Trạng thái"),
            ],
            q=q,
        )

    @r.get("/mot-cua", response_class=HTMLResponse)
    async def intake(request: Request, who: Acting = who_dep) -> HTMLResponse:
        return await _listing(
            request,
            who,
            "Hồ sơ một cửa",
            "/intake/dossiers",
            [
                ("code", "Mã hồ sơ"),
                ("procedure_name", "Thủ tục"),
                ("applicant", "Người nộp"),
                ("status_label", "Trạng thái"),
                ("due_date", "Hẹn trả"),
            ],
        )

    @r.get("/danh-gia", response_class=HTMLResponse)
    async def evaluation(request: Request, who: Acting = who_dep) -> HTMLResponse:
        me = who.principal
        async with Api(request) as api:
            cycles = await api.get("/evaluation/cycles")
            open_cycles = [c for c in items_of(cycles) if c.get("status") == "open"]
            forms = await api.many(
                *(f"/evaluation/cycles/{c['id']}/assessments/{me.id}" for c in open_cycles)
            )
        return render(
            request,
            "evaluation.html",
            who,
            title="Phiếu đánh giá, xếp loại của tôi",
            cycles=items_of(cycles),
            state=_state(cycles),
            error=cycles.error,
            forms=[(c, f.data if f.ok else None) for c, f in zip(open_cycles, forms, strict=True)],
            levels=LEVELS,
        )

    @r.post("/danh-gia/{cycle_id}")
    async def self_assess(request: Request, cycle_id: str, who: Acting = who_dep) -> Response:
        form = await request.form()
        body = {"level": text_of(form, "level"), "summary": text_of(form, "summary")}
        async with Api(request) as api:
            answer = await api.post(f"/evaluation/cycles/{cycle_id}/self", body)
        target = "/staff/danh-gia"
        return back(target, ok="Đã gửi phiếu tự đánh giá") if answer.ok else back(target, err=answer.error)

    @r.get("/tin-nhan", response_class=HTMLResponse)
    async def messages(request: Request, who: Acting = who_dep) -> HTMLResponse:
        async with Api(request) as api:
            inbox, notices = await api.many("/messages/inbox", "/notify/inbox")
        _, users = await chart(request.app.state.hub.db)
        return render(
            request,
            "messages.html",
            who,
            title="Tin nhắn và thông báo",
            inbox=items_of(inbox),
            inbox_state=_state(inbox),
            notices=items_of(notices),
            notices_state=_state(notices),
            users=[u for u in users if u["id"] != who.principal.id],
        )

    @r.post("/tin-nhan")
    async def send_message(request: Request, who: Acting = who_dep) -> Response:
        form = await request.form()
        body = {
            "kind": "direct",
            "recipients": [v for v in form.getlist("to") if isinstance(v, str)],
            "subject": text_of(form, "subject") or "(không tiêu đề)",
            "body": text_of(form, "body"),
        }
        async with Api(request) as api:
            answer = await api.post("/messages", body)
        target = "/staff/tin-nhan"
        return back(target, ok="Đã gửi tin nhắn") if answer.ok else back(target, err=answer.error)

    @r.get("/cham-cong", response_class=HTMLResponse)
    async def timesheet(request: Request, month: str = "", who: Acting = who_dep) -> HTMLResponse:
        month = month or datetime.now(UTC).strftime("%Y-%m")
        me = who.principal
        async with Api(request) as api:
            sheet, leaves = await api.many(
                f"/timekeeping/timesheets/{me.unit_id}/{month}", "/timekeeping/leaves"
            )
        mine: Any = None
        if sheet.ok and isinstance(sheet.data, dict):
            for row in sheet.data.get("people") or []:
                if isinstance(row, dict) and row.get("user_id") == me.id:
                    mine = row
        return render(
            request,
            "timesheet.html",
            who,
            title="Chấm công và nghỉ phép",
            month=month,
            sheet=mine,
            sheet_state=_state(sheet),
            sheet_error=sheet.error,
            leaves=[x for x in items_of(leaves) if x.get("user_id") in (None, me.id)],
            leaves_state=_state(leaves),
            kinds=LEAVE_KINDS,
        )

    @r.post("/cham-cong/nghi-phep")
    async def leave(request: Request, who: Acting = who_dep) -> Response:
        form = await request.form()
        body = {
            "kind": text_of(form, "kind") or "annual",
            "start": text_of(form, "start"),
            "end": text_of(form, "end") or text_of(form, "start"),
            "reason": text_of(form, "reason"),
        }
        async with Api(request) as api:
            answer = await api.post("/timekeeping/leaves", body)
        target = "/staff/cham-cong"
        return back(target, ok="Đã gửi đơn nghỉ") if answer.ok else back(target, err=answer.error)

    # -- one search box --------------------------------------------------------------------------------

    @r.get("/tim-kiem", response_class=HTMLResponse)
    async def search(request: Request, q: str = "", who: Acting = who_dep) -> HTMLResponse:
        docs: list[dict[str, Any]] = []
        found_tasks: list[dict[str, Any]] = []
        people: list[dict[str, Any]] = []
        dossiers: list[dict[str, Any]] = []
        if q.strip():
            async with Api(request) as api:
                doc_answer, task_answer = await api.many(
                    f"/documents?q={quote(q)}&limit=50", "/tasks?scope=mine"
                )
            docs = items_of(doc_answer)
            words = fold(q).split()
            found_tasks = [
                t
                for t in items_of(task_answer)
                if all(w in fold(json.dumps(t, ensure_ascii=False)) for w in words)
            ]
            units, users = await chart(request.app.state.hub.db)
            people = search_people(users, units, q)
        return render(
            request,
            "search.html",
            who,
            title="Tìm kiếm",
            q=q,
            docs=docs,
            tasks=found_tasks,
            people=people,
            dossiers=dossiers,
        )

    # -- one-time codes --------------------------------------------------------------------------------

    @r.get("/bao-mat", response_class=HTMLResponse)
    async def security(request: Request, who: Acting = who_dep) -> HTMLResponse:
        state = await _totp_state(request, who.principal.id)
        return render(
            request,
            "security.html",
            who,
            title="Bảo mật: mã xác thực một lần",
            enrolled=state is not None and state.get("active", False),
            pending=state if state is not None and not state.get("active", False) else None,
            uri=totp.provisioning_uri(state["secret"], who.principal.username) if state else "",
        )

    @r.post("/bao-mat/tao")
    async def enrol(request: Request, who: Acting = who_dep) -> Response:
        await _save_totp(
            request, who.principal.id, {"secret": totp.new_secret(), "active": False, "last": -1}
        )
        return back("/staff/bao-mat", ok="Đã tạo khóa bí mật; nhập mã từ ứng dụng để kích hoạt")

    @r.post("/bao-mat/kich-hoat")
    async def activate(request: Request, who: Acting = who_dep) -> Response:
        form = await request.form()
        state = await _totp_state(request, who.principal.id)
        if state is None:
            return back("/staff/bao-mat", err="Chưa tạo khóa bí mật")
        counter = totp.verify(state["secret"], text_of(form, "otp"))
        if counter is None:
            return back("/staff/bao-mat", err="Mã xác thực không đúng")
        await _save_totp(request, who.principal.id, {**state, "active": True, "last": counter})
        return back("/staff/bao-mat", ok="Đã kích hoạt mã xác thực một lần")

    return r


def _monday(week: str) -> date:
    """The Monday of the week holding a given day (today by default)."""
    try:
        day = date.fromisoformat(week) if week else datetime.now(UTC).date()
    except ValueError:
        day = datetime.now(UTC).date()
    return date.fromordinal(day.toordinal() - day.weekday())


def _current_approver(doc: dict[str, Any]) -> str | None:
    approvers: list[str] = doc.get("approvers") or []
    step: int = doc.get("approval_step") or 0
    if doc.get("status") != "pending_approval" or step >= len(approvers):
        return None
    return approvers[step]


async def _totp_state(request: Request, user_id: str) -> dict[str, Any] | None:
    async with request.app.state.hub.db.session() as s:
        user = await s.get(User, user_id)
        state = (user.preferences or {}).get(TOTP_KEY) if user else None
    return state if isinstance(state, dict) else None


async def _save_totp(request: Request, user_id: str, state: dict[str, Any]) -> None:
    async with request.app.state.hub.db.session() as s:
        user = (await s.execute(select(User).where(User.id == user_id))).scalar_one()
        user.preferences = {**(user.preferences or {}), TOTP_KEY: state}


async def _check_code(request: Request, user_id: str, code: str) -> str:
    """Empty when the one-time code is right (and not used before); the reason otherwise."""
    state = await _totp_state(request, user_id)
    if state is None or not state.get("active"):
        return "Chưa kích hoạt mã xác thực một lần (trang Bảo mật) nên chưa ký được"
    counter = totp.verify(state["secret"], code, int(state.get("last", -1)))
    if counter is None:
        return "Mã xác thực không đúng hoặc đã dùng; hãy nhập mã mới"
    await _save_totp(request, user_id, {**state, "last": counter})
    return ""
