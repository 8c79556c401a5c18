"""The handling reports of a period (Decree 30 App. VI I.V.2 and I.V.4): how each incoming document
registered in it was handled against its deadline, and where each outgoing document issued in it
stands with each recipient (transport and the recipient's own processing status), with the totals
under the title. Only the documents the person may see; rendered in the worker process."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Literal

from sqlalchemy import select

from handlers.documents.access import visible_clause
from handlers.documents.clock import local_date, today
from handlers.documents.exports import XLSX, Download, Register, print_mark, register_pdf, register_xlsx
from handlers.documents.models import INCOMING, OUTGOING, DocDelivery, Document
from handlers.documents.rules import DEADLINE_LABELS, status_word
from handlers.documents.search import deadline_of, effective_deadline
from handlers.documents.trail import audit
from hub.errors import Invalid
from hub.offload import in_worker
from hub.orgchart import Unit, User
from schemas.edxml.codes import VN_TZ

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from hub.auth import Principal

Kind = Literal["incoming", "outgoing"]
LONGEST = timedelta(days=366)

INCOMING_COLUMNS = (
    "Số đến",
    "Ngày đến",
    "Số, ký hiệu",
    "Nơi gửi",
    "Trích yếu",
    "Đơn vị chủ trì",
    "Hạn xử lý",
    "Tình trạng",
    "Ngày hoàn thành",
    "Kết quả",
)
INCOMING_WIDTHS = (12, 18, 26, 30, 62, 28, 18, 26, 20, 33)
OUTGOING_COLUMNS = (
    "Số, ký hiệu",
    "Ngày ban hành",
    "Trích yếu",
    "Người ký",
    "Nơi nhận",
    "Tình trạng gửi",
    "Tình trạng xử lý của nơi nhận",
)
OUTGOING_WIDTHS = (28, 20, 70, 30, 40, 30, 55)
TRANSPORT = {
    "queued": "Đang chờ gửi lên trục",
    "sent": "Đã gửi lên trục",
    "delivered": "Nơi nhận đã nhận",
    "failed": "Gửi không thành công",
    "internal": "Gửi nội bộ",
}
# the recipient's last status (Decree 30 App. VI codes) as the report's totals count it
ANSWERS = {
    None: "chưa phản hồi",
    "01": "đã đến nơi nhận",
    "02": "bị từ chối",
    "03": "đã vào sổ",
    "04": "đã phân công",
    "05": "đang xử lý",
    "06": "hoàn thành",
}


def _d(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return f"{local_date(value) if isinstance(value, datetime) else value:%d/%m/%Y}"


def _moments(start: date, end: date) -> tuple[datetime, datetime]:
    """The period's first and last moment (Vietnam days) in UTC; refused when it is upside down or long."""
    if end < start:
        raise Invalid("Ngày kết thúc phải sau ngày bắt đầu", field="to")
    if end - start > LONGEST:
        raise Invalid("Mỗi báo cáo tối đa một năm", field="to")
    first = datetime.combine(start, time(), VN_TZ).astimezone(UTC)
    return first, datetime.combine(end + timedelta(days=1), time(), VN_TZ).astimezone(UTC)


async def _incoming(session: AsyncSession, actor: Principal, start: date, end: date) -> Register:
    first, last = _moments(start, end)
    docs = (
        await session.execute(
            select(Document)
            .where(
                Document.direction == INCOMING,
                Document.number.is_not(None),
                Document.arrived_at >= first,
                Document.arrived_at < last,
                visible_clause(actor),
            )
            .order_by(Document.arrived_at, Document.number)
        )
    ).scalars()
    units = dict((await session.execute(select(Unit.id, Unit.name))).tuples().all())
    day = today()
    rows, judged = [], Counter[str]()
    for doc in docs:
        state = deadline_of(doc, day)
        judged[state] += 1
        rows.append(
            [
                str(doc.number or ""),
                _d(doc.arrived_at),
                doc.code or "",
                doc.from_agency or doc.from_code or "",
                f"{doc.document_type or ''} {doc.subject}".strip(),
                units.get(doc.lead_unit_id or "", ""),
                _d(effective_deadline(doc)),
                status_word(doc.status).capitalize(),
                _d(doc.completed_at),
                DEADLINE_LABELS.get(state, ""),
            ]
        )
    done = judged["done_on_time"] + judged["done_late"]
    mark = (
        f"Từ {start:%d/%m/%Y} đến {end:%d/%m/%Y} · {len(rows)} văn bản đến · đã hoàn thành {done} "
        f"(đúng hạn {judged['done_on_time']}, quá hạn {judged['done_late']}) · đang giải quyết "
        f"{len(rows) - done}, trong đó quá hạn {judged['overdue']}"
    )
    return Register("BÁO CÁO TÌNH HÌNH GIẢI QUYẾT VĂN BẢN ĐẾN", INCOMING_COLUMNS, rows, INCOMING_WIDTHS, mark)


