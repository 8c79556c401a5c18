"""The first screen counts each role's work and every count links to the list it counts: the director's
documents to assign, then, once one is past its deadline, the overdue ones for him and for the unit's
officer; the officer of another unit counts none of them."""

from __future__ import annotations

import re
from datetime import date, timedelta

import httpx
from sqlalchemy import update

from handlers.documents.models import Document
from tests.portal.staff.conftest import Office, client_of, login
from tests.portal.staff.test_pages import _paper


def tiles(html: str) -> dict[str, tuple[int, str]]:
    """Each tile of the home page: label -> (count, link)."""
    nav = html.split('<nav class="tiles" aria-label="Việc cần làm">')[1].split("</nav>")[0]
    found = re.findall(r'<a class="tile[^"]*" href="([^"]+)"><strong>(\d+)</strong> ([^<]+)</a>', nav)
    return {label: (int(count), href.replace("&amp;", "&")) for href, count, label in found}


async def _listed(client: httpx.AsyncClient, href: str, subject: str) -> bool:
    page = await client.get(href)
    assert page.status_code == 200
    return subject in page.text


async def test_each_role_sees_its_counts_and_each_count_opens_its_list(office: Office) -> None:
    subject = "Đề nghị thẩm định chủ trương đầu tư dự án cầu Tứ Liên"
    doc_id = await _paper(office, subject)
    async with client_of(office.app) as leader:
        csrf = await login(leader, "giamdoc")
        counts = tiles((await leader.get("/staff/")).text)
        count, href = counts["Chờ chỉ đạo"]
        assert count == 1 and await _listed(leader, href, subject)
        assert counts["Quá hạn"][0] == 0

        answer = await leader.post(
            f"/staff/van-ban/{doc_id}/giao",
            data={
                "csrf_token": csrf,
                "lead_unit_id": "TH",
                "deadline": (date.today() + timedelta(days=2)).isoformat(),
            },
        )
        assert "loi=" not in answer.headers["location"], answer.headers["location"]
        assert tiles((await leader.get("/staff/")).text)["Chờ chỉ đạo"][0] == 0

    async with office.hub.db.session() as s:  # two days pass: the deadline is behind us
        await s.execute(
            update(Document).where(Document.id == doc_id).values(deadline=date.today() - timedelta(days=1))
        )
        await s.commit()

    async with client_of(office.app) as leader, client_of(office.app) as head, client_of(office.app) as other:
        await login(leader, "giamdoc")
        count, href = tiles((await leader.get("/staff/")).text)["Quá hạn"]
        assert count == 1 and await _listed(leader, href, subject)
        await login(head, "truongphongth")  # head of the lead unit
        count, href = tiles((await head.get("/staff/")).text)["Quá hạn"]
        assert count == 1 and await _listed(head, href, subject)
        await login(other, "chuyenvien2")  # another unit
        counts = tiles((await other.get("/staff/")).text)
        assert counts["Quá hạn"][0] == 0 and "Chờ chỉ đạo" not in counts
        assert not await _listed(other, counts["Quá hạn"][1], subject)


