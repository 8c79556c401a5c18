"""Notifications: each one opens the staff page of its object and is marked read on the way.

The notify adapter keeps each notice's `link`. The modules now give the staff page itself
(`/staff/van-ban/...`); notices stored before that, and modules that still give their API's path
(`/documents/...`, `/tasks/...`, `/messages/...`, `/timekeeping/leaves/...`, `/meetings/...`), are
mapped here to the page that shows the same object, so no notice leads to "Không tìm thấy".
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from portal.staff.client import Answer, Api
from portal.staff.kit import WHOLE, Who, back

router = APIRouter(prefix="/staff", include_in_schema=False)
NOTICES = "/staff/tin-nhan#thong-bao-cua-toi"

# an API-style link (what a module gave before it linked to its page) -> the staff page
LEGACY = [
    (re.compile(r"^/documents/([^/?#]+)"), "/staff/van-ban/{}"),
    (re.compile(r"^/tasks/([^/?#]+)"), "/staff/cong-viec/{}"),
    (re.compile(r"^/messages/([^/?#]+)"), "/staff/tin-nhan/{}"),
    (re.compile(r"^/timekeeping/leaves/([^/?#]+)"), "/staff/cham-cong/nghi-phep/{}"),
    (re.compile(r"^/meetings\?week=([0-9-]+)"), "/staff/lich-hop?week={}"),
    (re.compile(r"^/meetings/([^/?#]+)"), "/staff/lich-hop/{}"),
    (re.compile(r"^/evaluation(/|$)"), "/staff/danh-gia"),
    (re.compile(r"^/intake(/|$)"), "/staff/mot-cua"),
]


def staff_page(link: str | None) -> str:
    """The staff page a notice's link stands for; the notices themselves when it names none."""
    if not link:
        return NOTICES
    if link.startswith("/staff/"):
        return link
    for pattern, page in LEGACY:
        found = pattern.match(link)
        if found:
            return page.format(found.group(1)) if "{}" in page else page
    return NOTICES


def reason_of(answer: Answer) -> str:
    """An API's refusal in plain Vietnamese: the service's message, or a form check's without its
    technical prefix ("Value error, ...") and with the usual English words of the validator replaced."""
    detail = answer.data.get("detail") if isinstance(answer.data, dict) else None
    if not isinstance(detail, list):
        return answer.error
    words = []
    for item in detail:
        message = str(item.get("msg", "")) if isinstance(item, dict) else str(item)
        message = message.removeprefix("Value error, ")
        words.append(PYDANTIC_WORDS.get(message, message) if message else "dữ liệu không hợp lệ")
    text = "; ".join(dict.fromkeys(words))
    return text[:1].upper() + text[1:]


PYDANTIC_WORDS = {
    "Field required": "thiếu thông tin bắt buộc",
    "Input should be a valid date or datetime, input is too short": "ngày giờ chưa đủ",
    "Input should be a valid date": "ngày không hợp lệ",
    "Input should be a valid datetime": "ngày giờ không hợp lệ",
    "String should have at least 1 character": "chưa điền nội dung bắt buộc",
}


def notice_href(notice: dict[str, Any]) -> str:
    """Where a notice's link in a list goes: through /staff/thong-bao/{id}, which marks it read."""
    return f"/staff/thong-bao/{notice.get('id')}"


async def unread_notices(api: Api) -> list[dict[str, Any]]:
    answer = await api.get("/notify/inbox", unread_only="true", limit=WHOLE)
    return answer.items


async def mark_read_for(api: Api, page: str) -> int:
    """Mark read the person's unread notices that point at `page` (opening the page reads them)."""
    marked = 0
    for notice in await unread_notices(api):
        if staff_page(notice.get("link")).split("#")[0] == page:
            answer = await api.post(f"/notify/inbox/{notice.get('id')}/read")
            marked += 1 if answer.ok else 0
    return marked


@router.get("/thong-bao/{notice_id}")
async def open_notice(request: Request, notice_id: int, who: Who) -> Response:
    """Open a notice: mark it read and go to the page of its object."""
    async with Api(request) as api:
        inbox = await api.get("/notify/inbox", limit=WHOLE)
        notice = next((n for n in inbox.items if n.get("id") == notice_id), None)
        if notice is None:
            return back("/staff/tin-nhan", err="Không tìm thấy thông báo này (có thể không phải của bạn).")
        await api.post(f"/notify/inbox/{notice_id}/read")
    return RedirectResponse(staff_page(notice.get("link")), status_code=303)


@router.post("/thong-bao/da-doc")
async def mark_all_read(request: Request, who: Who) -> Response:
    """Mark every unread notice read."""
    async with Api(request) as api:
        notices = await unread_notices(api)
        for notice in notices:
            await api.post(f"/notify/inbox/{notice.get('id')}/read")
    done = f"Đã đánh dấu {len(notices)} thông báo là đã đọc" if notices else "Không còn thông báo chưa đọc"
    return back("/staff/tin-nhan", ok=done)
