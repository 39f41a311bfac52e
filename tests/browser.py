"""Debian's chromium driven by Playwright, as the browser tests use it (never a download)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")  # Debian's (`make test` installs it)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@contextmanager
def chromium(timeout_ms: float) -> Iterator[Browser]:
    """A headless chromium for the block; closed after, pass or fail."""
    assert CHROMIUM.exists(), "Debian chromium missing: run `make test` (installs it)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=timeout_ms
        )
        try:
            yield launched
        finally:
            launched.close()
