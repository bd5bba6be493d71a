"""Export my data over real HTTP: the ZIP from /settings/export parsed member by member (the JSON
valid ActivityStreams with the shape of Mastodon's archive, the CSVs readable), only ever the
logged-in owner's own data, and the rate limit."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime, timedelta

import aiohttp

from tests.conftest import eventually
from tests.web.conftest import text_of
from tests.web.test_accounts import PNG
from tests.web.test_box_pages import create_box, posts_in
from wecreate_fed import ld
from wecreate_fed.civic import export, motions

AS = "https://www.w3.org/ns/activitystreams#"


async def download(visitor) -> tuple[int, bytes, dict]:
    """The export as the button sends it (the form's CSRF token from the last page read)."""
    body = [("csrf_token", visitor.token())]
    async with visitor.session.post(visitor.url("/settings/export"), data=body, allow_redirects=False,
                                    headers={"Referer": visitor.base_url + "/"}) as r:
        return r.status, await r.read(), r.headers


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def collection(files: dict, name: str) -> dict:
    """An OrderedCollection member, checked the way an importer reads it, and as JSON-LD."""
    document = json.loads(files[name])
    assert document["type"] == "OrderedCollection" and document["id"] == name
    assert document["@context"] == ld.default_context()
    assert document["totalItems"] == len(document["orderedItems"])
    for item in document["orderedItems"]:
        assert isinstance(item, str) or ("@context" not in item and isinstance(item["id"], str) and item["type"])
    expanded = ld.expand(document)  # with the bundled contexts: no network, and unknown contexts fail
    assert expanded[0]["@type"] == [AS + "OrderedCollection"]
    return document


def table(files: dict, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(files[name].decode("utf-8-sig"))))


async def test_the_export_holds_my_data_as_activitystreams_and_csv(site, visitor_for):
    anna, bert = visitor_for(site), visitor_for(site)
    await site.create_user("beirat", name="Stadtbezirksbeirat West", type_="Organization",
                           category="administration", password="sicheres-passwort")
    await bert.register("bert", name="Bert Krause")
    await bert.publish_idea("Bänke am Markt")
    await anna.register("anna", name="Anna Schulz")
    await anna.get("/settings")
    await anna.post("/settings/profile", {"name": "Anna Schulz", "bio": ""},
                    files={"avatar": ("me.png", PNG, "image/png")})
    await anna.publish_idea("Trinkbrunnen", summary="Wasser für alle", body="Im Sommer **heiß**.", topics="wasser")
    await anna.publish_idea("=SUMME(A1)")  # a title a spreadsheet would run as a formula
    ideas = {r["title"]: r["ap_id"] for r in await site.query("SELECT title, ap_id FROM ideas")}
    await anna.get("/")
    await anna.post("/ideas/support", {"idea": ideas["Bänke am Markt"]})
    await anna.post("/ideas/comment", {"idea": ideas["Bänke am Markt"], "text": "Gerne *mit Lehne*."})
    starts = (datetime.now() + timedelta(days=3)).replace(hour=18, minute=0, second=0, microsecond=0)
    await anna.get("/events/new")
    status, text, _ = await anna.post("/events/new", {
        "title": "Treffen am Brunnen", "description": "Wir planen.", "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "timezone": "Europe/Berlin",
        "place_name": "Lindenauer Markt", "locality": "Leipzig", "district": "west", "action": "save"})
    assert status == 303, text
    path = await create_box(anna)
    await anna.get(path)
    await anna.post(f"{path}/posts", {"text": "Ich kenne einen **Klempner**."})
    await eventually(lambda: posts_in(site, "Klempner"), message="the box post")
    motion_id = await motions.draft(site.rt, await site.actor("anna"), "trinkbrunnen", {
        "title": "Trinkbrunnen am Markt", "request": "Die Stadt baut einen Brunnen.",
        "council": f"{site.base_url}/users/beirat"})
    anna_id = (await site.actor("anna")).ap_id

    # the page says what is in it, and the button brings the file
    status, text, _ = await anna.get("/settings")
    assert 'href="/settings/export"' in text
    status, text, _ = await anna.get("/settings/export")
    assert status == 200 and "outbox.json" in text_of(text)
    status, data, headers = await download(anna)
    assert status == 200 and headers["Content-Type"] == "application/zip"
    assert headers["Content-Disposition"].startswith('attachment; filename="anna-') and headers["Cache-Control"] == "no-store"
    assert int(headers["Content-Length"]) == len(data)
    files = members(data)
    assert set(files) == set(export.FILES) | {"avatar.png"}
    assert files["avatar.png"] == PNG
    assert not any(b"PRIVATE KEY" in content for content in files.values())

    # actor.json points into the archive, as Mastodon's does
    actor = json.loads(files["actor.json"])
    assert actor["id"] == anna_id and actor["type"] == "Person" and actor["preferredUsername"] == "anna"
    assert actor["outbox"] == "outbox.json" and actor["likes"] == "likes.json" and actor["icon"]["url"] == "avatar.png"
    assert ld.expand(actor)[0]["@id"] == anna_id

    # outbox.json: a Create of every idea, event, comment and post as it is now
    outbox = collection(files, "outbox.json")
    created = {item["object"]["id"]: item for item in outbox["orderedItems"] if item["type"] == "Create"}
    events = await site.query("SELECT ap_id FROM events")
    notes = {r["content"]: r["ap_id"] for r in await site.query("SELECT content, ap_id FROM objects")}
    assert set(created) == {ideas["Trinkbrunnen"], ideas["=SUMME(A1)"], events[0]["ap_id"], *notes.values()}
    for item in created.values():
        assert item["actor"] == anna_id and item["object"]["attributedTo"] == anna_id
    assert created[ideas["Trinkbrunnen"]]["object"]["civicKind"] == "idea"
    assert created[events[0]["ap_id"]]["object"]["type"] == "Event"
    assert ideas["Bänke am Markt"] not in created  # Bert's

    assert collection(files, "likes.json")["orderedItems"] == [ideas["Bänke am Markt"]]
    supports = collection(files, "supports.json")["orderedItems"]
    assert [(s["type"], s["actor"], s["object"]) for s in supports] == [("Like", anna_id, ideas["Bänke am Markt"])]
    assert [r["title"] for r in table(files, "supports.csv")] == ["Bänke am Markt"]

    idea_docs = collection(files, "ideas.json")["orderedItems"]
    assert {d["id"] for d in idea_docs} == {ideas["Trinkbrunnen"], ideas["=SUMME(A1)"]}
    rows = {r["id"]: r for r in table(files, "ideas.csv")}
    assert rows[ideas["Trinkbrunnen"]]["body_markdown"] == "Im Sommer **heiß**." and rows[ideas["Trinkbrunnen"]]["topics"] == "wasser"
    assert rows[ideas["=SUMME(A1)"]]["title"] == "'=SUMME(A1)"  # kept as text, never run

    assert [e["type"] for e in collection(files, "events.json")["orderedItems"]] == ["Event"]
    assert [(r["title"], r["role"]) for r in table(files, "events.csv")] == [("Treffen am Brunnen", "organizer")]
    comments = collection(files, "comments.json")["orderedItems"]
    assert {c["id"] for c in comments} == set(notes.values()) and all(c["type"] == "Note" for c in comments)
    box_id = (await site.query("SELECT ap_id FROM actors WHERE username = 'trinkbrunnen'"))[0]["ap_id"]
    assert sorted(r["box"] for r in table(files, "comments.csv")) == ["", box_id]
    boxes = collection(files, "boxes.json")["orderedItems"]
    assert [(b["type"], b["preferredUsername"]) for b in boxes] == [("Group", "trinkbrunnen")]
    assert [(r["role"], r["state"]) for r in table(files, "boxes.csv")] == [("owner", "accepted")]
    motion_docs = collection(files, "motions.json")["orderedItems"]
    assert [(m["id"], m["type"]) for m in motion_docs] == [(motion_id, "Article")]
    assert [(r["title"], r["role"]) for r in table(files, "motions.csv")] == [("Trinkbrunnen am Markt", "author")]
    assert list(csv.reader(io.StringIO(files["following_accounts.csv"].decode())))[0] == [
        "Account address", "Show boosts", "Notify on new posts", "Languages"]
    assert "outbox.json:" in files["README.txt"].decode()

    # Bert's export is Bert's: his idea, none of Anna's
    await bert.get("/settings/export")
    status, data, _ = await download(bert)
    theirs = members(data)
    assert [d["id"] for d in collection(theirs, "ideas.json")["orderedItems"]] == [ideas["Bänke am Markt"]]
    assert anna_id.encode() not in theirs["actor.json"] and "avatar.png" not in theirs


