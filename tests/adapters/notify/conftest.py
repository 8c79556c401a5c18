"""Fixtures: a private nats-server, TLS SMTP server, SMS and Zalo simulators, notify config."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from adapters.notify.settings import NotifySettings
from adapters.notify.simulator import ChannelSimulator
from tests.adapters.notify.harness import Mailbox, SmtpServer, make_tls_pair
from tests.hub.conftest import nats  # noqa: F401


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def smtp(tmp_path: Path, mailbox: Mailbox) -> Iterator[SmtpServer]:
    cert, key = make_tls_pair(tmp_path / "pki")
    server = SmtpServer(mailbox, cert, key)
    server.start()
    server.cert = cert  # type: ignore[attr-defined]
    yield server
    server.stop()


@pytest.fixture
async def sms() -> AsyncIterator[ChannelSimulator]:
    sim = await ChannelSimulator("sms").start()
    yield sim
    await sim.stop()


@pytest.fixture
async def zalo() -> AsyncIterator[ChannelSimulator]:
    sim = await ChannelSimulator("zalo").start()
    yield sim
    await sim.stop()


@pytest.fixture
def notify_config(smtp: SmtpServer, sms: ChannelSimulator, zalo: ChannelSimulator) -> NotifySettings:
    return NotifySettings(
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_tls="starttls",
        smtp_ca_file=smtp.cert,  # type: ignore[attr-defined]
        smtp_timeout=5,
        sms_url=sms.url,
        sms_api_key=sms.secret,
        zalo_url=zalo.url,
        zalo_access_token=zalo.secret,
        http_timeout=3,
        poll_seconds=0.3,
        retry_base_seconds=0.2,
        retry_max_seconds=1.0,
        lease_seconds=60,
    )
