"""The report as HTML: the standalone export and the tables the app shows (one renderer).

Each availability cell carries its colour three ways: a fill, a letter (R/G) and
`data-colour`, so neither a colour-blind reader nor a printer in black and white loses it.
"""

from __future__ import annotations

from datetime import date
from html import escape

from dagster_project.report.model import (
    COLUMN_AREA,
    COLUMN_PRODUCTION,
    COLUMN_TARGET,
    Area,
    Cell,
    Report,
    ServiceRow,
)
from dagster_project.report.response import SHARE_COLUMN, ResponseTable

# The palette of the exports (xlsx, pdf) too: light fills with dark text, readable on paper.
PALETTE = {
    "green": ("#c6efce", "#006100"),
    "yellow": ("#ffeb9c", "#9c5700"),
    "red": ("#ffc7ce", "#9c0006"),
}
COLOUR_NAMES = {"green": "grøn", "yellow": "gul", "red": "rød"}
# App query parameters: ?maaned=YYYY-MM&celle=<service_id>:YYYY-MM opens a cell's explanation.
MONTH_PARAM = "maaned"
EXPLAIN_PARAM = "celle"

STYLE = """
.ds-report { font-family: "DejaVu Sans", Arial, sans-serif; color: #1b1b1b; overflow-x: auto; }
.ds-report h1 { font-size: 1.9rem; margin: 0; }
.ds-report .subtitle { font-weight: bold; margin: .2rem 0; }
.ds-area h2 { font-size: 1.25rem; margin: 1.4rem 0 .4rem; }
table.ds-sla { border-collapse: collapse; font-size: .78rem; width: 100%; }
table.ds-sla caption { text-align: left; font-weight: bold; padding: .2rem 0; }
table.ds-sla th, table.ds-sla td { border: 1px solid #bfbfbf; padding: .15rem .3rem; }
table.ds-sla th { background: #f2f2f2; text-align: left; white-space: nowrap; }
table.ds-sla td { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.ds-sla td a { color: inherit; text-decoration: none; display: block; }
table.ds-sla td a:hover { text-decoration: underline; }
table.ds-sla .marker { font-weight: bold; font-size: .75em; margin-left: .2em; }
table.ds-sla tr.calls th, table.ds-sla tr.calls td { font-style: italic; }
.ds-legend { font-size: .78rem; margin: .3rem 0 .6rem; }
.ds-verdict { font-weight: bold; }
.ds-verdict.missed { color: #9c0006; }
.ds-restated { font-style: italic; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  .ds-area { break-inside: avoid; }
  .ds-report { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
""" + "".join(
    f"table.ds-sla td.{name} {{ background: {fill}; color: {ink}; }}\n"
    for name, (fill, ink) in PALETTE.items()
)


def render_html(report: Report) -> str:
    """A standalone, print-ready document of the whole report (A4 landscape)."""
    areas = "\n".join(area_html(report, area) for area in report.areas)
    return (
        '<!DOCTYPE html>\n<html lang="da">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(report.title)} {escape(report.period)}</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n"
        f'<main class="ds-report">\n{title_html(report)}\n{areas}\n</main>\n</body>\n</html>\n'
    )


def title_html(report: Report) -> str:
    """The seed's title block: 'Driftsstatus', the subtitle and 'Januar 2024'."""
    return (
        f"<header><h1>{escape(report.title)}</h1>"
        f'<p class="subtitle">{escape(report.subtitle)}</p>'
        f'<p class="period">{escape(report.period)}</p></header>'
    )


def area_html(report: Report, area: Area, explain_links: bool = False) -> str:
    """One area as printed: table, legend, verdict, incident notes and counts.

    With `explain_links`, each figure links to its explanation in the app.
    """
    notes = "".join(
        f"<li><strong>{escape(n.heading)}</strong> ({escape(n.period)}): {escape(n.body)}</li>"
        for n in area.notes
    )
    parts = [
        f'<section class="ds-area" data-area="{escape(area.area)}">',
        f"<h2>{escape(area.title)}</h2>",
        table_html(report, area, explain_links),
        f'<p class="ds-legend">{escape(report.legend)}</p>',
        f'<p class="ds-verdict {"met" if area.satisfactory else "missed"}">'
        f"{escape(area.verdict)}</p>",
        f"<p>{escape(area.notes_lead)}</p>",
        f"<ul>{notes}</ul>" if notes else "",
        f'<p class="ds-restated">{escape(area.note)}</p>' if area.note else "",
        f'<p class="ds-counts">{escape(area.counts.sentence)}</p>',
        response_table_html(area.area, area.response) if area.response else "",
        "</section>",
    ]
    return "\n".join(part for part in parts if part)


