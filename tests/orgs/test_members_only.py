"""Members-only ideas, events and comments (issue 12): delivered to no server, in no public list,
and to anyone but the space's members (unsigned, a local outsider, a remote server signing) every
route answers exactly as it does for an id that does not exist."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, timedelta

import aiohttp

from tests.conftest import eventually, post_signed
from tests.web.conftest import Visitor
from wecreate_fed import signatures, urls
from wecreate_fed.civic import events, ideas
from wecreate_fed.errors import BadRequest, Forbidden, NotFound
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import orgs as orgs_store

SECRET, OPEN = "Internes Positionspapier Elbe", "Offene Idee Elbe"
PASSWORD = "sicheres-passwort"


def day(days: int, hour: int) -> str:
    return f"{(date.today() + timedelta(days=days)).isoformat()}T{hour:02d}:00"


EVENT = {"description": "Wir beraten.", "starts_at": day(5, 18), "ends_at": day(5, 20), "place_name": "Büro",
         "locality": "Leipzig", "district": "mitte"}


async def world(make_instance):
    """Leipzig with the space 'spd' (anna admin, bert member), an outsider fritz, and Jonas on
    Meißen following anna and spd, so that anything public of theirs is delivered to Meißen."""
    leipzig, meissen = await make_instance("leipzig"), await make_instance("meissen")
    org = await leipzig.create_user("spd", type_="Organization", category="party", name="SPD Leipzig",
                                    password=PASSWORD)
    anna = await leipzig.create_user("anna", password=PASSWORD)
    bert = await leipzig.create_user("bert", password=PASSWORD)
    await leipzig.create_user("fritz", password=PASSWORD)
    async with leipzig.rt.db.transaction() as conn:
        await orgs_store.put(conn, org.id, anna.id, role="admin", state="accepted")
        await orgs_store.put(conn, org.id, bert.id, role="member", state="accepted")
    jonas = await meissen.create_user("jonas")
    for followee in (anna, org):
        await meissen.post_outbox("jonas", {"type": "Follow", "object": followee.ap_id})
    await eventually(lambda: _accepted(leipzig, 2), message="follows accepted")
    return leipzig, meissen, org, anna, bert, jonas


async def _accepted(instance, n: int) -> bool:
    rows = await instance.query("SELECT count(*) AS n FROM follows WHERE state = 'accepted'")
    return rows[0]["n"] >= n


async def publish_all(leipzig, org, anna, bert):
    """A public idea and event (the controls) and a members-only idea, event and comment."""
    rt = leipzig.rt
    _, public_idea = await ideas.publish(rt, anna, {"title": OPEN, "summary": "Für alle.", "districts": ["mitte"],
                                                    "topics": "elbe"})
    _, secret_idea = await ideas.publish(rt, anna, {"title": SECRET, "summary": "Nur intern.",
                                                    "districts": ["mitte"], "topics": "elbe", "members_of": "spd"})
    _, public_event = await events.publish(rt, anna, {**EVENT, "title": "Offenes Treffen"})
    _, secret_event = await events.publish(rt, org, {**EVENT, "title": "Vorstandssitzung intern", "members_of": "spd"})
    await ideas.support(rt, bert, secret_idea["id"])
    await ideas.comment(rt, bert, secret_idea["id"], "Interner Kommentar zur Elbe")
    comment = (await leipzig.query("SELECT ap_id FROM objects WHERE content LIKE '%Interner Kommentar%'"))[0]["ap_id"]
    return public_idea, secret_idea, public_event, secret_event, comment


async def test_members_only_items_are_delivered_nowhere_and_listed_nowhere(make_instance):
    leipzig, meissen, org, anna, bert, jonas = await world(make_instance)
    public_idea, secret_idea, public_event, secret_event, comment = await publish_all(leipzig, org, anna, bert)

    # Addressed to the space's members collection only: never Public, never followers.
    members = urls.members_collection_id(leipzig.config, "spd")
    for document in (secret_idea, secret_event):
        assert (document["to"], document["cc"]) == ([members], []), document
    rows = await leipzig.query("SELECT members_of, is_public, data FROM objects WHERE ap_id = ?", (comment,))
    assert rows[0]["members_of"] == org.id and rows[0]["is_public"] == 0
    assert json.loads(rows[0]["data"])["to"] == [members]

    # The public ones reach Meißen; nothing members-only is queued for any server, nor arrives.
    await eventually(lambda: meissen.query("SELECT 1 FROM ideas WHERE ap_id = ?", (public_idea["id"],)),
                     message="public idea delivered")
    await eventually(lambda: meissen.query("SELECT 1 FROM events WHERE ap_id = ?", (public_event["id"],)),
                     message="public event delivered")
    for secret in (secret_idea["id"], secret_event["id"], comment):
        queued = await leipzig.query(
            "SELECT count(*) AS n FROM deliveries d JOIN activities a ON a.id = d.activity_id "
            "WHERE a.object_ap_id = ? OR a.data LIKE ?", (secret, f"%{secret}%"))
        assert queued[0]["n"] == 0, secret
        stored = await leipzig.query("SELECT is_public FROM activities WHERE object_ap_id = ?", (secret,))
        assert stored and all(r["is_public"] == 0 for r in stored), secret
    await eventually(lambda: _drained(leipzig), message="delivery queue drained")
    for table in ("ideas", "events", "objects", "activities", "incoming"):
        column = "activity_ap_id" if table == "incoming" else "ap_id"
        found = await meissen.query(f"SELECT count(*) AS n FROM {table} WHERE data LIKE ? OR {column} LIKE ?"
                                    if table in ("objects", "activities", "incoming") else
                                    f"SELECT count(*) AS n FROM {table} WHERE title LIKE ? OR {column} LIKE ?",
                                    ("%intern%", "%" + secret_idea["id"].rsplit("/", 1)[1] + "%"))
        assert found[0]["n"] == 0, table
    # No district boosted it either.
    boosts = await leipzig.query("SELECT count(*) AS n FROM activities WHERE type = 'Announce' AND object_ap_id IN (?, ?)",
                                 (secret_idea["id"], secret_event["id"]))
    assert boosts[0]["n"] == 0

    # Every public list, feed, collection and count: the controls are there, the secrets are not.
    fritz = Visitor(leipzig.base_url)
    member = Visitor(leipzig.base_url)
    try:
        assert await fritz.login("fritz") == 303 and await member.login("anna") == 303
        pages = ["/", "/api/marketplace", "/marketplace.atom", "/marketplace.atom?district=mitte", "/?q=Elbe",
                 "/api/marketplace?q=Elbe", "/tags/elbe", "/tags/elbe.atom", "/d/mitte", "/@anna", "/@spd",
                 "/events", "/api/events/upcoming", "/events.ics", "/districts/mitte/events.ics", "/api/impact"]
        for who in (fritz, member):  # a member's view of the public lists is the public one too
            for path in pages:
                status, text, _ = await who.get(path)
                assert status == 200, (path, status)
                for secret in (SECRET, "Vorstandssitzung intern", secret_idea["id"], secret_event["id"],
                               "Interner Kommentar"):
                    assert secret not in text, (path, secret)
        status, text, _ = await fritz.get("/tags/elbe")
        assert OPEN in text  # the control
        status, text, _ = await fritz.get("/api/events/upcoming")
        assert "Offenes Treffen" in text
    finally:
        await fritz.close()
        await member.close()
    impact = await _json(leipzig, "/api/impact")
    assert impact["ideas"] == 1  # the public idea only
    for outbox in (anna.outbox_url, org.outbox_url, anna.outbox_url + "?page=true", org.outbox_url + "?page=true"):
        status, body = await meissen.get_json(outbox)
        assert status == 200
        text = json.dumps(body)
        assert secret_idea["id"] not in text and secret_event["id"] not in text and comment not in text, outbox
    status, body = await meissen.get_json(f"{leipzig.base_url}/nodeinfo/2.1")
    assert status == 200 and body["usage"]["localPosts"] == 0  # the members-only comment is not counted


async def _drained(instance) -> bool:
    rows = await instance.query("SELECT count(*) AS n FROM deliveries WHERE state = 'pending'")
    return rows[0]["n"] == 0


async def _json(instance, path: str):
    async with aiohttp.ClientSession() as session:
        async with session.get(instance.base_url + path) as r:
            return await r.json(content_type=None)


def _same(text: str, key: str) -> str:
    text = re.sub(r'name="csrf_token" value="[^"]+"', "", text)
    return text.replace(key, "KEY")


async def _fetch(url: str, *, signer=None, accept="application/activity+json", visitor: Visitor | None = None):
    headers = {"Accept": accept}
    if signer is not None:
        headers.update(signatures.sign_request("GET", url, key_id=signer.key_id, private_key_pem=signer.private_key_pem))
    if visitor is not None:
        async with visitor.session.get(url, headers=headers, allow_redirects=False) as r:
            return r.status, await r.text()
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers=headers, allow_redirects=False) as r:
            return r.status, await r.text()


async def test_every_route_answers_outsiders_as_for_an_id_that_does_not_exist(make_instance):
    leipzig, meissen, org, anna, bert, jonas = await world(make_instance)
    _, secret_idea, _, secret_event, comment = await publish_all(leipzig, org, anna, bert)
    base = leipzig.base_url
    idea_key = secret_idea["id"].rsplit("/", 1)[1]
    event_key = secret_event["id"].rsplit("/", 1)[1]
    comment_key = comment.rsplit("/", 1)[1]
    remote_instance = await actors_store.get_instance_actor(meissen.rt.db.reader)
    jonas_here = await meissen.actor("jonas")
    fritz = Visitor(base)
    anna_browser = Visitor(base)
    try:
        assert await fritz.login("fritz") == 303 and await anna_browser.login("anna") == 303
        routes = [(f"/ideas/{idea_key}", idea_key), (f"/ideas/{idea_key}/likes", idea_key),
                  (f"/ideas/{idea_key}/likes?page=true", idea_key), (f"/ideas/{idea_key}/shares", idea_key),
                  (f"/ideas/{idea_key}/replies", idea_key), (f"/events/{event_key}", event_key),
                  (f"/events/{event_key}/attendees?page=true", event_key), (f"/objects/{comment_key}", comment_key)]
        pages = [(f"/i/{idea_key}", idea_key), (f"/i/{idea_key}/edit", idea_key), (f"/e/{event_key}", event_key),
                 (f"/e/{event_key}/edit", event_key), (f"/ideas/{idea_key}", idea_key)]
        probes = 0
        for path, key in routes + pages:
            missing = str(uuid.uuid4())
            for how in ({"signer": remote_instance}, {"signer": jonas_here}, {"visitor": fritz},
                        {"accept": "text/html"}, {"accept": "text/html", "visitor": fritz}):
                if "signer" not in how and (path, key) in routes and "accept" not in how and "visitor" not in how:
                    continue
                secret = await _fetch(base + path, **how)
                none = await _fetch(base + path.replace(key, missing), **how)
                assert secret[0] in (303, 401, 404), (path, how, secret[0])  # 303: to the login page
                assert (secret[0], _same(secret[1], key)) == (none[0], _same(none[1], missing)), (path, how)
                probes += 1
            unsigned = await _fetch(base + path)  # unsigned, as a crawler asks
            assert unsigned[0] == 404 or unsigned[0] == (await _fetch(base + path.replace(key, missing)))[0], path
        assert probes >= 60
        # Members read them.
        for path in (f"/i/{idea_key}", f"/e/{event_key}"):
            status, text, _ = await anna_browser.get(path)
            assert status == 200, path
        status, text, _ = await anna_browser.get(f"/i/{idea_key}")
        assert SECRET in text and "Interner Kommentar zur Elbe" in text and "Nur für Mitglieder von SPD Leipzig" in text
        assert 'action="/ideas/share"' not in text  # a members-only idea has no share button
    finally:
        await fritz.close()
        await anna_browser.close()

    # A remote server's Like of the members-only idea (had it guessed the id) is refused, not counted.
    like = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{jonas.ap_id}/likes/{uuid.uuid4()}",
            "type": "Like", "actor": jonas.ap_id, "object": secret_idea["id"]}
    status, _ = await post_signed(leipzig.shared_inbox, like, key_id=jonas.key_id, private_key_pem=jonas.private_key_pem)
    assert status in (202, 404)
    if status == 202:
        await eventually(lambda: leipzig.query("SELECT 1 FROM incoming WHERE activity_ap_id = ? AND state != 'pending'",
                                               (like["id"],)), message="like handled")
    rows = await leipzig.query("SELECT support_count FROM ideas WHERE ap_id = ?", (secret_idea["id"],))
    assert rows[0]["support_count"] == 1  # bert's only


async def test_members_act_inside_outsiders_cannot(make_instance):
    leipzig, meissen, org, anna, bert, jonas = await world(make_instance)
    rt = leipzig.rt
    _, secret_idea, _, secret_event, _ = await publish_all(leipzig, org, anna, bert)
    fritz = await leipzig.actor("fritz")
    for command in (lambda: ideas.support(rt, fritz, secret_idea["id"]),
                    lambda: ideas.comment(rt, fritz, secret_idea["id"], "Von außen"),
                    lambda: ideas.share(rt, fritz, secret_idea["id"])):
        try:
            await command()
        except NotFound:
            pass
        else:
            raise AssertionError("an outsider acted on a members-only idea")
    try:
        await ideas.share(rt, bert, secret_idea["id"])
    except Forbidden as e:
        assert e.code == "members_only"
    else:
        raise AssertionError("a members-only idea was shared")
    # Outsiders cannot publish to the space; nobody can move an item to another audience.
    for who, value in ((fritz, "spd"), (anna, "niemand")):
        try:
            await ideas.publish(rt, who, {"title": "X", "districts": ["mitte"], "members_of": value})
        except BadRequest as e:
            assert e.field == "members_of"
        else:
            raise AssertionError(value)
    try:
        await ideas.edit(rt, anna, secret_idea["id"], {"members_of": ""})
    except BadRequest as e:
        assert e.field == "members_of"
    else:
        raise AssertionError("a members-only idea was made public by an edit")
    await ideas.edit(rt, anna, secret_idea["id"], {"title": SECRET + " (neu)"})  # an edit keeps the audience
    rows = await leipzig.query("SELECT members_of FROM ideas WHERE ap_id = ?", (secret_idea["id"],))
    assert rows[0]["members_of"] == org.id
    await ideas.delete(rt, anna, secret_idea["id"])
    deletes = await leipzig.query("SELECT a.is_public, count(d.id) AS n FROM activities a LEFT JOIN deliveries d "
                                  "ON d.activity_id = a.id WHERE a.type = 'Delete' AND a.object_ap_id = ? "
                                  "GROUP BY a.id", (secret_idea["id"],))
    assert deletes == [{"is_public": 0, "n": 0}]
    await events.edit(rt, org, secret_event["id"], {"title": "Vorstandssitzung intern (verschoben)"})
    queued = await leipzig.query("SELECT count(*) AS n FROM deliveries d JOIN activities a ON a.id = d.activity_id "
                                 "WHERE a.object_ap_id = ?", (secret_event["id"],))
    assert queued[0]["n"] == 0


async def test_the_api_and_the_forms_take_the_audience(make_instance):
    leipzig, meissen, org, anna, bert, jonas = await world(make_instance)
    # Client-to-server: `membersOf`, or the members collection in `to`.
    members = urls.members_collection_id(leipzig.config, "spd")
    for extra in ({"membersOf": "spd"}, {"to": [members]}):
        status, body = await leipzig.post_outbox("anna", {"type": "Create", "object": {
            "type": "Note", "name": "Per API intern", "civicKind": "idea", "districts": ["mitte"], **extra}})
        assert status == 201, body
    rows = await leipzig.query("SELECT members_of FROM ideas WHERE title = 'Per API intern'")
    assert [r["members_of"] for r in rows] == [org.id, org.id]
    status, body = await leipzig.post_outbox("fritz", {"type": "Create", "object": {
        "type": "Note", "name": "Von außen", "civicKind": "idea", "districts": ["mitte"], "membersOf": "spd"}})
    assert status == 400 and body["field"] == "members_of", body

    # The website: the select is offered to members only, and publishing with it makes a members-only idea.
    anna_browser, fritz = Visitor(leipzig.base_url), Visitor(leipzig.base_url)
    try:
        await anna_browser.login("anna")
        await fritz.login("fritz")
        status, text, _ = await fritz.get("/ideas/new")
        assert status == 200 and 'name="members_of"' not in text
        status, text, _ = await anna_browser.get("/ideas/new")
        assert "Wer sieht das?" in text and "Nur Mitglieder von SPD Leipzig" in text
        location = await anna_browser.publish_idea("Per Formular intern", members_of="spd")
        status, text, _ = await anna_browser.get(location)
        assert status == 200 and "Nur für Mitglieder von SPD Leipzig sichtbar" in text
        status, text, _ = await fritz.get(location)
        assert status == 404
        status, text, _ = await anna_browser.get(location + "/edit")
        assert status == 200 and "beim Veröffentlichen festgelegt" in text and 'name="members_of"' not in text
        status, text, _ = await anna_browser.get("/events/new")
        assert 'name="members_of"' in text
        status, text, headers = await anna_browser.post("/events/new", {
            **{k: v for k, v in EVENT.items()}, "title": "Per Formular Sitzung", "timezone": "Europe/Berlin",
            "members_of": "spd"})
        assert status == 303, text
        rows = await leipzig.query("SELECT members_of FROM events WHERE title = 'Per Formular Sitzung'")
        assert rows[0]["members_of"] == org.id
    finally:
        await anna_browser.close()
        await fritz.close()
