"""Citizens and businesses (not staff accounts) are told by SMS and e-mail, once per fact."""

from __future__ import annotations

import asyncio
from pathlib import Path

from adapters.notify import NotifyModule
from adapters.notify.settings import NotifySettings
from adapters.notify.simulator import ChannelSimulator
from hub.embedded import NatsServer
from hub.runtime import wait_for
from tests.adapters.notify.harness import Mailbox, SmtpServer, hubs
from tests.adapters.notify.test_channels import WAIT, rows


async def test_applicant_and_submitter_notices_go_out_once_by_sms_and_mail(
    nats: NatsServer,
    tmp_path: Path,
    notify_config: NotifySettings,
    sms: ChannelSimulator,
    smtp: SmtpServer,
    mailbox: Mailbox,
) -> None:
    async with hubs(nats.url, tmp_path) as start:
        hub = await start([NotifyModule(notify_config)], ["adapters.notify"])
        dossier = {
            "code": "000.00.00.H26-261128-0007",
            "name": "Công ty TNHH Sông Hồng",
            "phone": "0912345678",
            "email": "songhong@example.vn",
            "title": "Hồ sơ 000.00.00.H26-261128-0007 được hẹn lại ngày trả kết quả",
            "body": "Sở Kế hoạch và Đầu tư xin lỗi vì hồ sơ chậm; ngày hẹn mới là 03/12/2026.",
            "dedup_key": "intake:000.00.00.H26-261128-0007:mau04",
        }
        await hub.publish("intake.citizen_notification_requested", dossier, source="intake")
        await hub.publish("intake.citizen_notification_requested", dossier, source="intake")  # repeated
        complaint = {
            "number": "KN-2026-0042",
            "name": "Nguyễn Thị Bình",
            "phone": None,
            "email": "binh@example.vn",
            "title": "Đơn khiếu nại KN-2026-0042 đã được thụ lý",
            "body": "Đơn của bà đã được thụ lý ngày 28/11/2026.",
            "dedup_key": "complaint:KN-2026-0042:accepted",
        }
        await hub.publish("complaint.submitter_notification_requested", complaint, source="complaints")

        async def all_sent() -> bool:
            sent = [r for r in await rows(hub) if r.status == "sent"]
            return len(sent) == 3

        assert await wait_for(all_sent, timeout=WAIT)
        await asyncio.sleep(1.0)  # more dispatcher rounds: nothing goes out twice
        assert [m["to"] for m in sms.received] == ["84912345678"]
        assert "được hẹn lại ngày trả kết quả" in sms.received[0]["text"]
        assert len(mailbox.to("songhong@example.vn")) == 1
        [mail] = mailbox.to("binh@example.vn")
        assert mail["Subject"] == "Đơn khiếu nại KN-2026-0042 đã được thụ lý"
        assert {r.issue for r in await rows(hub)} == {"000.00.00.H26-261128-0007", "KN-2026-0042"}