def table_html(report: Report, area: Area, explain_links: bool = False) -> str:
    header = "".join(f'<th scope="col">{escape(label)}</th>' for label in report.month_labels)
    link_month = report.month if explain_links else None
    rows = [_service_row(row, link_month) for row in area.rows]
    if area.calls is not None:
        calls = "".join(
            f'<td data-month="{c.month:%Y-%m}">{escape(c.display)}</td>' for c in area.calls.cells
        )
        rows.append(
            f'<tr class="calls"><th scope="row">{escape(area.calls.label)}</th>'
            f"<td>{escape(area.calls.target_display)}</td>{calls}</tr>"
        )
    return (
        f'<table class="ds-sla" data-area="{escape(area.area)}">'
        f"<caption>{escape(area.table_heading)}</caption><thead>"
        f'<tr><th scope="col">{COLUMN_AREA}</th>'
        f'<th colspan="{len(report.months) + 1}">{COLUMN_PRODUCTION}</th></tr>'
        f'<tr><th></th><th scope="col">{COLUMN_TARGET}</th>{header}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def response_table_html(area: str, table: ResponseTable) -> str:
    """The area's response times; the share is filled green when met, red when missed."""
    header = "".join(f'<th scope="col">{escape(column)}</th>' for column in table.columns)
    rows = []
    for row in table.rows:
        label, *texts = row.texts
        colour = {True: "green", False: "red"}.get(row.target_met, "none")
        cells = "".join(
            f'<td class="cell {colour}">{escape(text)}</td>'
            if column == SHARE_COLUMN
            else f"<td>{escape(text)}</td>"
            for column, text in zip(table.columns[1:], texts, strict=True)
        )
        rows.append(
            f'<tr data-service="{escape(row.service_id)}"><th scope="row">{escape(label)}</th>'
            f"{cells}</tr>"
        )
    return (
        f'<table class="ds-sla ds-response" data-area="{escape(area)}">'
        f"<caption>{escape(table.heading)}</caption><thead><tr>{header}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def cell_key(service_id: str, month: date) -> str:
    """How the app names a cell: 'sp_m1:2024-01'."""
    return f"{service_id}:{month:%Y-%m}"


def _service_row(row: ServiceRow, link_month: date | None) -> str:
    cells = "".join(_cell(row, cell, link_month) for cell in row.cells)
    return (
        f'<tr data-service="{escape(row.service_id)}"><th scope="row">{escape(row.label)}</th>'
        f'<td class="target">{escape(row.target_display)}</td>{cells}</tr>'
    )


def _cell(row: ServiceRow, cell: Cell, link_month: date | None) -> str:
    colour = cell.colour or "none"
    content = escape(cell.display)
    if cell.marker:
        content += f'<span class="marker">{cell.marker}</span>'
    if cell.restated:
        content += '<span class="marker">*</span>'
    if link_month is not None and cell.colour is not None:
        key = cell_key(row.service_id, cell.month)
        query = f"{MONTH_PARAM}={link_month:%Y-%m}&{EXPLAIN_PARAM}={key}"
        content = f'<a href="?{escape(query)}" target="_self">{content}</a>'
    return (
        f'<td class="cell {colour}" data-month="{cell.month:%Y-%m}" data-colour="{colour}"'
        f' title="{escape(_tooltip(row, cell))}">{content}</td>'
    )


def _tooltip(row: ServiceRow, cell: Cell) -> str:
    text = f"{row.label}, {cell.month:%m.%Y}: {cell.display}"
    if cell.colour:
        text += f" ({COLOUR_NAMES[cell.colour]})"
    if cell.previous is not None:
        text += f"; tidligere offentliggjort: {cell.previous.display}"
    return text
