"""The agency code the axes know us by: a malformed one fails /healthz, the province's level-1 code
alone (the development default) is a warning an operator sees on the overview, the Department's own
level-2 code is fine."""

from __future__ import annotations

from portal.ops.health import health
from tests.portal.ops.conftest import PortalHub, login
from tests.portal.ops.test_api import client_for


async def test_the_agency_code_is_checked_and_a_province_code_is_a_visible_warning(
    portal_hub: PortalHub,
) -> None:
    settings = portal_hub.hub.settings
    settings.agency_code = "000.00.00.H26"
    async with client_for(portal_hub) as c:
        report = (await c.get("/healthz")).json()
        agency = report["checks"]["agency"]
        assert agency["ok"] and "mã cấp 1 của tỉnh" in agency["warning"]
        await login(c, "vanhanh")
        page = await c.get("/")
        assert page.status_code == 200 and "LIENTHONG_AGENCY_CODE" in page.text

    settings.agency_code = "000.00.12.H26"  # a level-2 unit of the city
    report = await health(portal_hub.hub, use_cache=False)
    assert report["checks"]["agency"] == {"ok": True, "agency_code": "000.00.12.H26"}

    settings.agency_code = "so kh-dt hà nội"
    report = await health(portal_hub.hub, use_cache=False)
    assert not report["ok"] and "không đúng quy cách" in report["checks"]["agency"]["error"]
