"""With no settings the notify adapter sends through its own SMTP, SMS and Zalo simulators (`make run`).

Real servers: an aiosmtpd SMTP server and the aiohttp SMS and Zalo simulators on free ports, nats-server,
SQLite, the portal app. What they received is kept in the data folder and shown on the ops portal's
simulator inbox; a real channel setting turns every simulator off.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from adapters.notify import SIMULATORS_FOLDER, NotifyModule
from adapters.notify.settings import NotifySettings
from adapters.notify.simulator import received_messages
from hub.core import module as core
from hub.embedded import NatsServer, free_port, port_is_free
from hub.runtime import Hub, wait_for
from lienthong.web import create_app
from tests.adapters.notify.harness import PASSWORD, hubs
from tests.adapters.notify.test_channels import set_contacts

WAIT = 60.0


def three_ports() -> tuple[int, int, int]:
    ports: list[int] = []
    while len(ports) < 3:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports[0], ports[1], ports[2]


def development(ports: tuple[int, int, int], **kw: object) -> NotifySettings:
    smtp, sms, zalo = ports
    return NotifySettings(
        simulator_smtp_port=smtp,
        simulator_sms_port=sms,
        simulator_zalo_port=zalo,
        poll_seconds=0.3,
        retry_base_seconds=0.2,
        **kw,  # type: ignore[arg-type]
    )


def portal_client(hub: Hub) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(hub)), base_url="http://lt", timeout=WAIT
    )


async def log_in(client: httpx.AsyncClient, username: str) -> None:
    answer = await client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text


async def test_default_settings_send_mail_sms_and_zalo_to_simulators_shown_on_the_ops_page(
    nats: NatsServer, tmp_path: Path
) -> None:
    ports = three_ports()
    notify = NotifyModule(development(ports))
    async with hubs(nats.url, tmp_path) as start:
        hub = await start([core, notify], ["adapters.notify"])
        folder = hub.settings.data_dir / SIMULATORS_FOLDER
        assert notify.simulator_folder == folder
        assert notify.simulator_addresses["mail"] == f"smtp://127.0.0.1:{ports[0]}"
        assert not any(port_is_free(p) for p in ports)  # all three simulators listen
        await set_contacts(hub, {"truongphongth": ("0912 345 678", "8412345678901")})
        for urgency, title in (
            ("khan", "Họp giao ban quý IV"),
            ("hoa_toc", "Báo cáo giải ngân trước 16 giờ"),
        ):
            await hub.publish(
                "notify.requested",
                {
                    "recipients": ["truongphongth"],
                    "title": title,
                    "body": "Đề nghị đồng chí chuẩn bị số liệu.",
                    "urgency": urgency,
                    "dedup_key": f"dev:{urgency}",
                },
                source="tasks",
            )

        async def all_received() -> bool:
            channels = [m.channel for m in received_messages(folder)]
            return channels.count("mail") == 1 and channels.count("sms") == 1 and channels.count("zalo") == 2

        assert await wait_for(all_received, timeout=WAIT)
        (mail,) = received_messages(folder, "mail")
        assert mail.to == "truongphongth@skhdt.hanoi.gov.vn"
        assert mail.subject == "[Khẩn] Họp giao ban quý IV"
        assert "Đề nghị đồng chí chuẩn bị số liệu." in mail.text and mail.at is not None
        (sms,) = received_messages(folder, "sms")
        assert sms.to == "84912345678" and sms.text.startswith("Báo cáo giải ngân trước 16 giờ")

        async with portal_client(hub) as client:
            await log_in(client, "vanhanh")
            page = await client.get("/simulator-inbox")
            assert page.status_code == 200, page.text
            assert "Hộp thư mô phỏng" in page.text and "không có gì được gửi ra ngoài" in page.text
            assert "[Khẩn] Họp giao ban quý IV" in page.text
            assert "truongphongth@skhdt.hanoi.gov.vn" in page.text and "84912345678" in page.text
            only_sms = await client.get("/simulator-inbox", params={"channel": "sms"})
            assert "Báo cáo giải ngân trước 16 giờ" in only_sms.text
            assert "[Khẩn] Họp giao ban quý IV" not in only_sms.text
            api = (await client.get("/api/notify/simulators/messages", params={"channel": "zalo"})).json()
            assert api["total"] == 2 and {m["to"] for m in api["items"]} == {"8412345678901"}
        async with portal_client(hub) as staff:
            await log_in(staff, "chuyenvien")  # not an operator: the mailbox is not theirs to read
            assert (await staff.get("/api/notify/simulators/messages")).status_code == 403
        await start.stop(hub)  # type: ignore[attr-defined]
        assert all(port_is_free(p) for p in ports)  # the simulators stopped with the hub
        assert len(received_messages(folder)) == 4  # and the mailbox is kept


async def test_a_real_channel_turns_every_simulator_off(nats: NatsServer, tmp_path: Path) -> None:
    ports = three_ports()
    settings = development(ports, sms_url="http://127.0.0.1:9", sms_api_key="that-of-the-gateway")
    assert not settings.embeds_simulators
    notify = NotifyModule(settings)
    async with hubs(nats.url, tmp_path) as start:
        hub = await start([core, notify], ["adapters.notify"])
        assert notify.simulator_folder is None and all(port_is_free(p) for p in ports)
        assert notify.service.mailer is None and notify.service.zalo is None  # no fallback to a simulator
        assert notify.service.sms is not None and notify.service.sms.cfg.sms_url == "http://127.0.0.1:9"
        async with portal_client(hub) as client:
            await log_in(client, "vanhanh")
            assert (await client.get("/api/notify/simulators")).json() == {
                "embedded": False,
                "folder": None,
                "addresses": {},
            }
            page = await client.get("/simulator-inbox")
            assert "đang nối tới máy chủ thật" in page.text
