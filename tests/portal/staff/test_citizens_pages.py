"""The staff pages of complaints, one-stop dossiers and investment projects, on a real hub.

Cases: the list by deadline, an officer of another unit kept out (404, nothing changed), a denouncer
withheld from the clerk's pages, the statistics equal to counts made here. One-stop: a dossier received
at the counter, one supplement request listing everything, no second one. Projects: an import with bad
rows names each of them and writes nothing, a good one registers, statistics add up, export.
"""

from __future__ import annotations

import io
import re
from collections import Counter

from openpyxl import load_workbook

from handlers.projects.generator import generate
from handlers.projects.xlsx import write
from tests.hub.conftest import nats  # noqa: F401
from tests.portal.staff.citizens import Citizens, citizens, client_of, form_post, login, pdf, png  # noqa: F401

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RECEIPT = re.compile(r'id="ma-tiep-nhan">([^<]+)<')
DENOUNCER = "Lương Thị Bích"


def form(kind: str, subject: str, name: str = "Nguyễn Văn Cường", **extra: str) -> dict[str, str]:
    return {
        "kind": kind,
        "name": name,
        "phone": "0912 777 888",
        "address": "Số 3 Láng Hạ, Đống Đa, Hà Nội",
        "subject": subject,
        "content": "Nội dung trình bày chi tiết của người gửi đơn, đủ để xem xét.",
        "consent": "1",
        **extra,
    }


async def test_case_pages_access_and_statistics(citizens: Citizens) -> None:
    app = citizens.app
    async with client_of(app) as public:
        kinds = ["khieu_nai", "phan_anh", "kien_nghi", "phan_anh"]
        for i, kind in enumerate(kinds):
            r = await public.post(
                "/public/gui-don",
                data=form(
                    kind,
                    f"Đơn thứ {i} về thủ tục đăng ký đầu tư",
                    decision_known_on="2026-01-01" if i == 0 else "",
                ),
                files=[("files", ("giay-to.pdf", pdf(), "application/pdf"))],
            )
            assert r.status_code == 200, r.text
        r = await public.post(
            "/public/gui-don",
            data=form("to_cao", "Tố cáo cán bộ Phòng Đăng ký đầu tư", name=DENOUNCER),
            files=[("files", ("anh.png", png(), "image/png"))],
        )
        assert r.status_code == 200
    async with client_of(app) as clerk, client_of(app) as leader, client_of(app) as outsider:
        await login(clerk, "vanthu")
        await login(leader, "giamdoc")
        await login(outsider, "chuyenvien2")
        page = await clerk.get("/staff/khieu-nai")
        assert page.status_code == 200 and "5 đơn" in page.text and DENOUNCER not in page.text
        assert "Được giữ bí mật" in page.text and "dl-on_time" in page.text
        cases = (await leader.get("/api/complaints/cases")).json()["items"]
        denunciation = next(c for c in cases if c["kind"] == "to_cao")
        complaint = next(c for c in cases if c["kind"] == "khieu_nai")
        clerk_view = await clerk.get(f"/staff/khieu-nai/{denunciation['id']}")
        assert (
            clerk_view.status_code == 200
            and DENOUNCER not in clerk_view.text
            and 'id="bao-mat"' in clerk_view.text
        )
        assert "/tep/0" not in clerk_view.text  # the denouncer's files are not offered
        leader_view = await leader.get(f"/staff/khieu-nai/{denunciation['id']}")
        assert DENOUNCER in leader_view.text

        # the leader accepts the complaint for TH; an officer of DNDT cannot open it nor add to it
        r = await form_post(
            leader,
            f"/staff/khieu-nai/{complaint['id']}/thu-ly",
            {
                "unit_id": "TH",
                "complexity": "normal",
                "decision_known_on": "2026-01-01",
                "limitation_excuse": "Đi công tác nước ngoài dài ngày.",
            },
        )
        assert r.status_code == 303 and "ok=" in r.headers["location"], r.headers["location"]
        before = (await leader.get(f"/api/complaints/cases/{complaint['id']}")).json()
        assert before["status"] == "accepted" and before["unit_id"] == "TH"
        hidden = await outsider.get(f"/staff/khieu-nai/{complaint['id']}")
        assert hidden.status_code == 404 and "Đơn thứ 0" not in hidden.text
        posted = await form_post(
            outsider, f"/staff/khieu-nai/{complaint['id']}/ghi-chu", {"text": "Không được phép"}
        )
        assert posted.status_code == 303 and "loi=" in posted.headers["location"]
        assert (await outsider.get(f"/staff/khieu-nai/{complaint['id']}/tep/0")).status_code == 404
        listing = await outsider.get("/staff/khieu-nai")
        assert "Đơn thứ 0" not in listing.text
        after = (await leader.get(f"/api/complaints/cases/{complaint['id']}")).json()
        assert after == before

        # statistics: the page's figures equal counts made here; the export opens in a spreadsheet
        year = before["received_on"][:4]
        stats = await leader.get(f"/staff/khieu-nai/thong-ke?tu={year}-01-01&den={year}-12-31")
        assert re.search(r'id="tong-so">5<', stats.text)
        want = Counter(["Khiếu nại", "Phản ánh", "Kiến nghị", "Phản ánh", "Tố cáo"])
        for label, n in want.items():
            assert re.search(rf"<th scope=\"row\">{label}</th>\s*<td>{n}</td>", stats.text), label
        assert "Phòng Tổng hợp, Quy hoạch" in stats.text  # units by name, not by id
        xlsx = await leader.get(f"/staff/khieu-nai/thong-ke.xlsx?tu={year}-01-01&den={year}-12-31")
        sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
        rows = {r[0]: r[1] for r in sheet.iter_rows(min_row=2, values_only=True)}
        assert rows == dict(want)


