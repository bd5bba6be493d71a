"""Browser fixtures: Debian's Chromium driven by Playwright (from PyPI), headless, against a
real instance on loopback. Screenshots go to tests/artifacts/screenshots/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

CHROMIUM = os.environ.get("WECREATE_CHROMIUM", "/usr/bin/chromium")
# No background networking: this machine's network is closed, and Chromium would keep trying.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
TIMEOUT_MS = 15_000


@pytest.fixture
async def browser():
    """Chromium for one test; Playwright starts it on a fresh, empty profile folder of its own."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash tests/e2e/setup.sh` (as root it installs Debian's chromium)")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


async def new_page(browser, *, viewport=PHONE, bypass_csp: bool = False):
    """A page in a context of its own (its own cookies: one person), with bounded waits.

    Content Security Policy reports on the console fail the test: the site must work under its own policy.
    """
    context = await browser.new_context(viewport=viewport, locale="de-DE", bypass_csp=bypass_csp)
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    page.csp_violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and page.csp_violations.append(m.text))
    return page


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
