"""The Decree 335/2025 cap: "excellent" at most 20 % of those rated "good" in the same unit or peer group.

Those whose score reaches 90 keep "excellent" by score, highest first, as long as their number stays
within the share of those rated "good" (the ones lowered become "good" and count in that base too);
the rest are rated "good". A tie at the cut is named so the unit head can weigh it. Pure: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from typing_extensions import TypedDict

from handlers.evaluation.score import vn_number


@dataclass(frozen=True)
class Scored:
    """One person's score in the group."""

    user_id: str
    full_name: str
    total: float
    level: str
    task_points: float = 0.0


class CapResult(TypedDict):
    """How the cap applied to a group: the base, how many may be excellent, who was lowered."""

    share: float
    good: int
    excellent_by_score: int
    allowed: int
    kept: list[str]
    lowered: list[str]
    tie: list[str]
    message: str


def allowed_excellent(candidates: int, good: int, share: float) -> int:
    """The most of `candidates` who stay excellent when the rest join the `good` ones (the base)."""
    keep = candidates
    while keep > 0 and keep > math.floor(share * (good + candidates - keep) + 1e-9):
        keep -= 1
    return keep


def apply_cap(group: Sequence[Scored], share: float) -> tuple[dict[str, str], CapResult]:
    """Each person's level after the cap, and how it applied."""
    candidates = sorted(
        (s for s in group if s.level == "xuat_sac"),
        key=lambda s: (-s.total, -s.task_points, s.full_name, s.user_id),
    )
    good = sum(1 for s in group if s.level == "tot")
    keep = allowed_excellent(len(candidates), good, share)
    kept, lowered = candidates[:keep], candidates[keep:]
    levels = {s.user_id: s.level for s in group}
    for s in lowered:
        levels[s.user_id] = "tot"
    tie = []
    if kept and lowered and kept[-1].total == lowered[0].total:
        tie = [s.user_id for s in candidates if s.total == kept[-1].total]
    base = good + len(lowered)
    if lowered:
        message = (
            f"{len(candidates)} người đạt từ 90 điểm; tối đa {keep} người xếp loại xuất sắc "
            f"({share:.0%} của {base} người hoàn thành tốt nhiệm vụ): "
            f"{', '.join(s.full_name for s in lowered)} xếp loại Hoàn thành tốt nhiệm vụ"
        )
    elif candidates:
        message = (
            f"{len(candidates)} người xếp loại xuất sắc, trong giới hạn {share:.0%} "
            f"của {base} người hoàn thành tốt nhiệm vụ"
        )
    else:
        message = "Không có người đạt từ 90 điểm: không áp dụng tỷ lệ xuất sắc"
    if tie:
        names = ", ".join(s.full_name for s in candidates if s.user_id in tie)
        message += f". Bằng điểm ({vn_number(kept[-1].total)}) tại ngưỡng: {names}; trưởng đơn vị cân nhắc"
    return levels, CapResult(
        share=share,
        good=base,
        excellent_by_score=len(candidates),
        allowed=keep,
        kept=[s.user_id for s in kept],
        lowered=[s.user_id for s in lowered],
        tie=tie,
        message=message,
    )