async def test_due_this_week_and_the_deadline_filters_count_what_they_list(office: Office) -> None:
    """Deadlines today, on Sunday, next Monday and a month away; one unassigned document past the
    sender's due date. Each filter's total is the number of documents it lists (paged or not)."""
    from handlers.documents.clock import today as vn_today

    today = vn_today()  # the office's day (Vietnam), which the filters judge by
    sunday = today + timedelta(days=6 - today.weekday())
    placed = {
        "Hạn hôm nay": {"deadline": today},
        "Hạn chủ nhật": {"deadline": sunday},
        "Hạn thứ hai tuần sau": {"deadline": sunday + timedelta(days=1)},
        "Hạn tháng sau": {"deadline": today + timedelta(days=40)},
        "Quá hạn của nơi gửi": {"deadline": None, "due_date": today - timedelta(days=3)},
    }
    ids = {}
    for subject, values in placed.items():
        ids[subject] = await _paper(office, f"Văn bản thử thời hạn: {subject}")
        async with office.hub.db.session() as s:
            await s.execute(update(Document).where(Document.id == ids[subject]).values(**values))
            await s.commit()

    async with client_of(office.app) as leader:
        await login(leader, "giamdoc")
        counts = tiles((await leader.get("/staff/")).text)
        count, href = counts["Đến hạn tuần này"]
        assert count == (1 if sunday == today else 2)
        listing = (await leader.get(href)).text
        assert "Hạn hôm nay" in listing and "Hạn chủ nhật" in listing
        assert "Hạn thứ hai tuần sau" not in listing and "Hạn tháng sau" not in listing
        assert 'value="due_this_week" selected' in listing  # the list says which filter it shows
        assert counts["Quá hạn"][0] == 1 and await _listed(
            leader, counts["Quá hạn"][1], "Quá hạn của nơi gửi"
        )

        for status in ("overdue", "due_today", "due_this_week", "due_soon", "on_time", "no_deadline"):
            whole = (await leader.get("/api/documents", params={"deadline_status": status})).json()
            first = (
                await leader.get("/api/documents", params={"deadline_status": status, "limit": 1})
            ).json()
            assert first["total"] == whole["total"] == len(whole["items"]), status
            assert all(d["deadline_status"] == status for d in whole["items"] if status != "due_this_week")
        far = (await leader.get("/api/documents", params={"deadline_status": "on_time"})).json()
        assert [d["subject"] for d in far["items"]] == ["Văn bản thử thời hạn: Hạn tháng sau"]


async def test_the_clerk_is_warned_of_dossiers_due_for_the_archive_thirty_days_ahead(office: Office) -> None:
    """Decree 30 App. VI I.III.5.b: a closed dossier goes to the agency archive within a year of its
    close; from 30 days before that day the clerk's first screen counts it and lists it."""
    from datetime import UTC, datetime, timezone

    from handlers.documents.models import DocDossier

    async with client_of(office.app) as officer:
        await login(officer, "chuyenvien")
        made = {}
        for notation, title in (("TH.01", "Hồ sơ quy hoạch năm trước"), ("TH.02", "Hồ sơ vừa đóng")):
            r = await officer.post("/api/documents/dossiers", json={"title": title, "notation": notation})
            assert r.status_code == 201, r.text
            made[notation] = r.json()["id"]
            assert (await officer.post(f"/api/documents/dossiers/{made[notation]}/close")).status_code == 200
    closed = {"TH.01": 340, "TH.02": 10}  # days ago: the first is due in about 25 days
    async with office.hub.db.session() as s:
        for notation, days in closed.items():
            moment = datetime.now(UTC) - timedelta(days=days)
            await s.execute(
                update(DocDossier).where(DocDossier.id == made[notation]).values(closed_at=moment)
            )
    async with client_of(office.app) as clerk:
        await login(clerk, "vanthu")
        count, href = tiles((await clerk.get("/staff/")).text)["Hồ sơ đến hạn nộp lưu"]
        assert count == 1 and href == "/staff/ho-so?nop_luu=1"
        page = (await clerk.get(href)).text
        assert "Hồ sơ quy hoạch năm trước" in page and "Hồ sơ vừa đóng" not in page
        due = (datetime.now(UTC) - timedelta(days=340)).astimezone(timezone(timedelta(hours=7))).date()
        due = due.replace(year=due.year + 1)
        listed = (await clerk.get("/api/documents/dossiers", params={"transfer": "true"})).json()["items"]
        assert [(d["title"], d["transfer_due"]) for d in listed] == [
            ("Hồ sơ quy hoạch năm trước", due.isoformat())
        ]
        detail = (await clerk.get(f"/staff/ho-so/{made['TH.01']}")).text
        assert f"Hạn nộp lưu cơ quan</dt><dd>{due:%d/%m/%Y}" in detail
