"""Decree 335/2025 scores against worked examples: products, penalties, bands, the 20 % cap, the year."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.evaluation.cap import Scored, allowed_excellent, apply_cap
from handlers.evaluation.score import Marks, PeriodItem, Product, band, period_score, task_score, year_score

SEPT = date(2026, 9, 15)


def product(n: int, **kw: object) -> Product:
    facts: dict[str, object] = {"done": True, "on_time": True, "weight": 1.0}
    facts.update(kw)
    return Product(task_id=f"NV-{n}", title=f"Nhiệm vụ {n}", deadline=SEPT, officer_id="chuyenvien", **facts)  # type: ignore[arg-type]


def test_ten_products_two_late_without_cause_lose_a_quarter_of_their_timeliness() -> None:
    products = [product(n, on_time=n not in (3, 7)) for n in range(1, 11)]
    t = task_score(products)
    # quantity 10/10, quality 10/10, timeliness (8 + 2 × 0.75)/10
    assert (t["quantity_pct"], t["quality_pct"], t["timeliness_pct"]) == (100.0, 100.0, 95.0)
    assert t["points"] == 68.83  # 70 × (100 + 100 + 95) / 300
    assert t["delayed"] == ["NV-3", "NV-7"]
    late = next(i for i in t["products"] if i["task_id"] == "NV-3")
    assert late["timeliness"] == 0.75 and late["state_label"] == "Hoàn thành chậm"
    assert "trừ 25% điểm tiến độ" in late["notes"][0]

    score = period_score(products, Marks(general_points=25))
    assert score["total"] == 93.83 and score["level"] == "xuat_sac"
    assert score["label"] == "Hoàn thành xuất sắc nhiệm vụ"
    assert any("NV-3, NV-7" in r and "trừ 25% điểm tiến độ" in r for r in score["reasons"])
    assert any("Số lượng 100%, chất lượng 100%, tiến độ 95%" in r for r in score["reasons"])


def test_an_objective_cause_excuses_a_delay_and_errors_take_quality() -> None:
    products = [product(n) for n in range(1, 9)]
    products.append(product(9, on_time=False, delay_cause="Chờ ý kiến của Bộ", delay_confirmed_by="giamdoc"))
    products.append(product(10, quality_errors=2))
    t = task_score(products)
    assert t["delayed"] == [] and t["delayed_excused"] == ["NV-9"]
    assert t["timeliness_pct"] == 100.0
    assert t["quality_pct"] == 95.0  # one product loses 2 × 25 % of its quality
    assert t["quality_failed"] == ["NV-10"]
    # four errors take the whole product's quality, never below zero
    assert task_score([product(1, quality_errors=5)])["quality_pct"] == 0.0


def test_weights_count_as_converted_products_and_open_tasks_earn_nothing() -> None:
    big = product(1, weight=3.0)  # a report worth three standard products
    open_past = product(2, done=False, past_due=True)
    t = task_score([big, open_past])
    assert t["assigned"] == 4.0 and t["done"] == 3.0
    assert t["quantity_pct"] == 75.0 and t["not_done"] == ["NV-2"]
    unweighted = task_score([product(1, weight=None, quality_errors=None)])
    assert unweighted["assigned"] == 1.0
    assert any("chưa có hệ số quy đổi" in g for g in unweighted["gaps"])
    assert any("chưa được đánh giá chất lượng" in g for g in unweighted["gaps"])


@pytest.mark.parametrize(
    ("total", "level"),
    [
        (100, "xuat_sac"),
        (90, "xuat_sac"),
        (89.99, "tot"),
        (70, "tot"),
        (69.99, "hoan_thanh"),
        (50, "hoan_thanh"),
        (49.99, "khong_hoan_thanh"),
        (0, "khong_hoan_thanh"),
    ],
)
def test_bands_at_exactly_90_70_50(total: float, level: str) -> None:
    assert band(total) == level


def test_bands_through_the_score_and_the_exceptions() -> None:
    perfect = [product(n) for n in range(5)]
    assert period_score(perfect, Marks(general_points=20))["level"] == "xuat_sac"  # 20 + 70 = 90
    assert period_score(perfect, Marks(general_points=19.99))["level"] == "tot"
    assert period_score(perfect, Marks(general_points=0))["total"] == 70.0
    entered = period_score([], Marks(general_points=20, task_points_entered=30, task_note="Đi học dài hạn"))
    assert entered["total"] == 50.0 and entered["level"] == "hoan_thanh"
    assert any("Đi học dài hạn" in r for r in entered["reasons"])
    nothing = period_score([], Marks(general_points=30))
    assert nothing["total"] is None and nothing["level"] is None
    assert any("chưa tính được điểm nhiệm vụ" in r for r in nothing["reasons"])
    own = period_score(perfect, Marks(general_self=28))
    assert own["general_from"] == "self" and own["total"] == 98.0
    disciplined = period_score(perfect, Marks(general_points=30, disqualified="ky_luat"))
    assert disciplined["total"] == 100.0 and disciplined["level"] == "khong_hoan_thanh"


def people(good: int, excellent: list[float]) -> list[Scored]:
    group = [Scored(f"tot{i}", f"Người tốt {i}", 80.0, "tot") for i in range(good)]
    group += [Scored(f"xs{i}", f"Người xuất sắc {i}", t, "xuat_sac") for i, t in enumerate(excellent)]
    return group


def test_the_cap_with_eleven_good_leaves_at_most_two_excellent() -> None:
    levels, cap = apply_cap(people(11, [97, 95, 93, 91]), 0.2)
    assert cap["allowed"] == 2 and cap["kept"] == ["xs0", "xs1"] and cap["lowered"] == ["xs2", "xs3"]
    assert levels["xs2"] == levels["xs3"] == "tot" and levels["xs0"] == "xuat_sac"
    assert "tối đa 2 người xếp loại xuất sắc" in cap["message"]
    assert "Người xuất sắc 2, Người xuất sắc 3 xếp loại Hoàn thành tốt nhiệm vụ" in cap["message"]
    # within the cap nothing changes; with nobody good, nobody may be excellent
    assert apply_cap(people(11, [95, 92]), 0.2)[1]["lowered"] == []
    assert apply_cap(people(0, [95]), 0.2)[1]["allowed"] == 0
    assert allowed_excellent(3, 11, 0.2) == 2
    # the base is those rated good: one excellent beside four good is over 20 % of 4 (0.8)
    assert allowed_excellent(1, 4, 0.2) == 0
    assert allowed_excellent(1, 5, 0.2) == 1


def test_a_tie_at_the_cut_is_named() -> None:
    _, cap = apply_cap(people(10, [95, 92, 92]), 0.2)
    assert cap["kept"] == ["xs0", "xs1"] and cap["lowered"] == ["xs2"]
    assert cap["tie"] == ["xs1", "xs2"] and "trưởng đơn vị cân nhắc" in cap["message"]


def quarter(n: int, total: float | None) -> PeriodItem:
    return PeriodItem(
        cycle_id=f"q{n}",
        name=f"Quý {n}/2026",
        kind="quarter",
        period_start=f"2026-{3 * n - 2:02d}-01",
        total=total,
        level=band(total) if total is not None else None,
        label=None,
    )


def test_the_year_from_four_quarters() -> None:
    year = year_score([quarter(1, 92), quarter(2, 88.5), quarter(3, 85), quarter(4, 94.5)], 4)
    assert year["total"] == 90.0 and year["level"] == "xuat_sac"
    assert any("Trung bình 4 quý: 90/100" in r for r in year["reasons"])
    short = year_score([quarter(1, 92), quarter(2, 70), quarter(3, None)], 4)
    assert short["total"] == 81.0 and short["level"] == "tot"
    assert any("Mới có 2/4 quý" in r and "tạm tính" in r for r in short["reasons"])
    disciplined = year_score([quarter(n, 95) for n in range(1, 5)], 4, "ky_luat")
    assert disciplined["level"] == "khong_hoan_thanh"
    assert year_score([], 4)["total"] is None
