"""End to end in a real headless Chromium: a citizen's way through the website, screenshots
of the main pages at phone and desktop width, and an axe-core accessibility check of each."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from playwright.async_api import expect

from tests.e2e import steps
from tests.e2e.conftest import AXE, DESKTOP, PHONE, new_page
from wecreate_fed.civic import events, ideas

pytestmark = pytest.mark.e2e

# axe-core rules for WCAG 2.0 / 2.1 A and AA; what it calls serious or critical fails a page.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("serious", "critical")


async def test_register_publish_find_support_comment_and_attend(leipzig, browser, artifacts):
    base = leipzig.base_url
    anna = await new_page(browser)
    await steps.register(anna, base, "anna", "Anna Schulz")
    await steps.log_out(anna)
    await steps.log_in(anna, "anna")
    idea_url = await steps.publish_idea(anna, "Trinkbrunnen am Lindenauer Markt", "Wasser für heiße Sommer.",
                                        "Im Sommer fehlt **Wasser**.\n\n- Standort: Markt", "West", "wasser")
    bert = await new_page(browser)
    await steps.register(bert, base, "bert", "Bert Krause", district="Mitte")
    await steps.find_through_filters(bert, base, "Trinkbrunnen am Lindenauer Markt", "West", "wasser")
    await steps.support(bert, idea_url)
    await steps.comment(bert, "Gute Idee, ich helfe mit.")
    starts = (datetime.now() + timedelta(days=7)).replace(hour=18, minute=0)
    event_url = await steps.plan_event(anna, idea_url, "Treffen am Markt", starts.strftime("%Y-%m-%dT%H:%M"),
                                       (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "Lindenauer Markt")
    await steps.attend(bert, base, "Treffen am Markt")
    # what the two did is what the instance recorded
    rows = await leipzig.query("SELECT support_count, comment_count FROM ideas")
    assert rows == [{"support_count": 1, "comment_count": 1}]
    assert (await leipzig.query("SELECT attendee_count FROM events"))[0]["attendee_count"] == 1
    assert anna.csp_violations == [] and bert.csp_violations == []
    await anna.goto(event_url)
    await steps.screenshot(anna, artifacts, "flow-event-phone")


async def test_keyboard_users_skip_to_the_content_and_see_focus(leipzig, browser):
    page = await new_page(browser, viewport=DESKTOP)
    await page.goto(leipzig.base_url + "/")
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Zum Inhalt springen")
    await expect(skip).to_be_focused()
    outline = await skip.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none"
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == "main"
    await page.keyboard.press("Tab")
    focused = await page.evaluate("document.activeElement.tagName")
    assert focused in ("A", "BUTTON", "INPUT", "SELECT")


async def seed(leipzig):
    """Content for every main page: people, an idea with a comment and a history, an event."""
    page_urls = {}
    anna = await leipzig.create_user("anna", name="Anna Schulz", password=steps.PASSWORD)
    stadt = await leipzig.create_user("stadt", name="Stadtverwaltung Leipzig", type_="Organization",
                                      category="administration")
    rt = leipzig.rt
    _, idea = await ideas.publish(rt, anna, {"title": "Trinkbrunnen am Lindenauer Markt", "summary": "Wasser für alle.",
                                             "body": "Im Sommer fehlt **Wasser**.", "districts": ["west"],
                                             "topics": ["wasser", "sommer"]})
    await ideas.publish(rt, stadt, {"title": "Bürgerhaushalt 2027", "kind": "reform_proposal", "districts": ["mitte"],
                                    "addressed_to": stadt.ap_id, "summary": "Mitentscheiden über 1 Mio. Euro."})
    await ideas.support(rt, stadt, idea["id"])
    await ideas.comment(rt, stadt, idea["id"], "Wir prüfen den Standort.")
    await ideas.change_status(rt, anna, idea["id"], "in_discussion", "Im Stadtbezirksbeirat")
    starts = (datetime.now() + timedelta(days=5)).replace(hour=18, minute=0).strftime("%Y-%m-%dT%H:%M")
    ends = (datetime.now() + timedelta(days=5)).replace(hour=20, minute=0).strftime("%Y-%m-%dT%H:%M")
    _, event = await events.publish(rt, anna, {"title": "Treffen am Markt", "description": "Mit **Plan**.",
                                               "starts_at": starts, "ends_at": ends, "place_name": "Lindenauer Markt",
                                               "district": "west", "linked_idea": idea["id"]})
    page_urls["idea"] = idea["url"].removeprefix(leipzig.base_url)
    page_urls["event"] = "/e/" + event["id"].rsplit("/", 1)[1]
    return page_urls


async def test_main_pages_screenshots_and_accessibility(leipzig, browser, artifacts):
    urls = await seed(leipzig)
    # (name, path, logged in)
    main_pages = [
        ("marketplace", "/", False), ("marketplace-filtered", "/?district=west&sort=supported", False),
        ("idea", urls["idea"], False), ("idea-logged-in", urls["idea"], True),
        ("idea-form", "/ideas/new", True), ("events", "/events", False), ("event", urls["event"], False),
        ("event-form", "/events/new", True), ("profile", "/@anna", False), ("profile-administration", "/@stadt", False),
        ("districts", "/d/", False), ("district", "/d/west", False), ("settings", "/settings", True),
        ("register", "/register", False), ("login", "/login", False), ("about", "/about", False),
    ]
    report = {}
    for width_name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        guest = await new_page(browser, viewport=viewport, bypass_csp=True)
        person = await new_page(browser, viewport=viewport, bypass_csp=True)
        await person.goto(leipzig.base_url + "/")
        await steps.log_in(person, "anna")
        for name, path, logged_in in main_pages:
            page = person if logged_in else guest
            response = await page.goto(leipzig.base_url + path)
            assert response.status == 200, (name, response.status)
            await steps.screenshot(page, artifacts, f"{name}-{width_name}")
            await page.add_script_tag(path=str(AXE))
            result = await page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
            report[f"{name}-{width_name}"] = [
                {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
                for v in result["violations"]]
    (artifacts / "axe-report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    # the check can fail: a field without a label, added to the last page, is found
    await guest.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<input type=text>')")
    result = await guest.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    assert any(v["id"] == "label" and v["impact"] in FAILING_IMPACTS for v in result["violations"])
    failing = {page: [v for v in found if v["impact"] in FAILING_IMPACTS] for page, found in report.items()}
    failing = {page: found for page, found in failing.items() if found}
    assert not failing, json.dumps(failing, indent=2)
