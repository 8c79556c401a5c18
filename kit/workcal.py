"""Working calendar: weekends, public holidays (Tết included) and compensatory days.

The government's yearly notice decides the days off of each year (bridges, swapped Saturdays): those
years are data (`holidays.yaml`). A year without data is not a year without holidays: its days off
are computed from the Labour Code 2019 Art. 111-112 (New Year, five days of Tết and the Hùng Kings'
day from the Vietnamese lunar calendar, 30/4, 1/5, two days of National Day, and a day off in lieu
of a holiday that falls on the weekend), and the year is marked provisional so operators are told
to add the notice (`missing_data_for`).

Legal deadlines "in working days" (ngày làm việc) skip weekends and days off; deadlines in plain
days count every day but, where a rule says so, move off a non-working last day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import yaml
from lunar_vn import LunarDate, lunar_to_solar

DEFAULT_DATA = Path(__file__).with_name("holidays.yaml")


class CalendarError(ValueError):
    """The calendar data is invalid or does not cover a date asked about."""


class WorkingCalendar:
    """Which days are working days; arithmetic in working days."""

    def __init__(
        self,
        days_off: Iterable[date] = (),
        working_days: Iterable[date] = (),
        weekend: tuple[int, ...] = (5, 6),
        years: Iterable[int] = (),
    ) -> None:
        self.days_off = frozenset(days_off)
        self.working_days = frozenset(working_days)
        self.weekend = weekend
        self.years = frozenset(years)
        self._computed: dict[int, frozenset[date]] = {}

    def is_provisional(self, year: int) -> bool:
        """True when the year's days off are computed, not from the government's notice."""
        return bool(self.years) and year not in self.years

    def missing_data_for(self, today: date) -> list[int]:
        """This year and next, where they have no government data yet (what operators must add)."""
        return [y for y in (today.year, today.year + 1) if self.is_provisional(y)]

    def _statutory(self, year: int) -> frozenset[date]:
        if year not in self._computed:
            self._computed[year] = frozenset(statutory_days_off(year, self.weekend))
        return self._computed[year]

    @classmethod
    def from_yaml(cls, path: Path = DEFAULT_DATA) -> WorkingCalendar:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        off: set[date] = set()
        work: set[date] = set()
        for year, spec in data.items():
            for item in (spec or {}).get("days_off", []) or []:
                off.update(_expand(item, path, year))
            for item in (spec or {}).get("working_days", []) or []:
                work.update(_expand(item, path, year))
        return cls(off, work, years=(int(y) for y in data))

    def is_working_day(self, day: date) -> bool:
        if day in self.working_days:
            return True
        if day in self.days_off:
            return False
        if self.is_provisional(day.year) and day in self._statutory(day.year):
            return False
        return day.weekday() not in self.weekend

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (start itself not counted)."""
        if days < 0:
            raise CalendarError("use subtract_working_days for negative spans")
        current = start
        left = days
        while left > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                left -= 1
        return current

    def subtract_working_days(self, start: date, days: int) -> date:
        current = start
        left = days
        while left > 0:
            current -= timedelta(days=1)
            if self.is_working_day(current):
                left -= 1
        return current

    def next_working_day(self, day: date) -> date:
        """The day itself if it is a working day, else the next one."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_days(self, start: date, days: int, roll_forward: bool = False) -> date:
        """Calendar-day deadline; with roll_forward a non-working last day moves to the next working day."""
        end = start + timedelta(days=days)
        return self.next_working_day(end) if roll_forward else end

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (negative when end is before start)."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            1 for i in range(1, (end - start).days + 1) if self.is_working_day(start + timedelta(days=i))
        )


def lunar_new_year(year: int) -> date:
    """Mùng 1 Tết of the lunar year that begins in `year` (Vietnamese calendar, UTC+7)."""
    return lunar_to_solar(LunarDate(1, 1, year))


def hung_kings_day(year: int) -> date:
    """Giỗ Tổ Hùng Vương, the 10th of the 3rd lunar month."""
    return lunar_to_solar(LunarDate(10, 3, year))


def statutory_days_off(year: int, weekend: tuple[int, ...] = (5, 6)) -> set[date]:
    """The days off Labour Code 2019 Art. 112 gives in `year`, before the government's arrangement.

    Tết is taken as the last day of the old lunar year and the first four of the new one, National
    Day as 2/9 and the adjacent day that joins it to the weekend; a holiday on a weekly day off gives
    the next working day off (Art. 111.3). The government's notice, when it exists, replaces this.
    """
    tet = lunar_new_year(year)
    national = date(year, 9, 2)
    national_other = national + timedelta(days=1 if national.weekday() in (0, 3, 5) else -1)
    holidays = [
        date(year, 1, 1),
        *(tet + timedelta(days=i) for i in range(-1, 4)),
        hung_kings_day(year),
        date(year, 4, 30),
        date(year, 5, 1),
        national,
        national_other,
    ]
    off = set(holidays)
    for day in sorted(holidays):
        if day.weekday() in weekend:
            lieu = day + timedelta(days=1)
            while lieu.weekday() in weekend or lieu in off:
                lieu += timedelta(days=1)
            off.add(lieu)
    return off


def _expand(item: object, path: Path, year: object) -> list[date]:
    if isinstance(item, date):
        return [item]
    if isinstance(item, list) and len(item) == 2 and all(isinstance(d, date) for d in item):
        first, last = item
        if last < first:
            raise CalendarError(f"{path}: year {year}: range {first}..{last} ends before it starts")
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]
    raise CalendarError(f"{path}: year {year}: {item!r} is neither a date nor a [first, last] range")


@lru_cache(maxsize=1)
def default_calendar() -> WorkingCalendar:
    """The packaged Vietnamese calendar."""
    return WorkingCalendar.from_yaml()
