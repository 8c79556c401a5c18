"""The legal grounds for not accepting a case, by kind, and the reason text the submitter is told.

Complaints: Law 02/2011 Art. 11 (khiếu nại không được thụ lý). Denunciations: Law 25/2018 Art. 29
(điều kiện thụ lý) and the forwarding of a case the department may not settle (Art. 24). Petitions and
feedback: Decree 20/2008 Art. 9 (forward within 5 working days) and the Law on Citizen Reception.
"""

from __future__ import annotations

from hub.errors import Invalid

OUTSIDE = "khong_tham_quyen"  # not the department's to settle: forwarded to the competent body

GROUNDS: dict[str, dict[str, str]] = {
    "khieu_nai": {
        "noi_bo": "Quyết định, hành vi hành chính trong nội bộ cơ quan để chỉ đạo, tổ chức thực hiện "
        "nhiệm vụ, công vụ (Điều 11 khoản 1 Luật Khiếu nại 2011)",
        "khong_lien_quan": "Quyết định, hành vi bị khiếu nại không liên quan trực tiếp đến quyền, lợi ích "
        "hợp pháp của người khiếu nại (Điều 11 khoản 2)",
        "nang_luc": "Người khiếu nại không có năng lực hành vi dân sự đầy đủ mà không có người đại diện "
        "hợp pháp (Điều 11 khoản 3)",
        "dai_dien": "Người đại diện không hợp pháp thực hiện khiếu nại (Điều 11 khoản 4)",
        "chu_ky": "Đơn khiếu nại không có chữ ký hoặc điểm chỉ của người khiếu nại (Điều 11 khoản 5)",
        "het_thoi_hieu": "Thời hiệu khiếu nại đã hết mà không có lý do chính đáng (Điều 11 khoản 6)",
        "lan_hai": "Khiếu nại đã có quyết định giải quyết khiếu nại lần hai (Điều 11 khoản 7)",
        "dinh_chi": "Đã có văn bản thông báo đình chỉ giải quyết mà sau 30 ngày người khiếu nại không "
        "tiếp tục khiếu nại (Điều 11 khoản 8)",
        "toa_an": "Việc khiếu nại đã được Tòa án thụ lý hoặc giải quyết bằng bản án, quyết định của Tòa án "
        "(Điều 11 khoản 9)",
        OUTSIDE: "Không thuộc thẩm quyền giải quyết của Sở: hướng dẫn người khiếu nại gửi đơn đến cơ quan "
        "có thẩm quyền",
    },
    "to_cao": {
        "hinh_thuc": "Tố cáo không ghi rõ họ tên, địa chỉ của người tố cáo hoặc không có chữ ký, điểm chỉ "
        "(điều kiện thụ lý, Điều 29 Luật Tố cáo 2018)",
        "khong_co_so": "Nội dung tố cáo không có cơ sở để xác định người vi phạm, hành vi vi phạm pháp luật "
        "(Điều 29 Luật Tố cáo 2018)",
        "da_giai_quyet": "Vụ việc đã được giải quyết mà người tố cáo không cung cấp thông tin, tình tiết mới "
        "(Điều 29 Luật Tố cáo 2018)",
        OUTSIDE: "Không thuộc thẩm quyền giải quyết của Sở: chuyển đơn đến cơ quan có thẩm quyền trong "
        "5 ngày làm việc và thông báo cho người tố cáo (Điều 24 Luật Tố cáo 2018)",
    },
    "phan_anh": {
        "khong_ro": "Đơn không rõ nội dung, không có thông tin để xem xét",
        "da_tra_loi": "Nội dung đã được xem xét, trả lời; không có thông tin mới",
        OUTSIDE: "Không thuộc phạm vi, thẩm quyền của Sở: chuyển đến cơ quan có thẩm quyền trong "
        "5 ngày làm việc (Điều 9 Nghị định 20/2008/NĐ-CP)",
    },
}
GROUNDS["kien_nghi"] = GROUNDS["phan_anh"]


def grounds_for(kind: str | None) -> dict[str, str]:
    """The grounds a case of this kind may be refused on (code -> the words of the law)."""
    return GROUNDS.get(kind or "", {})


def reason_text(kind: str | None, ground: str | None, reason: str, forward_to: str | None) -> str:
    """What the refusal says: the legal ground, the clerk's explanation, where the case was forwarded."""
    if ground is None:
        if forward_to:
            raise Invalid("Chuyển đơn cần căn cứ 'không thuộc thẩm quyền'", field="ground")
        return reason
    label = grounds_for(kind).get(ground)
    if label is None:
        raise Invalid(f"Căn cứ không thụ lý {ground!r} không áp dụng cho loại đơn này", field="ground")
    if ground == OUTSIDE and not forward_to:
        raise Invalid("Cần ghi cơ quan có thẩm quyền nhận đơn chuyển đến", field="forward_to")
    text = f"Căn cứ: {label}. {reason}"
    return f"{text} Đơn đã được chuyển đến: {forward_to}." if forward_to else text