async def test_one_stop_supplement_once_from_the_pages(citizens: Citizens) -> None:
    async with client_of(citizens.app) as clerk:
        await login(clerk, "vanthu")
        r = await form_post(
            clerk,
            "/staff/mot-cua/moi",
            {"procedure_code": "DT-01", "name": "Công ty TNHH Minh Long", "phone": "0243999888"},
            files=[("files", ("de-xuat.pdf", pdf("de xuat"), "application/pdf"))],
        )
        assert r.status_code == 303, r.text
        page_url = r.headers["location"].split("?")[0]
        code = page_url.rsplit("/", 1)[1]
        page = await clerk.get(page_url)
        assert "Mới tiếp nhận" in page.text and "Gửi yêu cầu bổ sung" in page.text
        items = (
            "Văn bản đề nghị thực hiện dự án\n- Đề xuất dự án đầu tư\n\n"
            "Bản sao báo cáo tài chính 2 năm gần nhất"
        )
        r = await form_post(clerk, f"{page_url}/bo-sung", {"items": items})
        assert "ok=" in r.headers["location"]
        page = await clerk.get(page_url)
        assert "<li>Đề xuất dự án đầu tư</li>" in page.text and "mau-02.pdf" in page.text
        assert (await clerk.get(f"{page_url}/mau-02.pdf")).headers["content-type"] == "application/pdf"
        await form_post(clerk, f"{page_url}/da-bo-sung", {"note": "Đã nộp đủ"})
        page = await clerk.get(page_url)
        assert "Gửi yêu cầu bổ sung" not in page.text and "Đã yêu cầu bổ sung một lần" in page.text
        second = await form_post(clerk, f"{page_url}/bo-sung", {"items": "Giấy tờ khác"})
        assert "loi=" in second.headers["location"]
        flash = await clerk.get(second.headers["location"])
        assert "chỉ yêu cầu bổ sung một lần" in flash.text
        listed = await clerk.get("/staff/mot-cua?q=Minh+Long")
        assert code in listed.text and "Mới tiếp nhận" in listed.text
    async with client_of(citizens.app) as citizen:
        public = await citizen.get(f"/public/tra-cuu-ho-so?ma={code}")
        assert public.status_code == 200 and "Minh Long" not in public.text and "Mới tiếp nhận" in public.text


