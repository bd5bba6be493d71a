"""A private party instance publishes an internal draft to the allowlisted city instance: the city
lists the public idea on its marketplace with the party badge, its supports and comments flow
back; the draft never leaves the party; a server off the allowlist (the Fedify peer) gets nothing."""

from __future__ import annotations

import aiohttp
import pytest

from tests.conftest import eventually
from tests.interop.test_fedify import _fedify_peer
from tests.private.private_setup import allow, authority
from tests.publish.publish_spaces import DRAFT, internal_draft, party_space
from wecreate_fed.civic import ideas
from wecreate_fed.civic.orgs import publishing
from wecreate_fed.errors import BadRequest


@pytest.fixture
async def fedify(tmp_path):
    async for peer in _fedify_peer(tmp_path, {}):
        yield peer


async def idea_row(instance, ap_id):
    rows = await instance.query("SELECT * FROM ideas WHERE ap_id = ?", (ap_id,))
    return rows[0] if rows else None


async def counts(instance, ap_id):
    row = await idea_row(instance, ap_id)
    return row and (row["support_count"], row["comment_count"])


async def test_the_allowlisted_city_lists_the_published_idea_with_the_badge_and_supports_flow_back(
        make_party, make_instance, fedify):
    party = await make_party("partei")
    city = await make_instance("stadt")
    await allow(party, city)
    org, p = await party_space(party)
    jonas = await city.create_user("jonas", name="Jonas Weber")
    draft = await internal_draft(party, org, p["carla"])
    await ideas.comment(party.rt, p["carla"], draft, "Intern: erst nach der Haushaltsklausur.")

    # Only allowlisted servers may be chosen, and one must be.
    assert publishing.city_choices(party.rt) == [authority(city)]
    for chosen in ([], [authority(fedify.base_url)]):
        with pytest.raises(BadRequest) as refused:
            await publishing.publish(party.rt, p["bert"], draft, chosen)
        assert refused.value.field == "cities", chosen
    published = await publishing.publish(party.rt, p["bert"], draft, [authority(city)])
    public_id = published.idea_ap_id
    view = await publishing.view(party.rt, p["bert"], draft)
    assert [c.ap_id for c in view.cities] == [f"{city.base_url}/actor"]

    # The city keeps it (no one there follows the party) and lists it with the party badge.
    row = await eventually(lambda: idea_row(city, public_id), timeout=15, message="the idea on the city")
    assert row["title"] == DRAFT["title"] and not row["is_local"] and row["members_of"] is None
    status, market = await city.get_json(f"{city.base_url}/api/marketplace")
    assert status == 200
    [item] = [i for i in market["items"] if i["id"] == public_id]
    assert item["author"]["category"] == "party" and item["author"]["id"] == org.ap_id
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{city.base_url}/", headers={"Accept-Language": "de"}) as r:
            page = await r.text()
    assert r.status == 200 and DRAFT["title"] in page and "badge-party" in page
    # Only the public idea reached the city: not the draft, not its comment.
    assert [r["ap_id"] for r in await city.query("SELECT ap_id FROM ideas")] == [public_id]
    assert await city.query("SELECT 1 FROM objects WHERE content LIKE '%Haushaltsklausur%'") == []
    assert (await city.get_json(draft))[0] == 404  # signed by the allowlisted city: still no draft

    # Supports and comments come from the city as for any idea, and the new counts go back.
    await ideas.support(city.rt, jonas, public_id)
    await ideas.comment(city.rt, jonas, public_id, "Gute Idee, ich bin dabei!")
    await eventually(lambda: _counts_are(party, public_id, (1, 1)), timeout=15, message="counted on the party")
    await eventually(lambda: _counts_are(city, public_id, (1, 1)), timeout=20, message="counts on the city")
    assert await counts(party, draft) == (0, 1)  # the draft's internal discussion stays the draft's

    # The Fedify peer, off the allowlist, received nothing and cannot read the idea.
    assert (await fedify.state())["received"] == []
    with pytest.raises(AssertionError, match="404"):
        await fedify.control("POST", "lookup", {"id": public_id})
    peer_host = authority(fedify.base_url)
    assert await party.query("SELECT 1 FROM deliveries WHERE inbox_url LIKE ?", (f"%{peer_host}%",)) == []


async def _counts_are(instance, ap_id, expected) -> bool:
    return await counts(instance, ap_id) == expected
