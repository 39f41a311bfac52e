"""The app in a real browser: Debian's chromium driven by Playwright, the app on 127.0.0.1.

Reads all 120 figures and their colours as a reader sees them, opens a cell's explanation by
clicking it, and downloads the XLSX. Screenshots go to test-output/browser/.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, Route

from dagster_project.report.render_html import PALETTE
from dagster_project.settings import REPO_ROOT
from tests.browser import chromium
from tests.helpers import GOLDEN
from tests.processes import free_port, running, wait_until_healthy

SCREENSHOTS = REPO_ROOT / "test-output" / "browser"
CELLS_JS = """els => els.map(e => ({
    service: e.parentElement.dataset.service, month: e.dataset.month, text: e.innerText,
    colour: e.dataset.colour, background: getComputedStyle(e).backgroundColor}))"""
# Generous for every browser step: a busy machine is slow, and a wait only ends early on success.
TIMEOUT_MS = 180_000


@pytest.fixture(scope="module")
def app_url(served: Path) -> Iterator[str]:
    """`driftsstatus app` on 127.0.0.1 reading the served copy. Headless, without usage
    statistics and in viewer mode by the shipped app/.streamlit/config.toml alone."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTSSTATUS_")}
    env["DRIFTSSTATUS_WAREHOUSE"] = str(served)
    url = f"http://127.0.0.1:{port}"
    with running(
        [sys.executable, "-m", "dagster_project.cli", "app", "--server.address", "127.0.0.1",
         "--server.port", str(port)],
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    ) as server:  # fmt: skip
        wait_until_healthy(f"{url}/_stcore/health", server)
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium(TIMEOUT_MS) as launched:  # a failing test must not leave chromium running
        yield launched


@pytest.fixture(scope="module")
def page(browser: Browser, app_url: str) -> Iterator[Page]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1600, "height": 1100}, accept_downloads=True)
    try:
        context.set_default_timeout(TIMEOUT_MS)  # navigation, clicks, waits and downloads
        opened = context.new_page()
        opened.goto(f"{app_url}/?maaned=2024-01")
        opened.wait_for_selector("table.ds-sla >> nth=1")
        yield opened
    finally:
        context.close()


def _rgb(hex_colour: str) -> str:
    red, green, blue = bytes.fromhex(hex_colour.lstrip("#"))
    return f"rgb({red}, {green}, {blue})"


def _golden() -> dict[tuple[str, str], str]:
    with (GOLDEN / "availability-2024-01.csv").open(encoding="utf-8") as handle:
        return {
            (r["service_id"], r["month"]): r["availability_pct"].replace(".", ",") + "%"
            for r in csv.DictReader(handle)
        }


def test_r9_r10_browser_shows_all_120_figures_with_their_colours(page: Page):
    cells = page.eval_on_selector_all("table.ds-sla tr[data-service] td.cell", CELLS_JS)
    assert len(cells) == 120
    shown = {(c["service"], c["month"]): c["text"].rstrip("RG*").strip() for c in cells}
    assert shown == _golden()
    for cell in cells:
        fill, _ = PALETTE[cell["colour"]]
        assert cell["background"] == _rgb(fill), cell
        marker = {"green": "", "yellow": "G", "red": "R"}[cell["colour"]]
        assert cell["text"].replace(" ", "").endswith("%" + marker), cell  # not colour alone
    colours = {(c["service"], c["month"]): c["colour"] for c in cells}
    assert colours["sp_m1", "2024-01"] == "yellow"
    assert colours["ko_infra", "2023-03"] == "red"
    assert page.get_by_text("198.196.122").count() == 1
    page.screenshot(path=SCREENSHOTS / "report-2024-01.png")
    for index, table in enumerate(page.locator("table.ds-sla").all()):
        table.screenshot(path=SCREENSHOTS / f"report-2024-01-table-{index + 1}.png")


def test_r7_clicking_a_figure_opens_its_explanation(page: Page):
    page.locator('tr[data-service="sp_m1"] td[data-month="2023-11"] a').click()
    total = page.get_by_text("Intervallernes nedetid i alt: 430.776,0 s = cellens nedetid")
    total.wait_for()
    assert "celle=sp_m1%3A2023-11" in page.url or "celle=sp_m1:2023-11" in page.url
    explanation = page.locator('[data-testid="stMetric"]')
    assert "83,38%" in explanation.first.inner_text()
    total.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "why-sp_m1-2023-11.png")


def test_r15_the_xlsx_download_holds_the_figures(page: Page):
    button = page.get_by_role("button", name="Excel (XLSX)")
    button.wait_for()
    with page.expect_download() as started:
        button.click()
    download = started.value
    assert download.suggested_filename == "driftsstatus-2024-01.xlsx"
    saved = SCREENSHOTS / download.suggested_filename
    download.save_as(saved)
    sheet = load_workbook(saved)["Driftsstatus"]
    rows = {row[0].value: [c.value for c in row] for row in sheet.iter_rows() if row[0].value}
    assert rows["SP produktionsmiljø m1"][-1] == float(Decimal("89.98") / 100)
    assert rows["KO - applikation"][4] == float(Decimal("99.82") / 100)  # apr-23
    assert rows["Antal servicekald i runde tal"][-1] == 198_196_122


def test_app_for_viewers_has_no_deploy_button_or_developer_menu(page: Page):
    assert page.locator("[data-testid='stAppDeployButton']").count() == 0
    page.locator("[data-testid='stMainMenuButton']").click()
    menu = page.locator("[data-testid='stMainMenuList']")
    menu.wait_for()
    items = menu.inner_text().splitlines()
    assert "Print" in items
    assert not {"Rerun", "Clear cache", "Auto rerun"} & set(items), items
    page.keyboard.press("Escape")


# Each page and what shows that it has rendered.
PAGES = {
    "?maaned=2024-01": "table.ds-sla",
    "trends": "[data-testid='stVegaLiteChart']",
    "incidents": "h1",
    "quality": "h1",
    "published": "h1",
}
ICON_FONT_LOADED = """[...document.fonts].some(
    f => f.family.replaceAll('"', '') === 'Material Symbols Rounded' && f.status === 'loaded')"""


def test_app_every_page_loads_with_its_icons_from_the_app_alone(browser: Browser, app_url: str):
    """A site without internet access sees the same app: every request to another host is
    refused and recorded, and the icons still draw from the font the app serves."""
    outside: list[str] = []

    def only_the_app(route: Route) -> None:
        if urlsplit(route.request.url).netloc == urlsplit(app_url).netloc:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort("internetdisconnected")

    context = browser.new_context(viewport={"width": 1600, "height": 1100})
    try:
        context.set_default_timeout(TIMEOUT_MS)
        context.route("**/*", only_the_app)
        page = context.new_page()
        for path, rendered in PAGES.items():
            page.goto(f"{app_url}/{path}")
            page.wait_for_selector(rendered)
            page.wait_for_timeout(1000)  # late requests (favicon, fonts) go out too
            icons = page.eval_on_selector_all(
                "[data-testid='stIconMaterial']", "els => els.map(e => e.innerText)"
            )
            assert {"monitoring", "trending_up", "history"} <= set(icons), path
            # The icons are ligatures of the font the app serves: drawn, not spelled out.
            assert page.evaluate(ICON_FONT_LOADED), path
            favicon = page.eval_on_selector("link[rel='shortcut icon']", "e => e.href")
            assert favicon.startswith("data:image/svg+xml"), path
    finally:
        context.close()
    assert outside == []
