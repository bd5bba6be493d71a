"""An organisation space in a real headless Chromium: the board member finds the space in the account
menu, writes a members-only announcement and pins it, creates a working group; a member joins it
and enters her skills. Screenshots of the space's pages (home, directory, calendar, drafts, the
working group form) at 375 and 1280 px, and an axe-core check of each."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import expect

from tests.e2e import steps
from tests.e2e.conftest import AXE, DESKTOP, new_page
from tests.e2e.test_flow import FAILING_IMPACTS, WCAG_TAGS
from wecreate_fed.civic import events, ideas
from wecreate_fed.store import orgs as orgs_store

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(400)]

PHONE_375 = {"width": 375, "height": 812}
PAGES = (("/@spd/space", "orgspace-home"), ("/@spd/space/members", "orgspace-members"),
         ("/@spd/space/calendar", "orgspace-calendar"), ("/@spd/space/drafts", "orgspace-drafts"),
         ("/@spd/space/groups/new", "orgspace-group-form"))


async def _space(leipzig):
    org = await leipzig.create_user("spd", type_="Organization", category="party", name="SPD Leipzig",
                                    password=steps.PASSWORD)
    bert = await leipzig.create_user("bert", name="Bert Vogel", password=steps.PASSWORD)
    carla = await leipzig.create_user("carla", name="Carla Nowak", password=steps.PASSWORD)
    async with leipzig.rt.db.transaction() as conn:
        await orgs_store.put(conn, org.id, bert.id, role="board", state="accepted")
        await orgs_store.put(conn, org.id, carla.id, role="member", state="accepted")
    # A members-only draft and event, as the members part's forms store them ("Nur Mitglieder").
    _, draft = await ideas.publish(leipzig.rt, carla, {"title": "Entwurf: Kommunalwahlprogramm 2029",
                                                       "summary": "Erste Fassung", "districts": ["west"]})
    starts = (datetime.now(UTC) + timedelta(days=5)).replace(hour=17, minute=0, second=0, microsecond=0)
    _, meeting = await events.publish(leipzig.rt, bert, {
        "title": "Mitgliederversammlung", "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "timezone": "Europe/Berlin",
        "place_name": "Geschäftsstelle"})
    async with leipzig.rt.db.transaction() as conn:
        await conn.execute("UPDATE ideas SET members_of = ? WHERE ap_id = ?", (org.id, draft["id"]))
        await conn.execute("UPDATE events SET members_of = ? WHERE ap_id = ?", (org.id, meeting["id"]))


async def test_an_organisation_space_in_the_browser_screenshots_and_accessibility(leipzig, browser, artifacts):
    await _space(leipzig)
    page = await new_page(browser, viewport=DESKTOP)
    await page.goto(leipzig.base_url + "/")
    await steps.log_in(page, "bert")
    await steps.open_account_menu(page)
    await page.get_by_role("link", name="Mitgliederbereich SPD Leipzig").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("SPD Leipzig – Mitgliederbereich")
    await expect(page.get_by_text("Deine Rolle: Vorstand")).to_be_visible()
    await page.get_by_text("Neue Mitteilung schreiben").click()
    await page.get_by_label("Text der Mitteilung").fill("Vorstandssitzung am Montag um 19 Uhr")
    await page.get_by_label("Nur Mitglieder").check()
    await page.get_by_role("button", name="Veröffentlichen").click()
    await expect(page.get_by_role("status").first).to_contain_text("Die Mitteilung ist veröffentlicht.")
    await page.get_by_role("button", name="Anheften").click()
    await expect(page.get_by_role("status").first).to_contain_text("angeheftet")
    await expect(page.locator("article.announcement.pinned")).to_contain_text("Vorstandssitzung")
    await expect(page.get_by_text("Mitgliederversammlung")).to_be_visible()
    await expect(page.get_by_text("Entwurf: Kommunalwahlprogramm 2029")).to_be_visible()
    await page.get_by_role("link", name="Neue Arbeitsgruppe").click()
    await page.get_by_label("Name der Arbeitsgruppe").fill("AG Verkehr")
    await page.get_by_label("Kurzname").fill("ag_verkehr")
    await page.get_by_role("button", name="Arbeitsgruppe anlegen").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("AG Verkehr")
    assert not page.csp_violations, page.csp_violations
    await page.context.close()

    page = await new_page(browser, viewport=DESKTOP)
    await page.goto(leipzig.base_url + "/")
    await steps.log_in(page, "carla")
    await page.goto(leipzig.base_url + "/@spd/space")
    await page.get_by_role("button", name="AG Verkehr beitreten").click()
    await page.goto(leipzig.base_url + "/@spd/space")
    await expect(page.get_by_text("Du bist dabei.")).to_be_visible()
    await page.get_by_role("link", name="Mitglieder", exact=True).click()
    await page.get_by_role("textbox", name="Fähigkeiten").fill("Plakate, Kasse, Social Media")
    await page.get_by_role("button", name="Fähigkeiten speichern").click()
    await expect(page.locator(".directory")).to_contain_text("Plakate, Kasse, Social Media")
    await expect(page.locator(".directory")).to_contain_text("AG Verkehr")
    assert not page.csp_violations, page.csp_violations
    await page.context.close()

    report = {}
    for width_name, viewport in (("phone", PHONE_375), ("desktop", DESKTOP)):
        for path, name in PAGES:
            page = await new_page(browser, viewport=viewport)
            await page.goto(leipzig.base_url + "/")
            await steps.log_in(page, "bert")
            await page.goto(leipzig.base_url + path)
            await steps.screenshot(page, artifacts, f"{name}-{width_name}")
            assert not page.csp_violations, page.csp_violations
            await page.context.close()
            page = await new_page(browser, viewport=viewport, bypass_csp=True)  # axe is injected as a script
            await page.goto(leipzig.base_url + "/")
            await steps.log_in(page, "bert")
            await page.goto(leipzig.base_url + path)
            await page.add_script_tag(path=str(AXE))
            result = await page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                                         WCAG_TAGS)
            report[f"{name}-{width_name}"] = [
                {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
                for v in result["violations"]]
            await page.context.close()
    (artifacts / "axe-report-orgspace.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    failing = {name: [v for v in found if v["impact"] in FAILING_IMPACTS] for name, found in report.items()}
    failing = {name: found for name, found in failing.items() if found}
    assert not failing, json.dumps(failing, indent=2)
