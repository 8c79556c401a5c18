"""The public form in words a citizen reads, its checks, and what a look-up shows.

`KINDS` explains the four kinds plainly; `read` turns the streamed body into a submission or into the
errors to show next to each field (Vietnamese, with the citizen's text kept); `public_view` is the
look-up's answer: status, dates, the handling unit and the answer, never who filed the case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from pydantic import BaseModel

from handlers.complaints import service
from handlers.complaints.formdata import StreamedForm
from handlers.complaints.models import Case
from handlers.complaints.uploads import Checked, Limits, check_file
from hub.errors import Invalid
from schemas.complaints import KIND_LABELS, SubmitCase, Submitter
from schemas.envelope import ClaimCheck

UNSURE = "chua_ro"
# code, title, what it is in plain words, an example
KINDS: list[tuple[str, str, str, str]] = [
    (
        "khieu_nai",
        "Khiếu nại",
        "Ông/Bà không đồng ý với một quyết định hoặc việc làm của Sở, của cán bộ Sở, làm ảnh hưởng trực "
        "tiếp đến quyền, lợi ích của mình, và đề nghị xem xét lại. Cần gửi trong 90 ngày kể từ khi nhận "
        "được hoặc biết quyết định, việc làm đó.",
        "Ví dụ: không đồng ý với quyết định thu hồi giấy chứng nhận đăng ký kinh doanh.",
    ),
    (
        "to_cao",
        "Tố cáo",
        "Ông/Bà báo cho cơ quan biết một cán bộ, công chức hoặc cơ quan, tổ chức có hành vi vi phạm "
        "pháp luật. Cần ghi rõ họ tên, địa chỉ; danh tính người tố cáo được giữ bí mật theo Luật Tố cáo.",
        "Ví dụ: cán bộ đòi thêm tiền ngoài lệ phí khi giải quyết hồ sơ.",
    ),
    (
        "phan_anh",
        "Phản ánh",
        "Ông/Bà cho cơ quan biết một việc bất hợp lý, khó khăn, vướng mắc trong thủ tục, quy định hoặc "
        "cách làm việc, để cơ quan xem xét, xử lý.",
        "Ví dụ: biểu mẫu yêu cầu nộp nhiều bản sao giống nhau.",
    ),
    (
        "kien_nghi",
        "Kiến nghị",
        "Ông/Bà đề xuất, góp ý để cơ quan sửa đổi, hoàn thiện quy định, chính sách hoặc cách làm việc.",
        "Ví dụ: đề nghị công khai tiến độ giải quyết hồ sơ trên mạng.",
    ),
    (
        UNSURE,
        "Tôi chưa rõ nên chọn loại nào",
        "Cán bộ tiếp nhận sẽ đọc đơn và phân loại giúp Ông/Bà.",
        "",
    ),
]
KIND_CODES = {k[0] for k in KINDS}
PHONE = re.compile(r"^\+?[0-9 .\-]{9,20}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ID_NUMBER = re.compile(r"^([0-9]{9}|[0-9]{12})$")
TEXT_FIELDS = ("kind", "name", "id_number", "phone", "email", "address", "subject", "content", "respondent")


@dataclass
class Filled:
    """The form as the citizen filled it: the values to show again, the errors, the checked files."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    files: list[Checked] = field(default_factory=list)
    decision_known_on: date | None = None

    def submission(self, claims: list[ClaimCheck]) -> SubmitCase:
        """The case to log (the files stored as `claims`, in order)."""
        v = self.values
        kind = v["kind"] if v["kind"] != UNSURE else None
        return SubmitCase.model_validate(
            {
                "kind": kind,
                "channel": "web",
                "subject": v["subject"],
                "content": v["content"],
                "submitter": Submitter(
                    name=v["name"],
                    id_number=v["id_number"] or None,
                    phone=v["phone"] or None,
                    email=v["email"] or None,
                    address=v["address"] or None,
                ),
                "respondent": v["respondent"] or None,
                "second": kind == "khieu_nai" and v.get("second") == "1",
                "attachments": claims,
            }
        )


def _length(errors: dict[str, str], values: dict[str, str], name: str, low: int, high: int, say: str) -> None:
    n = len(values[name])
    if n < low:
        errors[name] = say
    elif n > high:
        errors[name] = f"Tối đa {high} ký tự (hiện có {n})"


def _who(values: dict[str, str], errors: dict[str, str]) -> None:
    _length(errors, values, "name", 2, 200, "Hãy nhập họ và tên")
    phone, email = values["phone"], values["email"]
    if not phone and not email:
        errors["phone"] = "Hãy nhập số điện thoại hoặc thư điện tử: cần để tra cứu đơn và nhận kết quả"
    if phone and not (PHONE.match(phone) and 9 <= len(re.sub(r"\D", "", phone)) <= 15):
        errors["phone"] = "Số điện thoại chưa đúng (ví dụ 0912 345 678)"
    if email and (not EMAIL.match(email) or len(email) > 200):
        errors["email"] = "Thư điện tử chưa đúng (ví dụ ten@example.vn)"
    if values["id_number"] and not ID_NUMBER.match(values["id_number"]):
        errors["id_number"] = "Số căn cước công dân gồm 12 chữ số (chứng minh nhân dân cũ: 9 chữ số)"
    if values["kind"] in ("khieu_nai", "to_cao") and not values["address"]:
        errors["address"] = "Đơn khiếu nại, tố cáo cần ghi rõ địa chỉ của người gửi đơn"
    elif len(values["address"]) > 500:
        errors["address"] = "Tối đa 500 ký tự"


