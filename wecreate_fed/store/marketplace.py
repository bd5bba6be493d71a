"""SQL for the marketplace query (one page of ideas and the total) and the impact figures."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import Connection, dialect_of, fetch_all, fetch_one, fetch_value, sanctions, search
from .civic import IDEA_COLUMNS, Idea, idea_of


@dataclass(frozen=True)
class ListedIdea:
    """A marketplace entry: the idea, its author's public fields, and its supports since the trending window."""

    idea: Idea
    author_ap_id: str
    author_name: str
    author_username: str | None
    author_domain: str
    author_category: str
    author_type: str
    recent: int


# --- the marketplace -------------------------------------------------------------

COUNT_CAP = 1_000
# PostgreSQL: with up to this many matches the page is driven by the filters and sorted (a walk in
# sort order would read about 20 / DRIVE_LIMIT of 100,000 ideas: 10,000, ~6 ms); with more, it walks.
DRIVE_LIMIT = 200


@dataclass
class MarketplaceQuery:
    districts: list[str] = field(default_factory=list)   # district actor ids; any of them
    kind: str | None = None
    status: str | None = None
    author_category: str | None = None
    topic: str | None = None
    sort: str = "newest"            # newest, supported, trending
    trending_since: str | None = None
    local_only: bool = False
    hidden_hosts: list[str] = field(default_factory=list)   # authors' host[:port] kept off (limited domains)
    words: list[str] = field(default_factory=list)   # search: every word in the idea (store/search.py)
    limit: int = 20
    offset: int = 0


async def query_marketplace(conn: Connection, q: MarketplaceQuery) -> tuple[list[ListedIdea], int]:
    """One page of ideas and the total matching; one query for the count, one for the page.

    Trending ranks the ideas supported since `trending_since` by those recent supports; it
    starts from the recent supports, so its cost grows with them, not with all ideas.
    District and topic filters are written `+i.id IN (…)` in the page's query so that
    the planner walks the ideas in sort order (0033's indexes on PostgreSQL) and stops after one
    page, instead of sorting every idea of a district (which it prefers once ANALYZE has run, and
    which is ~10x slower with 100,000 ideas); the count, which has no order, is driven by them.

    On PostgreSQL the count comes first and decides the page's plan: up to DRIVE_LIMIT matches,
    the page is driven by the filters (their indexes, the GIN index of a word) and sorted, since a
    walk in sort order would read far for few matches (a word in a thousandth of the ideas: 13 ms,
    now under 1); beyond, it walks, and a word is checked row by row on the way.
    """
    pg = dialect_of(conn) == "postgresql"
    if not q.words:
        page_words = count_words = None
    elif pg:  # the planner's estimate of a prefix search is no guide: see _words_common
        page_words = search.idea_condition_pg("i", q.words, indexed=q.sort == "trending")
        count_words = search.idea_condition_pg("i", q.words, indexed=not await _words_common(conn, q))
    else:
        page_words = count_words = await search.condition(conn, "idea", "i", q.words)
    count_where, count_params = _conditions(q, count_words, keep_order=False, pg=pg, arrays=pg and bool(q.words))
    source, source_params = "ideas i", []
    if q.sort == "trending":
        source = ("(SELECT object_ap_id, count(*) AS recent FROM reactions WHERE kind = 'Like' AND created_at >= ? "
                  "GROUP BY object_ap_id) tr JOIN ideas i ON i.ap_id = tr.object_ap_id")
        source_params = [q.trending_since or ""]
    # Counting costs as much as the matches, so it stops at COUNT_CAP (shown as "1,000+"); and it
    # joins the authors only when it filters by them (SQLite), since that join is most of its cost.
    author_join = " JOIN actors a ON a.id = i.author_id" if q.author_category and not pg else ""
    total = await fetch_value(
        conn, f"SELECT count(*) FROM (SELECT 1 FROM {source}{author_join} WHERE {' AND '.join(count_where)} "
              "LIMIT ?) AS matches",
        (*source_params, *count_params, COUNT_CAP + 1))
    drive = pg and q.sort != "trending" and total <= DRIVE_LIMIT
    if drive and q.words:
        page_words = search.idea_condition_pg("i", q.words, indexed=True)
    where, params = _conditions(q, page_words, keep_order=not drive, pg=pg, arrays=drive and bool(q.words))
    order = {"newest": "i.published DESC, i.id DESC",
             "supported": "i.support_count DESC, i.published DESC, i.id DESC",
             "trending": "tr.recent DESC, i.support_count DESC, i.published DESC, i.id DESC"}[q.sort]
    recent = "tr.recent" if q.sort == "trending" else "0"
    columns = ", ".join("i." + c for c in IDEA_COLUMNS.split(", "))
    select = (f"SELECT {columns}, a.ap_id AS author_ap_id, a.name AS author_name, a.username AS author_username, "
              f"a.domain AS author_domain, a.category AS author_category, a.type AS author_type, {recent} AS recent "
              f"FROM {source} JOIN actors a ON a.id = i.author_id WHERE {' AND '.join(where)}")
    if drive:  # OFFSET 0 keeps the sort out of the inner query: the planner cannot walk it in order
        sql = f"SELECT * FROM ({select} OFFSET 0) AS i ORDER BY {order} LIMIT ? OFFSET ?"
    else:
        sql = f"{select} ORDER BY {order} LIMIT ? OFFSET ?"
    rows = await fetch_all(conn, sql, (*source_params, *params, q.limit, q.offset))
    listed = [ListedIdea(idea_of(r), r["author_ap_id"], r["author_name"], r["author_username"], r["author_domain"],
                         r["author_category"], r["author_type"], r["recent"]) for r in rows]
    return listed, total


