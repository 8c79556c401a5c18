"""Render the visible signature appearances (Decree 30) as a one-page PDF and wrap it as a pyHanko stamp."""

from __future__ import annotations

import binascii
import io
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from fpdf import FPDF
from pyhanko.pdf_utils import content
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.stamp import StaticStampStyle

SIGNATURE_BLUE = (0, 51, 153)
SEAL_RED = (200, 16, 46)
BLACK = (0, 0, 0)
MIN_READABLE = 6.0  # points; smaller lines are wrapped rather than shrunk further


@dataclass(frozen=True)
class Fonts:
    """Regular and bold Unicode TrueType fonts able to show Vietnamese diacritics."""

    regular: Path
    bold: Path


def vietnamese_date_line(place: str, day: date) -> str:
    """Return the Decree 30 date line, e.g. 'Hà Nội, ngày 05 tháng 3 năm 2026'."""
    day_text = f"{day.day:02d}" if day.day < 10 else str(day.day)
    month_text = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day_text} tháng {month_text} năm {day.year}"


def signing_time_text(moment: datetime) -> str:
    """Return the signing time as shown in stamps, with the UTC offset."""
    offset = moment.strftime("%z")
    return f"{moment:%d/%m/%Y %H:%M:%S} {offset[:3]}:{offset[3:]}"


class _Canvas:
    def __init__(self, width: float, height: float, fonts: Fonts) -> None:
        self.width, self.height = width, height
        pdf = FPDF(unit="pt", format=(width, height))
        pdf.set_auto_page_break(False)
        pdf.set_margins(0, 0, 0)
        pdf.add_font("Stamp", "", str(fonts.regular))
        pdf.add_font("Stamp", "B", str(fonts.bold))
        pdf.add_page()
        self.pdf = pdf

    def line(
        self,
        text: str,
        top: float,
        size: float,
        *,
        bold: bool = False,
        color: tuple[int, int, int] = BLACK,
        left: float = 0.0,
        width: float | None = None,
    ) -> float:
        """Write one centred line, shrinking the font until it fits; return the next top.

        A line that would shrink below MIN_READABLE points is split at the middle space instead.
        """
        width = (self.width - left) if width is None else width
        style = "B" if bold else ""
        self.pdf.set_font("Stamp", style, size)
        if " " in text and self.pdf.get_string_width(text) * MIN_READABLE / size > width - 4:
            spaces = [i for i, ch in enumerate(text) if ch == " "]
            cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
            top = self.line(text[:cut], top, size, bold=bold, color=color, left=left, width=width)
            return self.line(text[cut + 1 :], top, size, bold=bold, color=color, left=left, width=width)
        while size > 4 and self.pdf.get_string_width(text) > width - 4:
            size -= 0.25
            self.pdf.set_font("Stamp", style, size)
        self.pdf.set_text_color(*color)
        self.pdf.set_xy(left, top)
        self.pdf.cell(width, size * 1.2, text, align="C")
        return top + size * 1.25

    def image(self, path: Path, x: float, y: float, w: float, h: float) -> None:
        self.pdf.image(str(path), x=x, y=y, w=w, h=h, keep_aspect_ratio=True)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def approval_appearance(
    *,
    width: float,
    height: float,
    fonts: Fonts,
    position: str,
    full_name: str,
    signed_at: datetime,
    signature_image: Path | None,
) -> bytes:
    """Draw the approver's stamp: position, signature image, full name, signing time."""
    c = _Canvas(width, height, fonts)
    unit = height / 8
    top = 2.0
    for part in position.upper().splitlines():  # e.g. "KT. GIÁM ĐỐC" then "PHÓ GIÁM ĐỐC"
        top = c.line(part, top, min(unit, 11), bold=True)
    name_top = height - unit * 2.6
    if signature_image is not None:
        c.image(signature_image, width * 0.15, top, width * 0.7, max(name_top - top - 2, 1))
    c.line(full_name, name_top, min(unit, 11), bold=True)
    c.line(f"Ký số: {signing_time_text(signed_at)}", height - unit * 1.25, min(unit * 0.75, 8))
    return c.output()


def issue_appearance(
    *,
    width: float,
    height: float,
    fonts: Fonts,
    organisation: str,
    document_number: str,
    date_line: str,
    signed_at: datetime,
    seal_image: Path | None,
) -> bytes:
    """Draw the organisation's issuing stamp: seal, number, date line, organisation, signing time."""
    c = _Canvas(width, height, fonts)
    left = 0.0
    if seal_image is not None:
        side = min(height, width * 0.4)
        c.image(seal_image, 0, (height - side) / 2, side, side)
        left = side + 2
    unit = min(height / 8, 9)
    top = 1.0
    top = c.line(f"Số: {document_number}", top, unit, bold=True, left=left)
    top = c.line(date_line, top, unit, left=left)
    top = c.line(organisation, top, unit, bold=True, color=SEAL_RED, left=left)
    c.line(f"Ký số: {signing_time_text(signed_at)}", top, unit * 0.85, left=left)
    return c.output()


class ImportedPdfBytes(content.PdfContent):
    """Import the first page of an in-memory PDF as a form XObject."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        super().__init__()

    def render(self) -> bytes:
        writer = self._ensure_writer
        reader = PdfFileReader(io.BytesIO(self.data))
        xobj = writer.import_page_as_xobject(reader, page_ix=0)
        name = "/Import" + binascii.hexlify(uuid.uuid4().bytes).decode("ascii")
        self.resources.xobject[name] = xobj
        x1, y1, x2, y2 = xobj.get_object()["/BBox"]
        self.box = BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return name.encode("ascii") + b" Do"


def stamp_style(appearance_pdf: bytes) -> StaticStampStyle:
    """Wrap a rendered appearance as a borderless pyHanko stamp style."""
    return StaticStampStyle(
        background=ImportedPdfBytes(appearance_pdf), border_width=0, background_opacity=1.0
    )
