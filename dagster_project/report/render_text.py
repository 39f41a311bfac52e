"""The report as terminal text, laid out like the seed: title block, then per area a table.

Colour is ANSI and only on request (a tty); missed cells always carry their letter marker
(R/G, explained in the legend) so the text reads the same without colour.
"""

from __future__ import annotations

import textwrap

from dagster_project.report.model import (
    COLUMN_AREA,
    COLUMN_PRODUCTION,
    COLUMN_TARGET,
    Area,
    Report,
)
from dagster_project.report.response import ResponseTable

GAP = "  "
NOTE_WIDTH = 100
_ANSI = {"green": "\x1b[32m", "yellow": "\x1b[33m", "red": "\x1b[31m"}
_RESET = "\x1b[0m"


def render_text(report: Report, colour: bool = False) -> str:
    """The whole report as lines of plain (or ANSI-coloured) text, ending with a newline."""
    lines = [report.title, "", report.subtitle, "", report.period, "", ""]
    for area in report.areas:
        lines += _area(report, area, colour)
    return "\n".join(lines).rstrip() + "\n"


def _area(report: Report, area: Area, colour: bool) -> list[str]:
    # A figure is right-aligned with its mark ('G', 'R*') in a slot of its own, so
    # '99,82% G' and '100,00%' line up on the percent sign; service calls use the full width.
    rows = [
        (
            r.label,
            r.target_display,
            [(c.display, c.text[len(c.display) :], c.colour) for c in r.cells],
        )
        for r in area.rows
    ]
    calls = area.calls
    labels = [r[0] for r in rows] + ([calls.label] if calls else [])
    targets = [r[1] for r in rows] + ([calls.target_display] if calls else [])
    label_width = max(len(COLUMN_AREA), *map(len, labels))
    target_width = max(len(COLUMN_TARGET), *map(len, targets))
    mark = max(len(m) for _, _, cells in rows for _, m, _ in cells)
    width = max(
        *(len(f) + mark for _, _, cells in rows for f, _, _ in cells),
        *(len(c.display) for c in (calls.cells if calls else ())),
        *(len(m) + mark for m in report.month_labels),
    )

    def line(label: str, target: str, cells: list[str]) -> str:
        return GAP.join([label.ljust(label_width), target.rjust(target_width), *cells]).rstrip()

    lines = [area.title, "", area.table_heading]
    lines.append(f"{COLUMN_AREA:<{label_width}}{GAP}{COLUMN_PRODUCTION}")
    lines.append(
        line("", COLUMN_TARGET, [(m + " " * mark).rjust(width) for m in report.month_labels])
    )
    for label, target, cells in rows:
        shown = [_paint((f + m.ljust(mark)).rjust(width), tone, colour) for f, m, tone in cells]
        lines.append(line(label, target, shown))
    if calls:
        lines.append(
            line(calls.label, calls.target_display, [c.display.rjust(width) for c in calls.cells])
        )
    lines += ["", report.legend, "", area.verdict, "", area.notes_lead]
    for note in area.notes:
        lines += textwrap.wrap(
            f"- {note.heading} ({note.period}): {note.body}",
            width=NOTE_WIDTH,
            subsequent_indent="  ",
            break_on_hyphens=False,
        )
    if area.note:
        lines += ["", area.note]
    lines += ["", area.counts.sentence, "", ""]
    if area.response:
        lines += _response(area.response)
    return lines


def _response(table: ResponseTable) -> list[str]:
    """The area's response-time table: labels left, figures right-aligned."""
    rows = [table.columns, *(row.texts for row in table.rows)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(table.columns))]
    lines = [table.heading, ""]
    for row in rows:
        cells = [row[0].ljust(widths[0])]
        cells += [text.rjust(width) for text, width in zip(row[1:], widths[1:], strict=True)]
        lines.append(GAP.join(cells).rstrip())
    return [*lines, "", ""]


def _paint(text: str, tone: str | None, colour: bool) -> str:
    if not colour or tone not in _ANSI:
        return text
    return f"{_ANSI[tone]}{text}{_RESET}"
