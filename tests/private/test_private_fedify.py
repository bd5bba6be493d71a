"""A private party instance, the allowlisted city instance, and the Fedify peer off the list (an
implementation we did not write): Fedify's fetches and deliveries are refused and it receives
nothing, while the city federates. Fedify is allowed for a moment, so that it follows Anna and
would be sent her posts if the list did not stop them.

Fedify fetches the keys of what it receives unsigned, which a private instance does not answer
(authorised fetch), so it could not verify even our Accept: fine for a server that is not allowed.
An allowlisted server has to sign its key fetches (WeCreate does)."""

from __future__ import annotations

import aiohttp
import pytest

from actors import remote
from tests.conftest import eventually
from tests.interop.test_fedify import TIMEOUT
from tests.private.private_setup import allow, disallow
from wecreate_fed import hosts
from wecreate_fed.errors import BlockedDomain

pytestmark = pytest.mark.interop

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


async def control(peer, path: str, body: dict) -> tuple[int, dict]:
    """A /control call whatever it answers (the peer's own helper insists on 200)."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session:
        async with session.post(f"{peer.base_url}/control/{path}", json=body) as r:
            return r.status, await r.json(content_type=None)


async def test_fedify_off_the_list_is_refused_and_receives_nothing(make_private, make_instance, fedify):
    party = await make_private("partei")
    city = await make_instance("stadt")
    anna = await party.create_user("anna", name="Anna Schulz")
    await city.create_user("jonas")
    await allow(party, city)

    # Off the list, Fedify cannot read Anna, signed or not
    for signed in (True, False):
        status, answer = await control(fedify, "lookup", {"id": anna.ap_id, "signed": signed})
        assert status in (404, 502), answer  # not read (Fedify answers 404 for "no object", 502 for a throw)

    # Off the list, what Fedify delivers to Anna's inbox is refused (403) and nothing is stored
    status, answer = await control(fedify, "note", {"to": anna.ap_id, "inbox": f"{party.base_url}/inbox",
                                                    "content": "<p>Hallo Anna</p>"})
    assert status == 502 and "(403" in answer["error"] and "not_allowlisted" in answer["error"], answer
    assert await party.query("SELECT 1 FROM incoming") == []

    # Allowed for a moment: Fedify follows Anna (signed, as a private instance asks); then it is taken off the list
    await allow(party, fedify.base_url)
    follow = await fedify.control("POST", "follow", {"target": anna.ap_id, "signed": True})
    await eventually(lambda: party.query("SELECT 1 FROM follows WHERE follow_ap_id = ? AND state = 'accepted'",
                                         (follow["id"],)), timeout=TIMEOUT, message="Fedify's follow accepted")
    await city.post_outbox("jonas", {"type": "Follow", "object": anna.ap_id})
    await eventually(lambda: city.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="the city's follow")
    await disallow(party, fedify.base_url)
    assert (await control(fedify, "lookup", {"id": anna.ap_id}))[0] in (404, 502)

    # Anna's public note reaches the city, and nothing reaches Fedify
    status, _ = await party.post_outbox("anna", {"type": "Note", "content": "<p>Nur für Freunde</p>", "to": [PUBLIC]})
    assert status == 201
    await eventually(lambda: city.query("SELECT 1 FROM objects WHERE content = '<p>Nur für Freunde</p>'"),
                     timeout=TIMEOUT, message="the note on the city")
    rows = await eventually(lambda: party.query(
        "SELECT d.state, d.last_error FROM deliveries d JOIN activities a ON a.id = d.activity_id "
        "WHERE a.type = 'Create' AND d.host = ? AND d.state != 'pending'", (hosts.authority_of(fedify.base_url),)),
        timeout=TIMEOUT, message="the delivery to Fedify ended")
    # refused by the HTTP client when tried, or given up by the allowlist worker before (its check
    # of the list's change may come after the note was queued)
    assert rows[0]["state"] == "failed", rows
    assert "blocked" in rows[0]["last_error"] or "is not on the allowlist" in rows[0]["last_error"], rows
    assert await fedify.received("Create", actor=anna.ap_id) == []

    # And the party fetches nothing from Fedify
    with pytest.raises(BlockedDomain):
        await remote.get_actor(party.rt, fedify.actor_id, refresh=True)
