"""Decree 335/2025 end to end: a unit head opens September for the unit, marks, confirms with the cap.

Products come off the bus as work tracking publishes them (created, completed with weight and
quality, assessed later); the officer sees her own score and evidence; nobody reads or changes
another unit's period; the unit heads are scored by a leader; the director sees the department.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from handlers.evaluation import EvaluationModule
from handlers.evaluation.models import Assessment, Cycle, PeriodUnit
from hub.runtime import Hub, wait_for
from tests.handlers.evaluation.facts import add_officers, assessed, created, done
from tests.handlers.timekeeping.harness import PASSWORD, Api, StartHub, Tap

EV = "/api/evaluation"
SEPT = date(2026, 9, 1)


def day(n: int) -> date:
    return date(2026, 9, n)


async def september_at_work(hub: Hub, extra: list[str]) -> None:
    """Vũ Thị Mai: ten products, NV-3 and NV-7 late without cause; fourteen colleagues on time."""
    for n in range(1, 11):
        finished = day(10 + n) if n in (3, 7) else day(8 + n)
        await done(hub, f"MAI-{n}", "chuyenvien", "TH", day(9 + n), finished)
    for uid in extra:
        for n in range(1, 6):
            await done(hub, f"{uid}-{n}", uid, "TH", day(5 + n), day(5 + n))
    await created(hub, "cv01-6", "cv01", "TH", day(25))  # never done: past due, earns nothing
    await assessed(hub, "cv02-1", "cv02", "TH", day(6), errors=1)  # judged after completion
    await done(hub, "DT-1", "chuyenvien2", "DNDT", day(15), day(15))


async def heard(hub: Hub, count: int) -> bool:
    from handlers.evaluation.models import TaskEvidence

    async with hub.db.session() as s:
        return bool(await s.scalar(select(func.count()).select_from(TaskEvidence)) == count)


async def snapshot(hub: Hub) -> tuple[int, int, list[Any]]:
    """What could change: cycles, unit periods, every assessment's marks."""
    async with hub.db.session() as s:
        cycles = int(await s.scalar(select(func.count()).select_from(Cycle)) or 0)
        units = int(await s.scalar(select(func.count()).select_from(PeriodUnit)) or 0)
        marks = [
            (a.cycle_id, a.user_id, a.general_points, a.review_level, a.confirmed_at)
            for a in (await s.execute(select(Assessment).order_by(Assessment.user_id))).scalars()
        ]
    return cycles, units, marks


