"""Jinja2 rendering of the staff pages: labels, dates in Hanoi time, the menu by role."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from hub.auth import CSRF_COOKIE
from hub.directory import CLERK, LEADER, OFFICER, UNIT_HEAD
from portal.staff.people import Acting

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
HANOI = timezone(timedelta(hours=7))
EVERYONE = (CLERK, LEADER, UNIT_HEAD, OFFICER)

STATUS_LABELS = {
    "received": "Chờ vào sổ",
    "registered": "Đã vào sổ, chờ chỉ đạo",
    "rejected": "Đã từ chối",
    "assigned": "Đã giao xử lý",
    "processing": "Đang xử lý",
    "completed": "Đã hoàn thành",
    "draft": "Dự thảo",
    "returned": "Bị trả lại",
    "pending_approval": "Chờ duyệt",
    "signing": "Đang ký số",
    "approved": "Đã duyệt, chờ ban hành",
    "issuing": "Đang ban hành",
    "issued": "Đã ban hành",
    "issue_failed": "Ban hành không thành công",
}

TRANSPORT = {
    "queued": "Đang chờ gửi lên trục",
    "sent": "Đã gửi lên trục",
    "delivered": "Nơi nhận đã nhận",
    "failed": "Gửi không thành công",
    "internal": "Gửi nội bộ",
}

# href, label, roles that see it
NAV: list[tuple[str, str, tuple[str, ...]]] = [
    ("/staff/", "Trang chính", EVERYONE),
    ("/staff/van-ban", "Văn bản", EVERYONE),
    ("/staff/so-van-ban", "Sổ văn bản", (CLERK, LEADER)),
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
            moment = moment.replace(tzinfo=timezone.utc)  # noqa: UP017
        return moment.astimezone(HANOI).strftime("%d/%m/%Y %H:%M")
    if isinstance(moment, date):
        return moment.strftime("%d/%m/%Y")
    return str(value)


def local_date(value: Any) -> str:
    text = local_time(value)
    return text.split(" ")[0]


TEMPLATES.env.filters["vntime"] = local_time
TEMPLATES.env.filters["vndate"] = local_date
TEMPLATES.env.globals["STATUS_LABELS"] = STATUS_LABELS
TEMPLATES.env.globals["TRANSPORT"] = TRANSPORT
TEMPLATES.env.globals["SOURCES"] = {
    "axis": "Trục liên thông",
    "onestop": "Một cửa",
    "paper": "Bản giấy",
    "complaints": "Đơn thư",
}


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