async def test_only_the_logged_in_owner_gets_an_export(site, visitor_for):
    anna, guest = visitor_for(site), visitor_for(site)
    await anna.register("anna")
    await anna.publish_idea("Trinkbrunnen")
    # a visitor is sent to the login, whether by the page or by the form
    status, _, headers = await guest.get("/settings/export")
    assert status == 303 and headers["Location"].startswith("/login")
    await guest.get("/login")  # a page with a form, for a CSRF token of the guest's own
    status, body, headers = await download(guest)
    assert status == 303 and headers.get("Content-Type") != "application/zip"
    # another site cannot make Anna's browser build one (no CSRF token, foreign Origin)
    async with anna.session.post(anna.url("/settings/export"), data={},
                                 headers={"Origin": "https://evil.example"}) as r:
        assert r.status in (400, 403) and r.headers.get("Content-Type") != "application/zip"
    # an API client with a bearer token (no session) gets no archive either
    token = await site.token("anna")
    async with aiohttp.ClientSession() as session:
        async with session.post(site.base_url + "/settings/export", allow_redirects=False,
                                headers={"Authorization": f"Bearer {token}", "Accept": "application/activity+json"}) as r:
            assert r.status in (303, 400, 401, 403) and r.headers.get("Content-Type") != "application/zip"
    assert not [r for r in site.statuses if r >= 500]


async def test_exports_are_rate_limited(make_site, visitor_for):
    site = await make_site("leipzig", tables={"accounts": {"exports_per_hour": 2}})
    anna = visitor_for(site)
    await anna.register("anna")
    await anna.get("/settings/export")
    assert "bis zu 2 Mal pro Stunde" in text_of(anna.last_page)
    for _ in range(2):
        status, _, _ = await download(anna)
        assert status == 200
    status, data, headers = await download(anna)
    assert status == 429 and int(headers["Retry-After"]) > 0
    assert "Du hast deine Daten gerade schon heruntergeladen" in text_of(data.decode())