async def test_a_unit_head_scores_september_and_the_cap_applies(module_hub: StartHub, db_url: str) -> None:
    hub = await module_hub([EvaluationModule()], ["handlers.evaluation"], db_url)
    api = Api(hub)
    decided = await Tap(hub, "lt.evaluation.evt.decided", "test-335-decided").open()
    try:
        extra = await add_officers(hub, "TH", 14, PASSWORD)
        await september_at_work(hub, extra)
        assert await wait_for(lambda: heard(hub, 10 + 70 + 1 + 1 + 1), timeout=60, every=0.3)

        # -- nobody opens another unit's period --
        before = await snapshot(hub)
        month = {"kind": "month", "year": 2026, "number": 9}
        other = await api.call("POST", "truongphongdt", f"{EV}/periods", json={**month, "unit_id": "TH"})
        assert other.status_code == 403 and "đơn vị mình" in other.json()["detail"]
        officer = await api.call("POST", "chuyenvien", f"{EV}/periods", json=month)
        assert officer.status_code == 403
        assert await snapshot(hub) == before

        opened = await api.call("POST", "truongphongth", f"{EV}/periods", json=month)
        assert opened.status_code == 201, opened.text
        cid = opened.json()["cycle_id"]
        assert opened.json()["name"] == "Tháng 9/2026" and opened.json()["new_cycle"] is True
        assert set(opened.json()["people"]) == {"chuyenvien", "truongphongth", *extra}
        again = await api.call("POST", "truongphongth", f"{EV}/periods", json=month)
        assert again.status_code == 409 and "đã mở Tháng 9/2026" in again.json()["detail"]

        # -- the officer's own score and evidence, nobody else's --
        self_ = await api.call(
            "POST",
            "chuyenvien",
            f"{EV}/cycles/{cid}/self",
            json={"general_points": 27, "summary": "Hoàn thành"},
        )
        assert self_.status_code == 200, self_.text
        mine = (await api.call("GET", "chuyenvien", f"{EV}/cycles/{cid}/assessments/chuyenvien")).json()
        score = mine["score"]
        assert score["tasks"]["points"] == 68.83 and score["tasks"]["delayed"] == ["MAI-3", "MAI-7"]
        assert [p["task_id"] for p in score["tasks"]["products"]][:3] == ["MAI-1", "MAI-2", "MAI-3"]
        third = score["tasks"]["products"][2]
        assert (third["state"], third["timeliness"], third["document_id"]) == ("tre_han", 0.75, "vb-mai-3")
        assert score["general_from"] == "self" and score["total"] == 95.83
        assert mine["stage_label"] == "Đã tự đánh giá"
        for intruder in ("cv01", "chuyenvien2", "truongphongdt"):
            peek = await api.call("GET", intruder, f"{EV}/cycles/{cid}/assessments/chuyenvien")
            assert peek.status_code == 404, intruder  # not theirs to see: as if it did not exist
        listed = (await api.call("GET", "cv01", f"{EV}/cycles/{cid}")).json()["assessments"]
        assert [a["user_id"] for a in listed] == ["cv01"]

        # -- nobody reads or marks another unit's board --
        before = await snapshot(hub)
        marks = {"items": [{"user_id": "chuyenvien", "general_points": 1}]}
        for user, url in (
            ("truongphongdt", f"{EV}/cycles/{cid}/units/TH"),
            ("cv01", f"{EV}/cycles/{cid}/units/TH"),
            ("truongphongth", f"{EV}/cycles/{cid}/managers"),
        ):
            assert (await api.call("GET", user, url)).status_code == 403, (user, url)
        assert (await api.call("GET", "truongphongdt", f"{EV}/cycles/{cid}/units/DNDT")).status_code == 404
        assert (
            await api.call("POST", "truongphongdt", f"{EV}/cycles/{cid}/units/TH/scores", json=marks)
        ).status_code == 403
        assert (
            await api.call("POST", "truongphongdt", f"{EV}/cycles/{cid}/units/TH/confirm")
        ).status_code == 403
        assert (
            await api.call("POST", "chuyenvien", f"{EV}/cycles/{cid}/units/TH/confirm")
        ).status_code == 403
        assert (await api.call("GET", "truongphongth", f"{EV}/cycles/{cid}/department")).status_code == 403
        assert await snapshot(hub) == before

        # -- the unit head adjusts the general points; 11 good and 4 over 90 --
        general = {"chuyenvien": 25, "cv12": 25, "cv13": 24, "cv14": 23}
        items = [{"user_id": u, "general_points": general.get(u, 15)} for u in ["chuyenvien", *extra]]
        early = await api.call("POST", "truongphongth", f"{EV}/cycles/{cid}/units/TH/confirm")
        assert early.status_code == 409 and "Chưa đủ điểm" in early.json()["detail"]
        board = await api.call(
            "POST", "truongphongth", f"{EV}/cycles/{cid}/units/TH/scores", json={"items": items}
        )
        assert board.status_code == 200, board.text
        rows = {r["user_id"]: r for r in board.json()["rows"]}
        assert "truongphongth" not in rows  # the head is scored by a leader
        assert rows["chuyenvien"]["score"]["total"] == 93.83  # 25 + 68.83
        assert rows["cv01"]["score"]["tasks"]["not_done"] == ["cv01-6"]
        assert rows["cv01"]["score"]["total"] == 73.33  # 15 + 70 × (5/6 × 3) / 3
        assert rows["cv02"]["score"]["tasks"]["quality_failed"] == ["cv02-1"]
        assert rows["cv02"]["score"]["total"] == 83.83  # quality 95 %
        preview = board.json()["cap"]
        assert preview["allowed"] == 2 and preview["kept"] == ["cv12", "cv13"]
        assert preview["lowered"] == ["chuyenvien", "cv14"]

        confirmed = await api.call("POST", "truongphongth", f"{EV}/cycles/{cid}/units/TH/confirm")
        assert confirmed.status_code == 200, confirmed.text
        body = confirmed.json()
        assert body["confirmed_by"] == "truongphongth" and body["may_score"] is False
        levels = {r["user_id"]: r["level"] for r in body["rows"]}
        assert [u for u, lv in levels.items() if lv == "xuat_sac"] == ["cv12", "cv13"]
        assert levels["chuyenvien"] == "tot" and levels["cv01"] == "tot"
        assert {r["user_id"] for r in body["rows"] if r["lowered_by_cap"]} == {"chuyenvien", "cv14"}
        assert "tối đa 2 người xếp loại xuất sắc" in body["cap"]["message"]
        late = await api.call("POST", "truongphongth", f"{EV}/cycles/{cid}/units/TH/scores", json=marks)
        assert late.status_code == 409

        mai = (await api.call("GET", "chuyenvien", f"{EV}/cycles/{cid}/assessments/chuyenvien")).json()
        assert (mai["review_level"], mai["total_points"], mai["general_points"]) == ("tot", 93.83, 25)
        assert mai["score"]["level"] == "xuat_sac"  # the score's band; the cap lowered the rating
        assert mai["reviewed_with"]["tasks"]["delayed"] == ["MAI-3", "MAI-7"]

        # -- the unit heads, by a leader; the department; the decision --
        heads = await api.call("GET", "giamdoc", f"{EV}/cycles/{cid}/managers")
        head = heads.json()["rows"][0]
        assert head["user_id"] == "truongphongth" and head["score"]["tasks"]["basis"] == "don_vi"
        assert len(head["score"]["tasks"]["products"]) == 81  # every product of the unit
        r = await api.call(
            "POST",
            "giamdoc",
            f"{EV}/cycles/{cid}/managers/scores",
            json={"items": [{"user_id": "truongphongth", "general_points": 27}]},
        )
        assert r.status_code == 200, r.text
        assert (await api.call("POST", "giamdoc", f"{EV}/cycles/{cid}/managers/confirm")).status_code == 200
        dept = (await api.call("GET", "giamdoc", f"{EV}/cycles/{cid}/department")).json()
        th = next(g for g in dept["groups"] if g["group"] == "TH")
        assert th["confirmed"] and th["counts"]["xuat_sac"] == 2 and th["counts"]["tot"] == 13
        assert dept["counts"]["xuat_sac"] + dept["counts"]["tot"] + dept["counts"]["hoan_thanh"] == 16

        decision = await api.call("POST", "giamdoc", f"{EV}/cycles/{cid}/decide", json={})
        assert decision.status_code == 200, decision.text
        assert await wait_for(lambda: _drained(decided), timeout=60)
        results = {x["user_id"]: x for x in decided.messages[0]["payload"]["results"]}
        assert results["chuyenvien"]["total_points"] == 93.83 and results["chuyenvien"]["scheme"] == "nd335"
        assert results["chuyenvien"]["final_level"] == "tot"
    finally:
        await decided.close()
        await api.close()


