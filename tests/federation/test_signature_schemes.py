"""RFC 9421 and draft-cavage over real HTTP: double-knocking with per-host memory, Accept-Signature,
and cavage signatures over the path alone accepted for a URL with a query (as Fedify signs)."""

from __future__ import annotations

import json
import uuid

import aiohttp
import pytest
from aiohttp import web

from tests.conftest import eventually, post_signed
from wecreate_fed import signatures
from wecreate_fed.errors import SignatureError
from wecreate_fed.signatures import rfc9421
from wecreate_fed.store import actors as actors_store

WANT = 'want=("@method" "@target-uri"{digest});created;nonce="n-42"'


class StrictPeer:
    """A server with one actor that takes only RFC 9421 signatures (verified with our verifier against
    the sender's key read from the sending instance); with `ask`, it answers 401 with Accept-Signature
    and takes only the signature it asked for."""

    def __init__(self, sender, *, ask: bool = False):
        self.sender = sender
        self.ask = ask
        self.log: list[tuple[str, str | None, int]] = []  # (method, label or "cavage", status)
        self.private_key_pem, self.public_key_pem = signatures.generate_key_pair()

    async def start(self) -> StrictPeer:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
        self.actor_id = f"{self.base_url}/users/strict"
        return self

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read() if request.method == "POST" else None
        label, status = await self.check(request, body)
        self.log.append((request.method, label, status))
        if status != 200:
            headers = {}
            if self.ask:
                headers["Accept-Signature"] = WANT.format(digest=' "content-digest"' if body is not None else "")
            return web.json_response({"error": "signature"}, status=status, headers=headers)
        if request.method == "POST":
            return web.Response(status=202)
        return web.json_response(self.document(), content_type="application/activity+json")

    async def check(self, request: web.Request, body: bytes | None) -> tuple[str | None, int]:
        if "Signature-Input" not in request.headers:
            return ("cavage" if "Signature" in request.headers else None), 401
        try:
            [sig] = rfc9421.parse(request.headers["Signature-Input"], request.headers["Signature"])
        except SignatureError:
            return "malformed", 401
        if self.ask and (sig.label != "want" or sig.params.get("nonce") != "n-42"):
            return sig.label, 401
        actor = await actors_store.get_actor_by_key_id(self.sender.rt.db.reader, sig.key_id)
        try:
            rfc9421.verify_request(sig, method=request.method, url=self.base_url + request.path_qs,
                                   headers=request.headers, body=body,
                                   public_key=signatures.load_public_key(actor.public_key_pem), max_skew=60)
        except SignatureError:
            return sig.label, 401
        return sig.label, 200

    def document(self) -> dict:
        return {"@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                "id": self.actor_id, "type": "Person", "preferredUsername": "strict", "inbox": f"{self.actor_id}/inbox",
                "publicKey": {"id": f"{self.actor_id}#main-key", "owner": self.actor_id,
                              "publicKeyPem": self.public_key_pem}}

    async def follow(self, instance, ap_id: str) -> dict:
        activity = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{self.actor_id}#follows/{uuid.uuid4()}",
                    "type": "Follow", "actor": self.actor_id, "object": ap_id}
        status, body = await post_signed(instance.shared_inbox, activity, key_id=f"{self.actor_id}#main-key",
                                         private_key_pem=self.private_key_pem)
        assert status == 202, body
        return activity


@pytest.fixture
async def strict_peer(leipzig):
    peers = []

    async def make(**kwargs) -> StrictPeer:
        peers.append(await StrictPeer(leipzig, **kwargs).start())
        return peers[-1]
    yield make
    for peer in peers:
        await peer.runner.cleanup()


async def test_a_host_refusing_cavage_gets_rfc9421_after_one_knock_and_it_is_remembered(leipzig, strict_peer):
    peer = await strict_peer()
    anna = await leipzig.create_user("anna")
    # When the peer's actor follows Anna, we fetch its actor (signed GET) and send an Accept (signed POST)
    await peer.follow(leipzig, anna.ap_id)
    await eventually(lambda: leipzig.query("SELECT 1 FROM deliveries WHERE state = 'done'"), message="Accept delivered")
    # Then the GET was refused in cavage and taken in RFC 9421, and the POST went in RFC 9421 at once
    assert peer.log == [("GET", "cavage", 401), ("GET", "sig1", 200), ("POST", "sig1", 200)]
    assert leipzig.rt.http.schemes.get(peer.base_url.removeprefix("http://")) == "rfc9421"


