"""Impersonation through the victim's own host (Mastodon CVE-2024-23832, Misskey GHSA-qqrm-9grj-6v32).

A small aiohttp server on 127.0.0.1 plays the victim's host: it serves the victim's real actor
document, and whatever else an attacker managed to put there (an uploaded JSON file, an open
redirect, another path). A second one plays the attacker's own host. A real instance (Leipzig)
receives the deliveries. In every attack the victim's real key stays cached and the post signed
with the attacker's key as the victim is refused.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from actors import remote
from tests.conftest import post_signed
from wecreate_fed import signatures
from wecreate_fed.errors import FetchError

AP_JSON = "application/activity+json"
AS = "https://www.w3.org/ns/activitystreams"


@dataclass
class Host:
    """A loopback web server serving `documents` (path -> (content type, JSON)) and /redirect?to=…"""

    documents: dict[str, tuple[str, dict]] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    base_url: str = ""
    runner: web.AppRunner | None = None

    async def start(self) -> Host:
        app = web.Application()
        app.router.add_get("/redirect", self.redirect)
        app.router.add_post("/{path:.*}", self.accept_post)
        app.router.add_get("/{path:.*}", self.serve)
        self.runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{self.runner.addresses[-1][1]}"
        return self

    def put(self, path: str, document: dict, content_type: str = AP_JSON) -> str:
        self.documents[path] = (content_type, document)
        return self.base_url + path

    async def serve(self, request: web.Request) -> web.Response:
        self.hits.append(request.path_qs)
        if request.path not in self.documents:
            raise web.HTTPNotFound()
        content_type, document = self.documents[request.path]
        return web.Response(body=json.dumps(document).encode(), headers={"Content-Type": content_type})

    async def redirect(self, request: web.Request) -> web.Response:
        self.hits.append(request.path_qs)
        raise web.HTTPFound(request.query["to"])

    async def accept_post(self, request: web.Request) -> web.Response:
        self.hits.append(f"POST {request.path_qs}")
        return web.Response(status=202)


@dataclass
class Person:
    ap_id: str
    key_id: str
    private_key_pem: str
    public_key_pem: str


def actor_document(ap_id: str, key_id: str, public_key_pem: str, owner: str | None = None) -> dict:
    return {"@context": [AS, "https://w3id.org/security/v1"], "id": ap_id, "type": "Person",
            "preferredUsername": ap_id.rsplit("/", 1)[-1], "inbox": f"{ap_id}/inbox",
            "publicKey": {"id": key_id, "owner": owner or ap_id, "publicKeyPem": public_key_pem}}


def note_by(actor_id: str, to: str, text: str = "I resign from the city council.") -> dict:
    note_id = f"{actor_id}/notes/{uuid.uuid4()}"
    return {"@context": AS, "id": f"{note_id}/activity", "type": "Create", "actor": actor_id, "to": [to],
            "object": {"id": note_id, "type": "Note", "attributedTo": actor_id, "to": [to], "content": text}}


@pytest.fixture
async def hosts_and_victim(leipzig):
    """Leipzig with Anna; the victim's host with the victim's real actor; the attacker's host and key."""
    victim_host, attacker_host = await Host().start(), await Host().start()
    private, public = signatures.generate_key_pair()
    ap_id = f"{victim_host.base_url}/users/victim"
    victim = Person(ap_id, f"{ap_id}#main-key", private, public)
    victim_host.put("/users/victim", actor_document(ap_id, victim.key_id, public))
    anna = await leipzig.create_user("anna")
    # Leipzig learns the victim's real key from a genuine post
    status, body = await post_signed(leipzig.shared_inbox, note_by(victim.ap_id, anna.ap_id, "Hello"),
                                     key_id=victim.key_id, private_key_pem=victim.private_key_pem)
    assert status == 202, body
    assert await cached_key(leipzig, victim.ap_id) == victim.public_key_pem
    attacker_private, attacker_public = signatures.generate_key_pair()
    yield leipzig, anna, victim, victim_host, attacker_host, (attacker_private, attacker_public)
    for host in (victim_host, attacker_host):
        await host.runner.cleanup()


