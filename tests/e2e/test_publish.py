"""Publishing an internal draft to the city's marketplace in a real headless Chromium: a board
member of a party space on a private instance opens the draft, chooses the allowlisted city and
publishes; the city's marketplace lists the idea with the party badge. Screenshots of the
publishing page (before and after) at 375 and 1280 px, and an axe-core check of each."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import Page, expect

from tests.conftest import Instance
from tests.e2e import steps
from tests.e2e.conftest import AXE, DESKTOP, new_page
from tests.e2e.test_flow import FAILING_IMPACTS, WCAG_TAGS
from tests.private.private_setup import allow, authority, private_config
from tests.publish.publish_spaces import DRAFT, internal_draft, party_space

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

PHONE_375 = {"width": 375, "height": 812}


@pytest.fixture
async def party(tmp_path):
    """A private party instance (instance.mode = "private")."""
    instance = Instance(private_config(tmp_path, "partei"))
    await instance.start()
    yield instance
    await instance.stop()


async def log_in(page: Page, base_url: str, username: str) -> None:
    await page.goto(base_url + "/login")
    await page.get_by_label("Benutzername").fill(username)
    await page.get_by_label("Passwort").fill(steps.PASSWORD)
    await page.get_by_role("button", name="Anmelden").click()
    await expect(page.locator("details.account-menu > summary")).to_be_visible()


async def test_publishing_a_draft_to_the_city_screenshots_and_accessibility(party, leipzig, browser, artifacts):
    city = leipzig
    await allow(party, city)
    org, people = await party_space(party, password=steps.PASSWORD)
    draft = await internal_draft(party, org, people["carla"])
    draft_page = f"{party.base_url}/i/{draft.rsplit('/', 1)[1]}"
    publish_page = draft_page + "/publish"
    report = {}

    async def check(page: Page, name: str) -> None:
        """Screenshot and axe-core of the page open now (axe injected in a context that bypasses the CSP)."""
        await steps.screenshot(page, artifacts, name)
        assert not page.csp_violations, page.csp_violations
        checker = await new_page(page.context.browser, viewport=page.viewport_size, bypass_csp=True)
        await log_in(checker, party.base_url, "bert")
        await checker.goto(page.url)
        await checker.add_script_tag(path=str(AXE))
        result = await checker.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                                        WCAG_TAGS)
        report[name] = [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
                        for v in result["violations"]]
        await checker.context.close()

    # The form before publishing, at both widths
    for width_name, viewport in (("phone", PHONE_375), ("desktop", DESKTOP)):
        page = await new_page(browser, viewport=viewport)
        await log_in(page, party.base_url, "bert")
        await page.goto(draft_page)
        await page.get_by_role("link", name="Auf dem Marktplatz der Stadt veröffentlichen").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Auf dem Marktplatz der Stadt veröffentlichen")
        await expect(page.get_by_label(authority(city))).to_be_checked()  # the only city on the allowlist
        await check(page, f"publish-form-{width_name}")
        await page.context.close()

    # Bert publishes: the public idea's page, by the party
    page = await new_page(browser, viewport=DESKTOP)
    await log_in(page, party.base_url, "bert")
    await page.goto(publish_page)
    await page.get_by_role("button", name="Auf dem Marktplatz der Stadt veröffentlichen").click()
    await expect(page.get_by_role("status").first).to_contain_text("Die Idee steht jetzt auf dem Marktplatz.")
    await expect(page.get_by_role("heading", level=1)).to_have_text(DRAFT["title"])
    await expect(page.locator(".byline")).to_contain_text("SPD Kreisverband")
    assert page.url != draft_page
    await page.context.close()

    # The page says where it went, at both widths
    for width_name, viewport in (("phone", PHONE_375), ("desktop", DESKTOP)):
        page = await new_page(browser, viewport=viewport)
        await log_in(page, party.base_url, "bert")
        await page.goto(publish_page)
        await expect(page.get_by_role("heading", name="Veröffentlicht")).to_be_visible()
        await expect(page.get_by_text(authority(city))).to_be_visible()
        await check(page, f"publish-done-{width_name}")
        await page.context.close()

    # The city's marketplace lists it with the party badge
    page = await new_page(browser, viewport=DESKTOP)
    await page.goto(city.base_url + "/")
    card = page.locator("article.idea-card", has_text=DRAFT["title"])
    await steps.reload_until(page, card)
    await expect(card.locator(".badge-party")).to_be_visible()
    await steps.screenshot(page, artifacts, "publish-city-marketplace-desktop")
    await page.context.close()

    (artifacts / "axe-report-publish.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    failing = {name: [v for v in found if v["impact"] in FAILING_IMPACTS] for name, found in report.items()}
    failing = {name: found for name, found in failing.items() if found}
    assert not failing, json.dumps(failing, indent=2)