# PostgreSQL: the planner takes every prefix search for about 1% of the ideas, so it cannot tell a
# word in every idea from one in a thousandth. A probe reads the newest PROBE listed ideas instead:
# where the words are common, the count checks them row by row on its walk and stops after 1,000
# matches (a word in every idea: ~1.5 ms, where the GIN index's bitmap of all 100,000 matches took
# 24 ms); else the GIN index counts, which costs as much as the word's matches. Beside another
# filter the walk reads that filter's ideas, so the words must be common among those, judged on at
# least PROBE_FILTERED of the newest ('Idee' in a district: the whole query 11 ms instead of 33); a
# word in a tenth of them could have the walk read all of the district's 10,000 ideas (35 ms).
PROBE = 1_000
PROBE_FILTERED = 20
WORD_WALK_SHARE = 0.1           # of the newest ideas, without another filter
WORD_WALK_SHARE_FILTERED = 0.5  # of the newest ideas that pass the other filters


async def _words_common(conn: Connection, q: MarketplaceQuery) -> bool:
    """PostgreSQL: whether the count should check the words row by row (one walk of 0033's index
    over the newest PROBE listed ideas, each checked against the filters and the words, ~1-2 ms)."""
    filters, params = _conditions(q, None, keep_order=True, pg=True, arrays=True)
    words, word_params = search.idea_condition_pg("i", q.words, indexed=False)
    passing = " AND ".join(filters)
    row = await fetch_one(
        conn, f"SELECT count(*) FILTER (WHERE {passing}), count(*) FILTER (WHERE {passing} AND {words}), "
              f"count(*) FILTER (WHERE {words}) FROM (SELECT * FROM ideas WHERE deleted_at IS NULL "
              "AND hidden_at IS NULL AND members_of IS NULL ORDER BY published DESC, id DESC LIMIT ?) AS i",
        (*params, *params, *word_params, *word_params, PROBE))
    filtered, both, anywhere = (int(v or 0) for v in row)
    narrowed = q.districts or q.topic or q.kind or q.status or q.author_category or q.local_only
    if not narrowed:
        return anywhere >= PROBE * WORD_WALK_SHARE
    if filtered < PROBE_FILTERED:  # too few to judge: the GIN index is the safer guess
        return False
    return both >= filtered * WORD_WALK_SHARE_FILTERED