async def cached_key(instance, ap_id: str) -> str | None:
    rows = await instance.query("SELECT public_key_pem FROM actors WHERE ap_id = ?", (ap_id,))
    return rows[0]["public_key_pem"] if rows else None


async def attack(leipzig, anna, victim: Person, key_id: str, attacker_private: str) -> tuple[int, str]:
    """A post as the victim, signed with the attacker's key under `key_id`."""
    return await post_signed(leipzig.shared_inbox, note_by(victim.ap_id, anna.ap_id), key_id=key_id,
                             private_key_pem=attacker_private)


async def assert_victim_intact(leipzig, anna, victim: Person) -> None:
    assert await cached_key(leipzig, victim.ap_id) == victim.public_key_pem
    # The victim's own key still works, and the attacker's post is nowhere
    status, body = await post_signed(leipzig.shared_inbox, note_by(victim.ap_id, anna.ap_id, "Still me"),
                                     key_id=victim.key_id, private_key_pem=victim.private_key_pem)
    assert status == 202, body
    stored = await leipzig.query("SELECT data FROM incoming")
    assert len(stored) >= 2 and not any("resign" in row["data"] for row in stored)


async def test_an_uploaded_actor_document_cannot_replace_the_victims_key(hosts_and_victim):
    leipzig, anna, victim, victim_host, _, (attacker_private, attacker_public) = hosts_and_victim
    # Given a JSON file uploaded to the victim's host claiming the victim's id, with the attacker's key
    upload = f"{victim_host.base_url}/media/uploads/profile.json"
    victim_host.put("/media/uploads/profile.json",
                    actor_document(victim.ap_id, f"{upload}#main-key", attacker_public))
    # When the attacker signs a post as the victim naming that file's key
    status, body = await attack(leipzig, anna, victim, f"{upload}#main-key", attacker_private)
    # Then it is refused: the file's id is not where it was served, and the victim's own
    # document (asked for by that id) does not list the file's key
    assert status == 401, body
    assert "/media/uploads/profile.json/users/victim" not in body
    assert victim_host.hits.count("/media/uploads/profile.json") == 1
    await assert_victim_intact(leipzig, anna, victim)


async def test_an_uploaded_key_document_naming_the_victim_as_owner_is_refused(hosts_and_victim):
    leipzig, anna, victim, victim_host, _, (attacker_private, attacker_public) = hosts_and_victim
    # Given an uploaded key document (id = its own URL, as GoToSocial serves keys) owned by "the victim"
    upload = victim_host.put("/media/uploads/key.json", {})
    victim_host.put("/media/uploads/key.json", {"@context": [AS, "https://w3id.org/security/v1"], "id": upload,
                                                 "owner": victim.ap_id, "publicKeyPem": attacker_public})
    # Then a post signed with it is refused: the victim's document does not list that key
    status, body = await attack(leipzig, anna, victim, upload, attacker_private)
    assert status == 401 and "does not list the key" in body, body
    await assert_victim_intact(leipzig, anna, victim)


async def test_an_uploaded_file_served_as_plain_json_is_not_activitypub(hosts_and_victim):
    leipzig, anna, victim, victim_host, _, (attacker_private, attacker_public) = hosts_and_victim
    # Upload servers answer application/json: such a file is not an ActivityPub document at all
    upload = victim_host.put("/media/uploads/plain.json", {}, "application/json")
    victim_host.put("/media/uploads/plain.json", actor_document(upload, f"{upload}#main-key", attacker_public),
                    "application/json")
    status, body = await attack(leipzig, anna, victim, f"{upload}#main-key", attacker_private)
    assert status == 401 and "application/json" in body, body
    await assert_victim_intact(leipzig, anna, victim)


