"""The first five minutes of a new citizen: logging in and registering keep where one was
(only paths on this site), the impact figures, own ideas, motions' co-signers, the labels."""

import re
from html import unescape
from urllib.parse import quote

import pytest

from tests.conftest import eventually
from tests.web.conftest import CONSENT_VERSION, text_of
from wecreate_fed import nodeinfo
from wecreate_fed.civic import boxes, ideas, motions
from wecreate_fed.store import admin_stats
from wecreate_fed.store import civic as civic_store

ATTACKS = ["//evil.example/x", "/\\evil.example/x", "\\\\evil.example", "https://evil.example/x",
           "http://evil.example", "%2F%2Fevil.example", "/%2F%2Fevil.example", "/%5Cevil.example",
           "/%5cevil.example", "%252F%252Fevil.example", "/\t/evil.example", "/\n/evil.example", " //evil.example",
           "javascript:alert(1)", "///evil.example", "https:evil.example", "http://[::1"]


def _hidden_next(page: str) -> str | None:
    start = page.find('name="next" value="')
    if start < 0:
        return None
    start += len('name="next" value="')
    return unescape(page[start:page.index('"', start)])


async def test_login_from_an_idea_comes_back_to_it(site, visitor_for):
    anna = visitor_for(site)
    await anna.register("anna")
    path = await anna.publish_idea("Trinkbrunnen")
    await anna.post("/logout", {})
    guest = visitor_for(site)
    _, page, _ = await guest.get(path)
    login_link = f'/login?next={quote(path, safe="/")}'
    assert unescape(login_link) in unescape(page) or f"/login?next={path}" in unescape(page)
    status, page, _ = await guest.get(f"/login?next={path}")
    assert status == 200 and _hidden_next(page) == path
    await site.create_user("bert", password="bert-passwort")
    status, _, headers = await guest.post("/login", {"username": "bert", "password": "bert-passwort",
                                                     "next": path})
    assert status == 303 and headers["Location"] == path


async def test_registering_from_an_idea_comes_back_to_it(site, visitor_for):
    anna = visitor_for(site)
    await anna.register("anna")
    path = await anna.publish_idea("Trinkbrunnen")
    guest = visitor_for(site)
    await guest.get(f"/login?next={path}")
    # the login page's link to the registration keeps the target, and the form carries it
    assert f'href="/register?next={path}"' in guest.last_page
    status, page, _ = await guest.get(f"/register?next={path}")
    assert status == 200 and _hidden_next(page) == path
    assert f'href="/login?next={path}"' in page  # and back again
    # a first attempt with a problem keeps it too
    status, page, _ = await guest.post("/register", {"username": "b", "password": "kurz", "password_repeat": "kurz",
                                                     "next": path})
    assert status == 400 and _hidden_next(page) == path
    status, _, headers = await _register(guest, "bert", path)
    assert status == 303 and headers["Location"] == path
    status, page, _ = await guest.get(path)
    assert status == 200 and "Unterstützen" in text_of(page)


async def _register(visitor, username: str, target: str):
    """Register through the form as read at /register?next=…; (status, text, headers) of the POST."""
    await visitor.get(f"/register?next={quote(target, safe='')}")
    consent = {"consent_rules": "yes", "consent_privacy": "yes", **dict(CONSENT_VERSION.findall(visitor.last_page))}
    return await visitor.post("/register", {"username": username, "password": "sicheres-passwort",
                                            "password_repeat": "sicheres-passwort", "next": target, **consent})


async def test_the_header_links_keep_the_page(site, visitor_for):
    guest = visitor_for(site)
    _, page, _ = await guest.get("/events")
    assert 'href="/login?next=/events"' in page and 'href="/register?next=/events"' in page
    _, page, _ = await guest.get("/")
    assert 'href="/login"' in page and 'href="/register"' in page  # the home page needs no target


