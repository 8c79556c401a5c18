"""Messages between staff and the person's notifications.

- `/staff/tin-nhan?hop=den|di&q=`: the inbox or the sent folder, the notifications, and the form to
  write to people, whole units and groups at once, with an urgency (leaders may send a notice that
  asks for read receipts);
- `/staff/tin-nhan/{id}`: one message (opening it is its read receipt and reads its notification);
  its sender sees who has read it;
- `/staff/tin-nhan/nhom`: create a group (tổ công tác) to write to.

People and units are listed in Vietnamese alphabetical order (`kit.collation`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from hub.orgchart import LEADER
from portal.staff.client import Api
from portal.staff.kit import WHOLE, Who, back, db_of, render, state_of, text_of, texts_of
from portal.staff.pages.notifications import mark_read_for, notice_href, reason_of
from portal.staff.people import people_by_unit

router = APIRouter(prefix="/staff", include_in_schema=False)
HOME = "/staff/tin-nhan"
URGENCIES = {"thuong": "Thường", "khan": "Khẩn", "thuong_khan": "Thượng khẩn", "hoa_toc": "Hỏa tốc"}


async def directory(request: Request, me: str) -> list[dict[str, Any]]:
    """Units in Vietnamese alphabetical order, each with its staff (but me) in the same order."""
    return await people_by_unit(db_of(request), me)


@router.get("/tin-nhan", response_class=HTMLResponse)
async def messages(
    request: Request, who: Who, hop: str = "den", q: str = "", tra_loi: str = ""
) -> HTMLResponse:
    folder = "di" if hop == "di" else "den"
    async with Api(request) as api:
        listed = await api.get("/messages/sent" if folder == "di" else "/messages/inbox", q=q, limit=WHOLE)
        notices, groups, unread = await api.many(
            f"/notify/inbox?limit={WHOLE}", f"/messages/groups/mine?limit={WHOLE}", "/messages/unread-count"
        )
        reply = await api.get(f"/messages/{tra_loi}") if tra_loi else None
    units = await directory(request, who.principal.id)
    return render(
        request,
        "messages.html",
        who,
        title="Tin nhắn và thông báo",
        folder=folder,
        q=q,
        listed=listed.items,
        listed_state=state_of(listed),
        listed_error=listed.error,
        unread=(unread.data or {}).get("unread", 0) if unread.ok else 0,
        notices=notices.items,
        notices_state=state_of(notices),
        unread_notices=sum(1 for n in notices.items if not n.get("read")),
        notice_href=notice_href,
        groups=groups.items,
        units=units,
        urgencies=URGENCIES,
        may_notice=who.has(LEADER),
        reply=reply.data if reply is not None and reply.ok else None,
    )


@router.post("/tin-nhan")
async def send_message(request: Request, who: Who) -> Response:
    """Send to the people, units and groups ticked (a leader's notice: to the units, else everyone)."""
    form = await request.form()
    notice = text_of(form, "notice") == "1"
    body: dict[str, Any] = {
        "kind": "notice" if notice else "direct",
        "recipients": [] if notice else texts_of(form, "to"),
        "unit_ids": texts_of(form, "unit"),
        "group_ids": [] if notice else texts_of(form, "group"),
        "subject": text_of(form, "subject") or "(không tiêu đề)",
        "body": text_of(form, "body"),
        "urgency": text_of(form, "urgency") or "thuong",
    }
    if not notice and not (body["recipients"] or body["unit_ids"] or body["group_ids"]):
        return back(HOME, err="Chưa chọn người nhận: chọn cán bộ, đơn vị hoặc nhóm.")
    async with Api(request) as api:
        answer = await api.post("/messages", body)
    if not answer.ok:
        return back(HOME, err=reason_of(answer))
    count = len(answer.data.get("recipients") or [])
    return back(f"{HOME}/{answer.data['id']}", ok=f"Đã gửi tin nhắn tới {count} người")


@router.post("/tin-nhan/nhom")
async def create_group(request: Request, who: Who) -> Response:
    """Create a group of staff (the creator is a member) to write to."""
    form = await request.form()
    name, members = text_of(form, "name"), texts_of(form, "member")
    if not name or not members:
        return back(HOME, err="Nhóm cần tên và ít nhất một thành viên.")
    async with Api(request) as api:
        answer = await api.post("/messages/groups", {"name": name, "members": members})
    if not answer.ok:
        return back(HOME, err=reason_of(answer))
    return back(HOME, ok=f"Đã tạo nhóm «{name}» ({len(answer.data.get('members') or [])} thành viên)")


@router.get("/tin-nhan/{message_id}", response_class=HTMLResponse)
async def message(request: Request, message_id: str, who: Who) -> HTMLResponse:
    """One message: opening it marks it (and its notification) read; its sender sees the receipts."""
    async with Api(request) as api:
        answer = await api.get(f"/messages/{message_id}")
        if not answer.ok:
            return render(
                request,
                "problem.html",
                who,
                title="Không mở được tin nhắn",
                status_code=answer.status,
                problem=answer.error,
                home=HOME,
                home_label="Về hộp thư",
            )
        await mark_read_for(api, f"{HOME}/{message_id}")
        mine = answer.data.get("sender") == who.principal.id
        receipts = await api.get(f"/messages/{message_id}/receipts") if mine else None
    return render(
        request,
        "message.html",
        who,
        title=str(answer.data.get("subject") or "Tin nhắn"),
        m=answer.data,
        mine=mine,
        receipts=receipts.data if receipts is not None and receipts.ok else None,
    )