async def _outgoing(session: AsyncSession, actor: Principal, start: date, end: date) -> Register:
    first, last = _moments(start, end)
    docs = list(
        (
            await session.execute(
                select(Document)
                .where(
                    Document.direction == OUTGOING,
                    Document.issued_at >= first,
                    Document.issued_at < last,
                    visible_clause(actor),
                )
                .order_by(Document.issued_at, Document.number)
            )
        ).scalars()
    )
    deliveries: dict[str, list[DocDelivery]] = {}
    if docs:
        found = await session.execute(
            select(DocDelivery)
            .where(DocDelivery.document_id.in_([d.id for d in docs]))
            .order_by(DocDelivery.to_code)
        )
        for delivery in found.scalars():
            deliveries.setdefault(delivery.document_id, []).append(delivery)
    signers = dict((await session.execute(select(User.id, User.full_name))).tuples().all())
    units = dict((await session.execute(select(Unit.id, Unit.name))).tuples().all())
    rows, answers = [], Counter[str]()
    for doc in docs:
        head = [
            doc.code or "",
            _d(doc.issued_date or doc.issued_at),
            f"{doc.document_type or ''} {doc.subject}".strip(),
        ]
        signer = signers.get(doc.signed_by or "", "")
        sent = deliveries.get(doc.id, [])
        for delivery in sent:
            answers[ANSWERS.get(delivery.status_code, ANSWERS[None])] += 1
            rows.append(
                [
                    *head,
                    signer,
                    delivery.to_name or delivery.to_code,
                    TRANSPORT.get(delivery.transport, "Đang cập nhật"),
                    delivery.status_text or "Chưa có phản hồi",
                ]
            )
        inside = [r for r in doc.recipients or [] if r.get("unit_id") or r.get("user_id")]
        for recipient in inside:  # delivered inside the agency: no axis, no status back
            name = units.get(str(recipient.get("unit_id") or ""), "") or signers.get(
                str(recipient.get("user_id") or ""), ""
            )
            rows.append([*head, signer, name, TRANSPORT["internal"], "Gửi trong cơ quan"])
        if not sent and not inside:
            rows.append([*head, signer, "", "", ""])
    told = " · ".join(f"{label} {n}" for label, n in sorted(answers.items(), key=lambda kv: -kv[1]))
    sent_count = sum(answers.values())
    mark = f"Từ {start:%d/%m/%Y} đến {end:%d/%m/%Y} · {len(docs)} văn bản đi · {sent_count} lượt gửi qua trục"
    if told:
        mark += f": {told}"
    return Register("BÁO CÁO TÌNH HÌNH GIẢI QUYẾT VĂN BẢN ĐI", OUTGOING_COLUMNS, rows, OUTGOING_WIDTHS, mark)


async def handling_report(
    session: AsyncSession, actor: Principal, kind: Kind, start: date, end: date, fmt: Literal["pdf", "xlsx"]
) -> Download:
    """The handling report of a period as PDF or XLSX, of the documents the person may see; audited."""
    table = await (_incoming if kind == "incoming" else _outgoing)(session, actor, start, end)
    table.printed = print_mark(actor.full_name, datetime.now(UTC))
    audit(
        session,
        actor,
        "documents.report_exported",
        f"report:{kind}",
        None,
        None,
        start=str(start),
        end=str(end),
    )
    name = f"bao-cao-giai-quyet-van-ban-{'den' if kind == 'incoming' else 'di'}-{start:%Y%m%d}-{end:%Y%m%d}"
    if fmt == "pdf":
        return Download(await in_worker(register_pdf, table), "application/pdf", f"{name}.pdf")
    return Download(await in_worker(register_xlsx, table), XLSX, f"{name}.xlsx")
