"""The crawl of a private instance (tests/web/test_crawl.py's approach): logged out, in German and
in English, from the home page and following every same-origin link and redirect, a visitor
reaches only the login page, the legal pages, the about page and the ways to an account
(registration with an invitation, a forgotten password); nothing a member wrote is on any of
them; and every page a member reaches still answers, in one language."""

from __future__ import annotations

import time
from collections import deque
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest

from tests.web.test_box_pages import create_box
from tests.web.test_crawl import HREF, _local, crawl, other_language

# What a visitor may read on a private instance (path without query).
OPEN_PAGES = {"/login", "/impressum", "/datenschutz", "/about", "/register", "/password/forgot"}
# (The about page names the admins and moderators, as on every instance: who runs it; a member's
# name is no such thing.)
SECRETS = ("Geheimer Entwurf Radwege", "Nur intern besprechen", "Klausurtagung", "Mehr Licht im Vorstand",
           "Erika Intern", "Arbeitsgruppe Verkehr", "Gute Sache intern")


async def _an_intranet_with_content(site, browser_for):
    """A member who wrote on every kind of page: an idea with a comment, an event, a box with a motion."""
    await site.create_user("vorstand", name="Vorstand Kreisverband", password="sicheres-passwort", role="admin")
    await site.create_user("erika", name="Erika Intern", password="sicheres-passwort")
    await site.create_user("kv", name="Kreisverband Musterstadt", type_="Organization", category="party",
                           password="sicheres-passwort")
    member = browser_for(site)
    assert await member.login("erika") == 303
    idea_path = await member.publish_idea("Geheimer Entwurf Radwege", summary="Nur intern besprechen",
                                          topics="verkehr")
    await member.get(idea_path)
    idea_id = (await site.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    assert (await member.post("/ideas/comment", {"idea": idea_id, "text": "Gute Sache intern"}))[0] == 303
    starts = (datetime.now() + timedelta(days=3)).replace(hour=18, minute=0, second=0, microsecond=0)
    await member.get("/events/new")
    status, text, _ = await member.post("/events/new", {
        "title": "Klausurtagung", "description": "Planen", "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "timezone": "Europe/Berlin",
        "place_name": "Geschäftsstelle", "locality": "Musterstadt", "district": "mitte", "action": "save"})
    assert status == 303, text
    box = await create_box(member, name="Arbeitsgruppe Verkehr")
    await member.get(f"{box}/motions/new")
    status, _, _ = await member.post(f"{box}/motions/new", {"title": "Mehr Licht im Vorstand", "request": "Laternen",
                                                            "action": "save"})
    assert status == 303
    paths = [idea_path, box, "/@erika", "/@kv", "/events", "/b/", "/d/mitte", "/tags/verkehr", "/council"]
    paths += [r["url"].removeprefix(site.base_url) for r in await site.query("SELECT url FROM events")]
    paths += [r["ap_id"].removeprefix(site.base_url) for r in await site.query("SELECT ap_id FROM ideas")]
    return member, paths


async def crawl_following_redirects(visitor, *, limit: int = 120, seconds: float = 60.0) -> dict:
    """Breadth first from "/", redirects followed as links: {"pages": {path: status}, "bodies": [(path, html)]}."""
    queue, seen = deque(["/"]), {"/"}
    pages: dict[str, int] = {}
    bodies = []
    deadline = time.monotonic() + seconds
    while queue and len(pages) < limit and time.monotonic() < deadline:
        path = queue.popleft()
        status, text, headers = await visitor.get(path)
        pages[path] = status
        if status in (301, 302, 303, 307, 308):
            found = [headers.get("Location", "")]
        elif "text/html" in headers.get("Content-Type", ""):
            bodies.append((path, text))
            found = HREF.findall(text)
        else:
            continue
        for href in found:
            target = _local(visitor.base_url, path, href)
            if target is not None and target not in seen:
                seen.add(target)
                queue.append(target)
    return {"pages": pages, "bodies": bodies}


@pytest.mark.timeout(600)
async def test_logged_out_a_crawl_of_the_private_instance_reaches_only_login_legal_and_about(make_gated, browser_for):
    site = await make_gated()
    member, content_paths = await _an_intranet_with_content(site, browser_for)
    for lang in ("de", "en"):
        visitor = browser_for(site, accept_language=lang)
        result = await crawl_following_redirects(visitor)
        answered = {urlsplit(path).path for path, status in result["pages"].items() if status < 300}
        assert answered <= OPEN_PAGES, answered - OPEN_PAGES
        assert {"/login", "/about", "/impressum", "/datenschutz"} <= answered, answered
        redirected = {path for path, status in result["pages"].items() if 300 <= status < 400}
        assert "/" in redirected  # the home page sends to the login page
        assert not [(p, s) for p, s in result["pages"].items() if s >= 400], result["pages"]
        for path, html in result["bodies"]:
            assert f'<html lang="{lang}"' in html, path
            assert not other_language(html, lang), (path, other_language(html, lang))
            for secret in SECRETS:
                assert secret not in html, (path, secret)
        # and what a member wrote, asked for by its address: the login page, never the page
        for path in content_paths:
            status, html, headers = await visitor.get(path)
            assert status in (302, 303), (path, status)
            location = headers["Location"]
            for secret in SECRETS:
                assert secret not in html, (path, secret)
            if not location.startswith("/login"):  # an ActivityPub id sends a browser to its page: gated
                status, html, headers = await visitor.get(location)
                assert status == 303 and headers["Location"].startswith("/login?next="), (location, status)


@pytest.mark.timeout(600)
async def test_a_member_still_reaches_every_page_in_one_language(make_gated, browser_for):
    site = await make_gated()
    member, _ = await _an_intranet_with_content(site, browser_for)
    result = await crawl(member, "de", limit=80, seconds=45.0)
    assert result["pages"] >= 30, result
    assert not result["errors"] and not result["language"], result
