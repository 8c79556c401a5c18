"""A citizen who opens an address the public site does not have gets the public site's own page in
Vietnamese with the way home, never a raw JSON error; scripts asking for JSON still get JSON."""

from __future__ import annotations

from handlers.complaints import ComplaintsModule
from tests.handlers.intake.harness import Api, StartHub

HTML = {"Accept": "text/html,application/xhtml+xml"}


async def test_an_unknown_public_address_answers_a_vietnamese_page(module_hub: StartHub) -> None:
    hub = await module_hub([ComplaintsModule()], ["handlers.complaints"])
    api = Api(hub)
    try:
        for path in ("/public/khong-co-trang-nay", "/public/complaints/xyz/abc"):
            page = await api.client.get(path, headers=HTML)
            assert page.status_code == 404
            assert page.headers["content-type"].startswith("text/html")
            assert "Không tìm thấy trang" in page.text and 'href="/public/"' in page.text
            assert '{"detail"' not in page.text and "Not Found" not in page.text
        wrong = await api.client.put("/public/gui-don", headers=HTML)
        assert wrong.status_code == 405 and "mã lỗi 405" in wrong.text
        assert "Method Not Allowed" not in wrong.text

        as_json = await api.client.get("/public/khong-co-trang-nay", headers={"Accept": "application/json"})
        assert as_json.status_code == 404 and as_json.json() == {"detail": "Not Found"}
    finally:
        await api.client.aclose()
