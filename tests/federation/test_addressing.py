"""Addressing means what the client said (ActivityPub §6, §7.1.1), over real HTTP between instances.

bto / bcc reach their recipients and are never stored, served or sent; `to: [] cc: []` is the
author alone; an activity's and its object's recipients are merged; `type` may be a list; the
author reads its own non-public activities and objects; `liked` lists what an actor liked.
"""

from __future__ import annotations

import json
import uuid

import aiohttp
import pytest
from aiohttp import web

from tests.conftest import eventually, post_signed
from wecreate_fed import signatures

EXT = "https://example.org/ns#Extension"


class RecordingPeer:
    """A server on loopback with actors of its own that records every POST to their inboxes (raw bytes)."""

    def __init__(self, *names: str):
        self.names = names
        self.keys = {n: signatures.generate_key_pair() for n in names}
        self.posts: list[tuple[str, bytes]] = []   # (path, body)

    async def start(self) -> RecordingPeer:
        app = web.Application()
        app.router.add_get("/users/{name}", self._actor)
        app.router.add_post("/users/{name}/inbox", self._inbox)
        app.router.add_post("/inbox", self._inbox)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def stop(self) -> None:
        await self._runner.cleanup()

    def actor_id(self, name: str) -> str:
        return f"{self.base_url}/users/{name}"

    async def _actor(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in self.keys:
            raise web.HTTPNotFound()
        ap_id = self.actor_id(name)
        document = {"@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                    "id": ap_id, "type": "Person", "preferredUsername": name, "inbox": f"{ap_id}/inbox",
                    "endpoints": {"sharedInbox": f"{self.base_url}/inbox"},
                    "publicKey": {"id": f"{ap_id}#main-key", "owner": ap_id, "publicKeyPem": self.keys[name][1]}}
        return web.json_response(document, content_type="application/activity+json")

    async def _inbox(self, request: web.Request) -> web.Response:
        self.posts.append((request.path, await request.read()))
        return web.Response(status=202)

    def received(self, type_: str) -> list[tuple[str, bytes]]:
        return [(path, body) for path, body in self.posts if json.loads(body).get("type") == type_]

    async def follow(self, name: str, inbox_url: str, target: str) -> None:
        ap_id = self.actor_id(name)
        activity = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{ap_id}#follows/{uuid.uuid4()}",
                    "type": "Follow", "actor": ap_id, "object": target}
        status, body = await post_signed(inbox_url, activity, key_id=f"{ap_id}#main-key",
                                         private_key_pem=self.keys[name][0])
        assert status == 202, body


@pytest.fixture
async def peer():
    started = await RecordingPeer("bob", "fan").start()
    yield started
    await started.stop()


async def get(url: str, *, token: str | None = None, signer=None) -> tuple[int, dict | None]:
    """GET as ActivityPub JSON: anonymous, with a bearer token, or signed by a (local) actor's key."""
    headers = {"Accept": "application/activity+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if signer is not None:
        headers.update(signatures.sign_request("GET", url, key_id=signer.key_id,
                                               private_key_pem=signer.private_key_pem))
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers=headers) as r:
            text = await r.text()
            return r.status, json.loads(text) if text.startswith("{") else None


def mentions_blind(document) -> bool:
    """Whether a bto or bcc key appears anywhere in the document (keys, not text: a random id may hold "bcc")."""
    return _has_blind_key(json.loads(document) if isinstance(document, (bytes, str)) else document)