async def _drained(tap: Tap) -> bool:
    return bool(await tap.drain())


async def test_the_year_from_four_confirmed_quarters(module_hub: StartHub) -> None:
    hub = await module_hub([EvaluationModule()], ["handlers.evaluation"])
    api = Api(hub)
    try:
        # Hoàng Văn Nam, two products a quarter; Q2 one late without cause
        for q in range(1, 5):
            for n in (1, 2):
                deadline = date(2026, 3 * q - 1, 10 + n)
                finished = deadline if (q, n) != (2, 2) else date(2026, 3 * q - 1, 20)
                await done(hub, f"Q{q}-{n}", "chuyenvien2", "DNDT", deadline, finished)
        assert await wait_for(lambda: heard(hub, 8), timeout=60, every=0.3)
        general = {1: 22, 2: 20, 3: 18, 4: 25}
        expected = {1: 92.0, 2: 87.08, 3: 88.0, 4: 95.0}  # Q2: 70 × (100 + 100 + 87.5) / 300 = 67.08
        for q in range(1, 5):
            opened = await api.call(
                "POST", "truongphongdt", f"{EV}/periods", json={"kind": "quarter", "year": 2026, "number": q}
            )
            assert opened.status_code == 201, opened.text
            cid = opened.json()["cycle_id"]
            assert opened.json()["name"] == f"Quý {['I', 'II', 'III', 'IV'][q - 1]}/2026"
            items = [{"user_id": "chuyenvien2", "general_points": general[q]}]
            r = await api.call(
                "POST", "truongphongdt", f"{EV}/cycles/{cid}/units/DNDT/scores", json={"items": items}
            )
            assert r.status_code == 200, r.text
            assert r.json()["rows"][0]["score"]["total"] == expected[q]
            assert (
                await api.call("POST", "truongphongdt", f"{EV}/cycles/{cid}/units/DNDT/confirm")
            ).status_code == 200
        year = await api.call("GET", "truongphongdt", f"{EV}/years/2026/units/DNDT")
        assert year.status_code == 200, year.text
        nam = year.json()["rows"][0]
        assert nam["user_id"] == "chuyenvien2"
        assert nam["score"]["total"] == 90.52  # (92 + 87.08 + 88 + 95) / 4
        assert nam["score"]["level"] == "xuat_sac"
        # alone in the unit: nobody rated good, so 20 % of them allows no "excellent"
        assert nam["level"] == "tot" and nam["lowered_by_cap"] is True
        assert year.json()["cap"]["allowed"] == 0
        assert [p["total"] for p in nam["score"]["periods"]] == [92.0, 87.08, 88.0, 95.0]
        assert (await api.call("GET", "truongphongth", f"{EV}/years/2026/units/DNDT")).status_code == 403
    finally:
        await api.close()


