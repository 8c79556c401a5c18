"""What every staff page shares: rendering with the menu by role, the person acting, forms, redirects.

Forms carry the session's CSRF token (`csrf` in every template, checked by hub.auth on each POST);
pages reach the modules through `portal.staff.client.Api` and read lists with `Answer.items`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData, UploadFile

from hub.auth import CSRF_COOKIE, Principal
from hub.db import Database
from hub.orgchart import CLERK, LEADER, OFFICER, UNIT_HEAD
from hub.web import MAX_PAGE, hub_of
from portal.ops.security import page_principal
from portal.staff.client import Answer, Api
from portal.staff.labels import AXES, SOURCES, STATUS_LABELS, TRANSPORT
from portal.staff.people import Acting, acting

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
HANOI = timezone(timedelta(hours=7))
EVERYONE = (CLERK, LEADER, UNIT_HEAD, OFFICER)
WHOLE = MAX_PAGE  # the staff pages have no paging: they ask for the longest page the APIs give

# href, label, roles that see it
NAV: list[tuple[str, str, tuple[str, ...]]] = [
    ("/staff/", "Trang chính", EVERYONE),
    ("/staff/van-ban", "Văn bản", EVERYONE),
    ("/staff/so-van-ban", "Sổ văn bản", (CLERK, LEADER)),
    ("/staff/ho-so", "Hồ sơ công việc", EVERYONE),
    ("/staff/cong-viec", "Công việc", EVERYONE),
    ("/staff/tong-hop", "Tổng hợp quá hạn", (LEADER, UNIT_HEAD)),
    ("/staff/lich-hop", "Lịch họp", EVERYONE),
    ("/staff/tin-nhan", "Tin nhắn", EVERYONE),
    ("/staff/cham-cong", "Chấm công, nghỉ phép", EVERYONE),
    ("/staff/danh-gia", "Đánh giá", EVERYONE),
    ("/staff/khieu-nai", "Khiếu nại, tố cáo", EVERYONE),
    ("/staff/du-an", "Dự án đầu tư", EVERYONE),
    ("/staff/mot-cua", "Hồ sơ một cửa", EVERYONE),
    ("/staff/bao-mat", "Bảo mật", EVERYONE),
]


# -- dates in Hanoi time ---------------------------------------------------------------------------


def local_time(value: Any) -> str:
    """An ISO timestamp or datetime shown in Hanoi time (dd/mm/yyyy HH:MM)."""
    if not value:
        return "—"
    moment = value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            try:
                return date.fromisoformat(value).strftime("%d/%m/%Y")
            except ValueError:
                return value
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(HANOI).strftime("%d/%m/%Y %H:%M")
    if isinstance(moment, date):
        return moment.strftime("%d/%m/%Y")
    return str(value)


def local_date(value: Any) -> str:
    text = local_time(value)
    return text.split(" ")[0]


def monday(week: str) -> date:
    """The Monday of the week holding a given day (today by default)."""
    try:
        day = date.fromisoformat(week) if week else datetime.now(HANOI).date()
    except ValueError:
        day = datetime.now(HANOI).date()
    return date.fromordinal(day.toordinal() - day.weekday())


TEMPLATES.env.filters["vntime"] = local_time
TEMPLATES.env.filters["vndate"] = local_date
TEMPLATES.env.globals["STATUS_LABELS"] = STATUS_LABELS
TEMPLATES.env.globals["TRANSPORT"] = TRANSPORT
TEMPLATES.env.globals["SOURCES"] = SOURCES
TEMPLATES.env.globals["AXES"] = AXES


# -- who is acting, and the page around the content ------------------------------------------------


async def who_is(request: Request, principal: Principal = Depends(page_principal)) -> Acting:
    """The logged-in person with their effective roles (delegations included)."""
    return await acting(db_of(request), principal)


Who = Annotated[Acting, Depends(who_is)]


def db_of(request: Request) -> Database:
    return hub_of(request).db


def render(
    request: Request, template: str, who: Acting, *, title: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render a staff page with the menu of the person's roles and the flash messages."""
    nav = [(href, label) for href, label, roles in NAV if who.has(*roles)]
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "who": who,
            "me": who.principal,
            "title": title,
            "nav": nav,
            "path": request.url.path,
            "csrf": request.cookies.get(CSRF_COOKIE, ""),
            "ok": request.query_params.get("ok", ""),
            "err": request.query_params.get("loi", ""),
            **context,
        },
        status_code=status_code,
    )


def current_approver(doc: dict[str, Any]) -> str | None:
    """Who must approve a draft now (the step's approver), None unless it awaits approval."""
    approvers: list[str] = doc.get("approvers") or []
    step: int = doc.get("approval_step") or 0
    if doc.get("status") != "pending_approval" or step >= len(approvers):
        return None
    return approvers[step]


def state_of(answer: Answer) -> str:
    """How to present an answer that brought nothing: missing API, refusal, or just empty."""
    if answer.ok:
        return "ok"
    if answer.missing or answer.status == 404:
        return "missing"
    return "error"


# -- forms and the redirect after them -------------------------------------------------------------


def text_of(form: FormData, name: str) -> str:
    """A text field, stripped ("" when absent or a file)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def texts_of(form: FormData, name: str) -> list[str]:
    """Every text value of a repeated field (checkboxes, multiple selects)."""
    return [v for v in form.getlist(name) if isinstance(v, str)]


def file_of(form: FormData, name: str) -> UploadFile | None:
    """An uploaded file, or None when the field holds none."""
    value = form.get(name)
    return value if isinstance(value, UploadFile) else None


def back(url: str, ok: str = "", err: str = "") -> RedirectResponse:
    """Redirect after a form, with a message shown on the next page."""
    sep = "&" if "?" in url else "?"
    if ok:
        url += f"{sep}ok={quote(ok)}"
    elif err:
        url += f"{sep}loi={quote(err)}"
    return RedirectResponse(url, status_code=303)


def outcome(answer: Answer, target: str, done: str) -> RedirectResponse:
    """Back to `target` saying `done` when the call succeeded, or the API's reason when it did not."""
    return back(target, ok=done) if answer.ok else back(target, err=answer.error)


def thread_of(answer: Answer, action: str) -> dict[str, Any]:
    """What `_comments.html` needs: the thread (or why it could not be read) and where a comment posts."""
    found = answer.data if answer.ok and isinstance(answer.data, list) else []
    return {
        "comments": found,
        "comments_error": None if answer.ok else answer.error,
        "comment_action": action,
    }


def document_page(doc_id: str) -> str:
    return f"/staff/van-ban/{doc_id}"


async def act_on_document(
    request: Request, doc_id: str, action: str, body: dict[str, Any], done: str
) -> RedirectResponse:
    """POST one handling step to the documents API and go back to the document's page."""
    async with Api(request) as api:
        answer = await api.post(f"/documents/{doc_id}/{action}", body)
    return outcome(answer, document_page(doc_id), done)


async def listing(
    request: Request,
    who: Acting,
    title: str,
    path: str,
    columns: list[tuple[str, str]],
    **params: Any,
) -> HTMLResponse:
    """A module's list as a table of chosen columns (key, heading), or why there is nothing to show."""
    async with Api(request) as api:
        answer = await api.get(path, limit=WHOLE, **params)
    return render(
        request,
        "listing.html",
        who,
        title=title,
        rows=answer.items,
        state=state_of(answer),
        error=answer.error,
        columns=columns,
    )
