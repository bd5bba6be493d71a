"""Personal secret feed addresses: made, shown once and renewed in /settings/feeds, revoked; they
work without a login, a wrong or old token answers 404; a private instance has no other feeds."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import unescape

import aiohttp

from wecreate_fed.store import feed_tokens
from wecreate_fed.store import orgs as orgs_store

ADDRESS = re.compile(r'<input type="url" id="feed-(\w+)" value="([^"]+)" readonly')


async def _secret_addresses(member) -> dict[str, str]:
    await member.get("/settings/feeds")
    status, text, _ = await member.post("/settings/feeds/renew", {})
    assert status == 200, text
    return {name: unescape(url) for name, url in ADDRESS.findall(text)}


async def _fetch(url: str, **headers) -> tuple[int, str, str]:
    """As a feed reader: no cookies, no login."""
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers=headers, allow_redirects=False) as r:
            return r.status, await r.text(), r.headers.get("Content-Type", "")


async def _an_event(member) -> None:
    starts = (datetime.now() + timedelta(days=3)).replace(hour=18, minute=0, second=0, microsecond=0)
    await member.get("/events/new")
    status, text, _ = await member.post("/events/new", {
        "title": "Mitgliederversammlung", "description": "Wahlen", "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "timezone": "Europe/Berlin",
        "place_name": "Geschäftsstelle", "locality": "Musterstadt", "district": "mitte", "action": "save"})
    assert status == 303, text


async def test_a_secret_address_opens_the_private_instances_feeds_without_login(make_gated, browser_for):
    site = await make_gated()
    await site.create_user("vorstand", password="sicheres-passwort")
    member = browser_for(site)
    assert await member.login("vorstand") == 303
    await member.get("/settings")
    status, text, _ = await member.post("/settings/preferences", {"language": "de", "district": "mitte"})
    assert status == 303, text
    await member.publish_idea("Interner Entwurf Radwege", districts=("mitte",))
    await _an_event(member)
    # the public feeds are closed on a private instance
    for path in ("/marketplace.atom", "/events.ics", "/districts/mitte/events.ics"):
        status, body, _ = await _fetch(site.base_url + path)
        assert status == 401 and "Radwege" not in body and "Mitgliederversammlung" not in body
    # the settings page: none yet; made: shown once
    status, text, _ = await member.get("/settings/feeds")
    assert status == 200 and "Du hast noch keine geheime Adresse." in text and "feed-marketplace" not in text
    addresses = await _secret_addresses(member)
    assert set(addresses) == {"marketplace", "calendar", "district"}
    status, text, _ = await member.get("/settings/feeds")
    assert "feed-marketplace" not in text and "Erstellt am" in text and "Noch nie abgerufen." in text
    stored = await site.query("SELECT token_hash FROM feed_tokens")
    token = addresses["marketplace"].split("/feeds/")[1].split("/")[0]
    assert len(token) >= 40 and [r["token_hash"] for r in stored] == [feed_tokens.token_hash(token)]
    assert token not in str([tuple(r) for r in await site.query("SELECT * FROM feed_tokens")])  # only its hash
    # a feed reader and a calendar app, without a login
    status, body, kind = await _fetch(addresses["marketplace"], Accept="application/atom+xml")
    assert status == 200 and kind.startswith("application/atom+xml") and "Interner Entwurf Radwege" in body
    status, body, kind = await _fetch(addresses["marketplace"] + "?district=mitte")
    assert status == 200 and "Interner Entwurf Radwege" in body
    status, body, kind = await _fetch(addresses["calendar"])
    assert status == 200 and kind.startswith("text/calendar") and "SUMMARY:Mitgliederversammlung" in body
    status, body, _ = await _fetch(addresses["district"])
    assert status == 200 and "SUMMARY:Mitgliederversammlung" in body and "X-WR-CALNAME:WeCreate Partei: Mitte" in body
    status, text, _ = await member.get("/settings/feeds")
    assert "Zuletzt abgerufen am" in text
    # a wrong token, a district that is not there: 404, never the feed
    for url in (addresses["marketplace"].replace(token, token[:-2] + "xx"), f"{site.base_url}/feeds/x/events.ics",
                f"{site.base_url}/feeds/{'a' * 300}/events.ics",
                addresses["calendar"].replace("/events.ics", "/districts/nirgendwo/events.ics")):
        status, body, _ = await _fetch(url)
        assert status == 404, url
        assert "Radwege" not in body and "Mitgliederversammlung" not in body


async def test_renewing_stops_the_old_address_and_revoking_stops_it_all(make_gated, browser_for):
    site = await make_gated()
    await site.create_user("vorstand", password="sicheres-passwort")
    member = browser_for(site)
    assert await member.login("vorstand") == 303
    first = await _secret_addresses(member)
    assert (await _fetch(first["calendar"]))[0] == 200
    second = await _secret_addresses(member)
    assert second["calendar"] != first["calendar"]
    assert (await _fetch(first["calendar"]))[0] == 404
    assert (await _fetch(second["calendar"]))[0] == 200
    await member.get("/settings/feeds")
    status, _, headers = await member.post("/settings/feeds/revoke", {})
    assert status == 303 and headers["Location"] == "/settings/feeds"
    status, text, _ = await member.get("/settings/feeds")
    assert "Deine geheime Adresse ist gelöscht" in text and "Du hast noch keine geheime Adresse." in text
    assert (await _fetch(second["calendar"]))[0] == 404
    assert await site.query("SELECT 1 FROM feed_tokens") == []


async def test_a_suspended_or_deleted_account_s_address_answers_404(make_gated, browser_for):
    site = await make_gated()
    await site.create_user("vorstand", password="sicheres-passwort")
    member = browser_for(site)
    assert await member.login("vorstand") == 303
    addresses = await _secret_addresses(member)
    assert (await _fetch(addresses["calendar"]))[0] == 200
    await site.query("UPDATE actors SET suspended_at = '2026-01-01T00:00:00+00:00' WHERE username = 'vorstand'")
    assert (await _fetch(addresses["calendar"]))[0] == 404
    await site.query("UPDATE actors SET suspended_at = NULL, deleted_at = '2026-01-01T00:00:00+00:00' "
                     "WHERE username = 'vorstand'")
    assert (await _fetch(addresses["calendar"]))[0] == 404


async def test_the_settings_page_needs_login_and_a_public_instance_keeps_its_feeds(make_gated, browser_for):
    site = await make_gated("leipzig", mode="public", registration="open")
    visitor = browser_for(site)
    status, _, headers = await visitor.get("/settings/feeds")
    assert status == 303 and headers["Location"].startswith("/login?next=")
    member = browser_for(site)
    assert await member.register("anna") == 303
    await member.publish_idea("Trinkbrunnen am Markt")
    status, text, _ = await member.get("/settings")
    assert 'href="/settings/feeds"' in text
    status, text, _ = await member.get("/settings/feeds")
    assert "öffentlichen Feeds dieser Instanz gibt es weiterhin" in text
    addresses = await _secret_addresses(member)
    assert set(addresses) == {"marketplace", "calendar"}  # anna chose no district
    for url in (f"{site.base_url}/marketplace.atom", addresses["marketplace"]):
        status, body, _ = await _fetch(url)
        assert status == 200 and "Trinkbrunnen am Markt" in body
    # the form needs its CSRF token (a page elsewhere cannot renew someone's address)
    status, _, _ = await member.post("/settings/feeds/renew", {}, csrf=False)
    assert status == 403


async def test_a_secret_calendar_adds_the_internal_events_of_its_owners_spaces(make_gated, browser_for):
    """The members-only events of a space are in its members' secret calendars, never in anyone else's
    nor in the public calendar."""
    site = await make_gated(mode="public")
    org = await site.create_user("spd", type_="Organization", category="party", name="SPD Musterstadt")
    anna = await site.create_user("anna", password="sicheres-passwort")
    await site.create_user("fritz", password="sicheres-passwort")
    async with site.rt.db.transaction() as conn:
        await orgs_store.put(conn, org.id, anna.id, role="member", state="accepted")
    member = browser_for(site)
    assert await member.login("anna") == 303
    starts = (datetime.now() + timedelta(days=3)).replace(hour=18, minute=0, second=0, microsecond=0)
    await member.get("/events/new")
    status, text, _ = await member.post("/events/new", {
        "title": "Interne Klausur", "description": "Nur für Mitglieder", "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "timezone": "Europe/Berlin",
        "place_name": "Geschäftsstelle", "locality": "Musterstadt", "district": "mitte", "members_of": "spd",
        "action": "save"})
    assert status == 303, text
    stored = await site.query("SELECT members_of FROM events WHERE title = ?", ("Interne Klausur",))
    assert [r["members_of"] for r in stored] == [org.id]
    await _an_event(member)  # and a public one
    outsider = browser_for(site)
    assert await outsider.login("fritz") == 303
    mine, theirs = await _secret_addresses(member), await _secret_addresses(outsider)
    status, body, _ = await _fetch(mine["calendar"])
    assert status == 200 and "Interne Klausur" in body and "Mitgliederversammlung" in body
    status, body, _ = await _fetch(mine["calendar"].replace("/events.ics", "/districts/mitte/events.ics"))
    assert status == 200 and "Interne Klausur" in body
    for url in (theirs["calendar"], site.base_url + "/events.ics"):
        status, body, _ = await _fetch(url)
        assert status == 200 and "Mitgliederversammlung" in body and "Interne Klausur" not in body