async def test_a_public_employee_on_the_board_is_rated_by_level(module_hub: StartHub) -> None:
    hub = await module_hub([EvaluationModule()], ["handlers.evaluation"])
    api = Api(hub)
    try:
        await done(hub, "DT-1", "chuyenvien2", "DNDT", day(15), day(15))
        assert await wait_for(lambda: heard(hub, 1), timeout=60, every=0.3)
        r = await api.call("PUT", "giamdoc", f"{EV}/staff/chuyenvien2", json={"kind": "vien_chuc"})
        assert r.status_code == 200 and r.json()["kind_label"] == "Viên chức"
        opened = await api.call(
            "POST", "truongphongdt", f"{EV}/periods", json={"kind": "month", "year": 2026, "number": 9}
        )
        cid = opened.json()["cycle_id"]
        board = (await api.call("GET", "truongphongdt", f"{EV}/cycles/{cid}/units/DNDT")).json()
        row = board["rows"][0]
        assert row["scheme"] == "nd90" and row["score"] is None
        assert row["scheme_label"].startswith("Viên chức") and "48/2023" in row["scheme_label"]
        assert row["suggestion"]["label"] == "Hoàn thành tốt nhiệm vụ"  # one task on time: good
        url = f"{EV}/cycles/{cid}/units/DNDT"
        points = await api.call(
            "POST",
            "truongphongdt",
            f"{url}/scores",
            json={"items": [{"user_id": "chuyenvien2", "general_points": 20}]},
        )
        assert points.status_code == 422 and "mức" in points.json()["detail"]
        assert (await api.call("POST", "truongphongdt", f"{url}/confirm")).status_code == 409
        level = await api.call(
            "POST",
            "truongphongdt",
            f"{url}/scores",
            json={"items": [{"user_id": "chuyenvien2", "level": "tot"}]},
        )
        assert level.status_code == 200 and level.json()["rows"][0]["label"] == "Hoàn thành tốt nhiệm vụ"
        assert (await api.call("POST", "truongphongdt", f"{url}/confirm")).status_code == 200

        # a civil servant is not reviewed by level
        await api.call("PUT", "giamdoc", f"{EV}/staff/chuyenvien2", json={"kind": "cong_chuc"})
        other = await api.call(
            "POST", "truongphongdt", f"{EV}/periods", json={"kind": "month", "year": 2026, "number": 10}
        )
        oid = other.json()["cycle_id"]
        await api.call(
            "POST", "chuyenvien2", f"{EV}/cycles/{oid}/self", json={"general_points": 25, "summary": "Tốt"}
        )
        by_level = await api.call(
            "POST",
            "truongphongdt",
            f"{EV}/cycles/{oid}/assessments/chuyenvien2/review",
            json={"level": "tot"},
        )
        assert by_level.status_code == 409 and "Nghị định 335/2025/NĐ-CP" in by_level.json()["detail"]
        wrong = await api.call(
            "POST", "chuyenvien2", f"{EV}/cycles/{oid}/self", json={"level": "tot", "summary": "x"}
        )
        assert wrong.status_code == 422 and "0 đến 30" in wrong.json()["detail"]
    finally:
        await api.close()
