"""From work tracking to the Decree 335/2025 score over the bus: a task done late with an objective
cause confirmed by the assigner loses nothing; one done late without a confirmed cause loses 25 % of
its timeliness; a cause still pending at completion is confirmed with the judgement; the judged
errors and the weight reach the score; a unit's task dispatched to the officer counts as hers before
it is done.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from handlers.evaluation import EvaluationModule
from handlers.tasks import TasksModule
from handlers.tasks.clock import LOCAL_TZ
from hub.runtime import wait_for
from tests.handlers.timekeeping.harness import Api, StartHub

EV = "/api/evaluation"


def late_deadline() -> date:
    """A day before today (Hà Nội), so a task completed now is late."""
    return datetime.now(LOCAL_TZ).date() - timedelta(days=1)


async def task_for(api: Api, title: str, deadline: date, **body: Any) -> str:
    r = await api.call(
        "POST",
        "giamdoc",
        "/api/tasks",
        json={"title": title, "deadline": deadline.isoformat(), "assignee_user_id": "chuyenvien", **body},
    )
    assert r.status_code == 201, r.text
    task_id: str = r.json()["id"]
    return task_id


async def explain(api: Api, task_id: str, reason: str) -> None:
    r = await api.call("POST", "chuyenvien", f"/api/tasks/{task_id}/delay-cause", json={"reason": reason})
    assert r.status_code == 201, r.text


async def decide(api: Api, task_id: str, confirm: bool) -> None:
    r = await api.call(
        "POST", "giamdoc", f"/api/tasks/{task_id}/delay-cause/decision", json={"confirm": confirm}
    )
    assert r.status_code == 200, r.text


async def finish(api: Api, task_id: str) -> None:
    r = await api.call("POST", "chuyenvien", f"/api/tasks/{task_id}/complete")
    assert r.status_code == 200, r.text
    assert r.json()["status"]["code"] == "done_overdue"


async def judge(api: Api, task_id: str, **body: Any) -> None:
    r = await api.call("POST", "giamdoc", f"/api/tasks/{task_id}/assessment", json=body)
    assert r.status_code == 201, r.text


async def test_a_late_task_reaches_the_score_with_or_without_its_confirmed_cause(
    module_hub: StartHub,
) -> None:
    hub = await module_hub([TasksModule(), EvaluationModule()], ["handlers.tasks", "handlers.evaluation"])
    api = Api(hub)
    due = late_deadline()

    excused = await task_for(api, "Báo cáo tình hình giải ngân vốn đầu tư công", due, product_weight=2)
    await explain(api, excused, "Kho bạc chưa gửi số liệu giải ngân")
    await decide(api, excused, confirm=True)
    await finish(api, excused)
    await judge(api, excused, quality_errors=0)

    penalised = await task_for(api, "Tổng hợp ý kiến góp ý dự thảo quy hoạch", due)
    await explain(api, penalised, "Bận việc khác")
    await decide(api, penalised, confirm=False)
    await finish(api, penalised)
    await judge(api, penalised, quality_errors=1)

    later = await task_for(api, "Rà soát danh mục dự án kêu gọi đầu tư", due)
    await explain(api, later, "Chờ ý kiến của Sở Tài chính")
    await finish(api, later)  # the reason is still pending: decided with the judgement
    await judge(api, later, quality_errors=0, confirm_delay_cause=True)

    r = await api.call(
        "POST",
        "giamdoc",
        "/api/tasks",
        json={"title": "Chuẩn bị báo cáo quý", "assignee_unit_id": "TH", "deadline": due.isoformat()},
    )
    assert r.status_code == 201
    dispatched = r.json()["id"]
    r = await api.call(
        "POST", "truongphongth", f"/api/tasks/{dispatched}/handover", json={"to_user_id": "chuyenvien"}
    )
    assert r.status_code == 200

    opened = await api.call(
        "POST",
        "truongphongth",
        f"{EV}/periods",
        json={"kind": "month", "year": due.year, "number": due.month},
    )
    assert opened.status_code == 201, opened.text
    cycle = opened.json()["cycle_id"]
    wanted = {excused, penalised, later, dispatched}
    score: dict[str, Any] = {}

    async def all_heard() -> bool:
        r = await api.call("GET", "chuyenvien", f"{EV}/cycles/{cycle}/assessments/chuyenvien")
        tasks = (r.json().get("score") or {}).get("tasks") or {}
        score.clear()
        score.update(tasks)
        products = {p["task_id"]: p for p in tasks.get("products", [])}
        return (
            set(products) == wanted
            and products[later]["delay_cause"] is not None
            and products[later]["timeliness"] == 1  # its cause confirmed with the judgement, heard last
            and products[penalised]["quality_errors"] == 1
            and products[dispatched]["state"] == "qua_han"
        )

    # generous: the evaluation's consumers retry with growing delays when SQLite is busy on a loaded machine
    assert await wait_for(all_heard, timeout=150, every=0.5), (
        f"not all products reached the evaluation: {score}"
    )
    products = {p["task_id"]: p for p in score["products"]}

    # confirmed before completion: late, but no point lost, and its weight counts twice
    first = products[excused]
    assert (first["state"], first["weight"], first["weight_set"]) == ("tre_han", 2, True)
    assert (first["timeliness"], first["quality"]) == (2, 2)
    assert first["delay_cause"] == "Kho bạc chưa gửi số liệu giải ngân"
    assert first["delay_confirmed_by"] == "giamdoc"
    assert any("nguyên nhân khách quan" in n and "không trừ điểm" in n for n in first["notes"])

    # rejected: 25 % of its timeliness lost, and 25 % of its quality for the major error
    second = products[penalised]
    assert (second["state"], second["timeliness"], second["quality"]) == ("tre_han", 0.75, 0.75)
    assert second["delay_cause"] is None
    assert "Chậm tiến độ không có lý do khách quan: trừ 25% điểm tiến độ" in second["notes"]

    # confirmed with the judgement after completion: no point lost
    third = products[later]
    assert (third["timeliness"], third["delay_cause"]) == (1, "Chờ ý kiến của Sở Tài chính")

    # the unit's task dispatched to her: her product before it is done (past its day, nothing earned)
    fourth = products[dispatched]
    assert (fourth["officer_id"], fourth["quantity"]) == ("chuyenvien", 0)

    assert score["delayed"] == [penalised] and set(score["delayed_excused"]) == {excused, later}
    assert score["quality_failed"] == [penalised]
    assert score["assigned"] == 5 and score["done"] == 4  # weights 2 + 1 + 1 + 1, the last not done
    await api.close()
