"""A private instance's website: every page behind login but the login, legal, about pages and the
links mailed to people; visitors sent to the login page with next=, machines answered 401 JSON;
registration with an invitation; a public instance as it was."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp

from tests.conftest import instance_config
from tests.gate.conftest import LEGAL
from wecreate_fed import app as app_module
from wecreate_fed import web
from wecreate_fed.civic import accounts as civic_accounts
from wecreate_fed.web import gate


def _login_target(headers) -> str | None:
    """The next= of a redirect to the login page, or None when it leads elsewhere."""
    parts = urlsplit(headers.get("Location", ""))
    if parts.path != "/login":
        return None
    return parse_qs(parts.query).get("next", ["/"])[0]


async def _member_with_an_idea(site, browser_for):
    await site.create_user("vorstand", name="Vorstand Kreisverband", password="sicheres-passwort", role="admin")
    member = browser_for(site)
    assert await member.login("vorstand") == 303
    idea = await member.publish_idea("Geheimer Entwurf Radwege", summary="Nur intern")
    return member, idea


async def test_a_visitor_is_sent_to_the_login_page_and_comes_back_after_logging_in(make_gated, browser_for):
    site = await make_gated()
    member, idea = await _member_with_an_idea(site, browser_for)
    visitor = browser_for(site)
    for path in ("/", "/events", "/b/", "/d/", "/d/mitte", "/@vorstand", idea, f"{idea}/edit", "/tags/radwege",
                 "/council", "/settings", "/admin", "/transparency", "/about/moderation", "/notice", "/idea?id=x",
                 "/i/not-there-at-all"):
        status, text, headers = await visitor.get(path)
        assert status == 303, (path, status)
        assert _login_target(headers) == path, (path, headers.get("Location"))
        assert "Geheimer Entwurf" not in text
    # a form sent by a visitor (a stale page): to the login page too, before any CSRF or route runs
    await visitor.get("/login")
    status, _, headers = await visitor.post("/ideas/support", {"idea": "x"})
    assert status == 303 and _login_target(headers) == "/"
    # logging in brings them where they were going
    await site.create_user("mitglied", password="sicheres-passwort")
    status, _, headers = await visitor.get("/events")
    target = _login_target(headers)
    await visitor.get(f"/login?next={target}")
    status, _, headers = await visitor.post("/login", {"username": "mitglied", "password": "sicheres-passwort",
                                                       "next": target})
    assert status == 303 and headers["Location"] == "/events"
    status, text, _ = await visitor.get(idea)
    assert status == 200 and "Geheimer Entwurf Radwege" in text


async def test_the_open_pages_answer_without_login(make_gated, browser_for):
    site = await make_gated()
    async with site.rt.db.transaction() as conn:
        code = await civic_accounts.create_invitation(conn)
    visitor = browser_for(site)
    for path in ("/login", "/about", "/impressum", "/datenschutz", "/password/forgot", f"/register?invitation={code}",
                 "/static/base.css", "/icon.svg"):
        status, text, _ = await visitor.get(path)
        assert status == 200, (path, status)
    async with visitor.session.get(site.base_url + "/favicon.ico", allow_redirects=False) as r:
        assert r.status == 200 and r.content_type == "image/x-icon"
    # the mailed links: a page saying the link is not valid, not the login page
    for path in ("/password/reset/abc", "/email/confirm/abc", "/unsubscribe/abc"):
        status, _, headers = await visitor.get(path)
        assert status < 500 and _login_target(headers) is None, (path, status)
    # a path that is no route: the 404 page
    status, _, _ = await visitor.get("/nothing/here")
    assert status == 404
    # the language switch
    status, _, headers = await visitor.get("/language?lang=en&next=/login")
    assert status == 303 and headers["Location"] == "/login"


async def test_registration_needs_the_invitation(make_gated, browser_for):
    site = await make_gated()
    visitor = browser_for(site)
    assert await visitor.register("neu") == 400  # no invitation code
    assert await site.query("SELECT 1 FROM accounts a JOIN actors b ON b.id = a.actor_id WHERE b.username = 'neu'") == []
    async with site.rt.db.transaction() as conn:
        code = await civic_accounts.create_invitation(conn)
    assert await visitor.register("neu", invitation=code) == 303
    status, _, _ = await visitor.get("/events")
    assert status == 200


async def test_the_login_page_says_who_runs_the_private_instance(make_gated, browser_for):
    site = await make_gated()
    status, text, _ = await browser_for(site).get("/login")
    assert status == 200
    assert "WeCreate Partei: ein internes Netzwerk" in text
    assert "nur für Mitglieder sichtbar" in text and "mit einer Einladung" in text
    assert 'href="/about"' in text and "Wer betreibt WeCreate Partei?" in text
    # nothing on it leads to a page a visitor cannot open: no marketplace, no feeds in the navigation
    assert 'href="/marketplace.atom"' not in text and 'href="/events.ics"' not in text and 'href="/b/"' not in text
    status, text, _ = await browser_for(site, accept_language="en").get("/login")
    assert "WeCreate Partei: an internal network" in text and "Who runs WeCreate Partei?" in text


async def test_machines_get_401_json_and_federation_is_left_to_its_guards(make_gated, browser_for):
    site = await make_gated()
    await _member_with_an_idea(site, browser_for)
    async with aiohttp.ClientSession() as session:
        for path in ("/api/marketplace", "/api/search?q=Entwurf", "/api/impact", "/api/events/upcoming",
                     "/marketplace.atom", "/events.ics", "/districts/mitte/events.ics", "/tags/radwege.atom", "/api/v1/instance/rules",
                     "/api/v1/instance/domain_blocks", "/transparency.csv"):
            for accept in ("application/json", "*/*", "text/html"):
                async with session.get(site.base_url + path, headers={"Accept": accept}, allow_redirects=False) as r:
                    body = await r.text()
                    assert r.status == 401, (path, accept, r.status)  # a feed reader gets no login page
                    assert json.loads(body)["error"] == "login_required"
                    assert "Geheimer Entwurf" not in body
        # a page asked for without HTML in Accept (curl): 401 JSON, not the page
        async with session.get(site.base_url + "/", allow_redirects=False) as r:
            assert r.status == 401 and (await r.json())["error"] == "login_required"
        # a local account's script with its token reads the API; a bad token does not
        token = await site.token("vorstand")
        async with session.get(site.base_url + "/api/marketplace", headers={"Authorization": f"Bearer {token}"}) as r:
            assert r.status == 200 and "Geheimer Entwurf" in await r.text()
        async with session.get(site.base_url + "/api/search?q=Entwurf",
                               headers={"Authorization": f"Bearer {token}"}) as r:
            assert r.status == 200 and "Geheimer Entwurf" in await r.text()
        async with session.get(site.base_url + "/api/marketplace", headers={"Authorization": "Bearer falsch"}) as r:
            assert r.status == 401 and (await r.json())["error"] == "login_required"
        # NodeInfo and WebFinger are the federation's (they say what they say to every server)
        async with session.get(site.base_url + "/.well-known/nodeinfo") as r:
            assert r.status == 200


async def test_a_public_instance_stays_open(make_gated, browser_for):
    site = await make_gated("leipzig", mode="public", registration="open")
    member = browser_for(site)
    assert await member.register("anna") == 303
    await member.publish_idea("Trinkbrunnen am Markt")
    visitor = browser_for(site)
    for path in ("/", "/events", "/b/", "/marketplace.atom", "/events.ics"):
        status, text, _ = await visitor.get(path)
        assert status == 200, (path, status)
    status, text, _ = await visitor.get("/login")
    assert "ein internes Netzwerk" not in text and 'href="/marketplace.atom"' in text


def test_every_route_is_classified():
    """Every blueprint on the app is the website's (gated unless named open) or the federation's;
    a new blueprint of other servers' requests must be named in gate.FEDERATION_BLUEPRINTS, else a
    private instance would answer allowlisted servers 401. And every open endpoint exists."""
    with tempfile.TemporaryDirectory() as folder:
        app = app_module.create_app(instance_config(Path(folder), "x", 9999, tables=LEGAL), run_workers=False)
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    website = {bp.name for bp in web.BLUEPRINTS}
    blueprints = {e.rpartition(".")[0] for e in endpoints if "." in e}
    assert blueprints <= website | gate.FEDERATION_BLUEPRINTS, blueprints - website - gate.FEDERATION_BLUEPRINTS
    named = gate.OPEN | gate.FEDERATION_ENDPOINTS | gate.NOT_FEDERATION
    assert named <= endpoints, named - endpoints
    open_pages = {e for e in endpoints if gate.is_open(e) and e.rpartition(".")[0] in website}
    assert open_pages == (gate.OPEN | gate.FEDERATION_ENDPOINTS | {e for e in endpoints if e.startswith("feeds.")}) - {"static"}
