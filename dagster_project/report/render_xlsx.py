"""The report as an Excel workbook: one sheet laid out like the printed report (R15).

Availability figures are numbers (the mart's display string read back, never rounded
again) formatted so Excel shows exactly the displayed figure; the R/G letter and the
restatement star are part of the number format, so they print with the fill.
"""

from __future__ import annotations

import io
import math
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from dagster_project.report import danish
from dagster_project.report.model import (
    COLUMN_AREA,
    COLUMN_TARGET,
    NOT_AVAILABLE,
    Area,
    Cell,
    Report,
)
from dagster_project.report.penalties import PenaltyTable, kroner
from dagster_project.report.render_html import PALETTE
from dagster_project.report.response import ResponseTable

SHEET = "Driftsstatus"
PENALTY_SHEET = "Bod"
PERCENT = "0.00%"
INTEGER = "#,##0"
MILLISECONDS = '#,##0" ms"'
LABEL_WIDTH = 44
TARGET_WIDTH = 10
MONTH_WIDTH = 12
# Long sentences span the table's columns; Excel does not grow a merged row by itself.
LINE_CHARS = 150
LINE_HEIGHT = 15
BOLD = Font(bold=True)
RIGHT = Alignment(horizontal="right")


def render_xlsx(report: Report) -> bytes:
    """The whole report as the bytes of an .xlsx file."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    _title_block(sheet, report)
    for area in report.areas:
        _area(sheet, report, area)
    _page_setup(sheet, report)
    if report.penalties:  # only where a service has contract terms
        _penalty_sheet(book.create_sheet(PENALTY_SHEET), report.penalties)
    book.properties.title = f"{report.title} {danish.EN_DASH} {report.period}"
    book.properties.creator = report.title
    book.properties.language = "da-DK"
    book.properties.created = datetime(report.month.year, report.month.month, 1)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _title_block(sheet: Worksheet, report: Report) -> None:
    sheet.append([report.title])
    sheet.cell(sheet.max_row, 1).font = Font(bold=True, size=18)
    sheet.append([report.subtitle])
    sheet.cell(sheet.max_row, 1).font = BOLD
    sheet.append([report.period])


def _area(sheet: Worksheet, report: Report, area: Area) -> None:
    sheet.append([])
    sheet.append([area.title])
    sheet.cell(sheet.max_row, 1).font = Font(bold=True, size=14)
    sheet.append([area.table_heading])
    sheet.cell(sheet.max_row, 1).font = BOLD
    _table(sheet, report, area)
    width = 2 + len(report.months)
    sheet.append([])
    _paragraph(sheet, width, report.legend)
    _paragraph(sheet, width, area.verdict, BOLD)
    _paragraph(sheet, width, area.notes_lead)
    for note in area.notes:
        heading = TextBlock(InlineFont(b=True), note.heading)
        _paragraph(sheet, width, CellRichText(heading, f" ({note.period}): {note.body}"))
    if area.note:
        _paragraph(sheet, width, area.note)
    _paragraph(sheet, width, area.counts.sentence)
    if area.response:
        _response(sheet, area.response)


def _table(sheet: Worksheet, report: Report, area: Area) -> None:
    sheet.append([COLUMN_AREA, COLUMN_TARGET, *report.month_labels])
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD
        cell.alignment = RIGHT if cell.column > 1 else Alignment()
    for row in area.rows:
        target = NOT_AVAILABLE if row.target_pct is None else float(row.target_pct / 100)
        sheet.append([row.label, target])
        sheet.cell(sheet.max_row, 2).number_format = PERCENT
        sheet.cell(sheet.max_row, 2).alignment = RIGHT
        for column, cell in enumerate(row.cells, start=3):
            _availability(sheet.cell(sheet.max_row, column), cell)
    if area.calls:
        calls = area.calls
        sheet.append([calls.label, calls.target_display])
        sheet.cell(sheet.max_row, 2).alignment = RIGHT
        for column, cell in enumerate(calls.cells, start=3):
            shown = sheet.cell(sheet.max_row, column)
            shown.value = cell.display if cell.calls is None else cell.calls
            shown.number_format = INTEGER
            shown.alignment = RIGHT


def _response(sheet: Worksheet, table: ResponseTable) -> None:
    """The area's response times: milliseconds and counts as numbers, the share as a
    percentage filled by its verdict."""
    sheet.append([])
    sheet.append([table.heading])
    sheet.cell(sheet.max_row, 1).font = BOLD
    sheet.append(list(table.columns))
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD
        cell.alignment = RIGHT if cell.column > 1 else Alignment()
    for row in table.rows:
        fractiles = (row.p50_ms, row.p90_ms, row.p99_ms)
        millis = [NOT_AVAILABLE if ms is None else ms for ms in fractiles]
        counts = [row.measured_checks, row.down_checks, row.unmeasured_checks]
        sheet.append([row.label, row.target_display, *millis, None, row.verdict, *counts])
        line = sheet[sheet.max_row]
        for cell in line[1:]:
            cell.alignment = RIGHT
        for cell in line[2:5]:
            cell.number_format = MILLISECONDS
        for cell in line[7:]:
            cell.number_format = INTEGER
        _share(line[5], row.share_display, row.target_met)


def _share(target: SheetCell, display: str, met: bool | None) -> None:
    if display == NOT_AVAILABLE:
        target.value = display
        return
    target.value = _fraction(display)
    target.number_format = PERCENT
    if met is not None:
        _fill(target, "green" if met else "red")


def _fill(target: SheetCell, colour: str) -> None:
    # openpyxl reads '#c6efce' as transparent '00C6EFCE'; a fill is opaque ('FF').
    fill, ink = ("FF" + value.lstrip("#").upper() for value in PALETTE[colour])
    target.fill = PatternFill("solid", fgColor=fill)
    target.font = Font(color=ink)


def _availability(target: SheetCell, cell: Cell) -> None:
    """A figure as a number showing its display text, fill and letter; 'n/a' stays text."""
    target.alignment = RIGHT
    if cell.display == NOT_AVAILABLE:
        target.value = cell.display
        return
    target.value = _fraction(cell.display)
    marks = cell.text[len(cell.display) :]  # ' G', ' R*', '*' or ''
    target.number_format = PERCENT + (f'"{marks}"' if marks else "")
    if cell.colour in PALETTE:
        _fill(target, cell.colour)
    if cell.previous:
        target.comment = Comment(
            f"Tidligere offentliggjort: {cell.previous.display} "
            f"(rapport {cell.previous.report_id})",
            SHEET,
        )


def _fraction(display: str) -> float:
    """'99,82%' -> 0.9982: the mart's rounded figure read back exactly, not rounded again."""
    return float(Decimal(display.removesuffix("%").replace(",", ".")) / 100)


