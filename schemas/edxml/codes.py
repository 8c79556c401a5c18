"""Code lists of QCVN 102: business types, status codes, priority, namespaces and formats."""

from __future__ import annotations

from enum import IntEnum, StrEnum
from zoneinfo import ZoneInfo

EDXML_NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DATE_FORMAT = "%Y/%m/%d"
TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"


class BussinessDocType(IntEnum):
    """Business type of an edoc (`Bussiness/BussinessDocType`)."""

    NEW = 0
    REVOKE = 1
    UPDATE = 2
    REPLACE = 3

    @property
    def description(self) -> str:
        """Return the Vietnamese reason text used in the official samples."""
        return _BUSINESS_DESCRIPTIONS[self]


_BUSINESS_DESCRIPTIONS = {
    BussinessDocType.NEW: "Văn bản điện tử mới",
    BussinessDocType.REVOKE: "Thu hồi văn bản điện tử",
    BussinessDocType.UPDATE: "Cập nhật văn bản điện tử",
    BussinessDocType.REPLACE: "Văn bản thay thế",
}


class StatusCode(StrEnum):
    """Status (feedback) codes of a status message."""

    INBOX = "01"
    REJECTED = "02"
    ACCEPTED = "03"
    ASSIGNED = "04"
    PROCESSING = "05"
    FINISHED = "06"
    TAKE_BACK_REQUESTED = "13"
    CHANGE_ACCEPTED = "15"
    CHANGE_REJECTED = "16"

    @property
    def description(self) -> str:
        """Return the Vietnamese description used in the official samples."""
        return _STATUS_DESCRIPTIONS[self]


_CLERK = "Văn thư - Phòng Văn thư - Lưu trữ"
_STATUS_DESCRIPTIONS = {
    StatusCode.INBOX: f"{_CLERK}: Đã đến - Phần mềm QLVB đã nhận nhưng văn thư chưa xử lý",
    StatusCode.REJECTED: f"{_CLERK}: Từ chối không tiếp nhận văn bản điện tử",
    StatusCode.ACCEPTED: f"{_CLERK}: Tiếp nhận văn bản điện tử, vào sổ văn bản đến của đơn vị",
    StatusCode.ASSIGNED: "Lãnh đạo: Phân công xử lý",
    StatusCode.PROCESSING: "Đang xử lý văn bản đến",
    StatusCode.FINISHED: "Văn thư: Ban hành văn bản đến, hoàn thành xử lý",
    StatusCode.TAKE_BACK_REQUESTED: "Văn thư yêu cầu lấy lại văn bản điện tử kèm lý do",
    StatusCode.CHANGE_ACCEPTED: "Văn thư đồng ý yêu cầu cập nhật, lấy lại",
    StatusCode.CHANGE_REJECTED: "Văn thư từ chối yêu cầu cập nhật, lấy lại",
}


class Priority(IntEnum):
    """Urgency of a document (`OtherInfo/Priority`)."""

    NORMAL = 0
    URGENT = 1
    VERY_URGENT = 2
    FLASH = 3
    FLASH_TIMED = 4

    @property
    def label(self) -> str:
        """Return the Vietnamese urgency label (Decree 30)."""
        return _PRIORITY_LABELS[self]


_PRIORITY_LABELS = {
    Priority.NORMAL: "Thường",
    Priority.URGENT: "Khẩn",
    Priority.VERY_URGENT: "Thượng khẩn",
    Priority.FLASH: "Hỏa tốc",
    Priority.FLASH_TIMED: "Hỏa tốc hẹn giờ",
}
