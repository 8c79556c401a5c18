"""An attendance device simulator: punches posted over HTTP, HMAC-authenticated like a device.

`DeviceSimulator` posts batches to the webhook like real firmware. `create_app(device)` is the
device's own control API, a real HTTP server (what `make run` embeds in development on port 8096):
`POST /api/punches` `{"events": [{"user_code", "type", "time"}]}` makes the device punch (time: now
by default), `POST /api/month` `{"month": "YYYY-MM", "codes": [...]}` posts a generated month,
`GET /api/device` says which device it is and where it posts, `GET /api/sent` what it posted.
"""

from __future__ import annotations

import argparse
import asyncio
import calendar
import json
import random
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time
from typing import Any, Literal

import httpx
from fastapi import FastAPI, HTTPException, Request, status
from pydantic import BaseModel, Field

from adapters.attendance.hmac_auth import MAC_HEADER, body_mac
from adapters.attendance.mapping import DEVICE_TZ
from kit.workcal import WorkingCalendar, default_calendar

MAX_SENT_KEPT = 5000

# (check-in, check-out) in local HH:MM; None for a missing punch. A day absent from the plan is usual.
DayPlan = tuple[str | None, str | None]


class DeviceSimulator:
    """One device posting batches to the webhook, re-trying on connection errors like real firmware."""

    def __init__(self, url: str, device_id: str, secret: str, batch_size: int = 100) -> None:
        self.url = url.rstrip("/")
        self.device_id = device_id
        self.secret = secret
        self.batch_size = batch_size
        self.sent: list[dict[str, str]] = []

    @property
    def endpoint(self) -> str:
        return f"{self.url}/attendance/v1/devices/{self.device_id}/events"

    async def post(self, client: httpx.AsyncClient, events: Sequence[Mapping[str, str]]) -> httpx.Response:
        body = json.dumps({"events": list(events)}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", MAC_HEADER: body_mac(self.secret, body)}
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
                batch = events[i : i + self.batch_size]
                response = await self.post(client, batch)
                response.raise_for_status()
                accepted += int(response.json()["accepted"])
                self.sent.extend(dict(e) for e in batch)
                del self.sent[:-MAX_SENT_KEPT]
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


class PunchOrder(BaseModel):
    """One punch the device is told to make."""

    user_code: str = Field(min_length=1, max_length=80, description="Enrolment code of the person")
    type: Literal["in", "out", "check"] = "check"
    time: datetime | None = Field(default=None, description="When; now by default (device time UTC+7)")


class PunchOrders(BaseModel):
    events: list[PunchOrder] = Field(min_length=1, max_length=2000)


class MonthOrder(BaseModel):
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")
    codes: list[str] = Field(min_length=1, max_length=2000, description="Enrolment codes")


class Posted(BaseModel):
    accepted: int
    device_id: str


def _device(request: Request) -> DeviceSimulator:
    device: DeviceSimulator = request.app.state.device
    return device


async def _post(device: DeviceSimulator, events: Sequence[Mapping[str, str]]) -> Posted:
    try:
        accepted = await device.send(events)
    except httpx.HTTPStatusError as exc:
        detail = f"the hub answered {exc.response.status_code}: {exc.response.text[:500]}"
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, detail) from None
    except httpx.TransportError as exc:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, f"the hub is unreachable: {exc}") from None
    return Posted(accepted=accepted, device_id=device.device_id)


async def device_info(request: Request) -> dict[str, Any]:
    """Which device this is and where it posts."""
    device = _device(request)
    return {"device_id": device.device_id, "webhook": device.endpoint, "sent": len(device.sent)}


async def punch(body: PunchOrders, request: Request) -> Posted:
    """Make the device punch now (or at the given times) and post the events to the hub."""
    now = datetime.now(DEVICE_TZ).replace(microsecond=0)
    events = []
    for order in body.events:
        moment = order.time or now
        events.append(
            {
                "id": f"{moment:%Y%m%d%H%M%S}-{order.user_code}-{uuid.uuid4().hex[:8]}",
                "user_code": order.user_code,
                "time": moment.isoformat(),
                "type": order.type,
            }
        )
    return await _post(_device(request), events)


async def punch_month(body: MonthOrder, request: Request) -> Posted:
    """Post a generated month of punches (on time on every working day)."""
    year, month = (int(x) for x in body.month.split("-"))
    return await _post(_device(request), month_events(year, month, body.codes))


async def sent(request: Request, limit: int = 200) -> list[dict[str, str]]:
    """What the device posted, newest first."""
    return list(reversed(_device(request).sent[-max(1, min(limit, MAX_SENT_KEPT)) :]))


def create_app(device: DeviceSimulator) -> FastAPI:
    """The simulated device's control API (see the module's docstring)."""
    app = FastAPI(title="Máy chấm công (mô phỏng)", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.device = device
    app.add_api_route("/api/device", device_info, methods=["GET"])
    app.add_api_route("/api/punches", punch, methods=["POST"])
    app.add_api_route("/api/month", punch_month, methods=["POST"])
    app.add_api_route("/api/sent", sent, methods=["GET"])
    return app


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