def _has_blind_key(value) -> bool:
    if isinstance(value, dict):
        return any(key in ("bto", "bcc") or _has_blind_key(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_blind_key(item) for item in value)
    return False


async def stored_activity(instance, ap_id: str) -> dict:
    return json.loads((await instance.query("SELECT data FROM activities WHERE ap_id = ?", (ap_id,)))[0]["data"])


# --- bto / bcc ---------------------------------------------------------------------------------

async def test_bto_and_bcc_are_delivered_to_and_never_stored_served_or_sent(leipzig, meissen, peer):
    anna = await leipzig.create_user("anna")
    jonas = await meissen.create_user("jonas")
    # Given a follower of Anna's (fan, on the peer), who is not among the post's recipients
    await peer.follow("fan", leipzig.shared_inbox, anna.ap_id)
    await eventually(lambda: peer.received("Accept"), message="Accept of fan's follow", timeout=30)
    # When Anna's client sends a note to Jonas in bto and to Bob in bcc, and to nobody else
    status, body = await leipzig.post_outbox("anna", {"type": "Note", "content": "<p>Unter uns</p>",
                                                      "bto": [jonas.ap_id], "bcc": [peer.actor_id("bob")]})
    assert status == 201, body
    activity_id = body["id"]
    note_id = (await stored_activity(leipzig, activity_id))["object"]["id"]
    # Then Jonas's instance keeps the note, and Bob's own inbox (not the shared one) gets it
    await eventually(lambda: meissen.query("SELECT 1 FROM objects WHERE ap_id = ?", (note_id,)),
                     message="the note on Meißen", timeout=30)
    creates = await eventually(lambda: peer.received("Create"), message="the Create at Bob's", timeout=30)
    assert [path for path, _ in creates] == ["/users/bob/inbox"]
    # And what was sent, stored and served names neither bto nor bcc
    assert not mentions_blind(creates[0][1])
    assert jonas.ap_id not in creates[0][1].decode()  # Bob does not learn who else got it
    incoming = await meissen.query("SELECT data, state FROM incoming WHERE activity_ap_id = ?", (activity_id,))
    assert incoming[0]["state"] == "done" and not mentions_blind(json.loads(incoming[0]["data"]))
    assert not mentions_blind(await stored_activity(leipzig, activity_id))
    object_rows = await leipzig.query("SELECT data, is_public FROM objects WHERE ap_id = ?", (note_id,))
    assert object_rows[0]["is_public"] == 0 and not mentions_blind(json.loads(object_rows[0]["data"]))
    token = await leipzig.token("anna")
    for url in (activity_id, note_id):
        status, served = await get(url, token=token)
        assert status == 200 and not mentions_blind(served)
    # And a blind recipient may fetch what it was sent; anonymous gets nothing
    assert (await get(note_id, signer=jonas))[0] == 200
    assert (await get(note_id))[0] == 401  # unsigned: 401 under authorised fetch (on in the tests)
    # And it went to those two inboxes only: the follower, not addressed, gets nothing of it
    deliveries = await leipzig.query("SELECT d.inbox_url FROM deliveries d JOIN activities a ON a.id = d.activity_id "
                                     "WHERE a.ap_id = ?", (activity_id,))
    assert sorted(d["inbox_url"] for d in deliveries) == sorted([jonas.inbox_url, f"{peer.actor_id('bob')}/inbox"])
    _, outbox = await leipzig.get_json(f"{anna.ap_id}/outbox")
    assert outbox["totalItems"] == 0


async def test_an_incoming_activity_keeps_no_bto_or_bcc(leipzig, meissen):
    anna = await leipzig.create_user("anna")
    jonas = await meissen.create_user("jonas")
    note_id = f"{jonas.ap_id}/notes/{uuid.uuid4()}"
    activity = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{note_id}/activity", "type": "Create",
                "actor": jonas.ap_id, "bcc": [anna.ap_id, "https://elsewhere.example/users/x"],
                "object": {"id": note_id, "type": "Note", "attributedTo": jonas.ap_id, "content": "psst",
                           "bto": [anna.ap_id]}}
    status, body = await post_signed(f"{anna.ap_id}/inbox", activity, key_id=jonas.key_id,
                                     private_key_pem=jonas.private_key_pem)
    assert status == 202, body
    # Delivered to Anna's own inbox, it is kept for her, without the blind fields
    rows = await eventually(lambda: leipzig.query("SELECT data, is_public FROM objects WHERE ap_id = ?", (note_id,)),
                            message="the note kept", timeout=30)
    assert rows[0]["is_public"] == 0 and not mentions_blind(json.loads(rows[0]["data"]))
    incoming = await leipzig.query("SELECT data FROM incoming")
    assert not mentions_blind(json.loads(incoming[0]["data"]))


# --- explicit empty addressing, merged addressing ------------------------------------------------

