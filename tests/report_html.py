"""Read the report's HTML tables back (the app's page and the HTML export share them)."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser


@dataclass(frozen=True)
class HtmlCell:
    text: str  # '89,98%G' style text content: display, then its marks
    colour: str  # data-colour: green | yellow | red | none
    link: str | None  # the explanation link, if any


class _SlaTables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[tuple[str, str], HtmlCell] = {}
        self.calls: dict[str, str] = {}
        self._row: str | None = None
        self._cell: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "tr":
            self._row = found.get("data-service") or ("calls" if found.get("class") else None)
        elif tag == "td" and self._row and found.get("data-month"):
            self._cell = {"month": found["data-month"], "colour": found.get("data-colour"),
                          "text": "", "link": None}  # fmt: skip
        elif tag == "a" and self._cell is not None:
            self._cell["link"] = found.get("href")

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag != "td" or self._cell is None:
            return
        cell, self._cell = self._cell, None
        if self._row == "calls":
            self.calls[cell["month"]] = cell["text"]
        else:
            self.cells[self._row, cell["month"]] = HtmlCell(
                cell["text"], cell["colour"], cell["link"]
            )


def sla_cells(html: str) -> tuple[dict[tuple[str, str], HtmlCell], dict[str, str]]:
    """(service_id, 'YYYY-MM') -> cell, and the service-calls row as month -> text."""
    parser = _SlaTables()
    parser.feed(html)
    return parser.cells, parser.calls
