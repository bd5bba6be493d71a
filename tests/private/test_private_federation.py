"""Private instance mode between two real instances: a private party instance with the city on its
allowlist federates with the city; a third server off the list is refused both ways."""

from __future__ import annotations

from urllib.parse import quote

import aiohttp
import yarl

from actors import remote
from tests.conftest import eventually, post_signed
from tests.private.private_setup import allow, authority, disallow
from wecreate_fed import signatures
from wecreate_fed.civic import ideas
from wecreate_fed.errors import BlockedDomain
from wecreate_fed.store import actors as actors_store


async def signed_get(by, url: str, accept: str = "application/activity+json") -> tuple[int, dict]:
    """GET `url` signed by `by`'s instance actor, as its server would."""
    signer = await actors_store.get_instance_actor(by.rt.db.reader)
    headers = signatures.sign_request("GET", url, key_id=signer.key_id, private_key_pem=signer.private_key_pem)
    async with aiohttp.ClientSession() as session:  # sent as signed: not re-quoted
        async with session.get(yarl.URL(url, encoded=True), headers={"Accept": accept, **headers}) as r:
            return r.status, await r.json(content_type=None)


async def unsigned_get(url: str, accept: str = "application/activity+json") -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers={"Accept": accept}) as r:
            return r.status, await r.json(content_type=None)


async def test_the_allowlisted_city_follows_reads_and_receives(make_private, make_instance):
    party = await make_private("partei")
    city = await make_instance("stadt")
    anna = await party.create_user("anna", name="Anna Schulz")
    await city.create_user("jonas")
    await allow(party, city)

    # The city's signed requests are answered: the actor document, WebFinger, the outbox
    status, document = await signed_get(city, anna.ap_id)
    assert status == 200 and document["id"] == anna.ap_id
    resource = quote(f"acct:anna@{authority(party)}")
    status, jrd = await signed_get(city, f"{party.base_url}/.well-known/webfinger?resource={resource}",
                                   accept="application/jrd+json")
    assert status == 200 and jrd["subject"] == f"acct:anna@{authority(party)}", jrd
    found = await remote.resolve_handle(city.rt, f"anna@{authority(party)}")  # the city's own (signed) WebFinger
    assert found.ap_id == anna.ap_id
    status, _ = await signed_get(city, f"{anna.ap_id}/outbox")
    assert status == 200

    # Jonas follows Anna; the party accepts and delivers her note to the city
    status, _ = await city.post_outbox("jonas", {"type": "Follow", "object": anna.ap_id})
    assert status == 201
    await eventually(lambda: city.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="Accept on the city")
    status, _ = await party.post_outbox("anna", {"type": "Note", "content": "<p>Fürs Stadtfest</p>",
                                                 "to": ["https://www.w3.org/ns/activitystreams#Public"]})
    assert status == 201
    rows = await eventually(lambda: city.query("SELECT content FROM objects WHERE type = 'Note'"), message="note")
    assert rows == [{"content": "<p>Fürs Stadtfest</p>"}]
    # And the party fetches from the city (its actors)
    jonas_id = (await city.actor("jonas")).ap_id
    assert (await remote.get_actor(party.rt, jonas_id, refresh=True)).ap_id == jonas_id


async def test_unsigned_requests_are_refused_and_nodeinfo_says_private(make_private):
    party = await make_private("partei", allowed=("stadt.example",))
    anna = await party.create_user("anna")
    for url in (anna.ap_id, f"{anna.ap_id}/outbox", f"{anna.ap_id}/followers", f"{party.base_url}/actor"):
        status, body = await unsigned_get(url)
        assert status == 401 and body["error"] == "signature_required", (url, body)
    status, body = await unsigned_get(f"{party.base_url}/.well-known/webfinger?resource=acct:anna@{authority(party)}",
                                      accept="application/jrd+json")
    assert status == 401, body
    assert party.config.require_signed_fetch  # authorised fetch forced on
    _, links = await unsigned_get(f"{party.base_url}/.well-known/nodeinfo")
    status, info = await unsigned_get(links["links"][-1]["href"])
    assert status == 200 and info["metadata"]["private"] is True and info["openRegistrations"] is False
    assert info["metadata"]["federation"] == {"mode": "allowlist"}


