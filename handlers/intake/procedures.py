"""The catalogue of administrative procedures handled at the desk, with their legal durations."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Procedure:
    """One administrative procedure: its code, name, duration in working days and handling unit."""

    code: str
    name: str
    duration_working_days: int
    unit_id: str


CATALOGUE: dict[str, Procedure] = {
    p.code: p
    for p in (
        Procedure("DKDN-01", "Đăng ký thành lập doanh nghiệp", 3, "DKKD"),
        Procedure("DKDN-02", "Đăng ký thay đổi nội dung đăng ký doanh nghiệp", 3, "DKKD"),
        Procedure("DKDN-03", "Thông báo tạm ngừng kinh doanh", 3, "DKKD"),
        Procedure("DKDN-04", "Giải thể doanh nghiệp", 5, "DKKD"),
        Procedure("DT-01", "Cấp Giấy chứng nhận đăng ký đầu tư", 15, "DNDT"),
        Procedure("DT-02", "Điều chỉnh Giấy chứng nhận đăng ký đầu tư", 10, "DNDT"),
        Procedure("DT-03", "Chấp thuận chủ trương đầu tư", 35, "DNDT"),
        Procedure("DT-04", "Chấm dứt hoạt động dự án đầu tư", 15, "DNDT"),
    )
}


class UnknownProcedure(LookupError):
    """The procedure code is not in the catalogue."""


def procedure(code: str | None) -> Procedure:
    """The catalogue entry for a code; the error lists the known codes."""
    if code and code in CATALOGUE:
        return CATALOGUE[code]
    raise UnknownProcedure(f"unknown procedure {code!r}; known: {', '.join(sorted(CATALOGUE))}")
