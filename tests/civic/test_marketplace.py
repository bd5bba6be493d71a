"""The marketplace query over real HTTP: filters, sorts, pages, Atom, impact figures."""

import xml.etree.ElementTree as ET

import aiohttp
import pytest

from wecreate_fed.civic import ideas
from wecreate_fed.store import civic as civic_store


@pytest.fixture
async def market(make_instance):
    """Leipzig with ideas by a citizen, a party and the administration in two districts."""
    leipzig = await make_instance("leipzig", run_workers=False)  # no delivery needed here
    rt = leipzig.rt
    anna = await leipzig.create_user("anna")
    partei = await leipzig.create_user("partei", type_="Organization")
    stadt = await leipzig.create_user("stadt", type_="Organization")
    async with rt.db.transaction() as conn:
        await conn.execute("UPDATE actors SET category = 'party' WHERE id = ?", (partei.id,))
        await conn.execute("UPDATE actors SET category = 'administration' WHERE id = ?", (stadt.id,))
    plan = [
        (anna, "Trinkbrunnen", ["west"], ["wasser"], "idea"),
        (anna, "Mehr Bänke", ["mitte"], ["sitzen"], "idea"),
        (partei, "Radweg Karl-Heine-Straße", ["west", "mitte"], ["rad"], "idea"),
        (stadt, "Bürgerhaushalt", ["mitte"], ["geld"], "reform_proposal"),
    ]
    made = {}
    for author, title, districts, topics, kind in plan:
        data = {"title": title, "districts": districts, "topics": topics, "kind": kind, "summary": f"{title}!"}
        if kind == "reform_proposal":
            data["addressed_to"] = stadt.ap_id
        _, document = await ideas.publish(rt, author, data)
        made[title] = document["id"]
    # Supports: Radweg 2 (both old), Trinkbrunnen 1 (recent); old supports make no trend
    people = [await leipzig.create_user(f"p{i}") for i in range(3)]
    await ideas.support(rt, people[0], made["Radweg Karl-Heine-Straße"])
    await ideas.support(rt, people[1], made["Radweg Karl-Heine-Straße"])
    await ideas.support(rt, people[2], made["Trinkbrunnen"])
    async with rt.db.transaction() as conn:
        await conn.execute("UPDATE reactions SET created_at = '2020-01-01T00:00:00.000000Z' WHERE object_ap_id = ?",
                           (made["Radweg Karl-Heine-Straße"],))
    await ideas.change_status(rt, stadt, made["Bürgerhaushalt"], "implemented")
    return leipzig, made


async def titles(leipzig, query: str) -> list[str]:
    status, data = await leipzig.get_json(f"{leipzig.base_url}/api/marketplace?{query}")
    assert status == 200, data
    return [i["title"] for i in data["items"]]


async def test_filters(market):
    leipzig, _ = market
    assert set(await titles(leipzig, "district=west")) == {"Trinkbrunnen", "Radweg Karl-Heine-Straße"}
    assert set(await titles(leipzig, "district=west&district=mitte")) == {
        "Trinkbrunnen", "Mehr Bänke", "Radweg Karl-Heine-Straße", "Bürgerhaushalt"}
    assert await titles(leipzig, "kind=reform_proposal") == ["Bürgerhaushalt"]
    assert await titles(leipzig, "status=implemented") == ["Bürgerhaushalt"]
    assert await titles(leipzig, "author=party") == ["Radweg Karl-Heine-Straße"]
    assert await titles(leipzig, "author=administration") == ["Bürgerhaushalt"]
    assert await titles(leipzig, "topic=%23Wasser") == ["Trinkbrunnen"]
    assert await titles(leipzig, "district=west&author=citizen") == ["Trinkbrunnen"]


async def test_sorts_and_pages(market):
    leipzig, _ = market
    assert (await titles(leipzig, "sort=newest"))[0] == "Bürgerhaushalt"
    assert (await titles(leipzig, "sort=supported"))[:2] == ["Radweg Karl-Heine-Straße", "Trinkbrunnen"]
    # trending ranks by supports of the last days only: the cycle path's are old
    assert await titles(leipzig, "sort=trending") == ["Trinkbrunnen"]
    status, data = await leipzig.get_json(f"{leipzig.base_url}/api/marketplace?per_page=3&page=2&sort=newest")
    assert data["total"] == 4 and data["pages"] == 2 and [i["title"] for i in data["items"]] == ["Trinkbrunnen"]
    item = (await leipzig.get_json(f"{leipzig.base_url}/api/marketplace?topic=rad"))[1]["items"][0]
    assert item["supports"] == 2 and item["author"]["category"] == "party"
    assert [d["slug"] for d in item["districts"]] == ["mitte", "west"]


@pytest.mark.parametrize("query, message", [
    ("district=atlantis", "unknown district"), ("sort=random", "sort must be one of"),
    ("status=maybe", "status must be one of"), ("page=0", "page must be"), ("author=king", "author must be one of"),
])
async def test_bad_filters_get_a_clear_400(market, query, message):
    leipzig, _ = market
    status, error = await leipzig.get_json(f"{leipzig.base_url}/api/marketplace?{query}")
    assert status == 400 and message in error["message"]


async def test_atom_feed(market):
    leipzig, made = market
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{leipzig.base_url}/marketplace.atom?district=west") as r:
            assert r.status == 200 and r.headers["Content-Type"].startswith("application/atom+xml")
            feed = ET.fromstring(await r.text())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert {e.find("a:title", ns).text for e in entries} == {"Trinkbrunnen", "Radweg Karl-Heine-Straße"}
    assert {e.find("a:id", ns).text for e in entries} == {made["Trinkbrunnen"], made["Radweg Karl-Heine-Straße"]}


async def test_impact_figures(market):
    leipzig, _ = market
    status, city = await leipzig.get_json(f"{leipzig.base_url}/api/impact")
    assert status == 200
    assert city["ideas"] == 4 and city["implemented"] == 1 and city["supports"] == 3
    assert city["ideas_by_status"] == {"proposed": 3, "implemented": 1}
    status, west = await leipzig.get_json(f"{leipzig.base_url}/api/impact?district=west")
    assert west["ideas"] == 2 and west["supports"] == 3 and west["scope"]["district"] == "West"


async def test_deleted_ideas_leave_the_marketplace(market):
    leipzig, made = market
    rt = leipzig.rt
    anna = await leipzig.actor("anna")
    await ideas.delete(rt, anna, made["Mehr Bänke"])
    assert "Mehr Bänke" not in await titles(leipzig, "")
    row = await civic_store.get_idea(rt.db.reader, made["Mehr Bänke"])
    assert row.deleted_at is not None
