"""The words the staff pages show for the modules' codes, and the choices their forms offer.

Priorities and confidentiality levels come from the documents contract (schemas.documents), so a
form offers exactly what the documents module accepts.
"""

from __future__ import annotations

from typing import get_args

from schemas.documents import ConfidentialityLabel, PriorityLabel

STATUS_LABELS = {
    "received": "Chờ vào sổ",
    "registered": "Đã vào sổ, chờ chỉ đạo",
    "rejected": "Đã từ chối",
    "assigned": "Đã giao xử lý",
    "processing": "Đang xử lý",
    "completed": "Đã hoàn thành",
    "revoked": "Đã thu hồi",
    "replaced": "Đã bị thay thế",
    "draft": "Dự thảo",
    "returned": "Bị trả lại",
    "pending_approval": "Chờ duyệt",
    "signing": "Đang ký số",
    "approved": "Đã duyệt, chờ ban hành",
    "issuing": "Đang ban hành",
    "issued": "Đã ban hành",
    "issue_failed": "Ban hành không thành công",
}

TRANSPORT = {
    "queued": "Đang chờ gửi lên trục",
    "sent": "Đã gửi lên trục",
    "delivered": "Nơi nhận đã nhận",
    "failed": "Gửi không thành công",
    "internal": "Gửi nội bộ",
}

AXES = {
    "vdxp": "Trục liên thông văn bản quốc gia",
    "lgsp": "Trục liên thông thành phố Hà Nội",
}

SOURCES = {
    "axis": "Trục liên thông",
    "onestop": "Một cửa",
    "paper": "Bản giấy",
    "complaints": "Đơn thư",
}

DOC_TYPES = ["Công văn", "Quyết định", "Tờ trình", "Báo cáo", "Kế hoạch", "Thông báo", "Giấy mời"]
PRIORITIES: list[str] = list(get_args(PriorityLabel))
CONFIDENTIALITY: list[str] = list(get_args(ConfidentialityLabel))
ORDINARY = "Thường"  # the default priority and confidentiality of a form left as it is

LEVELS = {
    "xuat_sac": "Hoàn thành xuất sắc nhiệm vụ",
    "tot": "Hoàn thành tốt nhiệm vụ",
    "hoan_thanh": "Hoàn thành nhiệm vụ",
    "khong_hoan_thanh": "Không hoàn thành nhiệm vụ",
}

LEAVE_KINDS = {"annual": "Nghỉ phép", "sick": "Nghỉ ốm", "business_trip": "Đi công tác"}
