"""In a real headless Chromium: an admin writes the instance's rules at /admin/rules, a visitor
reads them at registration and agrees (the form refuses without the ticks, in German), and the
legal pages and the transparency report; screenshots at phone and desktop width, axe-core clean."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import expect

from tests.e2e import steps
from tests.e2e.conftest import AXE, DESKTOP, PHONE, new_page
from tests.e2e.test_flow import FAILING_IMPACTS, WCAG_TAGS
from tests.web.test_transparency import fill

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

LEGAL = {"legal": {"imprint": "## Angaben gemäß § 5 DDG\n\nStadt Leipzig<br>Martin-Luther-Ring 4–6<br>04109 Leipzig",
                   "privacy": "## Verantwortlich\n\nStadt Leipzig\n\n| Daten | Dauer |\n|---|---|\n"
                              "| Konto | bis zur Löschung |"},
         "moderation": {"contact": "moderation@leipzig.example"}}


@pytest.fixture
async def leipzig(make_instance):
    return await make_instance("leipzig", tables=LEGAL)


async def axe_violations(page) -> list[dict]:
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in FAILING_IMPACTS]


async def test_rules_registration_with_consent_and_the_legal_pages(leipzig, browser, artifacts):
    base = leipzig.base_url
    await leipzig.create_user("ada", name="Ada Admin", role="admin", password=steps.PASSWORD)
    # the admin writes two rules and moves the second to the top
    ada = await new_page(browser)
    await ada.goto(base + "/")
    await steps.log_in(ada, "ada")
    await steps.open_account_menu(ada)
    await ada.get_by_role("link", name="Moderation").click()
    await ada.get_by_role("navigation", name="Bereiche der Moderation").get_by_role("link", name="Regeln", exact=True).click()
    for text in ("Sei freundlich und sachlich.", "Keine Werbung und kein Spam."):
        await ada.locator("#new-rule-de").fill(text)
        await ada.get_by_role("button", name="Regel hinzufügen").click()
        await expect(ada.get_by_role("status")).to_contain_text("hinzugefügt")
    await ada.get_by_role("button", name="Hoch (Regel 2)").click()
    await expect(ada.locator("ol.rules > li").first.locator("textarea").first).to_have_value(
        "Keine Werbung und kein Spam.")
    assert ada.csp_violations == []
    # a visitor registers: without the ticks the form says why, in German, next to the boxes
    guest = await new_page(browser)
    await guest.goto(base + "/")
    await guest.get_by_role("link", name="Registrieren").first.click()
    await expect(guest.locator("ol.rules li").first).to_have_text("Keine Werbung und kein Spam.")
    await guest.get_by_label("Benutzername").fill("anna")
    await guest.get_by_label("Angezeigter Name").fill("Anna Schulz")
    await guest.get_by_label("Passwort (").fill(steps.PASSWORD)
    await guest.get_by_label("Passwort wiederholen").fill(steps.PASSWORD)
    await guest.get_by_role("button", name="Konto anlegen").click()
    await expect(guest.locator("#consent_rules-error")).to_have_text("Bitte stimme zu, um ein Konto anzulegen.")
    await expect(guest.locator("#consent_privacy-error")).to_be_visible()
    await steps.screenshot(guest, artifacts, "legal-register-consent-error")
    await guest.get_by_label("Passwort (").fill(steps.PASSWORD)
    await guest.get_by_label("Passwort wiederholen").fill(steps.PASSWORD)
    await guest.get_by_label("Ich halte mich an die Regeln dieser Instanz.").check()
    await guest.get_by_label("Ich habe die Datenschutzerklärung gelesen und bin einverstanden.").check()
    await guest.get_by_role("button", name="Konto anlegen").click()
    await expect(guest.get_by_role("status")).to_contain_text("Willkommen")
    assert guest.csp_violations == []
    consents = await leipzig.query("SELECT document FROM consents ORDER BY document")
    assert [c["document"] for c in consents] == ["privacy", "rules"]
    # the footer leads to the legal pages
    await guest.get_by_role("contentinfo").get_by_role("link", name="Impressum").click()
    await expect(guest.get_by_role("heading", level=1)).to_have_text("Impressum")
    await guest.get_by_role("contentinfo").get_by_role("link", name="Transparenzbericht").click()
    await expect(guest.get_by_role("heading", level=1)).to_have_text("Transparenzbericht")

    await fill(leipzig)  # notices, actions and appeals of May 2026 for the report
    pages = [("legal-impressum", "/impressum", "guest"), ("legal-datenschutz", "/datenschutz", "guest"),
             ("legal-transparency", "/transparency?period=2026-05", "guest"), ("legal-register", "/register", "guest"),
             ("legal-about", "/about", "guest"), ("legal-admin-rules", "/admin/rules", "ada")]
    report = {}
    for width_name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        lookers = {"guest": await new_page(browser, viewport=viewport, bypass_csp=True),
                   "ada": await new_page(browser, viewport=viewport, bypass_csp=True)}
        await lookers["ada"].goto(base + "/")
        await steps.log_in(lookers["ada"], "ada")
        for name, path, who in pages:
            page = lookers[who]
            response = await page.goto(base + path)
            assert response.status == 200, (name, response.status)
            await steps.screenshot(page, artifacts, f"{name}-{width_name}")
            found = await axe_violations(page)
            if found:
                report[f"{name}-{width_name}"] = found
    assert not report, json.dumps(report, indent=2)