async def test_a_server_off_the_list_is_refused_both_ways(make_private, make_instance):
    party = await make_private("partei")
    city = await make_instance("stadt")
    other = await make_instance("fremd")
    anna = await party.create_user("anna")
    mia = await other.create_user("mia")
    await other.create_user("ole")
    await allow(party, city)

    _, idea = await ideas.publish(party.rt, anna, {"title": "Trinkbrunnen am Markt", "districts": ["west"]})
    status, document = await signed_get(city, idea["id"])  # an object, for the allowlisted city
    assert status == 200 and document["id"] == idea["id"]
    # Its signed fetches: 403, for the actor, the instance actor, objects, WebFinger and collections
    for url in (anna.ap_id, f"{party.base_url}/actor", f"{anna.ap_id}/outbox", idea["id"], f"{anna.ap_id}/followers",
                f"{party.base_url}/.well-known/webfinger?resource=acct:anna@{authority(party)}"):
        status, body = await signed_get(other, url)
        assert status == 403 and body["error"] == "not_allowlisted", (url, body)
    # Its signed delivery: 403, nothing stored
    follow = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{mia.ap_id}#follow-1",
              "type": "Follow", "actor": mia.ap_id, "object": anna.ap_id}
    status, text = await post_signed(f"{party.base_url}/inbox", follow, key_id=mia.key_id,
                                     private_key_pem=mia.private_key_pem)
    assert status == 403 and "allowlist" in text
    assert await party.query("SELECT 1 FROM incoming") == []
    # Through its real outbox as well: it cannot even read whom it would follow
    status, body = await other.post_outbox("ole", {"type": "Follow", "object": anna.ap_id})
    assert status == 400 and "403" in body["message"], body
    assert await party.query("SELECT 1 FROM follows") == [] and await other.query("SELECT 1 FROM deliveries") == []
    # And the party fetches nothing from it
    try:
        await remote.get_actor(party.rt, mia.ap_id)
    except BlockedDomain:
        pass
    else:
        raise AssertionError("the party fetched an actor of a server off its allowlist")
    assert await party.query("SELECT 1 FROM actors WHERE ap_id = ?", (mia.ap_id,)) == []


async def test_removing_a_server_drops_its_queued_deliveries_without_restart(make_private, make_instance):
    party = await make_private("partei")
    city = await make_instance("stadt")
    anna = await party.create_user("anna")
    await city.create_user("jonas")
    await allow(party, city)
    await city.post_outbox("jonas", {"type": "Follow", "object": anna.ap_id})
    await eventually(lambda: city.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="Accept on the city")
    # The city is down: the note's delivery waits in the queue
    await city.stop()
    await party.post_outbox("anna", {"type": "Note", "content": "<p>Intern</p>",
                                     "to": ["https://www.w3.org/ns/activitystreams#Public"]})
    await eventually(lambda: party.query("SELECT 1 FROM deliveries WHERE state = 'pending' AND attempts > 0"),
                     message="a delivery waiting for the city")
    # Taken off the list: the delivery is given up at once, and the city's requests are refused
    dropped = await disallow(party, city)
    assert dropped == 1
    rows = await party.query("SELECT state, last_error FROM deliveries WHERE host = ?", (authority(city),))
    assert all(r["state"] in ("failed", "done") for r in rows) and any("allowlist" in (r["last_error"] or "")
                                                                          for r in rows), rows
    await city.start()
    status, body = await signed_get(city, anna.ap_id)
    assert status == 403 and body["error"] == "not_allowlisted"
    assert await city.query("SELECT 1 FROM objects WHERE type = 'Note'") == []


async def test_two_private_instances_on_each_others_list_federate(make_private):
    # Each verifies the other's signature by fetching a key the other serves only to signed requests:
    # the instance actors break the circle (actors/private_guard.py)
    kreis = await make_private("kreis")
    land = await make_private("land")
    await allow(kreis, land)
    await allow(land, kreis)
    anna = await kreis.create_user("anna")
    await land.create_user("lea")
    status, body = await land.post_outbox("lea", {"type": "Follow", "object": anna.ap_id})
    assert status == 201, body
    await eventually(lambda: land.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="Accept on land")
    await kreis.post_outbox("anna", {"type": "Note", "content": "<p>Antrag fertig</p>",
                                     "to": ["https://www.w3.org/ns/activitystreams#Public"]})
    await eventually(lambda: land.query("SELECT 1 FROM objects WHERE content = '<p>Antrag fertig</p>'"),
                     message="the note on land")