def _paragraph(
    sheet: Worksheet, width: int, text: str | CellRichText, font: Font | None = None
) -> None:
    """A sentence across the table's `width` columns, wrapped."""
    sheet.append([text])
    row = sheet.max_row
    cell = sheet.cell(row, 1)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    if font:
        cell.font = font
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    sheet.row_dimensions[row].height = LINE_HEIGHT * math.ceil(len(str(text)) / LINE_CHARS)


def _page_setup(sheet: Worksheet, report: Report) -> None:
    sheet.column_dimensions["A"].width = LABEL_WIDTH
    sheet.column_dimensions["B"].width = TARGET_WIDTH
    for column in range(3, 3 + len(report.months)):
        sheet.column_dimensions[get_column_letter(column)].width = MONTH_WIDTH
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _penalty_sheet(sheet: Worksheet, table: PenaltyTable) -> None:
    """The penalties as printed (texts: amounts in øre as the mart rounded them), each
    month's total, and R14's note and marks where an amount changed since published."""
    sheet.append([table.heading])
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    sheet.append(list(table.columns))
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD
    for row in table.rows:
        sheet.append(list(row.texts))
        if row.previous is not None:
            sheet.cell(sheet.max_row, len(table.columns)).comment = Comment(
                f"Tidligere oplyst: {row.previous.display} ({row.previous.report_id})",
                "Driftsstatus",
            )
    sheet.append([])
    for month, total in table.totals:
        padding = [None] * (len(table.columns) - 2)
        sheet.append([f"I alt {danish.month_label(month)}", *padding, kroner(total)])
        sheet.cell(sheet.max_row, 1).font = BOLD
    if table.note:
        sheet.append([table.note])
    sheet.column_dimensions["B"].width = LABEL_WIDTH
    for column in range(3, len(table.columns) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 16