@pytest.mark.parametrize("claimed", ["victim", "redirect"], ids=["claims the victim's id", "claims the redirect's URL"])
async def test_an_open_redirect_on_the_victims_host_cannot_replace_the_victims_key(hosts_and_victim, claimed):
    leipzig, anna, victim, victim_host, attacker_host, (attacker_private, attacker_public) = hosts_and_victim
    # Given an open redirect on the victim's host pointing at the attacker's document
    evil = f"{attacker_host.base_url}/evil.json"
    redirect = f"{victim_host.base_url}/redirect?to={evil}"
    key_id = f"{redirect}#main-key"
    claimed_id = victim.ap_id if claimed == "victim" else redirect
    attacker_host.put("/evil.json", actor_document(claimed_id, key_id, attacker_public, owner=victim.ap_id))
    # When the attacker signs as the victim with a keyId on the victim's host that redirects there
    status, body = await attack(leipzig, anna, victim, key_id, attacker_private)
    # Then it is refused (the final URL is not the document's id) and the victim's key stays
    assert status == 401, body
    assert attacker_host.hits.count("/evil.json") >= 1  # it was followed, and then not believed
    await assert_victim_intact(leipzig, anna, victim)


async def test_another_path_on_the_victims_host_cannot_claim_the_victims_id(hosts_and_victim):
    leipzig, anna, victim, victim_host, _, (attacker_private, attacker_public) = hosts_and_victim
    # Given another path on the same host (a user page, a wiki, a pastebin) serving the victim's id
    other = f"{victim_host.base_url}/~mallory/actor"
    victim_host.put("/~mallory/actor", actor_document(victim.ap_id, f"{other}#main-key", attacker_public))
    status, body = await attack(leipzig, anna, victim, f"{other}#main-key", attacker_private)
    assert status == 401, body
    # It was asked once, then the victim's own id once (the refetch), which lists no such key
    assert victim_host.hits.count("/~mallory/actor") == 1
    await assert_victim_intact(leipzig, anna, victim)


async def test_an_actor_elsewhere_listing_the_victims_key_id_holds_no_key(hosts_and_victim):
    leipzig, anna, victim, _, attacker_host, (attacker_private, attacker_public) = hosts_and_victim
    # Given an actor on the attacker's host whose document lists the victim's key id as its own
    mallory = f"{attacker_host.base_url}/users/mallory"
    attacker_host.put("/users/mallory", actor_document(mallory, victim.key_id, attacker_public))
    # When Leipzig caches it (a key id is unique: it would have taken the victim's, or failed)
    actor = await remote.get_actor(leipzig.rt, mallory)
    # Then it is cached without a key, and the victim's key id still names the victim's key
    assert actor.ap_id == mallory and actor.key_id is None and actor.public_key_pem is None
    status, body = await attack(leipzig, anna, victim, victim.key_id, attacker_private)
    assert status == 401, body
    await assert_victim_intact(leipzig, anna, victim)


async def test_one_new_actor_fetched_many_times_at_once_is_cached_once(hosts_and_victim):
    leipzig, _, _, _, attacker_host, (_, public) = hosts_and_victim
    # PostgreSQL writes the fetches side by side: each one's insert meets the others' rows
    for round_ in range(20):
        ap_id = f"{attacker_host.base_url}/users/popular{round_}"
        document = actor_document(ap_id, f"{ap_id}#main-key", public)
        actors = await asyncio.gather(*(remote.store_actor_document(leipzig.rt, document, fetched_from=ap_id)
                                        for _ in range(8)))
        assert {a.id for a in actors} == {actors[0].id} and actors[0].key_id == f"{ap_id}#main-key"
        assert len(await leipzig.query("SELECT id FROM actors WHERE ap_id = ?", (ap_id,))) == 1


async def test_a_key_document_must_carry_the_keyid_as_its_id(hosts_and_victim):
    leipzig, anna, _, victim_host, _, _ = hosts_and_victim
    # Given a GoToSocial-style actor whose key is a document of its own
    private, public = signatures.generate_key_pair()
    gts = f"{victim_host.base_url}/users/gts"
    key_id = f"{gts}/main-key"
    victim_host.put("/users/gts", actor_document(gts, key_id, public))
    key_document = {"@context": [AS, "https://w3id.org/security/v1"], "id": key_id, "owner": gts, "publicKeyPem": public}
    victim_host.put("/users/gts/main-key", key_document)
    # Its posts verify through the key document (the control)
    status, body = await post_signed(leipzig.shared_inbox, note_by(gts, anna.ap_id, "Hi"), key_id=key_id,
                                     private_key_pem=private)
    assert status == 202, body
    # When the same key document is served at another URL (its id is not that URL)
    victim_host.put("/keys/alias", key_document)
    status, body = await post_signed(leipzig.shared_inbox, note_by(gts, anna.ap_id, "Hi"),
                                     key_id=f"{victim_host.base_url}/keys/alias", private_key_pem=private)
    # Then a signature naming that URL as keyId is refused, and the cached key is untouched
    assert status == 401 and "has another id" in body, body
    assert await cached_key(leipzig, gts) == public
    rows = await leipzig.query("SELECT key_id FROM actors WHERE ap_id = ?", (gts,))
    assert rows[0]["key_id"] == key_id


