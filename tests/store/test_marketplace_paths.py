"""The marketplace query gives the same page and count whichever way it is planned.

On PostgreSQL (store/marketplace.py) the count decides whether the page walks the ideas in sort
order or is driven by its filters and sorted (DRIVE_LIMIT), a probe of the newest ideas whether a
word is counted by its GIN index or row by row (marketplace._words_common), a district or topic
beside a word is read from the idea's arrays (0037: by their GIN index, or row by row on a walk),
and an author category is an array of that category's actors. Each way must give the ideas a plain reading of the filters
gives; on SQLite the same assertions hold for its one way.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wecreate_fed import urls
from wecreate_fed.civic import districts
from wecreate_fed.store import bulk, iso
from wecreate_fed.store import marketplace as market

DISTRICTS = ("west", "mitte", "ost")
WORDS = ("Radweg", "Sitzbank", "Laterne", "Hochbeet")


@pytest.fixture
async def seeded(make_instance):
    """120 ideas by a citizen, a party and the administration, over three districts and two topics;
    every seventh idea of the party is hidden, one idea of the citizen is deleted."""
    leipzig = await make_instance("leipzig", run_workers=False)
    rt = leipzig.rt
    authors = [await leipzig.create_user("anna"), await leipzig.create_user("partei", type_="Organization"),
               await leipzig.create_user("stadt", type_="Organization")]
    async with rt.db.transaction() as conn:
        await conn.execute("UPDATE actors SET category = 'party' WHERE id = ?", (authors[1].id,))
        await conn.execute("UPDATE actors SET category = 'administration' WHERE id = ?", (authors[2].id,))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows, expected = [], []
    for i in range(120):
        key = urls.new_key()
        author = authors[0] if i % 5 < 3 else authors[1] if i % 5 == 3 else authors[2]
        title = f"Idee {i}: {WORDS[i % 4]}" + (" und eine Fahrradstraße" if i == 37 else "")
        row = {"ap_id": urls.idea_id(rt.config, key), "url": urls.page_of(rt.config, "idea", key),
               "author_id": author.id, "title": title, "summary": "", "body_html": "<p>Mehr Schatten.</p>",
               "kind": "idea" if i % 6 else "reform_proposal", "status": "proposed" if i % 2 else "in_discussion",
               "published": iso(start + timedelta(hours=i)),
               "district_ap_id": districts.district_ap_id(rt.config, DISTRICTS[i % 3]),
               "topic": "wasser" if i % 4 == 1 else "rad", "support_count": (i * 37) % 50}
        rows.append(row)
        category = "citizen" if author is authors[0] else "party" if author is authors[1] else "administration"
        shown = not (category == "party" and i % 7 == 0) and i != 12
        if shown:
            expected.append({**row, "i": i, "category": category, "district": DISTRICTS[i % 3]})
    async with rt.db.transaction() as conn:
        await bulk.add_local_ideas(conn, rows)
        for ap_id in [rows[i]["ap_id"] for i in range(120) if i % 5 == 3 and i % 7 == 0]:
            await conn.execute("UPDATE ideas SET hidden_at = ? WHERE ap_id = ?", (iso(), ap_id))
        await conn.execute("UPDATE ideas SET deleted_at = ? WHERE ap_id = ?", (iso(), rows[12]["ap_id"]))
    return leipzig, expected


def _words_in(title: str, words: list[str]) -> bool:
    return all(any(t.lower().startswith(w.lower()) for t in title.replace(":", " ").split()) for w in words)


CASES = [
    ({"author_category": "party"}, lambda r: r["category"] == "party"),
    ({"author_category": "administration", "sort": "supported"}, lambda r: r["category"] == "administration"),
    ({"author_category": "citizen", "districts": ["west"]}, lambda r: r["category"] == "citizen"
     and r["district"] == "west"),
    ({"topic": "wasser", "sort": "supported"}, lambda r: r["topic"] == "wasser"),
    ({"kind": "reform_proposal"}, lambda r: r["kind"] == "reform_proposal"),
    ({"districts": ["ost"], "status": "proposed"}, lambda r: r["district"] == "ost" and r["status"] == "proposed"),
    ({"words": ["radweg"]}, lambda r: _words_in(r["title"], ["radweg"])),
    ({"words": ["fahrradstraße"]}, lambda r: "Fahrradstraße" in r["title"]),
    ({"words": ["idee"], "author_category": "party", "sort": "supported"}, lambda r: r["category"] == "party"),
    ({"words": ["radweg"], "districts": ["west"]}, lambda r: _words_in(r["title"], ["radweg"])
     and r["district"] == "west"),
    ({"words": ["idee"], "districts": ["west", "ost"], "sort": "supported"}, lambda r: r["district"] != "mitte"),
    ({"words": ["sitzbank"], "topic": "wasser", "status": "proposed"}, lambda r: _words_in(r["title"], ["sitzbank"])
     and r["topic"] == "wasser" and r["status"] == "proposed"),
]


@pytest.mark.parametrize("drive_limit", [0, 10_000], ids=["walk", "drive"])
@pytest.mark.parametrize("common_share", [0.0, 2.0], ids=["common", "rare"])
async def test_every_plan_gives_the_same_ideas(seeded, monkeypatch, drive_limit, common_share):
    leipzig, expected = seeded
    monkeypatch.setattr(market, "DRIVE_LIMIT", drive_limit)
    monkeypatch.setattr(market, "WORD_WALK_SHARE", common_share)
    monkeypatch.setattr(market, "WORD_WALK_SHARE_FILTERED", common_share)
    monkeypatch.setattr(market, "PROBE_FILTERED", 0)
    for filters, keep in CASES:
        filters = dict(filters)
        if "districts" in filters:
            filters["districts"] = [districts.district_ap_id(leipzig.rt.config, d) for d in filters["districts"]]
        sort = filters.pop("sort", "newest")
        matching = [r for r in expected if keep(r)]
        if sort == "supported":
            matching.sort(key=lambda r: (r["support_count"], r["published"], r["i"]), reverse=True)
        else:
            matching.sort(key=lambda r: (r["published"], r["i"]), reverse=True)
        assert matching, f"{filters} matches no idea"
        for offset in (0, 5):
            q = market.MarketplaceQuery(sort=sort, limit=5, offset=offset, **filters)
            page, total = await market.query_marketplace(leipzig.rt.db.reader, q)
            want = matching[offset:offset + 5]
            assert total == len(matching), filters
            assert [p.idea.ap_id for p in page] == [r["ap_id"] for r in want], (filters, offset)
            assert [p.author_category for p in page] == [r["category"] for r in want], filters
