"""A notice as a PDF page: fpdf2 with a CJK serif font embedded (subset).

Why fpdf2: it embeds OpenType/CFF fonts, so Debian's Noto Serif CJK SC (the 宋体 look of
official documents, package ``fonts-noto-cjk``, installed by the Makefile) is used as it
is; reportlab embeds TrueType outlines only, which would mean shipping a second, plainer
CJK font.  fpdf2 is pure Python (plus fontTools and Pillow) and subsets the font, so a
notice is about 20 KB.

``GOVFLOW_NOTICE_FONT`` names another font file (``path`` or ``path#index`` for a
collection) where the Noto fonts are not installed.

fpdf2 and fontTools (with Pillow and cryptography behind them, ~33 MB) are imported on the
first rendering, not at start: a notice is issued inside its deciding command, but its PDF
is rendered only when someone downloads it, and most worker processes never do
(tests/test_lazy_imports.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

#: Where Debian (fonts-noto-cjk, fonts-wqy-microhei) puts a usable CJK face.
CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
RED = (200, 16, 46)
SEAL_RADIUS = 21.0  # mm: the 42 mm round seal of an agency


class NoticeFontMissing(RuntimeError):
    """No CJK font to embed: install fonts-noto-cjk (``make install``) or set
    GOVFLOW_NOTICE_FONT."""


@dataclass(frozen=True)
class Font:
    path: str
    index: int  # the face of a collection (.ttc)


def _simplified_chinese_face(path: str) -> int:
    """The index of the Simplified Chinese face of a collection (SC), else 0."""
    if not path.lower().endswith((".ttc", ".otc")):
        return 0
    from fontTools.ttLib import TTCollection

    for index, face in enumerate(TTCollection(path, lazy=True).fonts):
        family = str(face["name"].getDebugName(1) or "")
        if family.endswith(" SC") or "MicroHei" in family:
            return index
    return 0


@cache
def notice_font() -> Font:
    configured = os.environ.get("GOVFLOW_NOTICE_FONT", "").strip()
    if configured:
        path, _, index = configured.partition("#")
        if not Path(path).is_file():
            raise NoticeFontMissing(f"GOVFLOW_NOTICE_FONT names no file: {path}")
        return Font(path, int(index) if index.isdigit() else _simplified_chinese_face(path))
    for path in CANDIDATES:
        if Path(path).is_file():
            return Font(path, _simplified_chinese_face(path))
    raise NoticeFontMissing(
        "no CJK font for notices: install fonts-noto-cjk (make install) or set GOVFLOW_NOTICE_FONT"
    )


@dataclass(frozen=True)
class Page:
    department_name: str
    number: str
    title: str
    paragraphs: list[str]
    date_text: str  # 二〇二六年十一月三十日 or 2026年11月30日


def render(page: Page) -> bytes:
    from fpdf import FPDF

    font = notice_font()
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_creator("govflow")
    pdf.set_title(f"{page.title} {page.number}")
    pdf.set_margins(25, 25, 25)
    pdf.set_auto_page_break(True, margin=25)
    pdf.add_font("cjk", fname=font.path, collection_font_number=font.index)
    pdf.add_page()
    # 红头: the issuing department in red, a red rule, the number under it
    pdf.set_text_color(*RED)
    pdf.set_font("cjk", size=22)
    pdf.cell(0, 14, page.department_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.8)
    pdf.line(25, pdf.get_y() + 2, 185, pdf.get_y() + 2)
    pdf.ln(6)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("cjk", size=12)
    pdf.cell(0, 8, page.number, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("cjk", size=20)
    pdf.cell(0, 12, page.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("cjk", size=13)
    for i, paragraph in enumerate(page.paragraphs):
        # the salutation stands alone; the body is indented two characters
        indent = "" if i == 0 else "\u3000\u3000"
        # Chinese has no spaces to break at: wrap at any character, so the indent never
        # stands alone on a line of its own
        pdf.multi_cell(0, 8, indent + paragraph, new_x="LMARGIN", new_y="NEXT", wrapmode="CHAR")
        pdf.ln(1)
    pdf.ln(14)
    if pdf.get_y() > 297 - 25 - 50:
        pdf.add_page()
    top = pdf.get_y()
    pdf.cell(0, 8, page.department_name, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, page.date_text, align="R", new_x="LMARGIN", new_y="NEXT")
    _seal(pdf, centre_x=185 - 28, centre_y=top + 8, department=page.department_name)
    return bytes(pdf.output())


def _seal(pdf: FPDF, centre_x: float, centre_y: float, department: str) -> None:
    """The e-seal placeholder: a red ring, a star, the department and 「电子印章（样）」.
    A real deployment signs the PDF with the department's seal certificate instead."""
    pdf.set_draw_color(*RED)
    pdf.set_text_color(*RED)
    pdf.set_line_width(1.2)
    r = SEAL_RADIUS
    pdf.ellipse(centre_x - r, centre_y - r, 2 * r, 2 * r)
    pdf.set_fill_color(*RED)
    pdf.star(centre_x, centre_y - 2, 6, 2.4, 5, rotate_degrees=-90, style="F")
    pdf.set_font("cjk", size=8 if len(department) > 8 else 10)
    pdf.set_xy(centre_x - r, centre_y - r + 8)
    pdf.cell(2 * r, 5, department, align="C")
    pdf.set_font("cjk", size=7)
    pdf.set_xy(centre_x - r, centre_y + 7)
    pdf.cell(2 * r, 4, "电子印章（样）", align="C")
    pdf.set_text_color(0, 0, 0)
