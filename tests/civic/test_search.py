"""Full-text search (issue 13) over real HTTP: German words with their inflections, the marketplace's
filters and sorts with a search, input that cannot break the engine, and nothing found by those who
may not see it. Runs on SQLite (FTS5) and, with WECREATE_TEST_DATABASE, on PostgreSQL (tsvector)."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import quote

import aiohttp
import pytest

from tests.conftest import eventually
from wecreate_fed import urls
from wecreate_fed.civic import boxes, events, ideas
from wecreate_fed.civic.districts import district_ap_id
from wecreate_fed.moderation import actions
from wecreate_fed.moderation.actions import Reasons
from wecreate_fed.moderation.roles import CLI
from wecreate_fed.store import orgs as orgs_store
from wecreate_fed.store import search as search_store


def day(days: int, hour: int) -> str:
    return f"{(date.today() + timedelta(days=days)).isoformat()}T{hour:02d}:00"


EVENT = {"starts_at": day(5, 18), "ends_at": day(5, 20), "place_name": "Stadtteilladen", "locality": "Leipzig",
         "district": "west"}


@pytest.fixture
async def city(make_instance):
    """Leipzig: ideas of a citizen and a party in two districts, an event, a box, people."""
    leipzig = await make_instance("leipzig", run_workers=False)
    rt = leipzig.rt
    anna = await leipzig.create_user("anna", name="Anna Schulz", summary="Ich fahre gern Fahrrad.")
    partei = await leipzig.create_user("partei", type_="Organization", name="Grüne Leipzig")
    async with rt.db.transaction() as conn:
        await conn.execute("UPDATE actors SET category = 'party' WHERE id = ?", (partei.id,))
    made = {}
    for author, title, summary, districts in [
        (anna, "Radweg Karl-Heine-Straße", "Ein sicherer Weg für Kinder auf dem Fahrrad.", ["west"]),
        (partei, "Mehr Radwege in Connewitz", "Sichere Radwege überall.", ["mitte"]),
        (anna, "Neue Bäume am Markt", "Schatten im Sommer.", ["mitte"]),
        (anna, "Bike lanes for Lindenau", "Safer cycling for children.", ["west"]),
    ]:
        _, document = await ideas.publish(rt, author, {"title": title, "summary": summary, "districts": districts,
                                                       "topics": ["stadt"]})
        made[title] = document["id"]
    await ideas.support(rt, partei, made["Radweg Karl-Heine-Straße"])
    return leipzig, anna, partei, made


async def found(instance, query: str, path: str = "/api/marketplace") -> list[str]:
    status, data = await instance.get_json(f"{instance.base_url}{path}?{query}")
    assert status == 200, data
    return [i["title"] for i in data["items"]]


async def search(instance, q: str, types: str = "", **headers) -> dict:
    status, data = await instance.get_json(
        f"{instance.base_url}/api/search?q={quote(q)}&types={types}", **headers)
    assert status == 200, data
    return data


async def indexed(instance, word: str) -> bool:
    """Whether the word is stored in the index at all (deleted texts must not be)."""
    if instance.rt.db.dialect == "sqlite":
        rows = await instance.query("SELECT 1 FROM search_index WHERE search_index MATCH ?", (f'"{word}"',))
    else:
        rows = await instance.query("SELECT 1 FROM ideas WHERE search_doc @@ to_tsquery('german', ?)", (word,))
    return bool(rows)


def names(data: dict, kind: str) -> set[str]:
    return {i["title"] if kind == "ideas" else i["name"] for i in data[kind]}


async def test_german_words_find_their_inflections(city):
    leipzig, *_ = city
    # "Radwege" (plural) finds "Radweg": PostgreSQL by the German stemmer, SQLite by trimming the
    # ending before a prefix query (radweg*). Both find the plural and the singular.
    both = {"Radweg Karl-Heine-Straße", "Mehr Radwege in Connewitz"}
    assert set(await found(leipzig, "q=Radwege")) == both
    assert set(await found(leipzig, "q=radweg")) == both
    # case and umlauts: "BÄUME", "Bäume" and "Baum" find "Bäume"
    for q in ("BÄUME", "Bäume", "Baum"):
        assert await found(leipzig, f"q={quote(q)}") == ["Neue Bäume am Markt"], q
    # a word's beginning finds it; every word must occur
    assert await found(leipzig, "q=Conne") == ["Mehr Radwege in Connewitz"]
    assert await found(leipzig, "q=Radwege+Kinder") == ["Radweg Karl-Heine-Straße"]
    assert await found(leipzig, "q=Radweg+Trinkbrunnen") == []
    # English words are found too (as words; stemmed as German on PostgreSQL)
    assert await found(leipzig, "q=cycling") == ["Bike lanes for Lindenau"]
    assert await found(leipzig, "q=bike+lanes") == ["Bike lanes for Lindenau"]


async def test_search_combines_with_the_filters_and_sorts(city):
    leipzig, *_ = city
    assert await found(leipzig, "q=Radwege&district=west") == ["Radweg Karl-Heine-Straße"]
    assert await found(leipzig, "q=Radwege&author=party") == ["Mehr Radwege in Connewitz"]
    assert await found(leipzig, "q=Radwege&sort=supported") == ["Radweg Karl-Heine-Straße", "Mehr Radwege in Connewitz"]
    assert await found(leipzig, "q=Radwege&sort=newest") == ["Mehr Radwege in Connewitz", "Radweg Karl-Heine-Straße"]
    assert await found(leipzig, "q=Radwege&topic=stadt&kind=idea&status=proposed") != []
    status, data = await leipzig.get_json(f"{leipzig.base_url}/api/marketplace?q=Radwege&per_page=1&page=2")
    assert data["total"] == 2 and data["pages"] == 2 and len(data["items"]) == 1
    # no words (empty, punctuation only): the marketplace as without a search
    assert len(await found(leipzig, "q=")) == 4
    assert len(await found(leipzig, "q=%21%3F%2A")) == 4


# Quotes, FTS5 and tsquery operators, column filters, SQL, NUL, emoji, very long input.
NASTY = ['"', '""', '"Radweg', "Radweg*", "*", "AND", "Radweg OR", "NOT Radweg", "Radweg NEAR(Kinder)", "NEAR(",
         "(Radweg", "title:Radweg", "^Radweg", "-Radweg", "Rad-weg", "Radweg & | !", "a' OR 1=1 --", "\\", "%_",
         "Radweg:*", "Radweg <-> Kinder", "'", "\x00", "😀 Radweg", "ß", "x" * 5000, "Radweg " * 1000]


async def test_any_input_is_searched_as_words_and_never_fails(city):
    leipzig, *_ = city
    async with aiohttp.ClientSession() as session:
        for q in NASTY:
            for path in ("/api/marketplace", "/api/search", "/"):
                async with session.get(f"{leipzig.base_url}{path}", params={"q": q}) as r:
                    assert r.status == 200, (path, q[:40], await r.text())
    # what is left are the words: a stray quote or star changes nothing
    for q in ('"Radweg', "Radweg*", "(Radweg"):
        assert set(await found(leipzig, "q=" + quote(q))) == {"Radweg Karl-Heine-Straße", "Mehr Radwege in Connewitz"}


def test_the_query_is_made_of_words_only():
    assert search_store.words_of('"Rad" AND (weg*) NEAR title:x') == ["rad", "and", "weg", "near", "title", "x"]
    assert search_store.words_of("Straße STRASSE straße") == ["straße", "strasse"]
    assert len(search_store.words_of("wort " * 1000)) == 1
    assert len(search_store.words_of(" ".join(f"w{i}" for i in range(100)))) == search_store.MAX_WORDS
    assert search_store.words_of("x" * 500) == ["x" * search_store.MAX_WORD]
    assert search_store.fts5_query(["radwege", "bäume", "weg"]) == '"radweg"* "bäum"* "weg"*'
    assert search_store.tsquery_text(["radwege", "bäume"]) == "radwege:* & bäume:*"


async def test_changes_keep_the_index_true(city):
    leipzig, anna, partei, made = city
    rt = leipzig.rt
    idea = made["Neue Bäume am Markt"]
    await ideas.edit(rt, anna, idea, {"title": "Neue Eichen am Markt", "summary": "Schatten im Sommer.",
                                      "districts": ["west"], "topics": ["natur"]})
    assert await found(leipzig, "q=Eichen") == ["Neue Eichen am Markt"]
    assert await found(leipzig, "q=Bäume") == []
    # its new districts and topic, beside the words (PostgreSQL: by the idea's arrays, 0037)
    assert await found(leipzig, "q=Eichen&district=west") == ["Neue Eichen am Markt"]
    assert await found(leipzig, "q=Eichen&district=mitte") == []
    assert await found(leipzig, "q=Eichen&topic=natur") == ["Neue Eichen am Markt"]
    assert await found(leipzig, "q=Eichen&topic=stadt") == []
    if rt.db.dialect == "postgresql":
        rows = await leipzig.query("SELECT districts, topics FROM ideas WHERE ap_id = ?", (idea,))
        got = (list(rows[0]["districts"]), list(rows[0]["topics"]))
        assert got == ([district_ap_id(rt.config, "west")], ["natur"])
    # a moderator hides it: found by nobody; undone: found again
    action = await actions.take(rt, CLI, idea, "hide", Reasons("spam", "Werbung"))
    assert await found(leipzig, "q=Eichen") == []
    await actions.undo(rt, CLI, action)
    assert await found(leipzig, "q=Eichen") == ["Neue Eichen am Markt"]
    # deleted by its author: gone, and its text is no longer in the index
    await ideas.delete(rt, anna, idea)
    assert await found(leipzig, "q=Eichen") == []
    assert (await search(leipzig, "Eichen"))["ideas"] == []
    assert not await indexed(leipzig, "eichen")
    # removal by moderation
    await actions.take(rt, CLI, made["Bike lanes for Lindenau"], "remove", Reasons("spam", "Werbung"))
    assert await found(leipzig, "q=cycling") == []


async def test_events_boxes_and_people_are_found(city):
    leipzig, anna, partei, made = city
    rt = leipzig.rt
    await events.publish(rt, anna, {**EVENT, "title": "Fahrradwerkstatt", "description": "Wir reparieren Räder."})
    await boxes.create(rt, anna, {"name": "Radwerkstatt West", "slug": "radwerkstatt", "purpose": "Räder reparieren, gemeinsam.",
                                  "visibility": "open"})
    data = await search(leipzig, "Räder")
    assert names(data, "events") == {"Fahrradwerkstatt"}
    assert names(data, "boxes") == {"Radwerkstatt West"}
    assert names(await search(leipzig, "Stadtteilladen", "event"), "events") == {"Fahrradwerkstatt"}
    people = await search(leipzig, "Schulz", "person")
    assert names(people, "people") == {"Anna Schulz"} and people["ideas"] == [] and people["events"] == []
    assert names(await search(leipzig, "Fahrrad", "person"), "people") == {"Anna Schulz"}  # her profile text
    assert names(await search(leipzig, "Grüne", "person"), "people") == {"Grüne Leipzig"}
    assert [p["handle"] for p in people["people"]] == [f"@anna@{urls.host_of(leipzig.base_url)}"]
    assert names(await search(leipzig, "Radwege", "idea"), "ideas") == {
        "Radweg Karl-Heine-Straße", "Mehr Radwege in Connewitz"}
    status, data = await leipzig.get_json(f"{leipzig.base_url}/api/search?q=x&types=idea,planet")
    assert status == 400 and data["field"] == "types"


async def test_nobody_finds_what_they_may_not_see(city):
    leipzig, anna, partei, made = city
    rt = leipzig.rt
    bert = await leipzig.create_user("bert", name="Bert Geheim")
    fritz = await leipzig.create_user("fritz")
    async with rt.db.transaction() as conn:
        await orgs_store.put(conn, partei.id, anna.id, role="admin", state="accepted")
    await ideas.publish(rt, anna, {"title": "Geheimplan Elsterbecken", "summary": "Nur intern.",
                                   "districts": ["mitte"], "members_of": "partei"})
    await events.publish(rt, partei, {**EVENT, "title": "Vorstand Elsterbecken", "description": "intern",
                                      "members_of": "partei"})
    private = await boxes.create(rt, anna, {"name": "Elsterbecken Runde", "slug": "runde", "purpose": "vertraulich",
                                            "visibility": "private"})
    await boxes.create(rt, anna, {"name": "Elsterbecken offen", "slug": "offen", "purpose": "für alle", "visibility": "open"})
    visitor = await search(leipzig, "Elsterbecken")
    assert visitor["ideas"] == [] and visitor["events"] == []
    assert names(visitor, "boxes") == {"Elsterbecken offen"}
    # a local outsider with a token sees no more; the private box's member sees it
    outsider = await search(leipzig, "Elsterbecken", Authorization=f"Bearer {await leipzig.token('fritz')}")
    assert names(outsider, "boxes") == {"Elsterbecken offen"}
    member = await search(leipzig, "Elsterbecken", Authorization=f"Bearer {await leipzig.token('anna')}")
    assert names(member, "boxes") == {"Elsterbecken offen", "Elsterbecken Runde"}
    assert await found(leipzig, "q=Geheimplan") == []
    # a suspended account: neither it nor its ideas are found
    assert names(await search(leipzig, "Geheim", "person"), "people") == {"Bert Geheim"}
    await actions.take(rt, CLI, bert.ap_id, "suspend", Reasons("spam", "Werbung"))
    assert names(await search(leipzig, "Geheim", "person"), "people") == set()
    await actions.take(rt, CLI, partei.ap_id, "limit", Reasons("spam", "Werbung"))
    assert await found(leipzig, "q=Connewitz") == []
    assert names(await search(leipzig, "Grüne", "person"), "people") == set()
    assert private.ap_id and fritz.id  # both made above


async def test_ideas_from_another_instance_are_found_there(make_instance):
    leipzig, meissen = await make_instance("leipzig"), await make_instance("meissen")
    anna = await leipzig.create_user("anna")
    await meissen.create_user("jonas")
    await meissen.post_outbox("jonas", {"type": "Follow", "object": anna.ap_id})
    await eventually(lambda: meissen.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="follow")
    _, document = await ideas.publish(leipzig.rt, anna, {"title": "Trinkbrunnen am Lindenauer Markt",
                                                        "summary": "Wasser für heiße Sommer.", "districts": ["west"]})
    await eventually(lambda: meissen.query("SELECT 1 FROM ideas WHERE ap_id = ?", (document["id"],)),
                     message="idea on Meißen")
    assert await found(meissen, "q=Trinkbrunnens") == ["Trinkbrunnen am Lindenauer Markt"]
    assert names(await search(meissen, "heiße Sommer", "idea"), "ideas") == {"Trinkbrunnen am Lindenauer Markt"}
    # its Delete reaches Meißen: no longer found there
    await ideas.delete(leipzig.rt, anna, document["id"])
    await eventually(lambda: meissen.query("SELECT 1 FROM ideas WHERE ap_id = ? AND deleted_at IS NOT NULL",
                                           (document["id"],)), message="deleted on Meißen")
    assert await found(meissen, "q=Trinkbrunnen") == []


async def test_the_marketplace_page_has_a_search_field_that_keeps_the_filters(city):
    leipzig, *_ = city
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{leipzig.base_url}/", params={"q": "Radwege", "district": "west"},
                               headers={"Accept-Language": "de"}) as r:
            assert r.status == 200
            page = await r.text()
    assert 'name="q" form="market-filters" value="Radwege"' in page and 'id="market-filters"' in page
    assert "Radweg Karl-Heine-Straße" in page and "Mehr Radwege in Connewitz" not in page
    assert "1 Idee zu „Radwege“" in page
    # events, boxes and people with the words are listed below the ideas, linked to their pages
    leipzig_rt, anna = leipzig.rt, await leipzig.actor("anna")
    await events.publish(leipzig_rt, anna, {**EVENT, "title": "Fahrradwerkstatt", "description": "Räder heil machen"})
    await boxes.create(leipzig_rt, anna, {"name": "Räderbox", "slug": "raeder", "visibility": "open"})
    await boxes.create(leipzig_rt, anna, {"name": "Räder privat", "slug": "geheim", "visibility": "private"})
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{leipzig.base_url}/", params={"q": "räder"}) as r:
            page = await r.text()
    assert "Außerdem zu „räder“" in page and "Fahrradwerkstatt" in page
    assert f'href="{leipzig.base_url}/b/raeder"' in page and "Räder privat" not in page
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{leipzig.base_url}/", params={"q": "Schulz"}) as r:
            page = await r.text()
    assert f'href="{leipzig.base_url}/@anna">Anna Schulz</a>' in page
