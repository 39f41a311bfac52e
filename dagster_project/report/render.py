"""One entry point for every output format of the report model."""

from __future__ import annotations

from dagster_project.report.model import Report
from dagster_project.report.render_tabular import render_csv, render_json
from dagster_project.report.render_text import render_text

FORMATS = ("text", "csv", "json")
LATER_FORMATS = ("xlsx", "html", "pdf")


class UnsupportedFormatError(ValueError):
    """A format the report layer does not produce (yet)."""


def render(report: Report, fmt: str = "text", colour: bool = False) -> str | bytes:
    """The report as `fmt` (text, csv or json); `colour` adds ANSI colour to text for a tty."""
    if fmt == "text":
        return render_text(report, colour=colour)
    if fmt == "csv":
        return render_csv(report)
    if fmt == "json":
        return render_json(report)
    if fmt in LATER_FORMATS:
        raise UnsupportedFormatError(
            f"format {fmt!r} is not available yet: xlsx, html and pdf arrive with the "
            "app/exports issue; use text, csv or json"
        )
    raise UnsupportedFormatError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
