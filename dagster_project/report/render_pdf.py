"""The report as a print-ready PDF: A4 landscape, one page per area, laid out like the seed.

Missed cells carry their R/G letter next to the fill, so the report reads the same
printed in black and white. The creation date is the report month, so rendering the
same report twice gives the same bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF

from dagster_project.report import danish
from dagster_project.report.model import COLUMN_AREA, COLUMN_TARGET, Area, Report
from dagster_project.report.render_html import PALETTE
from dagster_project.report.response import SHARE_COLUMN, ResponseTable

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FONT_PACKAGE = "fonts-dejavu-core"
FAMILY = "DejaVuSans"

MARGIN = 10  # mm; the table's columns fill the 277 mm between the margins
LABEL_WIDTH = 62
TARGET_WIDTH = 17
MONTH_WIDTH = 16.5
ROW_HEIGHT = 5.5
TABLE_PT = 8
TEXT_PT = 9.5
LINE_HEIGHT = 5
HEADER_FILL = "#f2f2f2"
RULE_COLOUR = "#bfbfbf"
INK = "#1b1b1b"


class MissingFontError(RuntimeError):
    """The TrueType font for Danish letters and dashes is not installed."""


class _Document(FPDF):
    def __init__(self, report: Report) -> None:
        super().__init__(orientation="landscape", unit="mm", format="A4")
        self.running_title = f"{report.title} {danish.EN_DASH} {report.period}"

    def footer(self) -> None:
        self.set_y(-MARGIN)
        self.set_font(FAMILY, "", TABLE_PT)
        self.set_text_color(INK)
        # '{nb}' becomes the page count when the document is finished.
        self.cell(
            0,
            LINE_HEIGHT,
            f"{self.running_title} {danish.EN_DASH} side {self.page_no()} af {{nb}}",
            align="C",
        )


def render_pdf(report: Report) -> bytes:
    """The whole report as the bytes of a PDF file."""
    pdf = _Document(report)
    _add_fonts(pdf)
    pdf.set_margins(MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=2 * MARGIN)
    pdf.set_title(pdf.running_title)
    pdf.set_creator(report.title)
    pdf.set_lang("da-DK")
    pdf.set_creation_date(datetime(report.month.year, report.month.month, 1, tzinfo=UTC))
    pdf.set_draw_color(RULE_COLOUR)
    pdf.set_line_width(0.2)
    for index, area in enumerate(report.areas):
        pdf.add_page()
        if index == 0:
            _title_block(pdf, report)
        _area(pdf, report, area)
    return bytes(pdf.output())


def _add_fonts(pdf: FPDF) -> None:
    for style, name in FONT_FILES.items():
        path = FONT_DIR / name
        if not path.exists():
            raise MissingFontError(
                f"the PDF export needs the font {path}; install the Debian package {FONT_PACKAGE}"
            )
        pdf.add_font(FAMILY, style, str(path))


def _title_block(pdf: FPDF, report: Report) -> None:
    _line(pdf, report.title, 20, "B", height=10)
    _line(pdf, report.subtitle, 11, "B")
    _line(pdf, report.period, 11)
    pdf.ln(LINE_HEIGHT)


def _area(pdf: FPDF, report: Report, area: Area) -> None:
    _line(pdf, area.title, 14, "B", height=8)
    _line(pdf, area.table_heading, TEXT_PT, "B")
    pdf.ln(1)
    _table(pdf, report, area)
    pdf.ln(2)
    _paragraph(pdf, report.legend, TABLE_PT)
    pdf.ln(2)
    pdf.set_text_color(INK if area.satisfactory else PALETTE["red"][1])
    _paragraph(pdf, area.verdict, TEXT_PT, "B")
    pdf.set_text_color(INK)
    pdf.ln(2)
    _paragraph(pdf, area.notes_lead, TEXT_PT)
    for note in area.notes:
        pdf.ln(1)
        pdf.set_font(FAMILY, "B", TEXT_PT)
        pdf.write(LINE_HEIGHT, note.heading)
        pdf.set_font(FAMILY, "", TEXT_PT)
        pdf.write(LINE_HEIGHT, f" ({note.period}): {note.body}")
        pdf.ln()
    if area.note:
        pdf.ln(2)
        _paragraph(pdf, area.note, TEXT_PT)
    pdf.ln(2)
    _paragraph(pdf, area.counts.sentence, TEXT_PT)
    if area.response:
        pdf.ln(2)
        _response(pdf, area.response)


def _table(pdf: FPDF, report: Report, area: Area) -> None:
    pdf.set_fill_color(HEADER_FILL)
    _cell(pdf, LABEL_WIDTH, COLUMN_AREA, "L", "B", fill=True)
    _cell(pdf, TARGET_WIDTH, COLUMN_TARGET, "R", "B", fill=True)
    for label in report.month_labels:
        _cell(pdf, MONTH_WIDTH, label, "R", "B", fill=True)
    pdf.ln()
    for row in area.rows:
        _cell(pdf, LABEL_WIDTH, row.label, "L")
        _cell(pdf, TARGET_WIDTH, row.target_display, "R")
        for cell in row.cells:
            fill, ink = PALETTE.get(cell.colour or "", (None, INK))
            if fill:
                pdf.set_fill_color(fill)
            pdf.set_text_color(ink)
            _cell(pdf, MONTH_WIDTH, cell.text, "R", fill=fill is not None)
        pdf.set_text_color(INK)
        pdf.ln()
    if area.calls:
        _cell(pdf, LABEL_WIDTH, area.calls.label, "L")
        _cell(pdf, TARGET_WIDTH, area.calls.target_display, "R")
        for calls in area.calls.cells:
            _cell(pdf, MONTH_WIDTH, calls.display, "R")
        pdf.ln()


def _response(pdf: FPDF, table: ResponseTable) -> None:
    """The area's response times; the share filled by its verdict."""
    _line(pdf, table.heading, TEXT_PT, "B")
    pdf.ln(1)
    width = (pdf.epw - LABEL_WIDTH) / (len(table.columns) - 1)
    widths = (LABEL_WIDTH, *(width,) * (len(table.columns) - 1))
    pdf.set_fill_color(HEADER_FILL)
    for index, (column, column_width) in enumerate(zip(table.columns, widths, strict=True)):
        _cell(pdf, column_width, column, "L" if index == 0 else "R", "B", fill=True)
    pdf.ln()
    share = table.columns.index(SHARE_COLUMN)
    for row in table.rows:
        for index, (text, column_width) in enumerate(zip(row.texts, widths, strict=True)):
            fill, ink = (None, INK)
            if index == share and row.target_met is not None:
                fill, ink = PALETTE["green" if row.target_met else "red"]
                pdf.set_fill_color(fill)
            pdf.set_text_color(ink)
            _cell(pdf, column_width, text, "L" if index == 0 else "R", fill=fill is not None)
        pdf.set_text_color(INK)
        pdf.ln()


def _cell(pdf: FPDF, width: float, text: str, align: str, style: str = "", fill=False) -> None:
    """One bordered table cell; text too wide for it is set smaller rather than cut off."""
    pdf.set_font(FAMILY, style, TABLE_PT)
    room = width - 2 * pdf.c_margin
    needed = pdf.get_string_width(text)
    if needed > room:
        pdf.set_font_size(TABLE_PT * room / needed)
    pdf.cell(width, ROW_HEIGHT, text, border=1, align=align, fill=fill)


def _line(pdf: FPDF, text: str, size: float, style: str = "", height: float = LINE_HEIGHT):
    pdf.set_font(FAMILY, style, size)
    pdf.cell(0, height, text, new_x="LMARGIN", new_y="NEXT")


def _paragraph(pdf: FPDF, text: str, size: float, style: str = "") -> None:
    pdf.set_font(FAMILY, style, size)
    pdf.multi_cell(0, LINE_HEIGHT, text, align="L", new_x="LMARGIN", new_y="NEXT")
