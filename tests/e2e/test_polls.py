"""In a real headless Chromium: a secret ballot asked through the form (its errors first), voted in
by another person, closed by its author and its results read; the form, the ballot, the results
and the list at phone (375 px) and desktop (1280 px) width, axe-core clean, under the site's CSP."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import expect

from tests.e2e import steps
from tests.e2e.conftest import DESKTOP, new_page
from tests.e2e.test_legal import axe_violations
from wecreate_fed.civic import polls

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
PHONE_375 = {"width": 375, "height": 812}


async def test_a_secret_ballot_from_the_form_to_its_results(leipzig, browser, artifacts):
    base = leipzig.base_url
    await leipzig.create_user("anna", name="Anna Schulz", password=steps.PASSWORD)
    await leipzig.create_user("bert", name="Bert Brandt", password=steps.PASSWORD)
    page = await new_page(browser, viewport=PHONE_375)
    await page.goto(base + "/")
    await steps.log_in(page, "anna")
    # From her profile to the polls, and a new one
    await steps.open_account_menu(page)
    await page.get_by_role("link", name="Profil").first.click()
    await page.get_by_role("link", name="Umfragen").click()
    await page.get_by_role("link", name="Neue Umfrage").click()
    await page.get_by_label("Frage", exact=True).fill("Wer soll Sprecherin werden?")
    await page.get_by_label("Antwortmöglichkeiten").fill("Frieda")
    await page.get_by_label("Geheim abstimmen").check()
    await page.get_by_label("Mehrere Antworten erlaubt").check()
    await page.get_by_role("button", name="Umfrage starten").click()
    # Every problem at once, each at its field
    errors = page.get_by_role("alert")
    await expect(errors).to_contain_text("2 bis 10 Antwortmöglichkeiten")
    await expect(errors).to_contain_text("eine Stimme")
    await expect(page.get_by_label("Antwortmöglichkeiten")).to_have_attribute("aria-invalid", "true")
    await steps.screenshot(page, artifacts, "polls-form-errors-375")
    await page.get_by_label("Antwortmöglichkeiten").fill("Frieda\nGisela\nHanna")
    await page.get_by_label("Mehrere Antworten erlaubt").uncheck()
    await page.get_by_role("button", name="Umfrage starten").click()
    await expect(page.get_by_role("status")).to_contain_text("Deine Umfrage läuft.")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Wer soll Sprecherin werden?")
    poll_url = page.url
    assert page.csp_violations == []

    # Bert votes: one option of three; afterwards the page says so, and shows no result yet
    voter = await new_page(browser, viewport=PHONE_375)
    await voter.goto(poll_url)
    await steps.log_in(voter, "bert")
    await voter.goto(poll_url)
    ballot = voter.get_by_role("group", name="Deine Stimme")
    await ballot.get_by_label("Gisela").check()
    await steps.screenshot(voter, artifacts, "polls-ballot-375")
    await voter.get_by_role("button", name="Abstimmen").click()
    await expect(voter.get_by_role("status").first).to_contain_text("Deine Stimme ist gezählt.")
    await expect(voter.get_by_text("Das Ergebnis erscheint, wenn die Umfrage beendet ist.")).to_be_visible()
    await expect(voter.get_by_text("1 Person hat abgestimmt")).to_be_visible()

    # Anna closes it; the results are there for everyone
    await page.reload()
    await page.get_by_role("button", name="Jetzt beenden").click()
    await expect(page.get_by_role("status")).to_contain_text("Die Umfrage ist beendet.")
    results = page.get_by_role("region", name="Ergebnis")
    await expect(results.get_by_text("1 Stimme · 100 %")).to_be_visible()
    await expect(results.get_by_role("progressbar", name="Gisela")).to_have_attribute("value", "100")
    await steps.screenshot(page, artifacts, "polls-results-375")

    desktop = await new_page(browser, viewport=DESKTOP)
    await desktop.goto(poll_url)
    await expect(desktop.get_by_role("heading", level=1)).to_have_text("Wer soll Sprecherin werden?")
    await steps.screenshot(desktop, artifacts, "polls-results-1280")
    await desktop.goto(base + "/polls")
    await expect(desktop.get_by_role("link", name="Wer soll Sprecherin werden?")).to_be_visible()
    await steps.screenshot(desktop, artifacts, "polls-list-1280")
    assert desktop.csp_violations == [] and voter.csp_violations == [] and page.csp_violations == []

    # An open ballot for the ballot's own check, then axe-core on every poll page at both widths
    open_poll = await leipzig.query("SELECT ap_id FROM polls")
    assert len(open_poll) == 1
    anna = await leipzig.actor("anna")
    second = await polls.create(leipzig.rt, anna, {"question": "Welche Tage?", "options": ["Mo", "Di", "Mi"],
                                                   "multiple": True, "live_results": True})
    second_path = "/p/" + second.rsplit("/", 1)[1]
    for path, who in ((second_path, "bert"), (poll_url.removeprefix(base), None), ("/polls", None),
                      ("/polls/new", "anna")):
        for viewport in (PHONE_375, DESKTOP):
            checked = await new_page(browser, viewport=viewport, bypass_csp=True)
            await checked.goto(base + "/")
            if who:
                await steps.log_in(checked, who)
            await checked.goto(base + path)
            if path == second_path and viewport is DESKTOP:
                await expect(checked.get_by_role("group", name="Deine Stimme").get_by_role("checkbox")).to_have_count(3)
                await steps.screenshot(checked, artifacts, "polls-ballot-anyof-1280")
            if path == "/polls/new" and viewport is DESKTOP:
                await steps.screenshot(checked, artifacts, "polls-form-1280")
            violations = await axe_violations(checked)
            assert violations == [], (path, viewport, json.dumps(violations, indent=2))
