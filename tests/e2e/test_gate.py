"""In a real headless Chromium: a private instance's login page (who runs it, the about link), a
visitor sent there from any page and brought back after logging in, and the secret feed
addresses in /settings/feeds; screenshots at phone (375 px) and desktop width, axe-core clean."""

from __future__ import annotations

import dataclasses
import json

import pytest
from playwright.async_api import expect

from tests.conftest import Instance, free_port, instance_config
from tests.e2e import steps
from tests.e2e.conftest import DESKTOP, new_page
from tests.e2e.test_legal import axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

PHONE_375 = {"width": 375, "height": 812}
TABLES = {"legal": {"imprint": "Kreisverband Musterstadt, Marktplatz 1, 12345 Musterstadt",
                    "privacy": "Wir speichern nur, was der Verein braucht."}}


@pytest.fixture
async def partei(tmp_path):
    """A private instance (instance.mode = "private", registration by invitation)."""
    config = instance_config(tmp_path, "partei", free_port(), registration="invite", tables=TABLES)
    config = dataclasses.replace(config, mode="private",
                                 description="Das Intranet des Kreisverbands Musterstadt.")
    instance = await Instance(config).start()
    yield instance
    await instance.stop()


async def test_the_private_login_page_and_the_secret_feed_addresses(partei, browser, artifacts):
    base = partei.base_url
    await partei.create_user("vorstand", name="Vera Vorstand", password=steps.PASSWORD)
    page = await new_page(browser, viewport=PHONE_375)
    # any page sends a visitor to the login page, which says who runs the instance
    await page.goto(base + "/events")
    await expect(page).to_have_url(base + "/login?next=/events")
    await expect(page.get_by_role("heading", level=2)).to_have_text("WeCreate Partei: ein internes Netzwerk")
    await expect(page.get_by_text("Das Intranet des Kreisverbands Musterstadt.")).to_be_visible()
    await expect(page.get_by_role("navigation", name="Hauptnavigation")).not_to_contain_text("Marktplatz")
    await page.get_by_role("link", name="Wer betreibt WeCreate Partei?").click()
    await expect(page).to_have_url(base + "/about")
    await page.go_back()
    # logging in brings the member back where they were going
    await page.get_by_label("Benutzername").fill("vorstand")
    await page.get_by_label("Passwort").fill(steps.PASSWORD)
    await page.get_by_role("button", name="Anmelden").click()
    await expect(page).to_have_url(base + "/events")
    # the secret feed addresses, from the settings
    await steps.open_account_menu(page)
    await page.get_by_role("link", name="Einstellungen").click()
    await page.get_by_role("link", name="Geheime Feed-Adressen (Feedreader, Kalender)").click()
    await expect(page.get_by_text("Du hast noch keine geheime Adresse.")).to_be_visible()
    await page.get_by_role("button", name="Geheime Adresse erstellen").click()
    address = await page.get_by_label("Termine (iCal)").input_value()
    assert address.startswith(base + "/feeds/") and address.endswith("/events.ics")
    await steps.screenshot(page, artifacts, "gate-feeds-made-phone")
    assert page.csp_violations == []

    report = {}
    for width_name, viewport in (("phone", PHONE_375), ("desktop", DESKTOP)):
        guest = await new_page(browser, viewport=viewport, bypass_csp=True)
        member = await new_page(browser, viewport=viewport, bypass_csp=True)
        await member.goto(base + "/login")
        await member.get_by_label("Benutzername").fill("vorstand")
        await member.get_by_label("Passwort").fill(steps.PASSWORD)
        await member.get_by_role("button", name="Anmelden").click()
        await expect(member.locator("details.account-menu > summary")).to_be_visible()
        for name, path, looker in (("gate-login", "/login", guest), ("gate-feeds", "/settings/feeds", member)):
            response = await looker.goto(base + path)
            assert response.status == 200, (name, response.status)
            await steps.screenshot(looker, artifacts, f"{name}-{width_name}")
            found = await axe_violations(looker)
            if found:
                report[f"{name}-{width_name}"] = found
        # the English login page
        await guest.goto(base + "/language?lang=en&next=/login")
        await expect(guest.get_by_role("heading", level=2)).to_have_text("WeCreate Partei: an internal network")
        await steps.screenshot(guest, artifacts, f"gate-login-en-{width_name}")
        found = await axe_violations(guest)
        if found:
            report[f"gate-login-en-{width_name}"] = found
    assert not report, json.dumps(report, indent=2)
