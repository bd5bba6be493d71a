"""Deliveries that must be refused, over real HTTP, leaving no trace; and ones that count once."""

import base64
import hashlib
import hmac
import json
import time
import uuid

import aiohttp
import pytest

from tests.conftest import eventually, post_signed
from wecreate_fed import signatures


@pytest.fixture
async def pair(leipzig, meissen):
    """Anna on Leipzig (the receiver) and Jonas on Meißen (a real remote actor with a real key)."""
    anna = await leipzig.create_user("anna")
    jonas = await meissen.create_user("jonas")
    return leipzig, anna, jonas


def like(jonas, object_id: str) -> dict:
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{jonas.ap_id}#likes/{uuid.uuid4()}",
            "type": "Like", "actor": jonas.ap_id, "object": object_id}


def follow(jonas, anna) -> dict:
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{jonas.ap_id}#follows/{uuid.uuid4()}",
            "type": "Follow", "actor": jonas.ap_id, "object": anna.ap_id}


async def nothing_stored(instance) -> bool:
    return not await instance.query("SELECT 1 FROM incoming") and not await instance.query("SELECT 1 FROM follows")


async def test_a_signed_follow_is_stored_and_answered_202(pair):
    leipzig, anna, jonas = pair
    status, _ = await post_signed(leipzig.shared_inbox, follow(jonas, anna), key_id=jonas.key_id,
                                  private_key_pem=jonas.private_key_pem)
    assert status == 202
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="follow")


async def test_unsigned_delivery_is_refused(pair):
    leipzig, anna, jonas = pair
    async with aiohttp.ClientSession() as session:
        async with session.post(leipzig.shared_inbox, json=follow(jonas, anna),
                                headers={"Content-Type": "application/activity+json"}) as r:
            assert r.status == 401
            assert "Signature" in (await r.json())["message"]
    assert await nothing_stored(leipzig)


async def test_signature_by_another_key_is_refused(pair, meissen):
    # Lena signs, but the activity claims Jonas as its actor.
    leipzig, anna, jonas = pair
    lena = await meissen.create_user("lena")
    status, body = await post_signed(leipzig.shared_inbox, follow(jonas, anna), key_id=lena.key_id,
                                     private_key_pem=lena.private_key_pem)
    assert status == 401 and "actor is" in body
    assert await nothing_stored(leipzig)


async def test_forged_signature_is_refused(pair, meissen):
    # Jonas's key id, but signed with someone else's private key.
    leipzig, anna, jonas = pair
    lena = await meissen.create_user("lena")
    status, body = await post_signed(leipzig.shared_inbox, follow(jonas, anna), key_id=jonas.key_id,
                                     private_key_pem=lena.private_key_pem)
    assert status == 401 and "does not verify" in body
    assert await nothing_stored(leipzig)


async def test_replayed_delivery_with_old_date_is_refused(pair):
    leipzig, anna, jonas = pair
    body = json.dumps(follow(jonas, anna)).encode()
    old = signatures.sign_request("POST", leipzig.shared_inbox, key_id=jonas.key_id,
                                  private_key_pem=jonas.private_key_pem, body=body, now=time.time() - 7200)
    async with aiohttp.ClientSession() as session:
        async with session.post(leipzig.shared_inbox, data=body, headers=old) as r:
            assert r.status == 401
            assert "replay" in (await r.json())["message"]
    assert await nothing_stored(leipzig)


async def test_digest_mismatch_is_refused(pair):
    # A body swapped after signing: the signature covers the Digest, the Digest no longer matches.
    leipzig, anna, jonas = pair
    signed_body = json.dumps(follow(jonas, anna)).encode()
    headers = signatures.sign_request("POST", leipzig.shared_inbox, key_id=jonas.key_id,
                                      private_key_pem=jonas.private_key_pem, body=signed_body)
    other_body = json.dumps(follow(jonas, anna)).encode()
    async with aiohttp.ClientSession() as session:
        async with session.post(leipzig.shared_inbox, data=other_body, headers=headers) as r:
            assert r.status == 401
            assert "Digest" in (await r.json())["message"]
    assert await nothing_stored(leipzig)


