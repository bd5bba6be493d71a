"""End to end in a real headless Chromium: a citizen's way through the website, screenshots
of the main pages at phone and desktop width, and an axe-core accessibility check of each."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from playwright.async_api import expect

from tests.conftest import eventually
from tests.e2e import steps
from tests.e2e.conftest import AXE, DESKTOP, PHONE, new_page
from wecreate_fed.civic import boxes, events, ideas, motions

# The screenshot and accessibility tour takes about a minute here; a browser gets more room
# than the suite's 120 s per test (pyproject.toml) before it counts as hung.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

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


async def test_create_a_box_join_it_draft_cosign_and_submit_a_motion(leipzig, meissen, browser, artifacts):
    # The district council is an organisation on another instance (Meißen's, here)
    await meissen.create_user("beirat", name="Stadtbezirksbeirat West", type_="Organization",
                              category="administration", password=steps.PASSWORD)
    base = leipzig.base_url
    anna = await new_page(browser)
    await steps.register(anna, base, "anna", "Anna Schulz")
    box_url = await steps.create_box(anna, base, "Trinkbrunnen West", "Im Sommer fehlt Trinkwasser am Markt.",
                                     "jeden Dienstag, 18 Uhr")
    bert = await new_page(browser)
    await steps.register(bert, base, "bert", "Bert Krause", district="Mitte")
    await steps.join_box(bert, base, "Trinkbrunnen West")
    await steps.post_in_box(bert, "Ich kenne einen Klempner.")
    motion_url = await steps.draft_motion(
        bert, box_url, "Trinkbrunnen am Lindenauer Markt", "Die Stadt baut **einen** Trinkbrunnen am Markt.",
        "Im Sommer wird es heiß.", f"beirat@{meissen.config.host}", required=2)
    await steps.co_sign(anna, motion_url, signed=1, required=2)
    await steps.submit_motion(anna, motion_url, expect_missing="Zum Einreichen fehlt noch 1 Mitzeichnung.")
    await steps.co_sign(bert, motion_url, signed=2, required=2)
    await steps.submit_motion(bert, motion_url)
    # The council answers on its own page; the box sees each answer on the motion
    council = await new_page(browser)
    await council.goto(meissen.base_url + "/")
    await steps.log_in(council, "beirat")
    await steps.answer_as_council(council, "Trinkbrunnen am Lindenauer Markt", "Sitzung Dezember", "Einstimmig.")
    await steps.reload_until(anna, anna.locator("#timeline").get_by_text("Angenommen"))
    await expect(anna.locator("#timeline")).to_contain_text("Sitzung am Do., 10. Dezember 2026")
    await steps.screenshot(anna, artifacts, "flow-motion-answered-phone")
    # A private box stays invisible to those not in it
    private_url = await steps.create_box(anna, base, "Freundeskreis", "Unter uns.", "sonntags",
                                         visibility="Privat")
    response = await bert.goto(private_url)
    assert response.status == 404
    await expect(bert.get_by_role("heading", level=1)).to_have_text("Nicht gefunden")
    rows = await leipzig.query("SELECT state, decision FROM motions WHERE is_local = 1")
    assert rows == [{"state": "decided", "decision": "accepted"}]
    assert anna.csp_violations == [] and bert.csp_violations == [] and council.csp_violations == []


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
    assert focused in ("A", "BUTTON", "INPUT", "SELECT", "SUMMARY")  # (the marketplace's folded filters)


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


async def seed_box(leipzig, meissen):
    """A box with a full profile, members, posts and tasks, a decided motion and a draft, and the
    council on another instance that received the motion."""
    rt = leipzig.rt
    anna, stadt = await leipzig.actor("anna"), await leipzig.actor("stadt")
    bert = await leipzig.create_user("bert", name="Bert Krause", password=steps.PASSWORD)
    council = await meissen.create_user("beirat", name="Stadtbezirksbeirat West", type_="Organization",
                                        category="administration", password=steps.PASSWORD)
    idea_id = (await leipzig.query("SELECT ap_id FROM ideas WHERE title LIKE 'Trinkbrunnen%'"))[0]["ap_id"]
    box = await boxes.create(rt, anna, {
        "name": "Trinkbrunnen West", "slug": "trinkbrunnen", "visibility": "closed", "idea": idea_id,
        "summary": "Wir bringen **Trinkwasser** auf den Lindenauer Markt.", "district_slug": "west",
        "problem": "Im Sommer fehlt Trinkwasser am Markt.", "purpose": "Standorte finden, mit dem Amt planen.",
        "goals": "Zwei Brunnen bis 2027.", "skills_sought": "Klempnerei, Fotografie", "partners": "Stadtteilladen",
        "support_sought": "Eine Patenschaft für die Wartung", "meeting_time": "jeden Dienstag, 18 Uhr",
        "meeting_place": "Stadtteilladen, Lindenauer Markt 1"})
    for person in (bert, stadt):
        await boxes.join(rt, person, box.ap_id)
    await boxes.answer_request(rt, anna, "trinkbrunnen", bert.ap_id, approve=True)
    indicator = await boxes.add_indicator(rt, anna, "trinkbrunnen", "Brunnen gebaut", 2, "Brunnen")
    await boxes.update_indicator(rt, anna, "trinkbrunnen", indicator, 1)
    await boxes.add_indicator(rt, anna, "trinkbrunnen", "Unterschriften", 500, "", 320)
    first = await boxes.add_milestone(rt, anna, "trinkbrunnen", "Standorte mit dem Amt klären", "2026-03-01")
    await boxes.mark_milestone(rt, anna, "trinkbrunnen", first, True)
    await boxes.add_milestone(rt, anna, "trinkbrunnen", "Antrag im Stadtbezirksbeirat", "2026-12-10")
    await boxes.add_task(rt, anna, "trinkbrunnen", "Standorte fotografieren", bert.ap_id)
    await boxes.add_task(rt, bert, "trinkbrunnen", "Wasserwerke anfragen")
    await boxes.post(rt, bert, box.ap_id, "Ich kenne einen **Klempner**.")
    post = await eventually(lambda: leipzig.query("SELECT ap_id FROM objects WHERE audience = ?", (box.ap_id,)),
                            message="the post")
    await boxes.post(rt, anna, box.ap_id, "Super, frag ihn bitte!", in_reply_to=post[0]["ap_id"])
    decided = await motions.draft(rt, anna, "trinkbrunnen", {
        "title": "Trinkbrunnen am Lindenauer Markt", "request": "Die Stadt baut **einen** Trinkbrunnen.",
        "reasoning": "Im Sommer wird es heiß.", "district": "west", "council": council.ap_id,
        "required_cosigners": 2})
    for person in (anna, bert):
        await motions.cosign(rt, person, decided)
    await motions.submit(rt, anna, decided)
    await eventually(lambda: meissen.query("SELECT 1 FROM motions WHERE ap_id = ?", (decided,)), message="received")
    await motions.put_on_agenda(meissen.rt, council, decided, "2026-12-10T18:00", "Sitzung Dezember")
    draft = await motions.draft(rt, bert, "trinkbrunnen", {
        "title": "Bänke am Markt", "request": "Zwei Bänke im Schatten.", "reasoning": "Zum Ausruhen.",
        "council": council.ap_id, "required_cosigners": 3})
    await motions.cosign(rt, bert, draft)
    await eventually(lambda: leipzig.query("SELECT 1 FROM motions WHERE state = 'on_agenda'"), message="answer")
    return {"box": "/b/trinkbrunnen", "motion": "/m/" + decided.rsplit("/", 1)[1],
            "motion_draft": "/m/" + draft.rsplit("/", 1)[1]}


async def test_main_pages_screenshots_and_accessibility(leipzig, meissen, browser, artifacts):
    urls = await seed(leipzig)
    urls.update(await seed_box(leipzig, meissen))
    # (name, path, who looks: a guest, anna (the box's owner), bert (a member), or the council on Meißen)
    main_pages = [
        ("marketplace", "/", "guest"), ("marketplace-filtered", "/?district=west&sort=supported", "guest"),
        ("idea", urls["idea"], "guest"), ("idea-logged-in", urls["idea"], "anna"),
        ("idea-form", "/ideas/new", "anna"), ("events", "/events", "guest"), ("event", urls["event"], "guest"),
        ("event-form", "/events/new", "anna"), ("profile", "/@anna", "guest"),
        ("profile-administration", "/@stadt", "guest"),
        ("districts", "/d/", "guest"), ("district", "/d/west", "guest"), ("settings", "/settings", "anna"),
        ("register", "/register", "guest"), ("login", "/login", "guest"), ("about", "/about", "guest"),
        ("boxes", "/b/", "guest"), ("box", urls["box"], "guest"), ("box-owner", urls["box"], "anna"),
        ("box-form", "/boxes/new", "anna"), ("box-edit", urls["box"] + "/edit", "anna"),
        ("motion", urls["motion"], "guest"), ("motion-draft-member", urls["motion_draft"], "bert"),
        ("motion-form", urls["box"] + "/motions/new", "bert"), ("council", "/council", "council"),
    ]
    report = {}
    for width_name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        guest = await new_page(browser, viewport=viewport, bypass_csp=True)
        lookers = {"guest": (guest, leipzig.base_url)}
        for who, instance, username in (("anna", leipzig, "anna"), ("bert", leipzig, "bert"),
                                        ("council", meissen, "beirat")):
            page = await new_page(browser, viewport=viewport, bypass_csp=True)
            await page.goto(instance.base_url + "/")
            await steps.log_in(page, username)
            lookers[who] = (page, instance.base_url)
        for name, path, who in main_pages:
            page, base = lookers[who]
            response = await page.goto(base + path)
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
