"""In Chromium: an admin of a private party instance manages its allowlist (the servers it federates
with); screenshots at phone and desktop width, axe-core at both, the page under its own CSP."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import expect

from tests.conftest import Instance
from tests.e2e import steps
from tests.e2e.conftest import AXE, DESKTOP, PHONE, new_page
from tests.e2e.test_flow import FAILING_IMPACTS, WCAG_TAGS
from tests.private.private_setup import private_config

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


async def log_in(page, base: str, username: str) -> None:
    """Straight to the login form (a private instance sends every other page there anyway)."""
    await page.goto(base + "/login")
    await page.get_by_label("Benutzername").fill(username)
    await page.get_by_label("Passwort").fill(steps.PASSWORD)
    await page.get_by_role("button", name="Anmelden").click()
    await expect(page.locator("details.account-menu > summary")).to_be_visible()


async def test_an_admin_allows_the_city_and_takes_a_server_off_again(tmp_path, browser, artifacts):
    party = await Instance(private_config(tmp_path, "partei", allowed=("land.example",))).start()
    try:
        await party.create_user("ada", name="Ada Admin", role="admin", password=steps.PASSWORD)
        base = party.base_url
        admin = await new_page(browser, viewport=DESKTOP)
        await log_in(admin, base, "ada")
        await admin.goto(base + "/admin")
        await admin.get_by_role("link", name="Erlaubte Server").click()
        await expect(admin.get_by_role("heading", level=1)).to_have_text("Erlaubte Server (private Instanz)")
        await expect(admin.get_by_role("link", name="Erlaubte Server")).to_have_attribute("aria-current", "page")
        await expect(admin.locator("table.data")).to_contain_text("aus der Konfiguration")

        await admin.get_by_label("Domain oder Server").fill("https://stadt.example/inbox")
        await admin.get_by_role("button", name="Erlauben").click()
        await expect(admin.get_by_role("alert")).to_contain_text("weder eine Domain noch ein Server")
        await admin.get_by_label("Domain oder Server").fill("stadt.example")
        await admin.get_by_label("Notiz").fill("Die Stadt Leipzig")
        await admin.get_by_role("button", name="Erlauben").click()
        await expect(admin.get_by_role("status")).to_contain_text("stadt.example ist jetzt erlaubt.")
        await expect(admin.locator("table.data")).to_contain_text("Die Stadt Leipzig")
        assert not party.rt.domains.refused("www.stadt.example")
        await admin.get_by_label("Domain oder Server").fill("fremd.example:8443")
        await admin.get_by_role("button", name="Erlauben").click()
        await admin.get_by_role("button", name="Entfernen fremd.example:8443").click()
        await expect(admin.get_by_role("status")).to_contain_text("fremd.example:8443 ist nicht mehr erlaubt.")
        assert party.rt.domains.refused("fremd.example:8443")
        assert admin.csp_violations == []

        page = await new_page(browser, bypass_csp=True)  # axe is injected as a script
        await log_in(page, base, "ada")
        report = {}
        for width_name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            await page.set_viewport_size(viewport)
            await page.goto(base + "/admin/allowlist")
            await steps.screenshot(page, artifacts, f"private-allowlist-{width_name}")
            await page.add_script_tag(path=str(AXE))
            result = await page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                                         WCAG_TAGS)
            report[f"allowlist-{width_name}"] = [v for v in result["violations"] if v["impact"] in FAILING_IMPACTS]
        failing = {name: [v["id"] for v in found] for name, found in report.items() if found}
        assert not failing, json.dumps(failing, indent=2)
    finally:
        await party.stop()