async def test_a_post_to_nobody_is_the_authors_alone(leipzig, meissen):
    anna = await leipzig.create_user("anna")
    await leipzig.create_user("lena")  # a user of the same instance, not addressed
    jonas = await meissen.create_user("jonas")
    await meissen.post_outbox("jonas", {"type": "Follow", "object": anna.ap_id})
    await eventually(lambda: meissen.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="follow", timeout=30)
    # When Anna's client posts with `to: [] cc: []` (as `ap create note --private` does)
    status, body = await leipzig.post_outbox("anna", {"type": "Note", "content": "Merkzettel", "to": [], "cc": []})
    assert status == 201, body
    activity_id = body["id"]
    note_id = (await stored_activity(leipzig, activity_id))["object"]["id"]
    # Then nothing is delivered, not even to her follower, and the public outbox does not list it
    deliveries = await leipzig.query("SELECT d.id FROM deliveries d JOIN activities a ON a.id = d.activity_id "
                                     "WHERE a.ap_id = ?", (activity_id,))
    assert deliveries == []
    assert await leipzig.query("SELECT is_public FROM objects WHERE ap_id = ?", (note_id,)) == [{"is_public": 0}]
    _, outbox = await leipzig.get_json(f"{anna.ap_id}/outbox")
    assert outbox["totalItems"] == 0
    # And Anna sees it with her token; anonymous, Lena and Jonas get 404
    token = await leipzig.token("anna")
    for url in (activity_id, note_id):
        assert (await get(url, token=token))[0] == 200
        assert (await get(url))[0] == 401  # unsigned: 401 under authorised fetch (on in the tests)
        assert (await get(url, token=await leipzig.token("lena")))[0] == 404
        assert (await get(url, signer=jonas))[0] == 404
    assert not await meissen.query("SELECT 1 FROM objects WHERE ap_id = ?", (note_id,))
    # And deleting it announces nothing either: its Delete is as private as it was
    status, body = await leipzig.post_outbox("anna", {"type": "Delete", "object": note_id})
    assert status == 201, body
    assert (await get(body["id"]))[0] == 401 and (await get(body["id"], token=token))[0] == 200
    _, outbox = await leipzig.get_json(f"{anna.ap_id}/outbox")
    assert outbox["totalItems"] == 0
    assert (await get(note_id, token=token))[0] == 410 and (await get(note_id))[0] == 401


async def test_recipients_of_the_activity_and_of_its_object_are_merged(leipzig, meissen, peer):
    await leipzig.create_user("anna")
    jonas = await meissen.create_user("jonas")
    bob = peer.actor_id("bob")
    # The object is addressed to Jonas, the activity around it to Bob
    status, body = await leipzig.post_outbox("anna", {"type": "Create", "to": [bob], "object": {
        "type": "Note", "content": "Für euch beide", "to": [jonas.ap_id]}})
    assert status == 201, body
    stored = await stored_activity(leipzig, body["id"])
    note_id = stored["object"]["id"]
    # Both receive it, and both documents name both (§6.2: unioned in both directions)
    await eventually(lambda: meissen.query("SELECT 1 FROM objects WHERE ap_id = ?", (note_id,)), message="at Jonas's", timeout=30)
    await eventually(lambda: peer.received("Create"), message="at Bob's", timeout=30)
    assert set(stored["to"]) == {bob, jonas.ap_id} == set(stored["object"]["to"])


# --- type as a list --------------------------------------------------------------------------

async def test_list_types_are_understood_by_their_known_member_on_the_outbox(leipzig):
    anna = await leipzig.create_user("anna")
    await leipzig.create_user("lena")
    status, body = await leipzig.post_outbox("anna", {"type": ["Note", EXT], "content": "Mit Erweiterung"})
    assert status == 201, body
    note_id = (await stored_activity(leipzig, body["id"]))["object"]["id"]
    assert await leipzig.query("SELECT type FROM objects WHERE ap_id = ?", (note_id,)) == [{"type": "Note"}]
    # A Like typed as a list is a Like (not taken for something else)
    status, body = await leipzig.post_outbox("lena", {"type": [EXT, "Like"], "object": note_id})
    assert status == 201, body
    assert (await stored_activity(leipzig, body["id"]))["type"] == "Like"
    # Only extension types: a clear 400 naming them, nothing stored
    for document in ({"type": ["https://example.org/ns#Widget"], "content": "?"},
                     {"type": "Create", "object": {"type": ["https://example.org/ns#Widget"], "content": "?"}}):
        status, body = await leipzig.post_outbox("anna", document)
        assert status == 400 and body["error"] == "unsupported" and body["field"] in ("type", "object.type"), body
    assert len(await leipzig.query("SELECT 1 FROM activities WHERE actor_id = (SELECT id FROM actors WHERE ap_id = ?)",
                                   (anna.ap_id,))) == 1
    assert not leipzig.crashes


