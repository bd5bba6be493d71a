"""The first five minutes in a real headless Chromium: registering from an idea's page lands back on
that idea; the home page at 375 px (a small phone) and 1280 px, logged out and in: ideas on the
first screen of the phone, the logged-in header in at most two lines there and the navigation in
one line at 1280 px (measured), screenshots and axe-core."""

from __future__ import annotations

import json
import re

import pytest
from playwright.async_api import expect

from tests.e2e import steps
from tests.e2e.conftest import AXE, new_page

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("serious", "critical")
SMALL_PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 800}

# The number of text lines a box's items take: their vertical centres, clustered (14 px apart or more).
LINES = """selector => {
  const box = document.querySelector(selector);
  const centres = [];
  for (const el of box.querySelectorAll('a, button, summary, .brand')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && el.checkVisibility()) centres.push(r.top + r.height / 2);
  }
  centres.sort((a, b) => a - b);
  let lines = 0, last = -1000;
  for (const c of centres) { if (c - last >= 14) lines += 1; last = c; }
  return lines;
}"""


async def test_register_from_an_ideas_page_and_land_back_on_it(leipzig, browser, artifacts):
    await leipzig.create_user("anna", name="Anna Schulz", password=steps.PASSWORD)
    author = await new_page(browser)
    await author.goto(leipzig.base_url + "/")
    await steps.log_in(author, "anna")
    idea_url = await steps.publish_idea(author, "Trinkbrunnen am Markt", "Wasser für heiße Sommer.",
                                        "Im Sommer fehlt **Wasser**.", "West", "wasser")
    newcomer = await new_page(browser)
    await newcomer.goto(idea_url)
    await newcomer.get_by_role("link", name="Anmelden und unterstützen").click()
    await expect(newcomer).to_have_url(re.compile(r"/login\?next="))
    # no account yet: from the login page to the registration, which keeps the idea
    await newcomer.get_by_role("main").get_by_role("link", name="Registrieren").click()
    await expect(newcomer).to_have_url(re.compile(r"/register\?next="))
    await newcomer.get_by_label("Benutzername").fill("bert")
    await newcomer.get_by_label("Angezeigter Name").fill("Bert Krause")
    await newcomer.get_by_label(re.compile(r"^Passwort \(")).fill(steps.PASSWORD)
    await newcomer.get_by_label("Passwort wiederholen").fill(steps.PASSWORD)
    await newcomer.get_by_role("button", name="Konto anlegen").click()
    await expect(newcomer.get_by_role("status")).to_contain_text("Willkommen")
    assert newcomer.url == idea_url
    await expect(newcomer.get_by_role("heading", level=1)).to_have_text("Trinkbrunnen am Markt")
    await steps.support(newcomer, idea_url)
    # the author is not offered to support their own idea
    await author.goto(idea_url)
    await expect(author.get_by_text("Das ist deine Idee")).to_be_visible()
    await expect(author.get_by_role("button", name="Unterstützen")).to_have_count(0)
    assert newcomer.csp_violations == [] and author.csp_violations == []
    await steps.screenshot(newcomer, artifacts, "five-back-on-the-idea-phone")


async def test_the_home_page_on_a_phone_and_a_desktop(leipzig, browser, artifacts):
    for n in range(3):
        await leipzig.create_user(f"person{n}", name=f"Person {n}", password=steps.PASSWORD)
        status, body = await leipzig.post_outbox(f"person{n}", {
            "type": "Note", "civicKind": "idea", "name": f"Idee Nummer {n}", "abstract": "Eine kurze Zusammenfassung.",
            "source": {"content": "Text.", "mediaType": "text/markdown"}, "districts": ["west"]})
        assert status == 201, body
    # a person with a long name and every link of the header (an admin of an organisation)
    await leipzig.create_user("ada", name="Ada Lovelace-Byron von Leipzig", role="admin", type_="Organization",
                              category="administration", password=steps.PASSWORD)
    report, measured = {}, {}
    for width_name, viewport in (("phone", SMALL_PHONE), ("desktop", DESKTOP)):
        guest = await new_page(browser, viewport=viewport, bypass_csp=True)
        person = await new_page(browser, viewport=viewport, bypass_csp=True)
        await person.goto(leipzig.base_url + "/")
        await steps.log_in(person, "ada")
        for who, page in (("guest", guest), ("logged-in", person)):
            await page.goto(leipzig.base_url + "/")
            # the figures are right at once (three ideas, the first second after they were published)
            await expect(page.locator(".impact .figures div").first).to_contain_text("3")
            first_idea = await page.locator(".idea-card").first.bounding_box()
            header_lines = await page.evaluate(LINES, ".site-header")
            nav_lines = await page.evaluate(LINES, ".main-nav")
            measured[f"{who}-{width_name}"] = {"first_idea_top": first_idea["y"], "header_lines": header_lines,
                                               "nav_lines": nav_lines}
            name = f"five-home-{who}-{width_name}"
            await steps.screenshot(page, artifacts, name)
            await page.add_script_tag(path=str(AXE))
            result = await page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                                         WCAG_TAGS)
            report[name] = [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
                            for v in result["violations"]]
        # the filters unfold with one press, and the account menu opens without a script
        await guest.get_by_text("Filtern und sortieren").click()
        await expect(guest.get_by_label("Sortieren nach")).to_be_visible()
        await steps.screenshot(guest, artifacts, f"five-home-filters-open-{width_name}")
        await steps.open_account_menu(person)
        await expect(person.get_by_role("link", name="Einstellungen")).to_be_visible()
        await steps.screenshot(person, artifacts, f"five-home-account-menu-{width_name}")
    (artifacts / "five-layout.json").write_text(json.dumps(measured, indent=2), encoding="utf-8")
    # a phone's first screen shows ideas; its header takes at most two lines when logged in
    for who in ("guest", "logged-in"):
        assert measured[f"{who}-phone"]["first_idea_top"] < SMALL_PHONE["height"] - 60, measured
    assert measured["logged-in-phone"]["header_lines"] <= 2, measured
    # at 1280 px the navigation does not wrap (one line), and the header is one line
    for who in ("guest", "logged-in"):
        assert measured[f"{who}-desktop"]["nav_lines"] == 1, measured
        assert measured[f"{who}-desktop"]["header_lines"] == 1, measured
    (artifacts / "five-axe-report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    failing = {page: [v for v in found if v["impact"] in FAILING_IMPACTS] for page, found in report.items()}
    failing = {page: found for page, found in failing.items() if found}
    assert not failing, json.dumps(failing, indent=2)
