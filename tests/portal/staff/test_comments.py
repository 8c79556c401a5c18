"""Comment threads (trao đổi) on a document and on a task, from the pages: the people handling them
write and read the thread, the others concerned are told once per comment, and people outside the
object's walls (an officer of another unit, an officer of the same unit not on the task) can neither
read nor write it."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select

from tests.portal.staff.conftest import Office, client_of, login
from tests.portal.staff.test_pages import _paper

HEAD_SAYS = "Đề nghị văn thư bổ sung phụ lục số liệu quý III.\nPhòng TH sẽ trả lời trước thứ Sáu."


def _flash(answer: httpx.Response) -> str:
    location = answer.headers["location"]
    query = parse_qs(urlsplit(location).query)
    return (query.get("ok") or query.get("loi") or [""])[0]


async def _told(office: Office, key: str, expected: int) -> set[str]:
    """The recipients notified under `key`, once `expected` of them are (or after 10 s)."""
    from adapters.notify.models import NotifyDelivery

    found: set[str] = set()
    for _ in range(100):
        async with office.hub.db.session() as s:
            rows = await s.execute(select(NotifyDelivery.recipient).where(NotifyDelivery.dedup_key == key))
            found = set(rows.scalars())
        if len(found) >= expected:
            break
        await asyncio.sleep(0.1)
    return found


async def test_a_document_thread_is_written_read_and_told_and_walled(office: Office) -> None:
    doc_id = await _paper(office, "Kế hoạch kiểm tra dự án chậm tiến độ")
    page_of = f"/staff/van-ban/{doc_id}"
    async with client_of(office.app) as leader, client_of(office.app) as head:
        csrf = await login(leader, "giamdoc")
        assigned = await leader.post(
            f"{page_of}/giao", data={"csrf_token": csrf, "lead_unit_id": "TH", "instruction": "TH chủ trì"}
        )
        assert "loi=" not in assigned.headers["location"]
        empty_page = await leader.get(page_of)
        assert "Chưa có trao đổi nào" in empty_page.text
        assert f'action="/staff/van-ban/{doc_id}/trao-doi"' in empty_page.text

        head_csrf = await login(head, "truongphongth")
        blank = await head.post(f"{page_of}/trao-doi", data={"csrf_token": head_csrf, "body": "   "})
        assert _flash(blank) == "Cần ghi nội dung trao đổi"
        said = await head.post(f"{page_of}/trao-doi", data={"csrf_token": head_csrf, "body": HEAD_SAYS})
        assert said.status_code == 303 and said.headers["location"].endswith("#trao-doi")
        assert _flash(said).startswith("Đã gửi trao đổi")
        too_long = await head.post(f"/api/documents/{doc_id}/comments", json={"body": "x" * 4001})
        assert too_long.status_code == 422

        [comment] = (await leader.get(f"/api/documents/{doc_id}/comments")).json()
        assert comment["author_name"] != "truongphongth" and comment["author_name"]
        assert comment["body"] == HEAD_SAYS and comment["mine"] is False
        page = await leader.get(page_of)
        assert comment["author_name"] in page.text and "Phòng TH sẽ trả lời trước thứ Sáu." in page.text
        assert "truongphongth" not in page.text.split('id="trao-doi"')[1].split("</section>")[0]

        # the clerk who registered it is told of the head's comment; the author is not
        assert await _told(office, f"document.comment:{comment['id']}", 1) == {"vanthu"}
        reply = await leader.post(f"/api/documents/{doc_id}/comments", json={"body": "Đồng ý, khẩn trương."})
        assert reply.status_code == 201 and reply.json()["mine"] is True
        told = await _told(office, f"document.comment:{reply.json()['id']}", 2)
        assert told == {"vanthu", "truongphongth"}
        thread = (await head.get(f"/api/documents/{doc_id}/comments")).json()
        assert [c["body"] for c in thread] == [HEAD_SAYS, "Đồng ý, khẩn trương."]

    async with client_of(office.app) as other:
        other_csrf = await login(other, "chuyenvien2")
        assert (await other.get(f"/api/documents/{doc_id}/comments")).status_code == 404
        forced = await other.post(f"/api/documents/{doc_id}/comments", json={"body": "Tôi vào được không?"})
        assert forced.status_code == 404
        by_page = await other.post(f"{page_of}/trao-doi", data={"csrf_token": other_csrf, "body": "Thử"})
        assert "loi=" in by_page.headers["location"]
    async with client_of(office.app) as leader:
        await login(leader, "giamdoc")
        assert len((await leader.get(f"/api/documents/{doc_id}/comments")).json()) == 2  # nothing slipped in


async def test_a_task_thread_is_kept_to_the_people_on_the_task(office: Office) -> None:
    doc_id = await _paper(office, "Rà soát hồ sơ đề xuất dự án PPP")
    async with client_of(office.app) as leader, client_of(office.app) as head:
        csrf = await login(leader, "giamdoc")
        await leader.post(f"/staff/van-ban/{doc_id}/giao", data={"csrf_token": csrf, "lead_unit_id": "TH"})
        await login(head, "truongphongth")
        tasks: list[dict[str, object]] = []
        for _ in range(100):  # the unit's task follows the assignment over the bus
            tasks = (await head.get(f"/api/tasks/by-document/{doc_id}")).json()["items"]
            if tasks:
                break
            await asyncio.sleep(0.1)
        [task] = tasks
        task_page = f"/staff/cong-viec/{task['id']}"
        head_csrf = head.headers["X-CSRF-Token"]
        said = await head.post(
            f"{task_page}/trao-doi", data={"csrf_token": head_csrf, "body": "Cần số liệu PPP"}
        )
        assert _flash(said).startswith("Đã gửi trao đổi"), _flash(said)
        page = await leader.get(task_page)
        assert "Cần số liệu PPP" in page.text and 'id="trao-doi"' in page.text
        [comment] = (await leader.get(f"/api/tasks/{task['id']}/comments")).json()
        assert await _told(office, f"task.comment:{comment['id']}", 1) == {"giamdoc"}  # the assigner

    for outsider in ("chuyenvien2", "chuyenvien"):  # another unit; the same unit but not on the task
        async with client_of(office.app) as other:
            await login(other, outsider)
            assert (await other.get(f"/api/tasks/{task['id']}/comments")).status_code == 404, outsider
            forced = await other.post(f"/api/tasks/{task['id']}/comments", json={"body": "Cho tôi xem"})
            assert forced.status_code == 404, outsider


async def test_the_officers_notice_of_an_assignment_names_the_lead_not_his_account(office: Office) -> None:
    from adapters.notify.models import NotifyDelivery

    doc_id = await _paper(office, "Thẩm định hồ sơ điều chỉnh dự án khu nhà ở xã hội")
    async with client_of(office.app) as leader, client_of(office.app) as head:
        csrf = await login(leader, "giamdoc")
        await leader.post(f"/staff/van-ban/{doc_id}/giao", data={"csrf_token": csrf, "lead_unit_id": "TH"})
        head_csrf = await login(head, "truongphongth")
        answer = await head.post(
            f"/staff/van-ban/{doc_id}/phan-cong", data={"csrf_token": head_csrf, "officer_ids": "chuyenvien"}
        )
        assert "loi=" not in answer.headers["location"], answer.headers["location"]
    body = ""
    for _ in range(100):
        async with office.hub.db.session() as s:
            body = (
                await s.scalar(
                    select(NotifyDelivery.body).where(
                        NotifyDelivery.recipient == "chuyenvien",
                        NotifyDelivery.dedup_key.like(f"document.handler_assigned:{doc_id}:%"),
                    )
                )
                or ""
            )
        if body:
            break
        await asyncio.sleep(0.1)
    assert "Chủ trì: Vũ Thị Mai" in body and "chuyenvien" not in body, body
