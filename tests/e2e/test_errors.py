"""In a real headless Chromium: an unknown address is the site's own page in the visitor's language
(German, then English through the language switch, which keeps the visitor on the page), and a
form sent with several problems shows them all at once, next to their fields and in a summary
whose links lead to the fields; screenshots at 375 and 1280 px, axe-core clean."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import expect

from tests.e2e import steps
from tests.e2e.conftest import DESKTOP, new_page
from tests.e2e.test_flow import FAILING_IMPACTS, WCAG_TAGS
from tests.e2e.test_legal import axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

PHONE_375 = {"width": 375, "height": 812}
assert FAILING_IMPACTS and WCAG_TAGS  # axe_violations applies them


async def test_error_page_and_form_errors_in_both_languages(leipzig, browser, artifacts):
    base = leipzig.base_url
    await leipzig.create_user("anna", password=steps.PASSWORD)
    report = {}
    for width_name, viewport in (("375", PHONE_375), ("1280", DESKTOP)):
        page = await new_page(browser, viewport=viewport, bypass_csp=True)  # axe is injected
        # an address that is not there: the site's page, in German, with a way on
        response = await page.goto(base + "/keine-seite")
        assert response.status == 404
        await expect(page.get_by_role("heading", level=1)).to_have_text("Nicht gefunden")
        await expect(page.locator("main")).to_contain_text("Diese Seite gibt es hier nicht.")
        await steps.screenshot(page, artifacts, f"errors-404-de-{width_name}")
        report[f"404-de-{width_name}"] = await axe_violations(page)
        # an idea that is not there says so
        response = await page.goto(base + "/i/00000000-0000-0000-0000-000000000000")
        assert response.status == 404
        await expect(page.locator("main")).to_contain_text("Diese Idee gibt es hier nicht")
        # the language switch keeps the visitor on the error page, now in English
        await page.goto(base + "/keine-seite")
        await page.get_by_role("link", name="English").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
        assert page.url.endswith("/keine-seite")
        await expect(page.locator("main")).to_contain_text("There is no such page here.")
        await steps.screenshot(page, artifacts, f"errors-404-en-{width_name}")
        report[f"404-en-{width_name}"] = await axe_violations(page)
        await page.get_by_role("link", name="To the home page").click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text("Leipzig")
        await page.context.close()

        # a registration with three problems: all of them at once, in German, the name kept
        page = await new_page(browser, viewport=viewport, bypass_csp=True)  # axe is injected
        await page.goto(base + "/register")
        await page.get_by_label("Benutzername").fill("anna")
        await page.get_by_label("Angezeigter Name").fill("Anna Zwei")
        await page.get_by_label("Passwort (").fill("kurz")
        await page.get_by_label("Passwort wiederholen").fill("anders")
        await page.get_by_role("button", name="Konto anlegen").click()
        summary = page.get_by_role("alert")
        await expect(summary).to_contain_text("Bitte prüfe deine Angaben.")
        await expect(summary.get_by_role("link")).to_have_count(3)  # name, password, its repeat
        await expect(page.locator("#username-error")).to_have_text("Dieser Name ist schon vergeben.")
        await expect(page.get_by_label("Benutzername")).to_have_attribute("aria-invalid", "true")
        await expect(page.get_by_label("Benutzername")).to_have_value("anna")
        await expect(page.get_by_label("Angezeigter Name")).to_have_value("Anna Zwei")
        await steps.screenshot(page, artifacts, f"errors-form-de-{width_name}")
        report[f"form-de-{width_name}"] = await axe_violations(page)
        # a link of the summary leads to its field: the password field has the focus
        await summary.get_by_role("link", name="Passwort:").first.click()
        assert await page.evaluate("document.activeElement.id") == "password"
        await page.context.close()
    found = {name: violations for name, violations in report.items() if violations}
    assert not found, json.dumps(found, indent=2)


@pytest.fixture
async def leipzig(make_instance):
    return await make_instance("leipzig")
