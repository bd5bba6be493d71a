"""What a person does on the website, one function per step, the way they would: by the
visible labels and buttons (German, the default), never by URLs they could not see.

A new page adds its steps here (as create_box, join_box, draft_motion, co_sign did) and a
line in test_flow.py; its screenshot and accessibility check go into the main pages there.
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


async def open_account_menu(page: Page) -> None:
    """The header's menu of one's own links (name, notifications, settings, moderation, logging out)."""
    menu = page.locator("details.account-menu")
    if await menu.get_attribute("open") is None:
        await menu.locator("summary").click()


async def log_out(page: Page) -> None:
    await open_account_menu(page)
    await page.get_by_role("button", name="Abmelden").click()
    await expect(page.get_by_role("status")).to_contain_text("abgemeldet")


async def log_in(page: Page, username: str) -> None:
    await page.get_by_role("link", name="Anmelden").first.click()
    await page.get_by_label("Benutzername").fill(username)
    await page.get_by_label("Passwort").fill(PASSWORD)
    await page.get_by_role("button", name="Anmelden").click()
    await expect(page.locator("details.account-menu > summary")).to_be_visible()


async def publish_idea(page: Page, title: str, summary: str, body: str, district: str, topics: str) -> str:
    """Publish through the form, looking at the Markdown preview first; returns the idea's page URL."""
    await page.get_by_role("link", name="Neue Idee").first.click()
    await page.get_by_label("Titel").fill(title)
    await page.get_by_label("Kurzfassung").fill(summary)
    await page.get_by_label("Beschreibung", exact=True).fill(body)
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
    await filters.get_by_text("Filtern und sortieren").click()  # folded away until a filter is set
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
    await page.get_by_label("Beschreibung", exact=True).fill("Wir treffen uns **vor Ort**.")
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


async def create_box(page: Page, base_url: str, name: str, problem: str, meeting_time: str,
                     visibility: str = "Offen") -> str:
    """Start a box from the list of boxes; returns the box page's URL."""
    await page.goto(base_url + "/")
    await page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Boxen").click()
    await page.get_by_role("link", name="Box gründen").click()
    await page.get_by_label("Name der Box").fill(name)
    await page.get_by_role("group", name="Wer kann mitmachen?").get_by_role("radio", name=re.compile("^" + visibility)).check()
    await page.get_by_label("Problem").fill(problem)
    await page.get_by_label("Wann wir uns treffen").fill(meeting_time)
    await page.get_by_role("button", name="Box gründen").click()
    await expect(page.get_by_role("status")).to_contain_text("Deine Box ist gegründet")
    await expect(page.get_by_role("heading", level=1)).to_have_text(name)
    return page.url


async def join_box(page: Page, base_url: str, name: str) -> None:
    """Find the box in the list and join it."""
    await page.goto(base_url + "/")
    await page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Boxen").click()
    await page.get_by_role("link", name=name).click()
    await page.get_by_role("button", name="Mitmachen").click()
    await expect(page.get_by_role("status")).to_contain_text(f"Willkommen in der Box {name}")
    await expect(page.get_by_text("Du bist dabei (Mitglied).")).to_be_visible()


async def post_in_box(page: Page, text: str) -> None:
    await page.get_by_label("Dein Beitrag").fill(text)
    await page.get_by_role("button", name="Beitrag senden").click()
    await expect(page.get_by_role("status")).to_contain_text("Beitrag ist gesendet")
    # The box relays the post through the instance's inbox queue: it shows up a moment later.
    await reload_until(page, page.locator(".comment-body").filter(has_text=text))


async def draft_motion(page: Page, box_url: str, title: str, request: str, reasoning: str, council: str,
                       required: int) -> str:
    """From the box's page, a motion with the Markdown preview of its request; returns its page URL."""
    await page.goto(box_url)
    await page.get_by_role("link", name="Neuer Antrag").click()
    await page.get_by_label("Titel").fill(title)
    await page.get_by_label("Antrag", exact=True).fill(request)
    await page.get_by_role("button", name="Vorschau (Antrag)").click()
    await expect(page.locator("#request-preview strong")).to_be_visible()
    await page.get_by_label("Begründung").fill(reasoning)
    await page.get_by_label("oder seine Adresse im Fediverse").fill(council)
    await page.get_by_label("Stadtbezirk").select_option(label="West")
    await page.get_by_label(re.compile("^Nötige Mitzeichnungen")).fill(str(required))
    await page.get_by_role("button", name="Entwurf anlegen").click()
    await expect(page.get_by_role("status")).to_contain_text("Der Entwurf ist angelegt")
    await expect(page.get_by_role("heading", level=1)).to_have_text(title)
    return page.url


async def co_sign(page: Page, motion_url: str, signed: int, required: int) -> None:
    await page.goto(motion_url)
    await page.get_by_role("button", name="Mitzeichnen").click()
    await expect(page.get_by_role("status")).to_contain_text("Du hast mitgezeichnet")
    count = f"{signed} Mitzeichnung{'' if signed == 1 else 'en'}, {required} nötig"
    await expect(page.get_by_text(count)).to_be_visible()


async def submit_motion(page: Page, motion_url: str, *, expect_missing: str | None = None) -> None:
    """Submit (confirming the question); with too few co-signers the button is disabled and the
    page says what is missing (the server refuses it too: tests/web/test_first_minutes.py)."""
    await page.goto(motion_url)
    button = page.get_by_role("button", name="Beim Gremium einreichen")
    if expect_missing:
        await expect(button).to_be_disabled()
        await expect(page.locator("#submit-hint")).to_contain_text(expect_missing)
        return
    page.once("dialog", _accept)
    await button.click()
    await expect(page.get_by_role("status")).to_contain_text("Der Antrag ist eingereicht")
    await expect(page.get_by_role("button", name="Mitzeichnen")).to_have_count(0)


async def answer_as_council(page: Page, title: str, session: str, decision_text: str) -> None:
    """On the council's page: put the motion on the agenda, then accept it."""
    await open_account_menu(page)
    await page.get_by_role("link", name="Anträge an uns").click()
    motion = page.get_by_role("article", name=title)
    await reload_until(page, motion)
    await motion.get_by_label("Datum und Uhrzeit der Sitzung").fill("2026-12-10T18:00")
    await motion.get_by_label("Sitzung", exact=True).fill(session)
    await motion.get_by_role("button", name="Termin mitteilen").click()
    await expect(page.get_by_role("status")).to_contain_text("steht auf der Tagesordnung")
    motion = page.get_by_role("article", name=title)
    await motion.get_by_label("Angenommen").check()
    await motion.get_by_label("Begründung der Entscheidung").fill(decision_text)
    page.once("dialog", _accept)
    await motion.get_by_role("button", name="Entscheidung mitteilen").click()
    await expect(page.get_by_role("status")).to_contain_text("Die Entscheidung ist mitgeteilt")


async def _accept(dialog) -> None:
    await dialog.accept()


async def reload_until(page: Page, locator, attempts: int = 40) -> None:
    """Reload until something that arrives in the background (over the network, or the inbox queue) shows."""
    for _ in range(attempts):
        if await locator.count():
            break
        await page.wait_for_timeout(250)
        await page.reload()
    await expect(locator.first).to_be_visible()


async def screenshot(page: Page, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
