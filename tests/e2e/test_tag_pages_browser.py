"""In a real headless Chromium: an idea published through the form with a picture and its
description, its hashtag followed to the tag page (which lists it), the favicon the page links to;
the tag page (full and empty) at phone and desktop width, axe-core clean, under the site's CSP."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import expect

from tests.e2e import steps
from tests.e2e.conftest import DESKTOP, new_page
from tests.e2e.test_legal import axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
PHONE_375 = {"width": 375, "height": 812}


async def test_a_hashtag_leads_to_its_page_with_the_idea(leipzig, browser, artifacts):
    base = leipzig.base_url
    await leipzig.create_user("anna", name="Anna Schulz", password=steps.PASSWORD)
    page = await new_page(browser, viewport=PHONE_375)
    await page.goto(base + "/")
    await steps.log_in(page, "anna")
    # the form asks for the picture's description once a picture is given
    await page.get_by_role("link", name="Neue Idee").first.click()
    await page.get_by_label("Titel").fill("Trinkbrunnen am Markt")
    await page.get_by_label("West").check()
    await page.get_by_label("Themen").fill("wasser sommer")
    await page.get_by_label("Bild (Adresse)").fill("https://bilder.example/brunnen.png")
    await page.get_by_role("button", name="Veröffentlichen").click()
    await expect(page.locator("#image_alt-error")).to_be_visible()
    await expect(page.get_by_label("Bildbeschreibung")).to_have_attribute("aria-invalid", "true")
    await page.get_by_label("Bildbeschreibung").fill("Ein steinerner Brunnen auf dem Lindenauer Markt")
    await page.get_by_role("button", name="Veröffentlichen").click()
    await expect(page.get_by_role("status")).to_contain_text("veröffentlicht")
    await expect(page.locator("img.idea-image")).to_have_attribute(
        "alt", "Ein steinerner Brunnen auf dem Lindenauer Markt")
    assert await page.locator('meta[property="og:title"]').get_attribute("content") == "Trinkbrunnen am Markt"

    # the hashtag on the idea page leads to the tag page, which lists the idea
    await page.get_by_role("link", name="#wasser").first.click()
    await expect(page).to_have_url(base + "/tags/wasser")
    await expect(page.get_by_role("heading", level=1)).to_have_text("#wasser")
    await expect(page.get_by_role("link", name="Trinkbrunnen am Markt")).to_be_visible()
    await steps.screenshot(page, artifacts, "tags-page-375")

    # the favicon the page links to is there
    href = await page.locator('link[rel="icon"][type="image/svg+xml"]').get_attribute("href")
    response = await page.request.get(base + href)
    assert response.ok and response.headers["content-type"] == "image/svg+xml"
    assert page.csp_violations == []

    desktop = await new_page(browser, viewport=DESKTOP)
    await desktop.goto(base + "/tags/wasser")
    await expect(desktop.get_by_role("link", name="Trinkbrunnen am Markt")).to_be_visible()
    await steps.screenshot(desktop, artifacts, "tags-page-1280")
    assert desktop.csp_violations == []
    empty = await new_page(browser, viewport=PHONE_375)
    await empty.goto(base + "/tags/niemand")
    await expect(empty.get_by_text("Zu #niemand gibt es noch nichts.")).to_be_visible()
    await steps.screenshot(empty, artifacts, "tags-empty-375")
    # axe-core is injected as a script, which the site's CSP forbids: it runs where the policy is bypassed
    for path in ("/tags/wasser", "/tags/niemand"):
        for viewport in (PHONE_375, DESKTOP):
            checked = await new_page(browser, viewport=viewport, bypass_csp=True)
            await checked.goto(base + path)
            violations = await axe_violations(checked)
            assert violations == [], (path, viewport, json.dumps(violations, indent=2))
