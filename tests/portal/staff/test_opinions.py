"""Requests for opinions on a document, from the pages: the leader asks a unit head and an officer of
another unit by a deadline; the officer, who could not read the document before, now can, is told and
finds it on her first screen; answers are counted and exported; only the asker or a leader extends or
closes; nobody else answers; after the close nobody does."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import date, timedelta

import httpx
from openpyxl import load_workbook
from sqlalchemy import select

from tests.portal.staff.conftest import Office, client_of, login
from tests.portal.staff.test_pages import _paper

QUESTION = "Đề nghị cho ý kiến về dự thảo báo cáo giải ngân quý IV"


def _flash(answer: httpx.Response) -> str:
    """The message a form's redirect carries (ok= or loi=), decoded."""
    from urllib.parse import parse_qs, urlsplit

    query = parse_qs(urlsplit(answer.headers["location"]).query)
    return (query.get("ok") or query.get("loi") or [""])[0]


async def test_the_leader_asks_two_people_who_answer_and_the_round_is_counted_and_closed(
    office: Office,
) -> None:
    doc_id = await _paper(office, "Báo cáo tình hình giải ngân vốn đầu tư công")
    page_of = f"/staff/van-ban/{doc_id}"
    deadline = date.today() + timedelta(days=3)
    async with client_of(office.app) as other, client_of(office.app) as leader:
        await login(other, "chuyenvien2")
        assert (await other.get(f"/api/documents/{doc_id}")).status_code == 404  # another unit: not hers

        csrf = await login(leader, "giamdoc")
        empty = await leader.post(f"{page_of}/xin-y-kien", data={"csrf_token": csrf, "question": QUESTION})
        assert _flash(empty) == "Cần chọn hạn góp ý"
        past = await leader.post(
            "/api/documents/" + doc_id + "/opinions",
            json={"question": QUESTION, "deadline": "2020-01-01", "user_ids": ["chuyenvien2"]},
        )
        assert past.status_code == 422 and "đã qua" in past.text
        asked = await leader.post(
            f"{page_of}/xin-y-kien",
            data={
                "csrf_token": csrf,
                "question": QUESTION,
                "deadline": deadline.isoformat(),
                "to": ["truongphongth", "chuyenvien2"],
            },
        )
        assert asked.status_code == 303 and _flash(asked).startswith("Đã gửi xin ý kiến"), _flash(asked)
        [round_] = (await leader.get(f"/api/documents/{doc_id}/opinions")).json()
        rid = round_["id"]
        assert round_["counts"] == {"agree": 0, "disagree": 0, "other": 0, "waiting": 2}

        # the officer of the other unit may now read it, finds it on her first screen, and answers
        assert (await other.get(f"/api/documents/{doc_id}")).status_code == 200
        home = await other.get("/staff/")
        assert "Xin ý kiến chờ tôi trả lời" in home.text and QUESTION in home.text
        page = await other.get(page_of)
        assert 'action="/staff/y-kien/' + rid + '/tra-loi"' in page.text
        assert f'action="/staff/y-kien/{rid}/gia-han"' not in page.text  # not hers to extend
        other_csrf = other.headers["X-CSRF-Token"]
        bare = await other.post(
            f"/staff/y-kien/{rid}/tra-loi",
            data={"csrf_token": other_csrf, "document_id": doc_id, "answer": "disagree"},
        )
        assert _flash(bare) == "Không đồng ý: ghi rõ nội dung ý kiến"
        said = await other.post(
            f"/staff/y-kien/{rid}/tra-loi",
            data={
                "csrf_token": other_csrf,
                "document_id": doc_id,
                "answer": "disagree",
                "comment": "Số liệu quý III chưa khớp với báo cáo của Kho bạc",
            },
        )
        assert _flash(said) == "Đã gửi ý kiến của bạn"
        assert "Xin ý kiến chờ tôi trả lời" not in (await other.get("/staff/")).text
        refused = await other.post(f"/api/documents/opinions/{rid}/extend", json={"deadline": "2030-01-01"})
        assert refused.status_code == 403

    async with client_of(office.app) as head, client_of(office.app) as stranger:
        await login(head, "truongphongth")
        assert (
            await head.post(f"/api/documents/opinions/{rid}/answer", json={"answer": "agree"})
        ).status_code == 200
        await login(stranger, "chuyenvien")  # never asked
        answer = await stranger.post(f"/api/documents/opinions/{rid}/answer", json={"answer": "agree"})
        assert answer.status_code == 404

    async with client_of(office.app) as leader:
        csrf = await login(leader, "giamdoc")
        page = (await leader.get(page_of)).text
        counts = re.sub(r"\s+", " ", page.split('class="counts"')[1].split("</p>")[0])
        assert "Đồng ý: <strong>1</strong>" in counts and "Không đồng ý: <strong>1</strong>" in counts
        assert "Chưa trả lời: <strong>0</strong>" in counts
        assert "Số liệu quý III chưa khớp" in page

        later = deadline + timedelta(days=2)
        moved = await leader.post(
            f"/staff/y-kien/{rid}/gia-han",
            data={"csrf_token": csrf, "document_id": doc_id, "deadline": later},
        )
        assert _flash(moved).startswith("Đã gia hạn góp ý")
        [round_] = (await leader.get(f"/api/documents/{doc_id}/opinions")).json()
        assert round_["deadline"] == later.isoformat() and len(round_["extensions"]) == 1

        sheet = await leader.get(f"/api/documents/opinions/{rid}.xlsx")
        assert sheet.status_code == 200 and "attachment" in sheet.headers["content-disposition"]
        rows = [list(r) for r in load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True)]
        flat = [str(c) for r in rows for c in r if c is not None]
        assert QUESTION in flat and "Không đồng ý" in flat and "Đồng ý" in flat
        assert ["", "Không đồng ý", 1] in [[c or "" for c in r[:3]] for r in rows]

        closed = await leader.post(
            f"/staff/y-kien/{rid}/ket-thuc", data={"csrf_token": csrf, "document_id": doc_id}
        )
        assert _flash(closed) == "Đã kết thúc lấy ý kiến"
        history = (await leader.get(f"/api/documents/{doc_id}")).json()["history"]
        assert history[-1]["text"].startswith("Kết thúc lấy ý kiến: Đồng ý 1, Không đồng ý 1")

    async with client_of(office.app) as head:
        await login(head, "truongphongth")
        late = await head.post(
            f"/api/documents/opinions/{rid}/answer", json={"answer": "other", "comment": "x"}
        )
        assert late.status_code == 409 and "kết thúc" in late.json()["detail"]

    # the two asked were told, each once, with a link to the document's opinions
    from adapters.notify.models import NotifyDelivery

    async def told() -> set[str]:
        async with office.hub.db.session() as s:
            rows = await s.execute(
                select(NotifyDelivery.recipient).where(NotifyDelivery.dedup_key == f"opinion.asked:{rid}")
            )
            return set(rows.scalars())

    for _ in range(100):
        if len(await told()) == 2:
            break
        await asyncio.sleep(0.1)
    assert await told() == {"truongphongth", "chuyenvien2"}