async def test_hmac_forgery_keyed_by_the_public_key_is_refused(pair):
    # httpsig 1.3.0 lets the sender pick the algorithm; anyone holding the PUBLIC key could "sign" with HMAC.
    leipzig, anna, jonas = pair
    body = json.dumps(follow(jonas, anna)).encode()
    host = leipzig.base_url.split("://")[1]
    date = signatures.http_date()
    digest = signatures.digest_header(body)
    text = f"(request-target): post /inbox\nhost: {host}\ndate: {date}\ndigest: {digest}"
    mac = hmac.new(jonas.public_key_pem.encode(), text.encode(), hashlib.sha256).digest()
    headers = {
        "Host": host, "Date": date, "Digest": digest, "Content-Type": "application/activity+json",
        "Signature": f'keyId="{jonas.key_id}",algorithm="hmac-sha256",headers="(request-target) host date digest",'
                     f'signature="{base64.b64encode(mac).decode()}"',
    }
    async with aiohttp.ClientSession() as session:
        async with session.post(leipzig.shared_inbox, data=body, headers=headers) as r:
            assert r.status == 401
            assert "hmac-sha256" in (await r.json())["message"]
    assert await nothing_stored(leipzig)


async def test_create_of_an_object_on_another_host_is_refused(pair):
    leipzig, anna, jonas = pair
    activity = {"id": f"{jonas.ap_id}#creates/1", "type": "Create", "actor": jonas.ap_id,
                "object": {"id": f"{anna.ap_id}/forged-note", "type": "Note", "attributedTo": jonas.ap_id,
                           "content": "forged", "to": [anna.ap_id]}}
    status, body = await post_signed(leipzig.shared_inbox, activity, key_id=jonas.key_id,
                                     private_key_pem=jonas.private_key_pem)
    assert status == 400 and "actor's host" in body
    assert await nothing_stored(leipzig)


async def test_malformed_and_oversized_bodies_are_refused(pair):
    leipzig, anna, jonas = pair
    status, body = await post_signed(leipzig.shared_inbox, {}, key_id=jonas.key_id,
                                     private_key_pem=jonas.private_key_pem, body=b"{not json")
    assert status == 400 and "JSON" in body
    big = follow(jonas, anna) | {"padding": "x" * (leipzig.config.max_body_bytes + 1)}
    status, _ = await post_signed(leipzig.shared_inbox, big, key_id=jonas.key_id, private_key_pem=jonas.private_key_pem)
    assert status == 413
    assert await nothing_stored(leipzig)


async def test_personal_inbox_of_unknown_user_is_404(pair):
    leipzig, anna, jonas = pair
    status, _ = await post_signed(f"{leipzig.base_url}/users/nobody/inbox", follow(jonas, anna),
                                  key_id=jonas.key_id, private_key_pem=jonas.private_key_pem)
    assert status == 404
    assert await nothing_stored(leipzig)


async def test_the_same_like_delivered_twice_counts_once(pair):
    leipzig, anna, jonas = pair
    status, created = await leipzig.post_outbox("anna", {"type": "Note", "content": "Mehr Bänke im Park"})
    note_id = (await leipzig.query("SELECT ap_id FROM objects"))[0]["ap_id"]
    activity = like(jonas, note_id)
    for _ in range(2):
        status, _ = await post_signed(f"{anna.ap_id}/inbox", activity, key_id=jonas.key_id,
                                      private_key_pem=jonas.private_key_pem)
        assert status == 202
    # A second Like with a new id from the same person still counts once.
    status, _ = await post_signed(leipzig.shared_inbox, like(jonas, note_id), key_id=jonas.key_id,
                                  private_key_pem=jonas.private_key_pem)
    assert status == 202
    await eventually(lambda: _all_done(leipzig, 2), message="both Likes handled")
    assert await leipzig.query("SELECT count(*) AS n FROM reactions WHERE kind = 'Like'") == [{"n": 1}]
    assert len(await leipzig.query("SELECT 1 FROM incoming")) == 2


async def _all_done(instance, expected: int) -> bool:
    rows = await instance.query("SELECT state FROM incoming")
    return len(rows) == expected and all(r["state"] == "done" for r in rows)