async def test_list_types_on_the_inbox_are_understood_and_unknown_ones_refused_for_good(leipzig, meissen):
    anna = await leipzig.create_user("anna")
    jonas = await meissen.create_user("jonas")

    async def deliver(activity_type, object_type) -> tuple[str, str, int]:
        note_id = f"{jonas.ap_id}/notes/{uuid.uuid4()}"
        activity = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{note_id}/activity",
                    "type": activity_type, "actor": jonas.ap_id, "to": [anna.ap_id],
                    "object": {"id": note_id, "type": object_type, "attributedTo": jonas.ap_id, "content": "Hallo",
                               "to": [anna.ap_id]}}
        status, _ = await post_signed(leipzig.shared_inbox, activity, key_id=jonas.key_id,
                                      private_key_pem=jonas.private_key_pem)
        return activity["id"], note_id, status

    async def row(activity_id):
        rows = await leipzig.query("SELECT state, attempts, last_error FROM incoming WHERE activity_ap_id = ?",
                                   (activity_id,))
        return rows[0] if rows and rows[0]["state"] != "pending" else None

    # A Create and a Note both typed with an extension: handled, the note kept
    activity_id, note_id, status = await deliver(["Create", EXT], ["Note", EXT])
    assert status == 202
    assert (await eventually(lambda: row(activity_id), message="handled", timeout=30))["state"] == "done"
    assert await leipzig.query("SELECT type FROM objects WHERE ap_id = ?", (note_id,)) == [{"type": "Note"}]
    # Only extension types, of the object or of the activity: refused once with a reason, not retried
    for activity_type, object_type in (("Create", ["https://example.org/ns#Widget"]),
                                       (["https://example.org/ns#Poke"], "Note")):
        activity_id, note_id, status = await deliver(activity_type, object_type)
        assert status == 202
        refused = await eventually(lambda activity_id=activity_id: row(activity_id), message="refused", timeout=30)
        assert refused["state"] == "failed" and refused["attempts"] == 1, refused
        assert "understands" in refused["last_error"]
        assert not await leipzig.query("SELECT 1 FROM objects WHERE ap_id = ?", (note_id,))
    # And a list type does not slip past the rule that a Create's object lives on its actor's host
    activity = {"id": f"{jonas.ap_id}/x/{uuid.uuid4()}", "type": ["Create", EXT], "actor": jonas.ap_id,
                "object": {"id": f"{anna.ap_id}/forged", "type": "Note", "content": "x"}}
    status, body = await post_signed(leipzig.shared_inbox, activity, key_id=jonas.key_id,
                                     private_key_pem=jonas.private_key_pem)
    assert status == 400 and "does not live on the actor's host" in body
    assert not leipzig.crashes


# --- the author's own non-public documents, and `liked` ------------------------------------------

async def test_the_author_fetches_the_location_of_its_non_public_post(leipzig, meissen):
    anna = await leipzig.create_user("anna")
    await leipzig.create_user("lena")
    jonas = await meissen.create_user("jonas")
    # A post to Jonas only
    status, body = await leipzig.post_outbox("anna", {"type": "Note", "content": "Nur für Jonas", "to": [jonas.ap_id]})
    assert status == 201, body
    location = body["id"]
    note_id = (await stored_activity(leipzig, location))["object"]["id"]
    for url in (location, note_id):
        # Anna, with her token or her own signature, may read it; so may Jonas, to whom it is addressed
        assert (await get(url, token=await leipzig.token("anna")))[0] == 200
        assert (await get(url, signer=anna))[0] == 200
        assert (await get(url, signer=jonas))[0] == 200
        # Nobody else: anonymous, another user of the instance, a bad token
        assert (await get(url))[0] == 401  # unsigned: 401 under authorised fetch (on in the tests)
        assert (await get(url, token=await leipzig.token("lena")))[0] == 404
        assert (await get(url, token="not-a-token"))[0] == 401


async def test_liked_lists_what_the_actor_liked_until_it_is_undone(leipzig):
    await leipzig.create_user("anna")
    lena = await leipzig.create_user("lena")
    _, body = await leipzig.post_outbox("anna", {"type": "Note", "content": "Gefällt euch das?"})
    note_id = (await stored_activity(leipzig, body["id"]))["object"]["id"]
    status, _ = await leipzig.post_outbox("lena", {"type": "Like", "object": note_id})
    assert status == 201
    # The actor document links to it; its owner reads it, paged like the other collections
    _, document = await leipzig.get_json(lena.ap_id)
    assert document["liked"] == f"{lena.ap_id}/liked"
    token = await leipzig.token("lena")
    status, liked = await get(document["liked"], token=token)
    assert status == 200 and liked["type"] == "OrderedCollection" and liked["totalItems"] == 1
    status, page = await get(liked["first"], token=token)
    assert status == 200 and page["type"] == "OrderedCollectionPage" and page["orderedItems"] == [note_id]
    assert (await get(document["liked"], signer=lena))[0] == 200
    # Others do not learn what she liked
    assert (await get(document["liked"]))[0] == 401  # unsigned: 401 under authorised fetch (on in the tests)
    assert (await get(document["liked"], token=await leipzig.token("anna")))[0] == 403
    # Undo of the Like as the collection shows it (the object liked), without its id
    status, body = await leipzig.post_outbox("lena", {"type": "Undo", "object": {"type": "Like", "object": note_id}})
    assert status == 201, body
    _, liked = await get(document["liked"], token=token)
    assert liked["totalItems"] == 0
