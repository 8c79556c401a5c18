"""Every staff page with every module loaded: pages render the modules' real answers for each role."""

from __future__ import annotations

import importlib
from pathlib import Path

from hub.core import module as core
from hub.embedded import NatsServer
from hub.migrate import aupgrade
from hub.runtime import Hub
from lienthong.seed import seed_demo
from tests.hub.conftest import make_settings, nats  # noqa: F401
from tests.portal.staff.conftest import PASSWORD, client_of, login, staff_app
from tests.portal.staff.test_home_counts import tiles
from tests.portal.staff.test_pages import PAGES

ALL = [
    "handlers.documents",
    "handlers.tasks",
    "handlers.meetings",
    "handlers.timekeeping",
    "handlers.evaluation",
    "handlers.complaints",
    "handlers.projects",
    "handlers.intake",
    "handlers.messaging",
    "adapters.notify",
]


async def test_pages_render_with_every_module(nats: NatsServer, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'all.db'}"
    await aupgrade(url, ALL)
    modules = [importlib.import_module(name).module for name in ALL]
    hub = Hub(make_settings(tmp_path, url, secret_key="s" * 40), modules=[core, *modules])
    await seed_demo(hub.db, PASSWORD)
    await hub.start([nats.url])
    try:
        app = staff_app(hub)
        for user in ("vanthu", "giamdoc", "truongphongth", "chuyenvien"):
            async with client_of(app) as client:
                csrf = await login(client, user)
                for page in PAGES:
                    answer = await client.get(page)
                    assert answer.status_code == 200, (user, page, answer.text[:300])
                    assert "Chưa có dữ liệu: chức năng này chưa sẵn sàng" not in answer.text, (user, page)
                sent = await client.post(
                    "/staff/tin-nhan",
                    data={
                        "csrf_token": csrf,
                        "to": "chuyenvien2",
                        "subject": "Họp giao ban",
                        "body": "Chiều nay 14 giờ",
                    },
                )
                assert "ok=" in sent.headers["location"], sent.headers["location"]
        async with client_of(app) as other:
            await login(other, "chuyenvien2")
            inbox = await other.get("/staff/tin-nhan")
            assert "Họp giao ban" in inbox.text and "Chiều nay 14 giờ" in inbox.text
            leave = await other.post(
                "/staff/cham-cong/nghi-phep",
                data={
                    "csrf_token": other.headers["X-CSRF-Token"],
                    "kind": "annual",
                    "start": "2030-12-03",
                    "end": "2030-12-04",
                    "reason": "Việc gia đình",
                },
            )
            assert "ok=" in leave.headers["location"], leave.headers["location"]
            sheet = await other.get("/staff/cham-cong")
            assert "Nghỉ phép" in sheet.text and "03/12/2030" in sheet.text

        # a citizen files on the public form: the clerk's first screen counts it and links to it
        form = {
            "subject": "Phản ánh việc niêm yết thủ tục chưa đầy đủ",
            "content": "Bảng niêm yết tại Bộ phận một cửa thiếu mẫu đơn đề nghị điều chỉnh dự án.",
            "submitter": {"name": "Trần Văn Khoa", "email": "khoa@example.vn"},
        }
        async with client_of(app) as citizen:
            assert (await citizen.post("/public/complaints/web-form", json=form)).status_code == 201
        async with client_of(app) as clerk:
            await login(clerk, "vanthu")
            counts = tiles((await clerk.get("/staff/")).text)
            count, href = counts["Đơn thư mới tiếp nhận"]
            assert count == 1 and form["subject"] in (await clerk.get(href)).text
            assert counts["Hồ sơ một cửa mới"][0] == 0  # none filed at the counter yet
    finally:
        await hub.stop()
