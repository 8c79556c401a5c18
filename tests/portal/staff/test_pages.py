"""Staff pages through the ASGI app: each role's work, the forms, an officer kept out of another unit."""

from __future__ import annotations

import re

from tests.portal.staff.conftest import Office, client_of, login, pdf_bytes


async def _paper(office: Office, subject: str) -> str:
    async with client_of(office.app) as clerk:
        csrf = await login(clerk, "vanthu")
        answer = await clerk.post(
            "/staff/van-ban-giay",
            data={
                "csrf_token": csrf,
                "subject": subject,
                "from_agency": "UBND quận Hoàn Kiếm",
                "code": "12/UBND",
            },
            files={"file": ("scan.pdf", pdf_bytes(subject), "application/pdf")},
        )
        assert answer.status_code == 303, answer.text
        assert "loi=" not in answer.headers["location"], answer.headers["location"]
        match = re.search(r"/staff/van-ban/([^?]+)", answer.headers["location"])
        assert match
        return match.group(1)


async def test_pages_show_each_role_its_work_and_keep_other_units_out(office: Office) -> None:
    doc_id = await _paper(office, "Đề nghị góp ý quy hoạch khu đô thị")
    async with client_of(office.app) as leader:
        csrf = await login(leader, "giamdoc")
        home = await leader.get("/staff/")
        assert home.status_code == 200
        assert "Văn bản chờ chỉ đạo" in home.text and "quy hoạch khu đô thị" in home.text
        answer = await leader.post(
            f"/staff/van-ban/{doc_id}/giao",
            data={"csrf_token": csrf, "lead_unit_id": "TH", "instruction": "Phòng TH chủ trì"},
        )
        assert "loi=" not in answer.headers["location"], answer.headers["location"]
    async with client_of(office.app) as forger:
        await login(forger, "giamdoc")
        del forger.headers["X-CSRF-Token"]
        forged = await forger.post(f"/staff/van-ban/{doc_id}/tra-lai", data={"comment": "x"})
        assert forged.status_code == 403 and "CSRF" in forged.text
    async with client_of(office.app) as officer:
        await login(officer, "chuyenvien")
        page = await officer.get(f"/staff/van-ban/{doc_id}")
        assert page.status_code == 200 and "Soạn văn bản trả lời" in page.text
        found = await officer.get("/staff/tim-kiem", params={"q": "quy hoach"})
        assert "quy hoạch khu đô thị" in found.text
    async with client_of(office.app) as other:
        await login(other, "chuyenvien2")
        page = await other.get(f"/staff/van-ban/{doc_id}", headers={"Accept": "text/html"})
        assert page.status_code == 404
        assert "quy hoạch khu đô thị" not in page.text
        found = await other.get("/staff/tim-kiem", params={"q": "quy hoach"})
        assert found.status_code == 200 and "quy hoạch khu đô thị" not in found.text
        pdf = await other.get(f"/staff/van-ban/{doc_id}/pdf?v=0")
        assert pdf.status_code == 404


PAGES = [
    "/staff/",
    "/staff/van-ban",
    "/staff/so-van-ban",
    "/staff/so-van-ban/quan-ly",
    "/staff/cong-viec",
    "/staff/tong-hop",
    "/staff/lich-hop",
    "/staff/tin-nhan",
    "/staff/cham-cong",
    "/staff/danh-gia",
    "/staff/khieu-nai",
    "/staff/du-an",
    "/staff/mot-cua",
    "/staff/bao-mat",
    "/staff/tim-kiem?q=Vu+Thi+Mai",
    "/staff/van-ban-giay",
    "/staff/du-thao/moi",
]


async def test_every_page_renders_for_every_role_in_one_request(office: Office) -> None:
    for user in ("vanthu", "giamdoc", "truongphongth", "chuyenvien"):
        async with client_of(office.app) as client:
            await login(client, user)
            for page in PAGES:
                answer = await client.get(page)
                assert answer.status_code == 200, (user, page, answer.text[:500])
                assert "<main" in answer.text and 'lang="vi"' in answer.text
            found = await client.get("/staff/tim-kiem", params={"q": "vu thi mai"})
            assert "Vũ Thị Mai" in found.text
            missing = await client.get("/staff/lich-hop")
            assert "Chưa có dữ liệu" in missing.text  # meetings module not loaded in this hub


async def test_pages_need_a_login() -> None:
    from fastapi import FastAPI

    from portal.staff import router

    app = FastAPI()
    app.include_router(router())
    async with client_of(app) as client:
        answer = await client.get("/staff/static/staff.css")
        assert answer.status_code == 200 and "text/css" in answer.headers["content-type"]
        assert (await client.get("/staff/static/..%2Fkit.py")).status_code == 404


async def test_a_deputy_holding_a_delegation_acts_as_leader_during_its_period(office: Office) -> None:
    from datetime import UTC, datetime, timedelta

    from hub.orgchart import Delegation
    from portal.staff.people import acting

    now = datetime.now(UTC)
    async with office.hub.db.session() as s:
        s.add(
            Delegation(
                from_user_id="giamdoc",
                to_user_id="chanhvanphong",
                starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(days=2),
                note="Giám đốc đi công tác",
            )
        )
    async with client_of(office.app) as deputy:
        await login(deputy, "chanhvanphong")
        home = await deputy.get("/staff/")
        assert "Văn bản chờ chỉ đạo" in home.text and "Được ủy quyền bởi Nguyễn Văn Hùng" in home.text
        me = (await deputy.get("/api/auth/me")).json()
    from hub.auth import Principal

    principal = Principal.model_validate(me)
    later = await acting(office.hub.db, principal, now + timedelta(days=3))
    assert not later.has("leader") and later.has("unit_head")


async def test_the_unit_head_sees_the_task_of_an_assigned_document_and_reports_progress(
    office: Office,
) -> None:
    from hub.runtime import wait_for

    doc_id = await _paper(office, "Đề nghị báo cáo vốn đầu tư công quý IV")
    async with client_of(office.app) as leader:
        csrf = await login(leader, "giamdoc")
        await leader.post(
            f"/staff/van-ban/{doc_id}/giao",
            data={"csrf_token": csrf, "lead_unit_id": "TH", "deadline": "2030-12-20"},
        )
    async with client_of(office.app) as head:
        csrf = await login(head, "truongphongth")

        async def listed() -> bool:
            page = await head.get("/staff/cong-viec", params={"scope": "unit"})
            return "vốn đầu tư công quý IV" in page.text

        assert await wait_for(listed, timeout=60, every=0.5), "the task of the document did not appear"
        tasks = (await head.get("/api/tasks", params={"scope": "unit"})).json()["items"]
        task_id = next(t["id"] for t in tasks if t["document_id"] == doc_id)
        page = await head.get(f"/staff/cong-viec/{task_id}")
        assert page.status_code == 200 and "Xem văn bản giao việc" in page.text
        answer = await head.post(
            f"/staff/cong-viec/{task_id}/bao-cao",
            data={"csrf_token": csrf, "text": "Đã tổng hợp số liệu của các quận", "progress": "40"},
            files={"files": ("so-lieu.txt", "Số liệu".encode(), "text/plain")},
        )
        assert answer.status_code == 303 and "ok=" in answer.headers["location"], answer.headers["location"]
        page = await head.get(f"/staff/cong-viec/{task_id}")
        assert "Đã tổng hợp số liệu của các quận (40%)" in page.text and "so-lieu.txt" in page.text
