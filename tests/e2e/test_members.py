"""In a real headless Chromium: an organisation space's membership page as its admin (the list
with roles, a request, the invite form, the CSV import naming its bad lines), a members-only
idea published with "Wer sieht das?" and its badge; phone and desktop width, axe-core clean,
under the site's CSP."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import expect

from tests.e2e import steps
from tests.e2e.conftest import DESKTOP, new_page
from tests.e2e.test_legal import axe_violations
from wecreate_fed.store import orgs as orgs_store

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
PHONE_375 = {"width": 375, "height": 812}
BAD_CSV = "name,email\nAnna Alt,anna@example.org\nBert Bunt,kein-mail\n"


async def test_the_members_page_and_a_members_only_idea(leipzig, browser, artifacts):
    base = leipzig.base_url
    org = await leipzig.create_user("spd", type_="Organization", category="party", name="SPD Leipzig",
                                    password=steps.PASSWORD)
    anna = await leipzig.create_user("anna", name="Anna Schulz", password=steps.PASSWORD)
    bert = await leipzig.create_user("bert", name="Bert Bauer", password=steps.PASSWORD)
    carla = await leipzig.create_user("carla", name="Carla Chor", password=steps.PASSWORD)
    async with leipzig.rt.db.transaction() as conn:
        await orgs_store.put(conn, org.id, anna.id, role="admin", state="accepted")
        await orgs_store.put(conn, org.id, carla.id, role="board", state="accepted")
        await orgs_store.put(conn, org.id, bert.id, role="member", state="requested")

    page = await new_page(browser, viewport=PHONE_375)
    await page.goto(base + "/@spd")
    await steps.log_in(page, "anna")
    await page.get_by_role("link", name="Mitglieder", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Mitglieder von SPD Leipzig")
    await expect(page.get_by_text("Du bist hier: Admin.")).to_be_visible()
    await steps.screenshot(page, artifacts, "members-page-375")
    # the CSV import names the bad line and imports nothing
    await page.get_by_label("oder die Zeilen hier einfügen").fill(BAD_CSV)
    await page.get_by_role("button", name="Importieren").click()
    await expect(page.locator("#import-errors")).to_contain_text("Zeile 3: „kein-mail“ ist keine E-Mail-Adresse.")
    await steps.screenshot(page, artifacts, "members-import-errors-375")
    assert await leipzig.query("SELECT 1 FROM org_invitations") == []
    # bert's request approved
    await page.goto(base + "/@spd/members")
    await page.get_by_role("button", name="Aufnehmen (Bert Bauer)").click()
    await expect(page.get_by_role("status")).to_contain_text("bert ist jetzt Mitglied")
    assert page.csp_violations == []

    # a members-only idea through the form, with its badge
    await page.goto(base + "/ideas/new")
    await page.get_by_label("Titel").fill("Internes Positionspapier")
    await page.get_by_label("West").check()
    await page.get_by_label("Wer sieht das?").select_option(label="Nur Mitglieder von SPD Leipzig")
    await page.get_by_role("button", name="Veröffentlichen").click()
    await expect(page.get_by_role("note")).to_have_text("Nur für Mitglieder von SPD Leipzig sichtbar")
    await steps.screenshot(page, artifacts, "members-only-idea-375")
    idea_url = page.url
    assert page.csp_violations == []

    desktop = await new_page(browser, viewport=DESKTOP)
    await desktop.goto(base + "/@spd")
    await steps.log_in(desktop, "anna")
    await desktop.goto(base + "/@spd/members")
    await steps.screenshot(desktop, artifacts, "members-page-1280")
    # axe-core is injected as a script, which the site's CSP forbids: it runs where the policy is bypassed
    for path in ("/@spd/members", "/ideas/new", idea_url.removeprefix(base)):
        for viewport in (PHONE_375, DESKTOP):
            checked = await new_page(browser, viewport=viewport, bypass_csp=True)
            await checked.goto(base + "/@spd")
            await steps.log_in(checked, "anna")
            await checked.goto(base + path)
            violations = await axe_violations(checked)
            assert violations == [], (path, viewport, json.dumps(violations, indent=2))
    # a visitor's view of the page (join button) is clean too
    visitor = await new_page(browser, viewport=PHONE_375, bypass_csp=True)
    await visitor.goto(base + "/@spd/members")
    assert await axe_violations(visitor) == []
    await steps.screenshot(visitor, artifacts, "members-page-visitor-375")
