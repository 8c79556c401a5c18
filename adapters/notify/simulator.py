"""Real simulators of the channels: an SMTP server (aiosmtpd), the SMS gateway and the Zalo OA API (aiohttp).

Run one by hand: `python -m adapters.notify.simulator sms --port 8091` (or `zalo`, or `smtp --port
8025 --folder data/notify-simulators`). The SMS and Zalo simulators have admin endpoints:
`POST /_admin/outage {"down": true}` makes the service answer 503 until switched back;
`GET /_admin/messages` lists what was received. Given a folder, each keeps what it receives there
(`mail/` a Maildir, `sms.jsonl`, `zalo.jsonl`), which `received_messages(folder)` reads back for the
operators' page; what `make run` embeds in development (see the module's __init__).
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import itertools
import json
import mailbox
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel

from hub.embedded import free_port

API_KEY = "sms-test-key"
ACCESS_TOKEN = "zalo-test-token"  # noqa: S105 - the simulator's own test token
MAIL_FOLDER, SMS_FILE, ZALO_FILE = "mail", "sms.jsonl", "zalo.jsonl"
RECEIVED_AT = "X-Simulator-Received-At"
RCPT_TO = "X-Simulator-Rcpt-To"


class SimulatedMessage(BaseModel):
    """One message a simulator received: when, on which channel, to whom, subject (mail) and text."""

    channel: Literal["mail", "sms", "zalo"]
    at: datetime | None
    to: str
    subject: str | None = None
    text: str
    ref: str | None = None


@dataclass
class ChannelSimulator:
    """One simulated service on a real socket in the current event loop."""

    kind: str  # "sms" or "zalo"
    secret: str = ""
    host: str = "127.0.0.1"
    port: int = 0
    down: bool = False
    folder: Path | None = None  # keeps what it receives in <folder>/<kind>.jsonl
    received: list[dict[str, Any]] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        if self.kind not in ("sms", "zalo"):
            raise ValueError(f"unknown simulator kind {self.kind!r} (sms or zalo)")
        self.secret = self.secret or (API_KEY if self.kind == "sms" else ACCESS_TOKEN)
        if self.store is not None and self.store.is_file():
            self.received = _read_jsonl(self.store)
            self._ids = itertools.count(len(self.received) + 1)

    @property
    def store(self) -> Path | None:
        return self.folder / (SMS_FILE if self.kind == "sms" else ZALO_FILE) if self.folder else None

    def _keep(self, record: dict[str, Any]) -> None:
        record["at"] = datetime.now(UTC).isoformat()
        self.received.append(record)
        if self.store is not None:
            self.store.parent.mkdir(parents=True, exist_ok=True)
            with self.store.open("a", encoding="utf-8") as out:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def app(self) -> web.Application:
        app = web.Application()
        if self.kind == "sms":
            app.router.add_post("/api/v1/sms", self._sms)
        else:
            app.router.add_post("/v3.0/oa/message/cs", self._zalo)
        app.router.add_post("/_admin/outage", self._outage)
        app.router.add_get("/_admin/messages", self._messages)
        return app

    async def start(self) -> ChannelSimulator:
        self.port = self.port or free_port()
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port, reuse_address=True).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def texts_to(self, address: str) -> list[str]:
        key = "to" if self.kind == "sms" else "user_id"
        return [m["text"] for m in self.received if m[key] == address]

    async def _outage(self, request: web.Request) -> web.Response:
        data = await request.json()
        self.down = bool(data.get("down"))
        return web.json_response({"down": self.down})

    async def _messages(self, request: web.Request) -> web.Response:
        return web.json_response(self.received)

    async def _sms(self, request: web.Request) -> web.Response:
        if self.down:
            return web.json_response({"error": "Dịch vụ tạm ngừng"}, status=503)
        if request.headers.get("X-Api-Key") != self.secret:
            return web.json_response({"error": "Sai khóa API (X-Api-Key)"}, status=401)
        data = await request.json()
        to, text = str(data.get("to", "")), str(data.get("text", ""))
        if not to.isdigit() or not to.startswith("84") or len(to) != 11:
            return web.json_response({"error": f"Số điện thoại không hợp lệ: {to!r}"}, status=400)
        if not text:
            return web.json_response({"error": "Nội dung tin nhắn trống"}, status=400)
        ref = data.get("client_ref")
        for m in self.received:  # the gateway de-duplicates on the client's reference
            if ref and m.get("client_ref") == ref:
                return web.json_response({"message_id": m["message_id"], "duplicate": True})
        mid = f"SMS{next(self._ids):06d}"
        self._keep({"to": to, "text": text, "client_ref": ref, "message_id": mid})
        return web.json_response({"message_id": mid, "parts": 1 + len(text) // 67})

    async def _zalo(self, request: web.Request) -> web.Response:
        if self.down:
            return web.Response(status=503, text="Service Unavailable")
        if request.headers.get("access_token") != self.secret:
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        data = await request.json()
        user_id = str((data.get("recipient") or {}).get("user_id", ""))
        text = str((data.get("message") or {}).get("text", ""))
        if not user_id.isdigit():
            return web.json_response({"error": -201, "message": "user_id is invalid"})
        ref = data.get("tracking_id")
        for m in self.received:
            if ref and m.get("tracking_id") == ref:
                return web.json_response(
                    {"error": 0, "message": "Success", "data": {"message_id": m["message_id"]}}
                )
        mid = f"zmsg{next(self._ids):08d}"
        self._keep({"user_id": user_id, "text": text, "tracking_id": ref, "message_id": mid})
        return web.json_response(
            {"error": 0, "message": "Success", "data": {"message_id": mid, "user_id": user_id}}
        )


class _MaildirHandler:
    """aiosmtpd handler: every accepted mail goes to a Maildir with its envelope recipients and time."""

    def __init__(self, folder: Path) -> None:
        folder.parent.mkdir(parents=True, exist_ok=True)
        self.box = mailbox.Maildir(folder, create=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message[RECEIVED_AT] = datetime.now(UTC).isoformat()
        message[RCPT_TO] = ", ".join(envelope.rcpt_tos)
        self.box.add(message)
        return "250 2.0.0 Message accepted"


class SmtpSimulator:
    """A real SMTP server (aiosmtpd, plain SMTP on its own thread) keeping every mail in a Maildir."""

    def __init__(self, folder: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.folder = folder
        self.host = host
        self.port = port or free_port()
        self._controller: Any = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> SmtpSimulator:
        from aiosmtpd.controller import Controller

        controller = Controller(
            _MaildirHandler(self.folder), hostname=self.host, port=self.port, ready_timeout=20
        )
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self) -> list[SimulatedMessage]:
        return read_mailbox(self.folder)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a line cut short by a crash
        if isinstance(record, dict):
            records.append(record)
    return records


def _moment(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _mail_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    return str(body.get_content()) if body is not None else ""


def read_mailbox(folder: Path) -> list[SimulatedMessage]:
    """The mails kept in a Maildir."""
    if not folder.is_dir():
        return []
    box = mailbox.Maildir(folder, factory=None, create=False)
    out = []
    for key in list(box.iterkeys()):
        with box.get_file(key) as raw:
            message = email.message_from_bytes(raw.read(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        out.append(
            SimulatedMessage(
                channel="mail",
                at=_moment(message.get(RECEIVED_AT)),
                to=str(message.get(RCPT_TO) or message.get("To") or ""),
                subject=str(message.get("Subject") or ""),
                text=_mail_text(message),
                ref=str(message.get("Message-ID") or "") or None,
            )
        )
    return out


def read_channel(path: Path, kind: Literal["sms", "zalo"]) -> list[SimulatedMessage]:
    """The SMS or Zalo messages a simulator kept."""
    if not path.is_file():
        return []
    key = "to" if kind == "sms" else "user_id"
    return [
        SimulatedMessage(
            channel=kind,
            at=_moment(r.get("at")),
            to=str(r.get(key, "")),
            text=str(r.get("text", "")),
            ref=r.get("message_id"),
        )
        for r in _read_jsonl(path)
    ]


def received_messages(folder: Path, channel: str | None = None) -> list[SimulatedMessage]:
    """Everything the simulators kept in `folder` (or one channel's), newest first."""
    found: list[SimulatedMessage] = []
    if channel in (None, "mail"):
        found += read_mailbox(folder / MAIL_FOLDER)
    if channel in (None, "sms"):
        found += read_channel(folder / SMS_FILE, "sms")
    if channel in (None, "zalo"):
        found += read_channel(folder / ZALO_FILE, "zalo")
    oldest = datetime.min.replace(tzinfo=UTC)
    return sorted(found, key=lambda m: m.at or oldest, reverse=True)


async def _serve(kind: str, host: str, port: int, folder: Path | None) -> None:
    if kind == "smtp":
        smtp = await asyncio.to_thread(SmtpSimulator((folder or Path()) / MAIL_FOLDER, host, port).start)
        print(f"SMTP simulator on {smtp.url}, mailbox {smtp.folder}", flush=True)
        await asyncio.Event().wait()
    sim = await ChannelSimulator(kind, host=host, port=port, folder=folder).start()
    print(f"{kind} simulator on {sim.url} (secret {sim.secret})", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="SMTP server / SMS gateway / Zalo OA simulator")
    parser.add_argument("kind", choices=["smtp", "sms", "zalo"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--folder", type=Path, default=None, help="keep what is received here")
    args = parser.parse_args()
    asyncio.run(_serve(args.kind, args.host, args.port, args.folder))


if __name__ == "__main__":
    main()
