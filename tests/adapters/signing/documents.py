"""Build test documents: a Decree 30 style decision (fpdf2, DejaVu) and signature and seal PNGs (Pillow)."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw

from schemas.signing import StampBox

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# Boxes in PDF points (origin bottom-left) on an A4 page (595 x 842) left empty by decision_pdf().
LEADER_BOX = (330.0, 330.0, 540.0, 440.0)
DEPUTY_BOX = (60.0, 330.0, 270.0, 440.0)
CLERK_BOX = (275.0, 350.0, 415.0, 420.0)  # covers the left third of the leader's stamp, as the seal does
BODY_BOX = (80.0, 600.0, 300.0, 700.0)  # over the body text


def box(rect: tuple[float, float, float, float], page: int = 1) -> StampBox:
    """Return a StampBox for a rectangle of this module."""
    return StampBox(page=page, x1=rect[0], y1=rect[1], x2=rect[2], y2=rect[3])


def decision_pdf(path: Path | None = None, pages: int = 1) -> bytes:
    """Return a one-page decision with Vietnamese text and an empty signing area at the bottom."""
    pdf = FPDF(unit="pt", format="A4")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(False)
    for n in range(pages):
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 11)
        pdf.set_xy(40, 40)
        pdf.cell(250, 14, "UBND THÀNH PHỐ HÀ NỘI", align="C")
        pdf.set_xy(300, 40)
        pdf.cell(260, 14, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C")
        pdf.set_xy(40, 56)
        pdf.cell(250, 14, "SỞ KẾ HOẠCH VÀ ĐẦU TƯ", align="C")
        pdf.set_xy(300, 56)
        pdf.cell(260, 14, "Độc lập - Tự do - Hạnh phúc", align="C")
        pdf.set_font("DejaVu", "B", 14)
        pdf.set_xy(40, 120)
        pdf.cell(515, 18, "QUYẾT ĐỊNH", align="C")
        pdf.set_font("DejaVu", "", 11)
        pdf.set_xy(60, 150)
        pdf.multi_cell(
            475,
            16,
            "Về việc phê duyệt kế hoạch đầu tư công trung hạn giai đoạn 2026-2030. "
            "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư; "
            f"xét đề nghị của Trưởng phòng Tổng hợp, quy hoạch (trang {n + 1}).",
        )
        pdf.set_xy(60, 260)
        pdf.multi_cell(
            475,
            16,
            "Điều 1. Phê duyệt kế hoạch kèm theo Quyết định này.\n"
            "Điều 2. Quyết định có hiệu lực kể từ ngày ký.",
        )
        pdf.set_xy(60, 700)
        pdf.set_font("DejaVu", "", 9)
        pdf.multi_cell(200, 12, "Nơi nhận:\n- Như Điều 2;\n- Lưu: VT, TH.")
    data = bytes(pdf.output())
    if path is not None:
        path.write_bytes(data)
    return data


def signature_png(path: Path) -> Path:
    """Draw a blue, transparent handwritten-like signature."""
    img = Image.new("RGBA", (400, 160), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    points = [(20, 120), (80, 30), (120, 130), (170, 40), (220, 120), (280, 50), (330, 110), (380, 60)]
    draw.line(points, fill=(0, 51, 153, 255), width=7, joint="curve")
    img.save(path)
    return path


def seal_png(path: Path) -> Path:
    """Draw a red, transparent round seal."""
    img = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    red = (200, 16, 46, 230)
    draw.ellipse((8, 8, 292, 292), outline=red, width=12)
    draw.ellipse((50, 50, 250, 250), outline=red, width=5)
    draw.regular_polygon((150, 150, 50), n_sides=5, fill=red)
    img.save(path)
    return path
