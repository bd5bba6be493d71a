"""Amendments in a real headless Chromium: a member opens a motion's numbered text from the motion's
page, proposes an amendment (first with its reason missing), the author adopts it and sees the
final version; the box's printable motion book. Screenshots at phone (375 px) and desktop width,
each page checked with axe-core."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import expect

from tests.e2e import steps
from tests.e2e.conftest import AXE, DESKTOP, new_page
from wecreate_fed.civic import boxes, motions
from wecreate_fed.civic.boxes import amendments

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

PHONE = {"width": 375, "height": 812}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("serious", "critical")
REQUEST = ("Der Kreisverband möge beschließen: Die Stadt baut sichere Radwege an allen Hauptstraßen "
           "und öffnet die Einbahnstraßen für Räder in beide Richtungen.\n\n"
           "Zweitens: Vor jeder Schule gilt Tempo 30.\nDrittens: An jeder Haltestelle steht eine Bank.")


async def check(page, artifacts, name: str, found: dict) -> None:
    await steps.screenshot(page, artifacts, name)
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    found[name] = [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
                   for v in result["violations"] if v["impact"] in FAILING_IMPACTS]


async def test_propose_adopt_and_print_amendments(leipzig, browser, artifacts):
    base = leipzig.base_url
    anna = await leipzig.create_user("anna", name="Anna Schulz", password=steps.PASSWORD)
    mehmet = await leipzig.create_user("mehmet", name="Mehmet Öztürk", password=steps.PASSWORD)
    lena = await leipzig.create_user("lena", name="Lena Groß", password=steps.PASSWORD)
    box = await boxes.create(leipzig.rt, anna, {"name": "Kreisverband Süd", "slug": "kv_sued", "visibility": "open"})
    for person in (mehmet, lena):
        await boxes.join(leipzig.rt, person, box.ap_id)
    found: dict = {}
    for width_name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        title = f"Mehr Grün für die Südstadt ({width_name})"
        motion_id = await motions.draft(leipzig.rt, anna, "kv_sued", {"title": title, "request": REQUEST,
                                                                      "reasoning": "Weil es hilft."})
        await amendments.propose(leipzig.rt, lena, motion_id, {"first_line": "4", "reason": "Regen.",
                                                               "replacement": "Drittens: Jede Haltestelle hat ein Dach."})
        key = motion_id.rsplit("/", 1)[1]
        # Mehmet opens the numbered text from the motion's page
        page = await new_page(browser, viewport=viewport, bypass_csp=True)  # (axe is injected inline)
        await page.goto(base + "/")
        await steps.log_in(page, "mehmet")
        await page.goto(f"{base}/m/{key}")
        await page.get_by_role("link", name="Zeilennummern und Änderungsanträge").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(f"Änderungsanträge: {title}")
        await expect(page.locator("#l3 .text")).to_have_text("Zweitens: Vor jeder Schule gilt Tempo 30.")
        await check(page, artifacts, f"amend-view-{width_name}", found)
        # He proposes one without a reason: the form says what is missing, at the field
        await page.get_by_label("Von Zeile").fill("3")
        await page.get_by_label("Neuer Text").fill("Zweitens: In der ganzen Stadt gilt Tempo 30.")
        await page.get_by_role("button", name="Änderungsantrag stellen").click()
        await expect(page.locator("#reason-error")).to_have_text("Begründung fehlt: Warum soll sich der Text ändern?")
        await check(page, artifacts, f"amend-form-errors-{width_name}", found)
        await page.get_by_label("Begründung").fill("Sicherer für alle.")
        await page.get_by_role("button", name="Änderungsantrag stellen").click()
        await expect(page.get_by_role("status")).to_contain_text("Änderungsantrag Ä2 ist gestellt.")
        await page.get_by_role("article", name="Ä1 · Zeile 4").get_by_role("button", name="Mitzeichnen").click()
        await expect(page.get_by_role("status")).to_contain_text("Du hast Ä1 mitgezeichnet.")
        # Anna adopts Ä2, rejects Ä1, and reads the final version
        author = await new_page(browser, viewport=viewport, bypass_csp=True)
        await author.goto(base + "/")
        await steps.log_in(author, "anna")
        await author.goto(f"{base}/m/{key}/amendments")
        await author.get_by_role("article", name="Ä2 · Zeile 3").get_by_role("button", name="Übernehmen").click()
        await expect(author.get_by_role("status")).to_contain_text("Ä2 ist übernommen.")
        await author.get_by_role("article", name="Ä1 · Zeile 4").get_by_role("button", name="Ablehnen").click()
        await expect(author.get_by_role("status")).to_contain_text("Ä1 ist abgelehnt.")
        await expect(author.locator("#f3 .text")).to_have_text("Zweitens: In der ganzen Stadt gilt Tempo 30.")
        await expect(author.get_by_role("button", name="Endfassung als neue Fassung übernehmen")).to_be_visible()
        await check(author, artifacts, f"amend-final-{width_name}", found)
        # The motion book, from the box's page
        await author.goto(f"{base}/b/kv_sued")
        await author.get_by_role("link", name="Antragsbuch der Box (Druckfassung)").click()
        await expect(author.get_by_role("heading", level=1)).to_have_text("Antragsbuch: Kreisverband Süd")
        await check(author, artifacts, f"amend-book-{width_name}", found)
        assert not page.csp_violations and not author.csp_violations
        await page.context.close()
        await author.context.close()
    assert all(not v for v in found.values()), json.dumps(found, indent=2, ensure_ascii=False)