def _conditions(q: MarketplaceQuery, words: tuple[str, list] | None, *, keep_order: bool,
                pg: bool, arrays: bool = False) -> tuple[list[str], list]:
    """The WHERE conditions of `q` (with the search's `words` condition) and their parameters;
    `keep_order`: `+` keeps the filters' indexes out of the planner's choice (the page's query),
    so it walks the sort's index; `arrays` (PostgreSQL, a count or sorted page beside words): a
    district or topic by the GIN index of the idea's own arrays (0037), which meets the word's
    index as a second bitmap."""
    plus = "+" if keep_order else ""
    # Hidden ideas and those of suspended or limited accounts are on no marketplace page.
    where, params = ["i.deleted_at IS NULL", sanctions.listed("i", "author_id")], []
    if q.districts:
        where.append(_one_of("districts", "idea_districts", "district_ap_id", len(q.districts),
                             keep_order=keep_order, pg=pg, arrays=arrays))
        params += q.districts
    if q.kind:
        where.append("i.kind = ?")
        params.append(q.kind)
    if q.status:
        where.append("i.status = ?")
        params.append(q.status)
    if q.author_category and pg:
        # Not a join's `a.category = ?`: PostgreSQL estimated a party's 25,000 of 100,000 ideas as
        # 49 (one actor of a thousand) and sorted them all for one page (165 ms); an array of the
        # category's actors is a filter the page's walk applies row by row (1 ms).
        where.append(f"{plus}i.author_id = ANY(ARRAY(SELECT id FROM actors WHERE category = ?))")
        params.append(q.author_category)
    elif q.author_category:
        where.append("a.category = ?")
        params.append(q.author_category)
    if q.topic:
        where.append(_one_of("topics", "idea_topics", "topic", 1, keep_order=keep_order, pg=pg, arrays=arrays))
        params.append(q.topic)
    if q.local_only:
        where.append("i.is_local = 1")
    if q.hidden_hosts:  # by the actors_domain index; no join needed for the count
        marks = ", ".join("?" for _ in q.hidden_hosts)
        where.append(f"+i.author_id NOT IN (SELECT id FROM actors WHERE domain IN ({marks}))")
        params += q.hidden_hosts
    if words:
        where.append(words[0])
        params += words[1]
    return where, params


def _one_of(array: str, table: str, column: str, values: int, *, keep_order: bool, pg: bool, arrays: bool) -> str:
    """The condition that idea `i` has one of `values` districts or topics: on PostgreSQL by its
    array (0037): the GIN index's `&&` (`arrays`), or row by row on a walk in sort order (the
    function, which the planner cannot take to the index, and no hash of the district's 10,000
    ideas built first); else by the table, whose index drives a count that reads no idea's row."""
    marks = ", ".join("?" for _ in range(values))
    if pg and arrays:
        return f"i.{array} && ARRAY[{marks}]::text[]"
    if pg and keep_order:
        return f"arrayoverlap(i.{array}, ARRAY[{marks}]::text[])"
    return f"{'+' if keep_order else ''}i.id IN (SELECT idea_id FROM {table} WHERE {column} IN ({marks}))"


async def districts_of_ideas(conn: Connection, idea_ids: list[int]) -> dict[int, list[str]]:
    if not idea_ids:
        return {}
    marks = ", ".join("?" for _ in idea_ids)
    # ORDER BY: SQLite gave them in its key's order anyway, PostgreSQL in no order of its own.
    rows = await fetch_all(conn, f"SELECT idea_id, district_ap_id FROM idea_districts WHERE idea_id IN ({marks}) "
                                 "ORDER BY idea_id, district_ap_id", idea_ids)
    found: dict[int, list[str]] = {}
    for row in rows:
        found.setdefault(row[0], []).append(row[1])
    return found