def _when(raw: str, today: date, errors: dict[str, str]) -> date | None:
    if not raw:
        return None
    try:
        known = date.fromisoformat(raw)
    except ValueError:
        errors["decision_known_on"] = "Ngày chưa đúng (ngày/tháng/năm)"
        return None
    if known > today:
        errors["decision_known_on"] = "Ngày này không được sau hôm nay"
        return None
    return known


def _files(body: StreamedForm, limits: Limits, errors: dict[str, str]) -> list[Checked]:
    problems = list(body.refused)
    checked: list[Checked] = []
    for name, data in body.files:
        try:
            checked.append(check_file(name, data, limits))
        except Invalid as exc:
            problems.append(exc.message)
    if problems:
        errors["files"] = ". ".join(p.rstrip(".") for p in problems) + ". Hãy chọn lại tệp."
    return checked


def read(body: StreamedForm, limits: Limits, today: date) -> Filled:
    """The streamed form checked field by field (every error at once, in Vietnamese)."""
    values = {name: body.text(name) for name in TEXT_FIELDS}
    values["second"] = "1" if body.text("second") == "1" else ""
    values["decision_known_on"] = body.text("decision_known_on")
    values["consent"] = "1" if body.text("consent") == "1" else ""
    errors: dict[str, str] = {}
    if values["kind"] not in KIND_CODES:
        errors["kind"] = "Hãy chọn loại đơn"
    _who(values, errors)
    _length(errors, values, "subject", 3, 500, "Hãy tóm tắt nội dung đơn trong một câu")
    _length(errors, values, "content", 10, 20000, "Hãy trình bày nội dung đơn (ít nhất 10 ký tự)")
    if len(values["respondent"]) > 300:
        errors["respondent"] = "Tối đa 300 ký tự"
    known = _when(values["decision_known_on"], today, errors)
    if not values["consent"]:
        errors["consent"] = "Hãy xác nhận để cơ quan được dùng thông tin này giải quyết đơn"
    files = _files(body, limits, errors)
    return Filled(values, errors, files, known)


# -- what a look-up shows --------------------------------------------------------------------------

PUBLIC_STATUS = {
    "received": ("Đã tiếp nhận, đang xem xét thụ lý", "info"),
    "rejected": ("Không thụ lý", "refused"),
    "accepted": ("Đã thụ lý, đang giải quyết", "info"),
    "concluding": ("Đang hoàn tất văn bản trả lời", "info"),
    "issuing": ("Đang hoàn tất văn bản trả lời", "info"),
    "concluded": ("Đã có kết quả giải quyết", "done"),
}


class PublicCase(BaseModel):
    """A case as its submitter sees it on the public look-up: no name, no contacts, no notes."""

    receipt_code: str
    number: str
    kind_label: str
    subject: str
    status_label: str
    status_tone: str
    received_on: date
    acceptance_due: date | None
    accepted_on: date | None
    resolution_due: date | None
    extended: bool
    unit_name: str | None
    rejected_reason: str | None
    concluded_on: date | None
    conclusion_number: str | None
    conclusion_result: str | None
    conclusion_summary: str | None
    conclusion_file: bool


def public_view(c: Case, unit_name: str | None) -> PublicCase:
    """The look-up's answer; the conclusion only once it is signed and issued."""
    label, tone = PUBLIC_STATUS.get(c.status, (service.STATUS_LABELS.get(c.status, ""), "info"))
    done = c.status == "concluded"
    return PublicCase(
        receipt_code=c.receipt_code or "",
        number=c.number,
        kind_label=KIND_LABELS.get(c.kind or "", "Đang phân loại"),
        subject=c.subject,
        status_label=label,
        status_tone=tone,
        received_on=c.received_on,
        acceptance_due=c.acceptance_due if c.status == "received" else None,
        accepted_on=c.accepted_on,
        resolution_due=c.resolution_due if c.status in service.HANDLING else None,
        extended=c.extensions > 0,
        unit_name=unit_name if c.status in (*service.HANDLING, "concluded") else None,
        rejected_reason=c.rejected_reason if c.status == "rejected" else None,
        concluded_on=c.concluded_on if done else None,
        conclusion_number=c.conclusion_number if done else None,
        conclusion_result=service.RESULT_LABELS.get(c.conclusion_result or "") if done else None,
        conclusion_summary=c.conclusion_summary if done else None,
        conclusion_file=done and c.conclusion_signed is not None,
    )