@pytest.mark.parametrize("content_type, accepted", [
    (AP_JSON, True),
    (f'application/ld+json; profile="{AS}"', True),
    ("application/activity+json; charset=utf-8", True),
    ("application/ld+json", False),
    ('application/ld+json; profile="https://example.org/other"', False),
    ("application/json", False),
    ("text/html", False),
])
async def test_only_activitypub_content_types_are_documents(hosts_and_victim, content_type, accepted):
    leipzig, anna, _, victim_host, _, _ = hosts_and_victim
    private, public = signatures.generate_key_pair()
    someone = f"{victim_host.base_url}/users/someone"
    victim_host.put("/users/someone", actor_document(someone, f"{someone}#main-key", public), content_type)
    status, body = await post_signed(leipzig.shared_inbox, note_by(someone, anna.ap_id, "Hi"),
                                     key_id=f"{someone}#main-key", private_key_pem=private)
    assert (status == 202) is accepted, body
    assert (await cached_key(leipzig, someone) == public) is accepted


async def test_a_blocked_domain_is_blocked_inbound_and_outbound_however_spelled(make_instance):
    leipzig = await make_instance("leipzig", blocked_domains=["LOCALHOST.", "münchen.example"])
    anna = await leipzig.create_user("anna")
    host = await Host().start()
    port = host.base_url.rsplit(":", 1)[1]
    private, public = signatures.generate_key_pair()
    try:
        for actor in (f"http://localhost:{port}/users/x", f"http://LocalHost.:{port}/users/x",
                      "https://xn--mnchen-3ya.example/users/x", "https://MÜNCHEN.example./users/x"):
            host.put("/users/x", actor_document(actor, f"{actor}#main-key", public))
            # Inbound: refused before the signature is even looked at
            status, body = await post_signed(leipzig.shared_inbox, note_by(actor, anna.ap_id), key_id=f"{actor}#main-key",
                                             private_key_pem=private)
            assert status == 403 and "is blocked" in body, (actor, body)
            # Outbound: never fetched
            with pytest.raises(FetchError, match="is blocked"):
                await remote.get_actor(leipzig.rt, actor)
        # A keyId on a blocked host is refused whoever the actor claims to be
        status, body = await post_signed(leipzig.shared_inbox, note_by(f"{host.base_url}/users/y", anna.ap_id),
                                         key_id=f"http://localhost.:{port}/users/x#main-key", private_key_pem=private)
        assert status == 401 and "is blocked" in body, body
        assert host.hits == []
    finally:
        await host.runner.cleanup()


@pytest.mark.parametrize("field, value", [
    ("actor", "http://a@b/users/x"), ("actor", "https://victim.example@evil.example/users/x"),
    ("actor", "http://[::1"), ("id", "http://a@b/activities/1"), ("id", "http://[::1/activities/1"),
    ("actor", "gopher://evil.example/x"),
])
async def test_ids_with_userinfo_or_malformed_are_refused_with_400(leipzig, field, value):
    anna = await leipzig.create_user("anna")
    private, _ = signatures.generate_key_pair()
    activity = note_by("https://evil.example/users/x", anna.ap_id)
    activity[field] = value
    status, body = await post_signed(leipzig.shared_inbox, activity, key_id="https://evil.example/users/x#main-key",
                                     private_key_pem=private)
    assert status == 400 and json.loads(body)["error"] == "url", body
    assert json.loads(body)["field"] == field
    assert not await leipzig.query("SELECT 1 FROM incoming")
