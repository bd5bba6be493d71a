"""What a person does on the website, one function per step, the way they would: by the
visible labels and buttons (German, the default), never by URLs they could not see.

A new page adds its steps here (e.g. create_box, join_box, draft_motion, co_sign) and a line
in test_flow.py; its screenshot and accessibility check go into MAIN_PAGES there.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Page, expect

PASSWORD = "ein-sicheres-passwort"


async def register(page: Page, base_url: str, username: str, name: str, district: str = "West") -> None:
    await page.goto(base_url + "/")
    await page.get_by_role("link", name="Registrieren").first.click()
    await page.get_by_label("Benutzername").fill(username)
    await page.get_by_label("Angezeigter Name").fill(name)
    await page.get_by_label(re.compile(r"^Passwort \(")).fill(PASSWORD)
    await page.get_by_label("Passwort wiederholen").fill(PASSWORD)
    await page.get_by_label("Dein Stadtbezirk").select_option(label=district)
    await page.get_by_role("button", name="Konto anlegen").click()
    await expect(page.get_by_role("status")).to_contain_text("Willkommen")


async def log_out(page: Page) -> None:
    await page.get_by_role("button", name="Abmelden").click()
    await expect(page.get_by_role("status")).to_contain_text("abgemeldet")


async def log_in(page: Page, username: str) -> None:
    await page.get_by_role("link", name="Anmelden").first.click()
    await page.get_by_label("Benutzername").fill(username)
    await page.get_by_label("Passwort").fill(PASSWORD)
    await page.get_by_role("button", name="Anmelden").click()
    await expect(page.get_by_role("link", name="Einstellungen")).to_be_visible()


async def publish_idea(page: Page, title: str, summary: str, body: str, district: str, topics: str) -> str:
    """Publish through the form, looking at the Markdown preview first; returns the idea's page URL."""
    await page.get_by_role("link", name="Neue Idee").first.click()
    await page.get_by_label("Titel").fill(title)
    await page.get_by_label("Kurzfassung").fill(summary)
    await page.get_by_label("Beschreibung").fill(body)
    # The preview comes from the server through the small script, without leaving the form
    await page.get_by_role("button", name="Vorschau").click()
    await expect(page.locator("#body-preview strong")).to_be_visible()
    await expect(page.get_by_label("Titel")).to_have_value(title)
    districts = page.get_by_role("group", name=re.compile("Stadtbezirke"))
    for checkbox in await districts.get_by_role("checkbox", checked=True).all():
        await checkbox.uncheck()
    await districts.get_by_label(district).check()
    await page.get_by_label("Themen").fill(topics)
    await page.get_by_role("button", name="Veröffentlichen").click()
    await expect(page.get_by_role("status")).to_contain_text("veröffentlicht")
    await expect(page.get_by_role("heading", level=1)).to_have_text(title)
    return page.url


async def find_through_filters(page: Page, base_url: str, title: str, district: str, topic: str) -> None:
    """The idea shows up for its district and topic, sorted by support, and not for another district."""
    await page.goto(base_url + "/")
    filters = page.get_by_role("region", name="Filtern")
    await filters.get_by_label("Stadtbezirk").select_option(label=district)
    await filters.get_by_label("Art").select_option(label="Idee")
    await filters.get_by_label("Thema").fill(topic)
    await filters.get_by_label("Sortieren nach").select_option(label="Meiste Unterstützung")
    await filters.get_by_role("button", name="Anzeigen").click()
    await expect(page.get_by_role("link", name=title)).to_be_visible()
    await filters.get_by_label("Stadtbezirk").select_option(label="Mitte")
    await filters.get_by_role("button", name="Anzeigen").click()
    await expect(page.get_by_text("Keine Ideen gefunden.")).to_be_visible()
    await filters.get_by_label("Stadtbezirk").select_option(label=district)
    await filters.get_by_role("button", name="Anzeigen").click()
    await page.get_by_role("link", name=title).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(title)


async def support(page: Page, idea_url: str) -> None:
    await page.goto(idea_url)
    await page.get_by_role("button", name="Unterstützen").click()
    await expect(page.get_by_role("status")).to_contain_text("Du unterstützt diese Idee")
    await expect(page.locator("#counts")).to_contain_text("1 Unterstützung")


async def comment(page: Page, text: str) -> None:
    await page.get_by_label("Dein Kommentar").fill(text)
    await page.get_by_role("button", name="Kommentieren").click()
    await expect(page.locator(".comment-body").filter(has_text=text)).to_be_visible()


async def plan_event(page: Page, idea_url: str, title: str, starts: str, ends: str, place: str) -> str:
    """From the idea's page, an event for it; returns the event page's URL."""
    await page.goto(idea_url)
    await page.get_by_role("link", name="Termin dazu planen").click()
    await page.get_by_label("Titel").fill(title)
    await page.get_by_label("Beschreibung").fill("Wir treffen uns **vor Ort**.")
    await page.get_by_label("Beginn").fill(starts)
    await page.get_by_label("Ende").fill(ends)
    await page.get_by_label("Ort", exact=True).fill(place)
    await page.get_by_role("button", name="Veröffentlichen").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(title)
    return page.url


async def attend(page: Page, base_url: str, title: str) -> None:
    """Find the event in the calendar and sign up."""
    await page.goto(base_url + "/")
    await page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Termine").click()
    await page.get_by_role("link", name=title).click()
    await page.get_by_role("button", name="Ich nehme teil").click()
    await expect(page.get_by_role("status")).to_contain_text("Du nimmst teil")
    await expect(page.get_by_text("1 nimmt teil")).to_be_visible()


async def screenshot(page: Page, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
