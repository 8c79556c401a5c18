"""Check that a stamp box lies on the page, over no text, image or drawing, and over no other annotation."""

from __future__ import annotations

import io
from collections.abc import Iterator

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTComponent, LTCurve, LTImage, LTItem, LTLayoutContainer, LTPage
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pyhanko.pdf_utils.reader import PdfFileReader

from schemas.signing import SigningStage, StampBox

Rect = tuple[float, float, float, float]


class PlacementError(ValueError):
    """The requested stamp box cannot be used; the message says why in English and Vietnamese."""

    def __init__(self, en: str, vi: str) -> None:
        super().__init__(f"{en} / {vi}")
        self.en, self.vi = en, vi


def overlaps(box: StampBox, other: Rect) -> bool:
    """Tell whether the box intersects another rectangle (x1, y1, x2, y2) with non-zero area."""
    ox1, oy1, ox2, oy2 = other
    return min(box.x2, ox2) > max(box.x1, ox1) and min(box.y2, oy2) > max(box.y1, oy1)


def _fmt(r: Rect) -> str:
    return "(" + ", ".join(f"{v:.0f}" for v in r) + ")"


def _contains(outer: Rect, inner: Rect) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and outer[2] >= inner[2] and outer[3] >= inner[3]


def _walk(item: LTItem) -> Iterator[LTItem]:
    yield item
    if isinstance(item, LTLayoutContainer) or hasattr(item, "__iter__"):
        for child in item:  # type: ignore[attr-defined]
            yield from _walk(child)


def _pages(data: bytes, page_index: int) -> Iterator[LTPage]:
    """The page's content as laid down (characters, images, drawings), without layout analysis: grouping
    characters into lines and boxes costs most of the time and changes nothing about what lies where."""
    resources = PDFResourceManager()
    device = PDFPageAggregator(resources, laparams=None)
    interpreter = PDFPageInterpreter(resources, device)
    for page in PDFPage.get_pages(io.BytesIO(data), pagenos=[page_index]):
        interpreter.process_page(page)
        yield device.get_result()


def content_in_box(data: bytes, page_index: int, box: StampBox) -> tuple[str, Rect] | None:
    """Return the kind and bounds of the first page content found inside the box, if any."""
    mine: Rect = (box.x1, box.y1, box.x2, box.y2)
    for page in _pages(data, page_index):
        for item in _walk(page):
            if not isinstance(item, LTComponent) or item is page:
                continue
            bounds: Rect = (item.x0, item.y0, item.x1, item.y1)
            if isinstance(item, LTChar):
                if item.get_text().strip() and overlaps(box, bounds):
                    return "text", bounds
            elif isinstance(item, LTImage):
                if overlaps(box, bounds):
                    return "image", bounds
            elif isinstance(item, LTCurve) and overlaps(box, bounds) and not _contains(bounds, mine):
                return "drawing", bounds
    return None


def check_placement(data: bytes, box: StampBox, stage: SigningStage) -> None:
    """Refuse a box off the page, over page content, or over an annotation it may not cover.

    The organisation's issuing stamp may cover the approver's signature widget (Decree 30 puts
    the seal over the left third of the signer's image); an approval stamp may not.
    """
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    pages = reader.root["/Pages"]["/Count"]
    if box.page > pages:
        raise PlacementError(
            f"page {box.page} does not exist, the document has {pages} page(s)",
            f"trang {box.page} không tồn tại, văn bản có {pages} trang",
        )
    page = reader.find_page_for_modification(box.page - 1)[0].get_object()  # type: ignore[no-untyped-call]
    holder = page
    while "/MediaBox" not in holder and "/Parent" in holder:
        holder = holder["/Parent"].get_object()
    mx1, my1, mx2, my2 = (float(v) for v in holder["/MediaBox"])
    if box.x1 < mx1 or box.y1 < my1 or box.x2 > mx2 or box.y2 > my2:
        raise PlacementError(
            f"stamp box {_fmt((box.x1, box.y1, box.x2, box.y2))} lies outside page {box.page} "
            f"{_fmt((mx1, my1, mx2, my2))}",
            f"ô chữ ký nằm ngoài trang {box.page}",
        )
    for annot_ref in page.get("/Annots", []):
        annot = annot_ref.get_object()
        rect: Rect = tuple(float(v) for v in annot.get("/Rect", [0, 0, 0, 0]))  # type: ignore[assignment]
        if not overlaps(box, rect):
            continue
        is_signature = annot.get("/FT") == "/Sig" or (
            "/Parent" in annot and annot["/Parent"].get_object().get("/FT") == "/Sig"
        )
        if is_signature and stage is SigningStage.ISSUE:
            continue
        what = "signature field" if is_signature else f"annotation {annot.get('/Subtype', '?')}"
        raise PlacementError(
            f"stamp box overlaps an existing {what} at {_fmt(rect)} on page {box.page}",
            f"ô chữ ký đè lên {'chữ ký' if is_signature else 'chú thích'} đã có trên trang {box.page}",
        )
    found = content_in_box(data, box.page - 1, box)
    if found is not None:
        kind, bounds = found
        vi_kind = {"text": "chữ", "image": "hình ảnh", "drawing": "hình vẽ"}[kind]
        raise PlacementError(
            f"stamp box overlaps page content ({kind} at {_fmt(bounds)}) on page {box.page}",
            f"ô chữ ký đè lên nội dung văn bản ({vi_kind}) trên trang {box.page}",
        )
