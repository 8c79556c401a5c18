"""A document's processing timeline: the steps of its flow (incoming: received, registered, assigned,
handed to officers, in progress, completed; outgoing: drafted, submitted, approved and signed, numbered,
issued), each with who did it and when, the status our side reported to the sender, and, for an issued
document, what each recipient reported back, step by step."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

INCOMING_STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Tiếp nhận", ("received",)),
    ("Vào sổ văn bản đến", ("registered",)),
    ("Lãnh đạo phân công", ("assigned",)),
    ("Giao chuyên viên", ("handler_assigned",)),
    ("Đang xử lý", ("processing",)),
    ("Hoàn thành", ("completed", "answered")),
)
OUTGOING_STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Soạn thảo", ("drafted",)),
    ("Trình duyệt", ("submitted",)),
    ("Lãnh đạo duyệt, ký số", ("approved", "approval_signed")),
    ("Cấp số", ("numbered",)),
    ("Ban hành, gửi đi", ("issued",)),
)
ENDS: dict[str, str] = {"rejected": "Từ chối tiếp nhận", "revoked": "Thu hồi", "replaced": "Thay thế"}
"""History steps that end an incoming document's flow early."""

RECIPIENT_STEPS: tuple[tuple[str, str], ...] = (
    ("01", "Đã nhận"),
    ("03", "Vào sổ"),
    ("04", "Phân công"),
    ("05", "Đang xử lý"),
    ("06", "Hoàn thành"),
)
RECIPIENT_ENDS = {"02": "Từ chối tiếp nhận", "13": "Lấy lại", "15": "Thu hồi", "16": "Từ chối cập nhật"}


@dataclass
class Step:
    """One step of the flow: done (when, by whom), the next to do, or still ahead."""

    label: str
    state: str = "ahead"
    """"done", "now" (the step the document waits for) or "ahead"; "ended" for a refusal or a revocation."""
    at: str | None = None
    by: str | None = None
    told_sender: bool = False
    """Our side reported this step to the sending agency (a status 01-06 went back over the axis)."""


@dataclass
class Lane:
    """The steps of one party: our office, or one recipient of an issued document."""

    title: str
    steps: list[Step] = field(default_factory=list)


def _mark_next(steps: list[Step], finished: bool) -> None:
    if finished:
        return
    for step in steps:
        if step.state == "ahead":
            step.state = "now"
            return


def _returned_after(history: list[dict[str, Any]], hit: dict[str, Any]) -> bool:
    """A leader returned the draft after this step (the history is in order)."""
    later = history[history.index(hit) + 1 :]
    return hit.get("action") != "drafted" and any(h.get("action") == "returned" for h in later)


def _ours(doc: dict[str, Any], actors: dict[str, str]) -> Lane:
    incoming = doc.get("direction") == "in"
    plan = INCOMING_STEPS if incoming else OUTGOING_STEPS
    from_axis = incoming and doc.get("source") == "axis"  # a paper or one-stop document has no one to tell
    history: list[dict[str, Any]] = doc.get("history") or []
    steps: list[Step] = []
    for label, actions in plan:
        hits = [h for h in history if h.get("action") in actions]
        if not incoming and hits and _returned_after(history, hits[-1]):
            hits = []  # sent back for changes: to be submitted (and approved) again
        step = Step(label)
        if hits:
            last = hits[-1] if not incoming else hits[0]
            step.state, step.at = "done", last["at"]
            step.by = actors.get(last.get("actor") or "", "Cán bộ")
            step.told_sender = from_axis and any(h.get("status_code") for h in hits)
        steps.append(step)
    ended = next((h for h in reversed(history) if h.get("action") in ENDS), None)
    if ended is not None:
        steps = [s for s in steps if s.state == "done"]
        steps.append(
            Step(
                ENDS[ended["action"]],
                "ended",
                ended["at"],
                actors.get(ended.get("actor") or "", "Cán bộ"),
                from_axis and bool(ended.get("status_code")),
            )
        )
    finished = ended is not None or doc.get("status") in ("completed", "issued")
    _mark_next(steps, finished)
    return Lane("Cơ quan mình" if incoming else "Dự thảo và ban hành", steps)


def _recipient(delivery: dict[str, Any]) -> Lane:
    reported = {s["code"]: s for s in delivery.get("statuses") or []}
    steps = []
    for code, label in RECIPIENT_STEPS:
        seen = reported.get(code)
        steps.append(Step(label, "done", seen["at"]) if seen else Step(label))
    end = next((reported[c] for c in RECIPIENT_ENDS if c in reported), None)
    if end is not None:
        steps = [s for s in steps if s.state == "done"]
        steps.append(Step(RECIPIENT_ENDS[end["code"]], "ended", end["at"]))
    _mark_next(steps, end is not None or "06" in reported)
    return Lane(delivery.get("to_name") or delivery.get("to_code") or "Nơi nhận", steps)


def timeline(doc: dict[str, Any], actors: dict[str, str]) -> list[Lane]:
    """Our lane first, then one lane per agency an issued document went to over an axis."""
    lanes = [_ours(doc, actors)]
    # an agency on an axis reports its steps back; a unit inside the agency reads it (no statuses)
    lanes += [_recipient(d) for d in doc.get("deliveries") or [] if d.get("transport") != "internal"]
    return lanes
