"""Every error a person can meet is a page of the site in their language with the right status;
machines (ActivityPub, the JSON API, the inboxes) get JSON errors. Forms show every problem at
once, at its field and in a summary at the top that links to the fields."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from quart import Quart, g

from tests.web.conftest import text_of
from tests.web.test_box_pages import create_box
from tests.web.test_crawl import other_language
from wecreate_fed.errors import BadRequest, Conflict, Forbidden
from wecreate_fed.web import forms

WERKZEUG = ("The requested URL", "The method is not allowed", "Request Entity Too Large", "The browser (or proxy)")


def main_text(html: str) -> str:
    return text_of(html.split('id="main"', 1)[1].split("</main>", 1)[0])


def assert_error_page(status: int, html: str, lang: str, expected: int, *texts: str) -> None:
    """A page of the site (its header and navigation), in `lang`, with the texts; no English of werkzeug."""
    assert status == expected, (status, main_text(html)[:300])
    assert f'<html lang="{lang}"' in html and 'class="site-header' in html and 'class="error-page"' in html
    main = main_text(html)
    for text in texts:
        assert text in main, (text, main)
    assert not any(w in html for w in WERKZEUG), main
    assert other_language(html, lang) == [], other_language(html, lang)


# (path, German text, English text): the generic "not found" says what is missing by the page's kind
MISSING = [
    ("/keine-seite", "Diese Seite gibt es hier nicht.", "There is no such page here."),
    ("/i/00000000-0000-0000-0000-000000000000", "Diese Idee gibt es hier nicht", "There is no such idea here"),
    ("/ideas/00000000-0000-0000-0000-000000000000", "Diese Idee gibt es hier nicht", "There is no such idea here"),
    ("/idea?id=https://elsewhere.example/ideas/1", "Diese Idee gibt es hier nicht", "There is no such idea here"),
    ("/@niemand", "Niemand hier hat diesen Namen.", "No one here has this name."),
    ("/users/niemand", "Niemand hier hat diesen Namen.", "No one here has this name."),
    ("/d/nirgendwo", "Diesen Stadtbezirk gibt es hier nicht.", "There is no such district here."),
    ("/districts/nirgendwo", "Diesen Stadtbezirk gibt es hier nicht.", "There is no such district here."),
    ("/events?district=nirgendwo", "Diesen Stadtbezirk gibt es hier nicht.", "There is no such district here."),
    ("/m/keiner", "Diesen Antrag gibt es hier nicht", "There is no such motion here"),
    ("/b/keine", "Diese Box gibt es hier nicht", "There is no such box here"),
    ("/e/keiner", "Diesen Termin gibt es hier nicht", "There is no such event here"),
    ("/notice/XYZ", "Es gibt keinen Hinweis mit diesem Aktenzeichen.", "No notice has this reference."),
]


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_what_is_not_here_is_a_page_in_the_visitors_language(site, visitor_for, lang):
    visitor = visitor_for(site, accept_language=lang)
    for path, german, english in MISSING:
        status, html, _ = await visitor.get(path)
        assert_error_page(status, html, lang, 404, german if lang == "de" else english,
                          "Zur Startseite" if lang == "de" else "To the home page")


async def test_a_deleted_idea_says_so(site, visitor_for):
    anna = visitor_for(site)
    await anna.register("anna")
    path = await anna.publish_idea("Trinkbrunnen am Markt")
    await anna.get(path)
    idea_id = (await site.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    assert (await anna.post("/ideas/delete", {"idea": idea_id}))[0] == 303
    status, html, _ = await visitor_for(site, accept_language="en").get(path)
    assert_error_page(status, html, "en", 410, "This idea was deleted.")


async def test_wrong_method_and_too_large_are_pages_too(site, visitor_for):
    anna = visitor_for(site)
    async with anna.session.put(site.base_url + "/") as r:
        html = await r.text()
        assert "GET" in r.headers["Allow"]
    assert_error_page(r.status, html, "de", 405, "Diese Adresse lässt sich so nicht aufrufen.")
    await anna.register("anna")
    await anna.get("/ideas/new")
    limit = site.config.max_body_bytes
    async with anna.session.post(site.base_url + "/ideas/new", data={"title": "x" * (limit + 1)},
                                 headers={"Referer": site.base_url + "/"}) as r:
        html = await r.text()
    megabytes = max(1, limit // (1024 * 1024))
    assert_error_page(r.status, html, "de", 413, f"Höchstens {megabytes} MB")


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_bad_filter_and_query_values_read_in_the_visitors_language(site, visitor_for, lang):
    visitor = visitor_for(site, accept_language=lang)
    for query in ("sort=bad", "status=bad", "kind=bad", "author=bad", "page=abc", "page=0", "per_page=-1",
                  "district=nirgendwo"):
        status, html, _ = await visitor.get(f"/?{query}")
        assert status == 400, query
        assert 'role="alert"' in html
        main = main_text(html)
        # never the raw choices of the code ("newest, supported, trending") or its English message
        assert "must be" not in main and "newest, supported" not in main, main
        assert other_language(html, lang) == [], (query, other_language(html, lang))
    status, html, _ = await visitor.get("/language?lang=xx")
    assert_error_page(status, html, lang, 400, "Sprache" if lang == "de" else "Language")


async def test_machines_keep_getting_json(site, visitor_for):
    visitor = visitor_for(site)
    for accept in ("application/activity+json", 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
                   "application/json"):
        for path in ("/keine-seite", "/ideas/00000000-0000-0000-0000-000000000000", "/users/niemand",
                     "/districts/nirgendwo"):
            async with visitor.session.get(site.base_url + path, headers={"Accept": accept}) as r:
                body = json.loads(await r.text())
                assert r.status == 404 and r.headers["Content-Type"].startswith("application/json"), (accept, path)
                assert body["error"] in ("not_found", "no_such_district") and "message" in body
    # the API, the inboxes and a client's outbox answer JSON even to a browser's Accept
    for method, path in (("GET", "/api/keine"), ("GET", "/api/marketplace?sort=bad"), ("POST", "/inbox"),
                         ("POST", "/users/niemand/inbox"), ("POST", "/users/niemand/outbox")):
        async with visitor.session.request(method, site.base_url + path, data=b"{}",
                                           headers={"Accept": "text/html",
                                                    "Content-Type": "application/activity+json"}) as r:
            assert r.status in (400, 401, 404), (path, r.status)
            assert r.headers["Content-Type"].startswith("application/json"), path
            assert "error" in json.loads(await r.text())


# --- forms ---------------------------------------------------------------------------------------

def assert_accessible_form_errors(html: str, fields: tuple[str, ...]) -> None:
    """The summary (role="alert") at the top lists every field's problem with a link to its control; each
    field has aria-invalid and is described by its error, which exists next to it."""
    summary = re.search(r'<div class="form-errors" role="alert">(.*?)</div>', html, re.S)
    assert summary, "no summary of the problems"
    links = re.findall(r'href="#([^"]+)"', summary.group(1))
    for target in links:
        assert f'id="{target}"' in html, f"the summary links to #{target}, which is not on the page"
    for name in fields:
        assert name in links, f"the summary does not link to the field {name}"
        control = re.search(rf'<(?:input|textarea|select)\b[^>]*\bid="{re.escape(name)}"[^>]*>', html)
        assert control, name
        assert 'aria-invalid="true"' in control.group(0), name
        described = re.search(r'aria-describedby="([^"]+)"', control.group(0))
        assert described and f"{name}-error" in described.group(1).split(), name
        for ref in described.group(1).split():
            assert f'id="{ref}"' in html, ref
    assert html.index('class="form-errors"') < html.index(f'id="{fields[0]}"'), "the summary is not at the top"


async def test_registration_shows_every_problem_at_once_and_keeps_what_was_typed(make_site, visitor_for):
    site = await make_site("leipzig", registration="invite")
    await site.create_user("anna")
    for lang in ("de", "en"):
        bert = visitor_for(site, accept_language=lang)
        await bert.get("/register?invitation=abgelaufen")
        assert 'value="abgelaufen"' in bert.last_page
        status, html, _ = await bert.post("/register", {"invitation": "abgelaufen", "username": "anna",
                                                        "name": "Bert Beispiel", "password": "kurz",
                                                        "password_repeat": "anders"})
        assert status == 400
        assert_accessible_form_errors(html, ("invitation", "username", "password"))
        assert 'value="Bert Beispiel"' in html and 'value="abgelaufen"' in html  # kept
        assert other_language(html, lang) == [], other_language(html, lang)


async def test_the_idea_and_event_forms_list_every_problem_in_a_summary(site, visitor_for):
    anna = visitor_for(site, accept_language="en")
    await anna.register("anna")
    await anna.get("/ideas/new")
    status, html, _ = await anna.post("/ideas/new", [("title", ""), ("summary", "S" * 2000), ("action", "save")])
    assert status == 400
    assert_accessible_form_errors(html, ("title",))
    assert other_language(html, "en") == []
    await anna.get("/events/new")
    status, html, _ = await anna.post("/events/new", {"title": "Treffen", "starts_at": "morgen", "action": "save"})
    assert status == 400
    assert_accessible_form_errors(html, ("starts_at",))
    assert 'value="Treffen"' in html and other_language(html, "en") == []


async def test_the_small_forms_show_their_problem_at_the_field_too(site, visitor_for):
    anna = visitor_for(site)
    await anna.register("anna")
    # acting from one's own server: a handle that is none
    await anna.get("/interact?uri=https://elsewhere.example/ideas/1&intent=like")
    status, html, _ = await anna.post("/interact", {"uri": "https://elsewhere.example/ideas/1", "intent": "like",
                                                    "handle": "anna@@x"})
    assert status == 400
    assert_accessible_form_errors(html, ("handle",))
    assert 'value="anna@@x"' in html
    # a box's invitation of no one known, and a task without a title
    box = await create_box(anna)
    await anna.get(box)
    status, html, _ = await anna.post(f"{box}/invite", {"handle": "niemand"})
    assert status == 400
    assert_accessible_form_errors(html, ("invite-handle",))
    assert "niemand@" in main_text(html) and 'value="niemand"' in html and other_language(html, "de") == []
    await anna.get(box)
    status, html, _ = await anna.post(f"{box}/tasks", {"title": "   "})
    assert status == 400
    assert_accessible_form_errors(html, ("task-title",))
    assert "Neue Aufgabe" in main_text(html) and other_language(html, "de") == []
    await anna.get(box)
    assert (await anna.post(f"{box}/invite", {"handle": ""}))[0] == 400


TEMPLATES = Path(__file__).resolve().parents[2] / "wecreate_fed" / "web" / "templates"
SHOWN_AT = re.compile(r'\b(error_for|field|textarea|district_select)\(\s*\w+\s*,\s*"([\w-]+)"')


def test_every_summary_links_to_a_control_of_its_form():
    """Statically, over every template with a summary: each field whose error it shows has a
    control (or group) with that id, or the summary's anchors name where it is."""
    checked = 0
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        if "form_errors(" not in text or path.name == "_macros.html":
            continue
        for macro, name in SHOWN_AT.findall(text):
            checked += 1
            has_control = macro != "error_for" or f'id="{name}"' in text or f'"{name}":' in text
            assert has_control, f"{path.name}: the summary links to #{name}, which no control of the form has"
    assert checked > 50


async def test_a_problem_without_a_text_reads_by_its_status_never_in_english():
    app = Quart(__name__)

    async def read() -> list[list[str]]:
        async with app.test_request_context("/"):
            g.lang = "de"
            return [forms.page_messages(e) for e in (
                BadRequest("the frobnicator is odd", code="frobnicated"), Forbidden("no frobnicating", code="nope"),
                Conflict("frobnicated already", code="again"),
                BadRequest("title is too long", field="title", code="too_long", params={"limit": 3}))]
    found = await read()
    assert found[:3] == [["Die Anfrage war unvollständig oder fehlerhaft. Bitte lade die Seite neu und versuche es noch "
                          "einmal."], ["Das darfst du hier nicht."],
                         ["Das passt gerade nicht zum Stand der Dinge. Bitte lade die Seite neu."]]
    assert found[3] == ["Titel: Höchstens 3 Zeichen."]