async def test_project_import_names_every_bad_row_then_imports_and_adds_up(citizens: Citizens) -> None:
    projects = generate(40, seed=11)
    wb = load_workbook(io.BytesIO(write(projects)))
    ws = wb.worksheets[0]
    for row in (5, 9, 30):
        ws.cell(row=row, column=10, value=-1)
    ws.cell(row=12, column=3, value="Vốn lạ")
    broken = io.BytesIO()
    wb.save(broken)
    async with client_of(citizens.app) as head:
        await login(head, "truongphongdt")
        refused = await form_post(
            head, "/staff/du-an/nhap", {}, files=[("file", ("du-an.xlsx", broken.getvalue(), XLSX))]
        )
        assert refused.status_code == 422
        for row in (5, 9, 12, 30):
            assert f"<li>Dòng {row}" in refused.text, row
        assert "không dòng nào được ghi" in refused.text
        assert (await head.get("/api/projects")).json()["total"] == 0
        ok = await form_post(
            head, "/staff/du-an/nhap", {}, files=[("file", ("du-an.xlsx", write(projects), XLSX))]
        )
        assert ok.status_code == 303 and "ok=" in ok.headers["location"]
        listed = await head.get("/staff/du-an")
        assert "40 dự án" in listed.text and projects[0].code in listed.text
        fdi = [p for p in projects if p.funding == "FDI"]
        only_fdi = await head.get("/staff/du-an?funding=FDI")
        assert f"{len(fdi)} dự án" in only_fdi.text
        stats = await head.get("/staff/du-an/thong-ke")
        assert re.search(r'id="tong-du-an">40<', stats.text) and "<svg" in stats.text
        total = sum(p.contributed_vnd + p.mobilised_vnd for p in projects)
        shown = re.search(r'id="tong-von">([^<]+)<', stats.text).group(1)  # type: ignore[union-attr]
        assert float(shown.replace(".", "").replace(",", ".")) == round(total / 1e9, 1)
        by_year = Counter(p.first_issued_on.year for p in projects)
        for year, n in by_year.items():
            assert re.search(rf"<th scope=\"row\">{year}</th><td>{n}</td>", stats.text), year
        one = await head.get(f"/staff/du-an/{projects[0].code}")
        assert one.status_code == 200 and "Phiên bản 1: Đăng ký lần đầu" in one.text
        exported = await head.get("/staff/du-an/xuat.xlsx")
        sheet = load_workbook(io.BytesIO(exported.content), read_only=True).worksheets[0]
        assert sum(1 for _ in sheet.iter_rows(values_only=True)) == 41


async def test_the_handling_unit_issues_one_apology_when_late(citizens: Citizens) -> None:
    from datetime import date

    from kit.workcal import default_calendar

    app = citizens.app
    async with client_of(app) as clerk, client_of(app) as head, client_of(app) as other:
        await login(clerk, "vanthu")
        await login(head, "truongphongdt")
        await login(other, "truongphongth")
        r = await form_post(
            clerk,
            "/staff/mot-cua/moi",
            {"procedure_code": "DT-01", "name": "Công ty TNHH Ánh Dương", "accept": "1"},
        )
        page_url = r.headers["location"].split("?")[0]
        code = page_url.rsplit("/", 1)[1]
        r = await form_post(clerk, f"{page_url}/chuyen", {"unit_id": ""})  # the procedure's unit: DNDT
        assert "ok=" in r.headers["location"], r.headers["location"]
        page = await head.get(page_url)
        assert "Phòng Đăng ký đầu tư" in page.text and "Lập phiếu xin lỗi" in page.text
        due = date.fromisoformat((await head.get(f"/api/intake/dossiers/{code}")).json()["due_date"])
        new_date = default_calendar().add_working_days(due, 3).isoformat()
        reason = "Chờ ý kiến thẩm định của Sở Xây dựng"
        # the head of another unit may not apologise for DNDT's dossier (nor see it: back to the list)
        refused = await form_post(other, f"{page_url}/xin-loi", {"reason": reason, "new_due_date": new_date})
        assert "loi=" in refused.headers["location"]
        assert "Không tìm thấy hồ sơ" in (await other.get(refused.headers["location"])).text
        r = await form_post(head, f"{page_url}/xin-loi", {"reason": reason, "new_due_date": new_date})
        assert "ok=" in r.headers["location"], r.headers["location"]
        page = await head.get(page_url)
        assert "Lập phiếu xin lỗi" not in page.text and "mau-04.pdf" in page.text and "hẹn lại" in page.text
        assert (await head.get(f"{page_url}/mau-04.pdf")).content.startswith(b"%PDF")
        again = await form_post(head, f"{page_url}/xin-loi", {"reason": "Lần hai", "new_due_date": new_date})
        assert "chỉ được hẹn lại một lần" in (await head.get(again.headers["location"])).text
    async with client_of(app) as citizen:
        public = await citizen.get(f"/public/tra-cuu-ho-so?ma={code}")
        assert (
            "(đã hẹn lại)" in public.text and date.fromisoformat(new_date).strftime("%d/%m/%Y") in public.text
        )
