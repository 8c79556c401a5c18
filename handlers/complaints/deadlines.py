"""Legal deadlines of complaints (Law 02/2011), denunciations (Law 25/2018) and petitions.

Plain-day periods ("30 ngày") count every calendar day; when the last day is not a working day
the period ends on the next working day (Civil Code 2015 Art. 148). Working-day periods
("ngày làm việc") skip weekends, holidays and Tết.
"""

from __future__ import annotations

from datetime import date

from kit.workcal import WorkingCalendar, default_calendar

# Law 02/2011 Art. 28 and 37: (second, remote) -> (normal, complex) days
COMPLAINT_DAYS: dict[tuple[bool, bool], tuple[int, int]] = {
    (False, False): (30, 45),
    (False, True): (45, 60),
    (True, False): (45, 60),
    (True, True): (60, 70),
}
COMPLAINT_ACCEPT_DAYS = 10  # Art. 27, plain days
DENUNCIATION_ACCEPT_WORKING_DAYS = 7  # Law 25/2018 Art. 24
DENUNCIATION_ACCEPT_SEVERAL_PLACES = 10
DENUNCIATION_DAYS = 30  # Art. 30
DENUNCIATION_EXTENSION_DAYS = 30
DENUNCIATION_MAX_EXTENSIONS = {"normal": 0, "complex": 1, "very_complex": 2}
PETITION_ACCEPT_WORKING_DAYS = 5  # forward or take up within 5 working days (Decree 20/2008 Art. 9)
PETITION_WORKING_DAYS = 10  # configurable SLA: no legal period for the answer


class ExtensionRefused(ValueError):
    """The law allows no (further) extension for this case."""


def _cal(cal: WorkingCalendar | None) -> WorkingCalendar:
    return cal or default_calendar()


def acceptance_due(
    kind: str | None, received_on: date, several_places: bool = False, cal: WorkingCalendar | None = None
) -> date:
    """Last day for the acceptance decision."""
    c = _cal(cal)
    if kind == "to_cao":
        n = DENUNCIATION_ACCEPT_SEVERAL_PLACES if several_places else DENUNCIATION_ACCEPT_WORKING_DAYS
        return c.add_working_days(received_on, n)
    if kind in ("phan_anh", "kien_nghi"):
        return c.add_working_days(received_on, PETITION_ACCEPT_WORKING_DAYS)
    return c.add_days(received_on, COMPLAINT_ACCEPT_DAYS, roll_forward=True)


def resolution_days(kind: str, complexity: str, second: bool, remote: bool) -> int:
    """Plain days (working days for petitions) allowed from acceptance, before any extension."""
    if kind == "khieu_nai":
        normal, complex_ = COMPLAINT_DAYS[(second, remote)]
        return normal if complexity == "normal" else complex_
    if kind == "to_cao":
        return DENUNCIATION_DAYS
    return PETITION_WORKING_DAYS


def resolution_due(kind: str, accepted_on: date, days: int, cal: WorkingCalendar | None = None) -> date:
    """Last day for the resolution given the days allowed so far."""
    c = _cal(cal)
    if kind in ("phan_anh", "kien_nghi"):
        return c.add_working_days(accepted_on, days)
    return c.add_days(accepted_on, days, roll_forward=True)


def extension(
    kind: str, complexity: str, extensions_so_far: int, days: int, second: bool, remote: bool
) -> int:
    """Days one more extension adds; ExtensionRefused (Vietnamese) when the law says no."""
    if kind == "to_cao":
        allowed = DENUNCIATION_MAX_EXTENSIONS[complexity]
        if extensions_so_far >= allowed:
            label = {"normal": "thông thường", "complex": "phức tạp", "very_complex": "đặc biệt phức tạp"}
            raise ExtensionRefused(
                f"Vụ việc tố cáo {label[complexity]} được gia hạn tối đa {allowed} lần; đã gia hạn "
                f"{extensions_so_far} lần (Điều 30 Luật Tố cáo 2018)"
            )
        if not 1 <= days <= DENUNCIATION_EXTENSION_DAYS:
            raise ExtensionRefused(f"Mỗi lần gia hạn không quá {DENUNCIATION_EXTENSION_DAYS} ngày")
        return days
    if kind == "khieu_nai":
        if extensions_so_far >= 1 or complexity != "normal":
            raise ExtensionRefused(
                "Khiếu nại chỉ được kéo dài thời hạn một lần với vụ việc phức tạp (Luật Khiếu nại 2011)"
            )
        normal, complex_ = COMPLAINT_DAYS[(second, remote)]
        if days != complex_ - normal:
            raise ExtensionRefused(
                f"Vụ việc phức tạp được kéo dài thêm đúng {complex_ - normal} ngày (tối đa {complex_} ngày)"
            )
        return days
    raise ExtensionRefused("Phản ánh, kiến nghị không có thủ tục gia hạn theo luật")


COMPLAINT_LIMITATION_DAYS = 90  # Law 02/2011 Art. 9


def limitation_ends(known_on: date, cal: WorkingCalendar | None = None) -> date:
    """Last day to complain: 90 days from receiving or learning of the decision or act (Art. 9)."""
    return _cal(cal).add_days(known_on, COMPLAINT_LIMITATION_DAYS, roll_forward=True)


FORWARD_WORKING_DAYS = 5  # Law 25/2018 Art. 24; Decree 20/2008 Art. 9


def forward_due(kind: str | None, received_on: date, cal: WorkingCalendar | None = None) -> date | None:
    """Last day to forward a denunciation or a petition the department may not settle (5 working days)."""
    if kind not in ("to_cao", "phan_anh", "kien_nghi"):
        return None
    return _cal(cal).add_working_days(received_on, FORWARD_WORKING_DAYS)
