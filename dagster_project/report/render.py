"""One entry point for every output format of the report model."""

from __future__ import annotations

from dagster_project.report.model import Report
from dagster_project.report.render_tabular import render_csv, render_json
from dagster_project.report.render_text import render_text

FORMATS = ("text", "csv", "json", "xlsx", "html", "pdf")
MEDIA_TYPES = {
    "text": "text/plain",
    "csv": "text/csv",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html",
    "pdf": "application/pdf",
}
SUFFIXES = {**{fmt: fmt for fmt in FORMATS}, "text": "txt"}


class UnsupportedFormatError(ValueError):
    """A format the report layer does not produce."""


def render(report: Report, fmt: str = "text", colour: bool = False) -> str | bytes:
    """The report as `fmt`: str for text, csv, json and html, bytes for xlsx and pdf.

    `colour` adds ANSI colour to text for a tty.
    """
    # The document formats are imported on use, so the text path stays light.
    if fmt == "text":
        return render_text(report, colour=colour)
    if fmt == "csv":
        return render_csv(report)
    if fmt == "json":
        return render_json(report)
    if fmt == "xlsx":
        from dagster_project.report.render_xlsx import render_xlsx

        return render_xlsx(report)
    if fmt == "html":
        from dagster_project.report.render_html import render_html

        return render_html(report)
    if fmt == "pdf":
        from dagster_project.report.render_pdf import render_pdf

        return render_pdf(report)
    raise _unknown(fmt)


def file_name(report: Report, fmt: str) -> str:
    """The download name of the report in `fmt`: 'driftsstatus-2024-01.xlsx'."""
    if fmt not in SUFFIXES:
        raise _unknown(fmt)
    return f"driftsstatus-{report.month:%Y-%m}.{SUFFIXES[fmt]}"


def _unknown(fmt: str) -> UnsupportedFormatError:
    return UnsupportedFormatError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