async def test_accept_signature_is_answered_with_the_signature_asked_for(leipzig, strict_peer):
    peer = await strict_peer(ask=True)
    anna = await leipzig.create_user("anna")
    await peer.follow(leipzig, anna.ap_id)
    await eventually(lambda: leipzig.query("SELECT 1 FROM deliveries WHERE state = 'done'"), message="Accept delivered")
    # Each 401 named what it wanted (label, components, nonce); the retry carried exactly that
    assert peer.log == [("GET", "cavage", 401), ("GET", "want", 200), ("POST", "sig1", 401), ("POST", "want", 200)]


async def test_a_cavage_signature_over_the_path_alone_fetches_a_paged_collection(make_instance, meissen):
    """Fedify signs (request-target) without the query: it must be able to read …/followers?page=true."""
    leipzig = await make_instance("leipzig", require_signed_fetch=True)
    anna = await leipzig.create_user("anna")
    jonas = await meissen.create_user("jonas")
    url = f"{anna.ap_id}/followers"
    async with aiohttp.ClientSession() as session:
        for signed_url, status in ((url + "?page=true", 200), (url, 200), (f"{anna.ap_id}/following", 401)):
            headers = signatures.sign_request("GET", signed_url, key_id=jonas.key_id, private_key_pem=jonas.private_key_pem)
            async with session.get(url + "?page=true", headers={"Accept": "application/activity+json", **headers}) as r:
                assert r.status == status, signed_url
                if status == 200:
                    assert (await r.json())["type"] == "OrderedCollectionPage"


async def test_two_instances_federate_in_rfc9421_with_authorised_fetch_on_both(make_instance):
    leipzig = await make_instance("leipzig", require_signed_fetch=True, signature_first="rfc9421")
    meissen = await make_instance("meissen", require_signed_fetch=True, signature_first="rfc9421")
    anna = await leipzig.create_user("anna")
    await meissen.create_user("jonas")
    # When Jonas follows Anna and Anna posts (fetches and deliveries both ways, all signed in RFC 9421)
    status, body = await meissen.post_outbox("jonas", {"type": "Follow", "object": anna.ap_id})
    assert status == 201, body
    await eventually(lambda: meissen.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="accepted")
    status, body = await leipzig.post_outbox("anna", {"type": "Note", "content": "<p>Hallo Meißen</p>"})
    assert status == 201, body
    await eventually(lambda: meissen.query("SELECT 1 FROM objects WHERE content = '<p>Hallo Meißen</p>'"),
                     message="note received")
    # Then neither side refused a request: no knock was needed
    assert leipzig.statuses[401] == 0 and meissen.statuses[401] == 0
    assert leipzig.rt.http.schemes.get(meissen.config.host) == "rfc9421"
    assert meissen.rt.http.schemes.get(leipzig.config.host) == "rfc9421"
    # And a forged RFC 9421 delivery (a body other than the one digested) is refused with 401
    jonas = await meissen.actor("jonas")
    note = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{jonas.ap_id}#likes/1", "type": "Like",
            "actor": jonas.ap_id, "object": anna.ap_id}
    headers = rfc9421.sign_request("POST", leipzig.shared_inbox, key_id=jonas.key_id, body=b"{}",
                                   private_key=signatures.load_private_key(jonas.private_key_pem),
                                   date=signatures.http_date())
    async with aiohttp.ClientSession() as session:
        async with session.post(leipzig.shared_inbox, data=json.dumps(note).encode(), headers=headers) as r:
            assert r.status == 401
            assert "Content-Digest does not match" in (await r.json())["message"]
    assert not await leipzig.query("SELECT 1 FROM incoming WHERE activity_ap_id = ?", (note["id"],))