async def test_a_remote_ideas_id_is_kept_through_login_and_registration(make_site, visitor_for):
    leipzig, meissen = await make_site("leipzig"), await make_site("meissen")
    jonas = await meissen.create_user("jonas", name="Jonas Weber")
    anna = visitor_for(leipzig)
    await anna.register("anna")
    await anna.get(f"/authorize_interaction?uri={jonas.ap_id}")
    await anna.post("/authorize_interaction", {"uri": jonas.ap_id, "action": "follow"})
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="accepted")
    status, body = await meissen.post_outbox("jonas", {
        "type": "Note", "civicKind": "idea", "name": "Elbwiesen putzen", "abstract": "Samstags",
        "source": {"content": "Handschuhe.", "mediaType": "text/markdown"},
        "districts": [meissen.config.districts[0].slug]})
    assert status == 201, body
    rows = await eventually(lambda: leipzig.query("SELECT ap_id FROM ideas WHERE title = 'Elbwiesen putzen'"),
                            message="the idea on Leipzig")
    idea_id = rows[0]["ap_id"]
    guest = visitor_for(leipzig)
    status, page, _ = await guest.get(f"/idea?id={quote(idea_id, safe='')}")
    assert status == 200
    target = f"/idea?id={quote(idea_id, safe='')}"
    links = [unescape(href) for href in re.findall(r'href="(/login\?next=[^"]+)"', page)]
    assert links, "the idea page links to the login"
    status, page, _ = await guest.get(links[0])
    kept = _hidden_next(page)
    assert kept is not None and kept.startswith("/idea?id=")
    status, page, _ = await guest.get(f"/register?next={quote(kept, safe='')}")
    assert _hidden_next(page) == kept
    status, _, headers = await _register(guest, "carla", kept)
    assert status == 303 and headers["Location"] == kept
    status, page, _ = await guest.get(headers["Location"])
    assert status == 200 and "Elbwiesen putzen" in page, target


@pytest.mark.parametrize("attack", ATTACKS)
async def test_no_open_redirect_after_login_or_registration(site, visitor_for, attack):
    await site.create_user("bert", password="bert-passwort")
    guest = visitor_for(site)
    status, page, _ = await guest.get(f"/login?next={quote(attack, safe='')}")
    assert status == 200 and _hidden_next(page) in (None, "", "/")
    status, _, headers = await guest.post("/login", {"username": "bert", "password": "bert-passwort",
                                                     "next": attack})
    assert status == 303 and headers["Location"] == "/"
    newcomer = visitor_for(site)
    await newcomer.get(f"/register?next={quote(attack, safe='')}")
    assert _hidden_next(newcomer.last_page) in (None, "", "/")
    status, _, headers = await _register(newcomer, "carla", attack)
    assert status == 303 and headers["Location"] == "/"


