"""An attendance device simulator: generates a month of punches and posts them over HTTP, signed."""

from __future__ import annotations

import argparse
import asyncio
import calendar
import json
import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time

import httpx

from adapters.attendance.webhook import DEVICE_TZ, SIGNATURE_HEADER, sign
from handlers.common.workcal import WorkingCalendar, default_calendar

# (check-in, check-out) in local HH:MM; None for a missing punch. A day absent from the plan is usual.
DayPlan = tuple[str | None, str | None]


class DeviceSimulator:
    """One device posting batches to the webhook, re-trying on connection errors like real firmware."""

    def __init__(self, url: str, device_id: str, secret: str, batch_size: int = 100) -> None:
        self.url = url.rstrip("/")
        self.device_id = device_id
        self.secret = secret
        self.batch_size = batch_size

    @property
    def endpoint(self) -> str:
        return f"{self.url}/attendance/v1/devices/{self.device_id}/events"

    async def post(self, client: httpx.AsyncClient, events: Sequence[Mapping[str, str]]) -> httpx.Response:
        body = json.dumps({"events": list(events)}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(self.secret, body)}
        for attempt in range(5):
            try:
                return await client.post(self.endpoint, content=body, headers=headers)
            except httpx.TransportError:
                if attempt == 4:
                    raise
                await asyncio.sleep(0.2 * (attempt + 1))
        raise AssertionError("unreachable")

    async def send(self, events: Sequence[Mapping[str, str]]) -> int:
        """Post every event in batches; return how many the webhook accepted."""
        accepted = 0
        async with httpx.AsyncClient(timeout=30) as client:
            for i in range(0, len(events), self.batch_size):
                response = await self.post(client, events[i : i + self.batch_size])
                response.raise_for_status()
                accepted += int(response.json()["accepted"])
        return accepted


def _event(code: str, day: date, hm: str, kind: str, seq: int) -> dict[str, str]:
    hours, minutes = (int(x) for x in hm.split(":"))
    moment = datetime.combine(day, time(hours, minutes), DEVICE_TZ)
    return {"id": f"{day:%Y%m%d}-{code}-{seq}", "user_code": code, "time": moment.isoformat(), "type": kind}


def month_events(
    year: int,
    month: int,
    codes: Iterable[str],
    overrides: Mapping[tuple[str, date], DayPlan | None] | None = None,
    cal: WorkingCalendar | None = None,
    seed: int = 7,
) -> list[dict[str, str]]:
    """A month of punches: on time on every working day (07:45-07:59 in, 17:00-17:29 out) unless
    overridden; an override of None means no punch that day."""
    cal = cal or default_calendar()
    rng = random.Random(seed)
    overrides = overrides or {}
    events: list[dict[str, str]] = []
    for n in range(1, calendar.monthrange(year, month)[1] + 1):
        day = date(year, month, n)
        for code in codes:
            if (code, day) in overrides:
                plan = overrides[(code, day)]
            elif cal.is_working_day(day):
                plan = (f"07:{rng.randint(45, 59):02d}", f"17:{rng.randint(0, 29):02d}")
            else:
                plan = None
            if plan is None:
                continue
            check_in, check_out = plan
            if check_in:
                events.append(_event(code, day, check_in, "in", 1))
            if check_out:
                events.append(_event(code, day, check_out, "out", 2))
    return events


def main(argv: list[str] | None = None) -> None:
    """Post a generated month of punches to a running webhook."""
    parser = argparse.ArgumentParser(description="Simulate an attendance device posting a month of punches")
    parser.add_argument("--url", default="http://127.0.0.1:8095")
    parser.add_argument("--device", default="may-cham-cong-1")
    parser.add_argument("--secret", required=True)
    parser.add_argument("--month", default=date.today().strftime("%Y-%m"), help="YYYY-MM")
    parser.add_argument("--codes", required=True, help="comma-separated enrolment codes")
    args = parser.parse_args(argv)
    year, mon = (int(x) for x in args.month.split("-"))
    events = month_events(year, mon, [c.strip() for c in args.codes.split(",") if c.strip()])
    device = DeviceSimulator(args.url, args.device, args.secret)
    accepted = asyncio.run(device.send(events))
    print(f"{accepted} events accepted by {device.endpoint}")


if __name__ == "__main__":
    main()
