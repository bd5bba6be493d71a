"""In a real headless Chromium: a person chooses her email notifications, the weekly digest of
her district arrives over real SMTP with the week's new ideas and events, and its unsubscribe
link works without logging in; screenshots at 375 and 1280 px, axe-core clean."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import expect

from tests.e2e import steps
from tests.e2e.conftest import DESKTOP, new_page
from tests.e2e.test_legal import axe_violations
from tests.notify.helpers import mail_tables, with_address
from wecreate_fed.civic import events, ideas
from wecreate_fed.notify.worker import NotifyWorker
from wecreate_fed.store import utcnow

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
PHONE = {"width": 375, "height": 812}
EVENT = {"title": "Stadtteilfest West", "description": "Mit Musik.", "starts_at": "2031-06-20T15:00",
         "ends_at": "2031-06-20T20:00", "place_name": "Lindenauer Markt", "district": "west"}


async def _check(page, artifacts, name: str) -> None:
    """Screenshots at phone and desktop width, and no serious accessibility finding at either."""
    for label, viewport in (("375", PHONE), ("1280", DESKTOP)):
        await page.set_viewport_size(viewport)
        await steps.screenshot(page, artifacts, f"{name}-{label}")
        assert await axe_violations(page) == [], f"{name} at {label} px"


async def test_the_weekly_digest_arrives_and_its_unsubscribe_link_works(make_instance, mailserver, browser, artifacts):
    leipzig = await make_instance("leipzig", tables=mail_tables(mailserver))
    base = leipzig.base_url
    anna = await with_address(leipzig, "anna", "anna@example.org", district="west", name="Anna Schulz",
                              password=steps.PASSWORD)
    bert = await with_address(leipzig, "bert", "bert@example.org", district="mitte", name="Bert")
    # Anna looks at her choices: the district's news weekly, replies at once
    page = await new_page(browser, viewport=PHONE, bypass_csp=True)  # axe-core is injected
    await page.goto(base + "/")
    await steps.log_in(page, "anna")
    await steps.open_account_menu(page)
    await page.get_by_role("link", name="Einstellungen").click()
    await page.get_by_role("link", name="E-Mail-Benachrichtigungen").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("E-Mail-Benachrichtigungen")
    district = page.get_by_label("Neu in meinem Stadtbezirk: Ideen und Termine")
    await expect(district).to_have_value("weekly")
    await page.get_by_label("Unterstützung für meine Ideen").select_option(label="wöchentlich")
    await page.get_by_role("button", name="Auswahl speichern").click()
    await expect(page.get_by_role("status")).to_contain_text("Deine Auswahl ist gespeichert.")
    await _check(page, artifacts, "notify-settings")
    assert page.csp_violations == []
    # The week in West: two ideas and a festival; one idea in Mitte that is not hers to hear of
    for title in ("Radweg Lützner Straße", "Spielplatz am Kanal"):
        await ideas.publish(leipzig.rt, bert, {"title": title, "summary": f"{title}: kurz erklärt", "districts": ["west"]})
    await ideas.publish(leipzig.rt, bert, {"title": "Markthalle Mitte", "districts": ["mitte"]})
    await events.publish(leipzig.rt, bert, EVENT)
    await NotifyWorker(leipzig.rt, clock=lambda: utcnow() + timedelta(days=7)).run_once()
    [digest] = await mailserver.wait_for(1, to="anna@example.org")
    assert digest.subject == "Neu in West diese Woche"
    for text in ("Radweg Lützner Straße", "Spielplatz am Kanal", "Stadtteilfest West"):
        assert text in digest.text and text in digest.html
    assert "Markthalle Mitte" not in digest.text
    # The mail as a mail program shows it
    mail_view = await new_page(browser, viewport=PHONE)
    await mail_view.set_content(digest.html)
    await steps.screenshot(mail_view, artifacts, "notify-digest-mail-375")
    # Its unsubscribe link, opened in a browser where nobody is logged in
    link = digest.link("/unsubscribe/")
    assert str(digest["List-Unsubscribe"]) == f"<{link}>"
    guest = await new_page(browser, viewport=PHONE, bypass_csp=True)
    await guest.goto(link)
    await expect(guest.get_by_role("heading", level=1)).to_have_text("E-Mails abbestellen")
    await expect(guest.get_by_text("die wöchentliche Zusammenfassung")).to_be_visible()
    await _check(guest, artifacts, "notify-unsubscribe")
    await guest.get_by_role("button", name="Abbestellen", exact=True).click()
    await expect(guest.get_by_text("Du bekommst diese E-Mails nicht mehr")).to_be_visible()
    await _check(guest, artifacts, "notify-unsubscribed")
    assert guest.csp_violations == []
    chosen = await leipzig.query("SELECT topic, frequency FROM notification_preferences WHERE actor_id = ? ORDER BY topic",
                                 (anna.id,))
    assert {c["topic"]: c["frequency"] for c in chosen}["district"] == "never"
    assert {c["topic"]: c["frequency"] for c in chosen}["support"] == "never"   # it was weekly too
    # Her settings page says so
    await page.reload()
    await expect(district).to_have_value("never")