FIGURE = re.compile(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>")


async def _figures(visitor) -> dict:
    _, page, _ = await visitor.get("/")
    return {unescape(name): value for name, value in FIGURE.findall(page)}


async def test_the_impact_figures_are_right_from_the_first_second_and_follow_every_change(make_site, visitor_for):
    leipzig, meissen = await make_site("leipzig"), await make_site("meissen")
    guest = visitor_for(leipzig)
    figures = await _figures(guest)  # read (and kept) before anything exists
    assert figures["Ideen"] == "0" and figures["Unterstützungen"] == "0"
    assert "Stattgefundene Termine" in figures and "Termine" not in figures
    # an idea published through the client-to-server API (not through the website's forms)
    await leipzig.create_user("anna")
    status, body = await leipzig.post_outbox("anna", {
        "type": "Note", "civicKind": "idea", "name": "Trinkbrunnen", "abstract": "Am Markt",
        "source": {"content": "Wasser für alle.", "mediaType": "text/markdown"}, "districts": ["west"]})
    assert status == 201, body
    assert (await _figures(guest))["Ideen"] == "1"
    idea_id = (await leipzig.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    # a support arriving from another server, through the inbox worker
    await meissen.create_user("jonas")
    status, body = await meissen.post_outbox("jonas", {"type": "Like", "object": idea_id})
    assert status == 201, body
    await eventually(lambda: leipzig.query("SELECT 1 FROM reactions WHERE kind = 'Like'"), message="the Like")
    assert (await _figures(guest))["Unterstützungen"] == "1"
    # a status change and a deletion move them back
    status, body = await leipzig.post_outbox("anna", {"type": "Delete", "object": idea_id})
    assert status in (200, 201), body
    figures = await _figures(guest)
    assert figures["Ideen"] == "0" and figures["Unterstützungen"] == "0"


async def test_an_author_cannot_support_their_own_idea(site, visitor_for):
    anna = visitor_for(site)
    await anna.register("anna")
    path = await anna.publish_idea("Trinkbrunnen")
    idea_id = (await site.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    # the website: no button, and the form refused with a notice
    _, page, _ = await anna.get(path)
    assert "Das ist deine Idee" in text_of(page) and 'action="/ideas/support"' not in page
    status, _, _ = await anna.post("/ideas/support", {"idea": idea_id})
    assert status == 303
    _, page, _ = await anna.get(path)
    assert "Deine eigene Idee kannst du nicht unterstützen." in text_of(page)
    # the client-to-server API: a clear 403
    status, body = await site.post_outbox("anna", {"type": "Like", "object": idea_id})
    assert status == 403 and body["error"] == "own_idea", body
    assert (await site.query("SELECT count(*) AS n FROM reactions"))[0]["n"] == 0
    assert (await site.query("SELECT support_count FROM ideas"))[0]["support_count"] == 0
    # others can
    bert = visitor_for(site)
    await bert.register("bert")
    await bert.get(path)
    assert (await bert.post("/ideas/support", {"idea": idea_id}))[0] == 303
    assert (await site.query("SELECT support_count FROM ideas"))[0]["support_count"] == 1


async def test_a_like_by_the_author_is_not_counted(site):
    anna = await site.create_user("anna")
    status, body = await site.post_outbox("anna", {
        "type": "Note", "civicKind": "idea", "name": "Trinkbrunnen", "abstract": "Am Markt",
        "source": {"content": "Wasser.", "mediaType": "text/markdown"}, "districts": ["west"]})
    assert status == 201, body
    idea_id = (await site.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    # a Like arriving as the author's (as the inbox hands one over) is ignored
    await ideas.reaction_received(site.rt, anna, "Like", idea_id, f"{anna.ap_id}#likes/1")
    assert (await site.query("SELECT count(*) AS n FROM reactions"))[0]["n"] == 0
    # and one stored before this rule is not counted when the idea is recounted
    async with site.rt.db.transaction() as conn:
        await conn.execute("INSERT INTO reactions (kind, actor_id, object_ap_id, activity_ap_id, created_at) "
                           "VALUES ('Like', ?, ?, 'x:old', '2025-01-01T00:00:00Z')", (anna.id, idea_id))
        await civic_store.recount_local_idea(conn, idea_id)
    assert (await site.query("SELECT support_count FROM ideas"))[0]["support_count"] == 0


async def test_a_motion_cannot_be_submitted_while_co_signers_are_missing(site, visitor_for):
    await site.create_user("beirat", name="Stadtbezirksbeirat West", type_="Organization",
                           category="administration", password="sicheres-passwort")
    anna = await site.create_user("anna", password="sicheres-passwort")
    await boxes.create(site.rt, anna, {"name": "Laternen", "slug": "laternen"})
    motion_id = await motions.draft(site.rt, anna, "laternen", {
        "title": "Mehr Licht", "request": "Laternen", "council": f"{site.base_url}/users/beirat",
        "required_cosigners": "1"})
    path = "/m/" + motion_id.rsplit("/", 1)[1]
    browser = visitor_for(site)
    await browser.login("anna")
    _, page, _ = await browser.get(path)
    button = re.search(r'<button[^>]*aria-describedby="submit-hint"[^>]*>', page)
    assert button and "disabled" in button.group(0), "the submit button is disabled while a co-signer is missing"
    # the server refuses it too (a browser ignoring `disabled`, a stale page)
    status, page, _ = await browser.post(f"{path}/submit", {})
    assert status == 400 and "Er braucht 1 Mitzeichnung" in text_of(page) and "hat 0" in text_of(page)
    assert (await site.query("SELECT state FROM motions"))[0]["state"] == "draft"
    await browser.post(f"{path}/cosign", {})
    _, page, _ = await browser.get(path)
    button = re.search(r'<button[^>]*aria-describedby="submit-hint"[^>]*>', page)
    assert button and "disabled" not in button.group(0)
    assert (await browser.post(f"{path}/submit", {}))[0] == 303


async def test_the_remote_interaction_pages_name_the_object_by_its_title(make_site, visitor_for):
    leipzig, meissen = await make_site("leipzig"), await make_site("meissen")
    anna = visitor_for(leipzig)
    await anna.register("anna")
    await anna.publish_idea("Trinkbrunnen am Markt")
    idea_id = (await leipzig.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    guest = visitor_for(leipzig)
    for path in (f"/interact?uri={quote(idea_id, safe='')}&intent=support",
                 f"/authorize_interaction?uri={quote(idea_id, safe='')}"):
        status, page, _ = await guest.get(path)
        assert status == 200 and "Es geht um Trinkbrunnen am Markt" in text_of(page), path
        assert f">{idea_id}<" not in page
    # a post elsewhere, fetched for a logged-in person: the start of its text
    await meissen.create_user("jonas")
    status, body = await meissen.post_outbox("jonas", {"type": "Note", "content": "<p>Wer kommt mit zur Elbe?</p>",
                                                       "to": ["https://www.w3.org/ns/activitystreams#Public"]})
    assert status == 201, body
    note_id = (await meissen.query("SELECT ap_id FROM objects WHERE type = 'Note'"))[0]["ap_id"]
    status, page, _ = await anna.get(f"/authorize_interaction?uri={quote(note_id, safe='')}")
    assert status == 200 and "Es geht um Wer kommt mit zur Elbe?" in text_of(page)
    assert f">{note_id}<" not in page
    # unknown and not fetched for a visitor: named by its server, never the raw address
    status, page, _ = await guest.get(f"/authorize_interaction?uri={quote(note_id + 'x', safe='')}")
    assert status == 200 and f"einen Beitrag auf {meissen.config.host}" in text_of(page)


@pytest.mark.parametrize("label, german, english", [("Stadtteil", "Stadtteil", "neighbourhood"),
                                                    ("Ortsteil", "Ortsteil", "locality")])
async def test_the_districts_word_is_the_citys_own(make_site, visitor_for, label, german, english):
    site = await make_site("meissen", tables={"city": {
        "name": "Meißen", "district_label": label,
        "districts": [{"slug": "cölln", "name": "Cölln"}, {"slug": "triebischtal", "name": "Triebischtal"}]}})
    guest = visitor_for(site)
    for path in ("/", "/d/", "/d/triebischtal", "/register", "/events", "/about"):
        status, page, _ = await guest.get(path)
        assert status == 200, path
        text = text_of(page).replace("Stadtbezirksbeirat", "")
        assert "Stadtbezirk" not in text, path
    _, page, _ = await guest.get("/")
    assert f"Alle {german}e" in text_of(page) and f">{german}e</a>" in page  # the filter, the navigation
    _, page, _ = await guest.get("/d/")
    assert f"wähle einen {german} von Meißen" in text_of(page)
    _, page, _ = await guest.get("/d/triebischtal")
    assert f"Ideen in diesem {german}" in text_of(page)
    _, page, _ = await guest.get("/register")
    assert f"Dein {german}" in text_of(page) and f"deines {german}s" in text_of(page)
    english_guest = visitor_for(site, accept_language="en")
    _, page, _ = await english_guest.get("/d/")
    assert f"choose a {english} of Meißen" in text_of(page) and "district" not in text_of(page).lower()
    # the district actors say it too
    actor = (await site.query("SELECT summary FROM actors WHERE username = 'triebischtal'"))[0]
    assert f"im {german} Triebischtal" in actor["summary"]
    # and so do logged-in pages
    browser = visitor_for(site)
    await browser.register("anna")
    for path in ("/ideas/new", "/settings", "/events/new"):
        status, page, _ = await browser.get(path)
        assert status == 200 and "Stadtbezirk" not in text_of(page), path
    _, page, _ = await browser.get("/d/triebischtal")
    assert f"{german} folgen" in text_of(page)


async def test_ideas_of_another_instance_carry_its_citys_name(make_site, visitor_for):
    leipzig = await make_site("leipzig")
    meissen = await make_site("meissen", tables={"city": {
        "name": "Meißen", "district_label": "Stadtteil",
        "districts": [{"slug": "triebischtal", "name": "Triebischtal"}, {"slug": "cölln", "name": "Cölln"}]}})
    jonas = await meissen.create_user("jonas", name="Jonas Weber")
    anna = visitor_for(leipzig)
    await anna.register("anna")
    await anna.get(f"/authorize_interaction?uri={jonas.ap_id}")
    await anna.post("/authorize_interaction", {"uri": jonas.ap_id, "action": "follow"})
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="accepted")
    status, body = await meissen.post_outbox("jonas", {
        "type": "Note", "civicKind": "idea", "name": "Elbwiesen putzen", "abstract": "Samstags",
        "source": {"content": "Handschuhe.", "mediaType": "text/markdown"}, "districts": ["triebischtal"]})
    assert status == 201, body
    rows = await eventually(lambda: leipzig.query("SELECT ap_id FROM ideas WHERE title = 'Elbwiesen putzen'"),
                            message="the idea on Leipzig")
    idea_id = rows[0]["ap_id"]
    # its arrival asked Meißen's NodeInfo (no page had to be read first): the city is known
    await eventually(lambda: leipzig.query("SELECT 1 FROM instances WHERE host = ? AND city = 'Meißen'",
                                           (meissen.config.host,)), message="Meißen's NodeInfo")
    guest = visitor_for(leipzig)
    _, page, _ = await guest.get("/")
    card = text_of(page[page.index("Elbwiesen putzen"):])
    assert "aus Meißen · Triebischtal" in card
    assert meissen.config.host not in text_of(page)
    _, page, _ = await guest.get(f"/idea?id={quote(idea_id, safe='')}")
    assert "Diese Idee stammt aus Meißen · Triebischtal." in text_of(page)
    origin_note = page[page.index('class="origin-note"'):]
    assert meissen.config.host not in text_of(origin_note[:origin_note.index("</p>")])
    # in English too
    english = visitor_for(leipzig, accept_language="en")
    _, page, _ = await english.get(f"/idea?id={quote(idea_id, safe='')}")
    assert "This idea comes from Meißen · Triebischtal." in text_of(page)


async def test_a_citys_name_is_read_from_nodeinfo_and_refreshed(site):
    info = nodeinfo.parse({"software": {"name": "wecreate-fed"}, "metadata": {"city": "<b>Leipzig</b>",
                                                                            "nodeName": "WeCreate Leipzig"}})
    assert info.city == "Leipzig" and info.node_name == "WeCreate Leipzig"
    info = nodeinfo.parse({"software": {"name": "mastodon"}, "metadata": {"city": ["no"], "nodeName": 7}})
    assert info.city is None and info.node_name is None
    # a stored name is replaced by the next answer (the worker asks again a day later)
    host = "elsewhere.example"
    async with site.rt.db.transaction() as conn:
        await conn.execute("INSERT INTO instances (host, first_seen, city, last_fetched) "
                           "VALUES (?, '2026-01-01T00:00:00Z', 'Alt', '2026-01-01T00:00:00Z')", (host,))
    async with site.rt.db.transaction() as conn:
        await admin_stats.record_nodeinfo(conn, host, software="wecreate-fed", version=None, users=None,
                                          open_registrations=None, city="Neu", node_name=None)
    assert (await site.query("SELECT city FROM instances WHERE host = ?", (host,)))[0]["city"] == "Neu"