async def topics_of_ideas(conn: Connection, idea_ids: list[int]) -> dict[int, list[str]]:
    if not idea_ids:
        return {}
    marks = ", ".join("?" for _ in idea_ids)
    rows = await fetch_all(conn, f"SELECT idea_id, topic FROM idea_topics WHERE idea_id IN ({marks}) "
                                 "ORDER BY idea_id, topic", idea_ids)
    found: dict[int, list[str]] = {}
    for row in rows:
        found.setdefault(row[0], []).append(row[1])
    return found


# --- impact figures ----------------------------------------------------------------

async def impact_figures(conn: Connection, *, district_ap_id: str | None, district_slug: str | None,
                         active_since: str, now: str) -> dict:
    """Live figures for the instance (district None) or one district: local ideas only."""
    idea_filter, params = "i.is_local = 1 AND i.deleted_at IS NULL AND i.members_of IS NULL", []
    if district_ap_id:
        idea_filter += " AND i.id IN (SELECT idea_id FROM idea_districts WHERE district_ap_id = ?)"
        params.append(district_ap_id)
    by_status = {r[0]: r[1] for r in await fetch_all(
        conn, f"SELECT i.status, count(*) FROM ideas i WHERE {idea_filter} GROUP BY i.status", params)}
    supports = await fetch_value(
        conn, f"SELECT count(*) FROM reactions r JOIN ideas i ON i.ap_id = r.object_ap_id "
              f"WHERE r.kind = 'Like' AND r.actor_id != i.author_id AND {idea_filter}", params)
    active = await fetch_value(
        conn,
        f"SELECT count(DISTINCT who) FROM ("
        f"SELECT r.actor_id AS who FROM reactions r JOIN ideas i ON i.ap_id = r.object_ap_id "
        f"WHERE r.created_at >= ? AND {idea_filter} UNION "
        f"SELECT i.author_id FROM ideas i WHERE i.published >= ? AND {idea_filter}) AS people",
        (active_since, *params, active_since, *params))
    event_filter, event_params = ("e.is_local = 1 AND e.deleted_at IS NULL AND e.members_of IS NULL "
                                   "AND e.status != 'cancelled'", [])
    if district_ap_id:
        event_filter += " AND e.district_ap_id = ?"
        event_params.append(district_ap_id)
    events_held = await fetch_value(conn, f"SELECT count(*) FROM events e WHERE {event_filter} AND e.ends_at < ?",
                                    (*event_params, now))
    people_sql = ("SELECT count(*) FROM accounts acc JOIN actors a ON a.id = acc.actor_id "
                  "WHERE a.deleted_at IS NULL AND a.type = 'Person'")
    people_params: list = []
    if district_slug:
        people_sql += " AND acc.district_slug = ?"
        people_params.append(district_slug)
    return {
        "ideas_by_status": by_status,
        "ideas": sum(by_status.values()),
        "supports": supports,
        "active_people": active,
        "events_held": events_held,
        "implemented": by_status.get("implemented", 0),
        "registered_people": await fetch_value(conn, people_sql, people_params),
    }


async def figures_version(conn: Connection) -> int:
    """A number that moves with every change of what the impact figures count (triggers of 0022;
    on PostgreSQL one row per changing transaction in figures_changes, 0034)."""
    if dialect_of(conn) == "postgresql":
        sql = "SELECT version + (SELECT count(*) FROM figures_changes) FROM figures_version WHERE id = 1"
    else:
        sql = "SELECT version FROM figures_version WHERE id = 1"
    return int(await fetch_value(conn, sql) or 0)


async def fold_figures_changes(conn: Connection) -> int:
    """Folds PostgreSQL's figures_changes rows into figures_version (the sum, the version, stays);
    returns how many. SQLite's triggers update the counter itself: nothing to fold there."""
    if dialect_of(conn) != "postgresql":
        return 0
    row = await fetch_value(
        conn,
        "WITH gone AS (DELETE FROM figures_changes RETURNING 1), "
        "folded AS (UPDATE figures_version SET version = version + (SELECT count(*) FROM gone) "
        "WHERE id = 1 RETURNING 1) SELECT count(*) FROM gone",
    )
    return int(row or 0)
