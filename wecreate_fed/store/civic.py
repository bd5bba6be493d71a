"""SQL for the marketplace: ideas, their districts, topics and status history, events,
attendees, notifications, the marketplace query and impact figures."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import Connection, fetch_all, fetch_one, fetch_value, iso, iso_in

IDEA_COLUMNS = ("id, ap_id, is_local, author_id, kind, addressed_to, title, summary, body_source, body_html, "
                "image_url, status, url, support_count, share_count, comment_count, published, updated, deleted_at")


# --- ideas -------------------------------------------------------------------

async def upsert_idea(conn: Connection, *, ap_id: str, is_local: bool, author_id: int, kind: str, title: str,
                      summary: str, body_html: str, status: str, published: str, districts: list[str],
                      topics: list[str], body_source: str | None = None, addressed_to: str | None = None,
                      image_url: str | None = None, url: str | None = None, updated: str | None = None,
                      counts: tuple[int, int, int] | None = None) -> int:
    """Insert or replace an idea with its districts and topics; returns its row id.

    `counts` (supports, shares, comments) is given for remote ideas, whose origin counts them.
    """
    now = iso()
    await conn.execute(
        "INSERT INTO ideas (ap_id, is_local, author_id, kind, addressed_to, title, summary, body_source, body_html, "
        "image_url, status, url, published, updated, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (ap_id) DO UPDATE SET kind = excluded.kind, addressed_to = excluded.addressed_to, "
        "title = excluded.title, summary = excluded.summary, body_source = excluded.body_source, "
        "body_html = excluded.body_html, image_url = excluded.image_url, status = excluded.status, "
        "url = excluded.url, updated = excluded.updated",
        (ap_id, int(is_local), author_id, kind, addressed_to, title, summary, body_source, body_html, image_url,
         status, url, published, updated, now),
    )
    idea_id = await fetch_value(conn, "SELECT id FROM ideas WHERE ap_id = ?", (ap_id,))
    if counts is not None:
        await conn.execute("UPDATE ideas SET support_count = ?, share_count = ?, comment_count = ? WHERE id = ?",
                           (*counts, idea_id))
    await conn.execute("DELETE FROM idea_districts WHERE idea_id = ?", (idea_id,))
    await conn.executemany("INSERT INTO idea_districts (idea_id, district_ap_id) VALUES (?, ?)",
                           [(idea_id, d) for d in dict.fromkeys(districts)])
    await conn.execute("DELETE FROM idea_topics WHERE idea_id = ?", (idea_id,))
    await conn.executemany("INSERT INTO idea_topics (idea_id, topic) VALUES (?, ?)",
                           [(idea_id, t) for t in dict.fromkeys(topics)])
    return idea_id


async def get_idea(conn: Connection, ap_id: str):
    return await fetch_one(conn, f"SELECT {IDEA_COLUMNS} FROM ideas WHERE ap_id = ?", (ap_id,))


async def get_idea_by_id(conn: Connection, idea_id: int):
    return await fetch_one(conn, f"SELECT {IDEA_COLUMNS} FROM ideas WHERE id = ?", (idea_id,))


async def list_idea_districts(conn: Connection, idea_id: int) -> list[str]:
    rows = await fetch_all(conn, "SELECT district_ap_id FROM idea_districts WHERE idea_id = ? ORDER BY district_ap_id",
                           (idea_id,))
    return [r[0] for r in rows]


async def list_idea_topics(conn: Connection, idea_id: int) -> list[str]:
    rows = await fetch_all(conn, "SELECT topic FROM idea_topics WHERE idea_id = ? ORDER BY topic", (idea_id,))
    return [r[0] for r in rows]


async def set_idea_status(conn: Connection, idea_id: int, status: str, changed_by: str | None, note: str = "") -> None:
    now = iso()
    await conn.execute("UPDATE ideas SET status = ?, updated = ? WHERE id = ?", (status, now, idea_id))
    await add_status_change(conn, idea_id, status, changed_by, note, now)


async def add_status_change(conn: Connection, idea_id: int, status: str, changed_by: str | None, note: str = "",
                            changed_at: str | None = None) -> None:
    await conn.execute(
        "INSERT INTO idea_status_changes (idea_id, status, changed_by, note, changed_at) VALUES (?, ?, ?, ?, ?)",
        (idea_id, status, changed_by, note, changed_at or iso()),
    )


async def list_status_changes(conn: Connection, idea_id: int):
    return await fetch_all(conn, "SELECT status, changed_by, note, changed_at FROM idea_status_changes "
                                 "WHERE idea_id = ? ORDER BY id", (idea_id,))


async def mark_idea_deleted(conn: Connection, idea_id: int) -> None:
    await conn.execute("UPDATE ideas SET deleted_at = ?, body_html = '', body_source = NULL, summary = '', "
                       "image_url = NULL WHERE id = ?", (iso(), idea_id))


async def recount_local_idea(conn: Connection, idea_ap_id: str) -> None:
    """Recount a local idea's supports, shares and comments from the facts, and mark it for publishing."""
    await conn.execute(
        "UPDATE ideas SET "
        "support_count = (SELECT count(*) FROM reactions WHERE object_ap_id = ideas.ap_id AND kind = 'Like'), "
        "share_count = (SELECT count(*) FROM reactions WHERE object_ap_id = ideas.ap_id AND kind = 'Announce'), "
        "comment_count = (SELECT count(*) FROM objects WHERE in_reply_to = ideas.ap_id AND deleted_at IS NULL), "
        "counts_changed_at = ? WHERE ap_id = ? AND is_local = 1",
        (iso(), idea_ap_id),
    )


async def bump_remote_idea_count(conn: Connection, idea_ap_id: str, column: str, delta: int) -> None:
    """Adjust a remote idea's shown count right away; its origin's next Update sets the true figure."""
    if column not in ("support_count", "share_count", "comment_count"):
        raise ValueError(column)
    await conn.execute(f"UPDATE ideas SET {column} = max(0, {column} + ?) WHERE ap_id = ? AND is_local = 0",
                       (delta, idea_ap_id))


async def list_ideas_with_unpublished_counts(conn: Connection, *, changed_before: str, limit: int = 50):
    """Local ideas whose counts changed (and settled) and are due: not waiting after a failed attempt."""
    return await fetch_all(
        conn,
        "SELECT id, ap_id, counts_changed_at, counts_attempts FROM ideas WHERE counts_changed_at IS NOT NULL "
        "AND counts_changed_at <= ? AND deleted_at IS NULL AND (counts_retry_at IS NULL OR counts_retry_at <= ?) "
        "ORDER BY counts_changed_at LIMIT ?",
        (changed_before, iso(), limit),
    )


async def next_counts_due(conn: Connection) -> str | None:
    """When the earliest changed count may go out (its change time or its retry time)."""
    return await fetch_value(
        conn,
        "SELECT min(CASE WHEN counts_retry_at > counts_changed_at THEN counts_retry_at ELSE counts_changed_at END) "
        "FROM ideas WHERE counts_changed_at IS NOT NULL AND deleted_at IS NULL",
    )


async def mark_counts_published(conn: Connection, idea_id: int, seen_change: str) -> None:
    """Clear the flag unless counts changed again meanwhile."""
    await conn.execute("UPDATE ideas SET counts_published_at = ?, counts_changed_at = NULL, counts_attempts = 0, "
                       "counts_retry_at = NULL, counts_error = NULL WHERE id = ? AND counts_changed_at = ?",
                       (iso(), idea_id, seen_change))


async def mark_counts_failed(conn: Connection, idea_id: int, error: str, retry_in: float | None) -> None:
    """Record a failed attempt to publish an idea's counts; retry_in None gives up (the flag is cleared)."""
    if retry_in is None:
        await conn.execute("UPDATE ideas SET counts_changed_at = NULL, counts_attempts = counts_attempts + 1, "
                           "counts_retry_at = NULL, counts_error = ? WHERE id = ?", (error, idea_id))
    else:
        await conn.execute("UPDATE ideas SET counts_attempts = counts_attempts + 1, counts_retry_at = ?, "
                           "counts_error = ? WHERE id = ?", (iso_in(retry_in), error, idea_id))


async def list_reactor_inboxes(conn: Connection, object_ap_id: str) -> list[str]:
    """Delivery inboxes of remote actors who supported, shared or commented on an object."""
    rows = await fetch_all(
        conn,
        "SELECT DISTINCT COALESCE(a.shared_inbox_url, a.inbox_url) AS inbox FROM actors a WHERE a.is_local = 0 "
        "AND a.deleted_at IS NULL AND (a.id IN (SELECT actor_id FROM reactions WHERE object_ap_id = ?) "
        "OR a.id IN (SELECT actor_id FROM objects WHERE in_reply_to = ?))",
        (object_ap_id, object_ap_id),
    )
    return [r["inbox"] for r in rows]


async def list_local_supporters(conn: Connection, object_ap_id: str) -> list[int]:
    rows = await fetch_all(
        conn, "SELECT r.actor_id FROM reactions r JOIN actors a ON a.id = r.actor_id "
              "WHERE r.object_ap_id = ? AND r.kind = 'Like' AND a.is_local = 1", (object_ap_id,))
    return [r[0] for r in rows]


async def list_reactors(conn: Connection, object_ap_id: str, kind: str, *, limit: int, before_id: int | None):
    """(reaction row id, actor ap_id) pairs, newest first, for the likes and shares collections."""
    return await fetch_all(
        conn,
        "SELECT r.id, a.ap_id FROM reactions r JOIN actors a ON a.id = r.actor_id WHERE r.object_ap_id = ? "
        "AND r.kind = ? AND (? IS NULL OR r.id < ?) ORDER BY r.id DESC LIMIT ?",
        (object_ap_id, kind, before_id, before_id, limit),
    )


async def list_comments(conn: Connection, root_ap_id: str, *, limit: int = 500):
    """Replies to an object and replies to those, oldest first (a thread, up to `limit`)."""
    return await fetch_all(
        conn,
        "WITH RECURSIVE thread(ap_id, depth) AS (SELECT ?, 0 UNION ALL "
        "SELECT o.ap_id, t.depth + 1 FROM objects o JOIN thread t ON o.in_reply_to = t.ap_id WHERE t.depth < 20) "
        "SELECT o.id, o.ap_id, o.in_reply_to, o.content, o.published, o.deleted_at, a.ap_id AS author_ap_id, "
        "a.name AS author_name, a.username AS author_username, a.domain AS author_domain, a.is_local AS author_local "
        "FROM objects o JOIN thread t ON o.ap_id = t.ap_id AND t.depth > 0 JOIN actors a ON a.id = o.actor_id "
        "ORDER BY o.id LIMIT ?",
        (root_ap_id, limit),
    )


async def find_thread_root_idea(conn: Connection, object_ap_id: str) -> str | None:
    """The idea a reply belongs to, following inReplyTo up to 20 steps."""
    row = await fetch_one(
        conn,
        "WITH RECURSIVE up(ap_id, depth) AS (SELECT ?, 0 UNION ALL "
        "SELECT o.in_reply_to, u.depth + 1 FROM objects o JOIN up u ON o.ap_id = u.ap_id "
        "WHERE o.in_reply_to IS NOT NULL AND u.depth < 20) "
        "SELECT i.ap_id FROM up JOIN ideas i ON i.ap_id = up.ap_id ORDER BY up.depth LIMIT 1",
        (object_ap_id,),
    )
    return row[0] if row else None


# --- the marketplace -------------------------------------------------------------

COUNT_CAP = 1_000


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
    limit: int = 20
    offset: int = 0


async def query_marketplace(conn: Connection, q: MarketplaceQuery) -> tuple[list, int]:
    """One page of ideas and the total matching; one query for the page, one for the count.

    Trending ranks the ideas supported since `trending_since` by those recent supports; it
    starts from the recent supports, so its cost grows with them, not with all ideas.
    District and topic filters are written `+i.id IN (…)` so that the planner walks the
    ideas in sort order and stops after one page, instead of sorting every idea of a district
    (which it prefers once ANALYZE has run, and which is ~10x slower with 100,000 ideas).
    """
    where, params = ["i.deleted_at IS NULL"], []
    if q.districts:
        marks = ", ".join("?" for _ in q.districts)
        where.append(f"+i.id IN (SELECT idea_id FROM idea_districts WHERE district_ap_id IN ({marks}))")
        params += q.districts
    if q.kind:
        where.append("i.kind = ?")
        params.append(q.kind)
    if q.status:
        where.append("i.status = ?")
        params.append(q.status)
    if q.author_category:
        where.append("a.category = ?")
        params.append(q.author_category)
    if q.topic:
        where.append("+i.id IN (SELECT idea_id FROM idea_topics WHERE topic = ?)")
        params.append(q.topic)
    if q.local_only:
        where.append("i.is_local = 1")
    sql_where = " AND ".join(where)
    source, source_params = "ideas i", []
    if q.sort == "trending":
        source = ("(SELECT object_ap_id, count(*) AS recent FROM reactions WHERE kind = 'Like' AND created_at >= ? "
                  "GROUP BY object_ap_id) tr JOIN ideas i ON i.ap_id = tr.object_ap_id")
        source_params = [q.trending_since or ""]
    order = {"newest": "i.published DESC, i.id DESC",
             "supported": "i.support_count DESC, i.published DESC, i.id DESC",
             "trending": "tr.recent DESC, i.support_count DESC, i.published DESC, i.id DESC"}[q.sort]
    recent = "tr.recent" if q.sort == "trending" else "0"
    columns = ", ".join("i." + c for c in IDEA_COLUMNS.split(", "))
    rows = await fetch_all(
        conn,
        f"SELECT {columns}, a.ap_id AS author_ap_id, a.name AS author_name, a.username AS author_username, "
        f"a.domain AS author_domain, a.category AS author_category, a.type AS author_type, {recent} AS recent "
        f"FROM {source} JOIN actors a ON a.id = i.author_id WHERE {sql_where} ORDER BY {order} LIMIT ? OFFSET ?",
        (*source_params, *params, q.limit, q.offset),
    )
    # Counting costs as much as the matches, so it stops at COUNT_CAP (shown as "1,000+"); and it
    # joins the authors only when it filters by them, since that join is most of its cost.
    author_join = " JOIN actors a ON a.id = i.author_id" if q.author_category else ""
    total = await fetch_value(
        conn, f"SELECT count(*) FROM (SELECT 1 FROM {source}{author_join} WHERE {sql_where} LIMIT ?)",
        (*source_params, *params, COUNT_CAP + 1))
    return rows, total


async def districts_of_ideas(conn: Connection, idea_ids: list[int]) -> dict[int, list[str]]:
    if not idea_ids:
        return {}
    marks = ", ".join("?" for _ in idea_ids)
    rows = await fetch_all(conn, f"SELECT idea_id, district_ap_id FROM idea_districts WHERE idea_id IN ({marks})",
                           idea_ids)
    found: dict[int, list[str]] = {}
    for row in rows:
        found.setdefault(row[0], []).append(row[1])
    return found


async def topics_of_ideas(conn: Connection, idea_ids: list[int]) -> dict[int, list[str]]:
    if not idea_ids:
        return {}
    marks = ", ".join("?" for _ in idea_ids)
    rows = await fetch_all(conn, f"SELECT idea_id, topic FROM idea_topics WHERE idea_id IN ({marks})", idea_ids)
    found: dict[int, list[str]] = {}
    for row in rows:
        found.setdefault(row[0], []).append(row[1])
    return found


# --- impact figures ----------------------------------------------------------------

async def impact_figures(conn: Connection, *, district_ap_id: str | None, district_slug: str | None,
                         active_since: str, now: str) -> dict:
    """Live figures for the instance (district None) or one district: local ideas only."""
    idea_filter, params = "i.is_local = 1 AND i.deleted_at IS NULL", []
    if district_ap_id:
        idea_filter += " AND i.id IN (SELECT idea_id FROM idea_districts WHERE district_ap_id = ?)"
        params.append(district_ap_id)
    by_status = {r[0]: r[1] for r in await fetch_all(
        conn, f"SELECT i.status, count(*) FROM ideas i WHERE {idea_filter} GROUP BY i.status", params)}
    supports = await fetch_value(
        conn, f"SELECT count(*) FROM reactions r JOIN ideas i ON i.ap_id = r.object_ap_id "
              f"WHERE r.kind = 'Like' AND {idea_filter}", params)
    active = await fetch_value(
        conn,
        f"SELECT count(DISTINCT who) FROM ("
        f"SELECT r.actor_id AS who FROM reactions r JOIN ideas i ON i.ap_id = r.object_ap_id "
        f"WHERE r.created_at >= ? AND {idea_filter} UNION "
        f"SELECT i.author_id FROM ideas i WHERE i.published >= ? AND {idea_filter})",
        (active_since, *params, active_since, *params))
    event_filter, event_params = "e.is_local = 1 AND e.deleted_at IS NULL AND e.status != 'cancelled'", []
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


# --- events --------------------------------------------------------------------------

EVENT_COLUMNS = ("id, ap_id, is_local, organizer_id, title, description_source, description_html, starts_at, ends_at, "
                 "timezone, place_name, street, postal_code, locality, online_url, capacity, status, idea_ap_id, "
                 "district_ap_id, url, attendee_count, published, updated, deleted_at")


async def upsert_event(conn: Connection, **values) -> int:
    """Insert or replace an event by ap_id; values are EVENT_COLUMNS (without id/deleted_at)."""
    values = {**values, "created_at": iso()}
    names = list(values)
    updates = ", ".join(f"{n} = excluded.{n}" for n in names if n not in ("ap_id", "created_at", "is_local",
                                                                          "organizer_id", "published"))
    await conn.execute(
        f"INSERT INTO events ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)}) "
        f"ON CONFLICT (ap_id) DO UPDATE SET {updates}",
        tuple(values.values()),
    )
    return await fetch_value(conn, "SELECT id FROM events WHERE ap_id = ?", (values["ap_id"],))


async def get_event(conn: Connection, ap_id: str):
    return await fetch_one(conn, f"SELECT {EVENT_COLUMNS} FROM events WHERE ap_id = ?", (ap_id,))


async def mark_event_deleted(conn: Connection, event_id: int) -> None:
    await conn.execute("UPDATE events SET deleted_at = ? WHERE id = ?", (iso(), event_id))


async def list_upcoming_events(conn: Connection, *, after: str, district_ap_id: str | None = None,
                               limit: int = 100):
    sql = (f"SELECT {', '.join('e.' + c for c in EVENT_COLUMNS.split(', '))}, a.name AS organizer_name, "
           "a.ap_id AS organizer_ap_id FROM events e JOIN actors a ON a.id = e.organizer_id "
           "WHERE e.deleted_at IS NULL AND e.ends_at >= ?")
    params: list = [after]
    if district_ap_id:
        sql += " AND e.district_ap_id = ?"
        params.append(district_ap_id)
    return await fetch_all(conn, sql + " ORDER BY e.starts_at, e.id LIMIT ?", (*params, limit))


async def get_attendance(conn: Connection, event_id: int, actor_id: int):
    return await fetch_one(conn, "SELECT * FROM event_attendees WHERE event_id = ? AND actor_id = ?",
                           (event_id, actor_id))


async def get_attendance_by_join(conn: Connection, join_ap_id: str):
    return await fetch_one(conn, "SELECT * FROM event_attendees WHERE join_ap_id = ?", (join_ap_id,))


async def set_attendance(conn: Connection, event_id: int, actor_id: int, state: str, join_ap_id: str) -> None:
    await conn.execute(
        "INSERT INTO event_attendees (event_id, actor_id, state, join_ap_id, created_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (event_id, actor_id) DO UPDATE SET state = excluded.state, join_ap_id = excluded.join_ap_id",
        (event_id, actor_id, state, join_ap_id, iso()),
    )
    await _recount_attendees(conn, event_id)


async def delete_attendance(conn: Connection, event_id: int, actor_id: int) -> bool:
    cur = await conn.execute("DELETE FROM event_attendees WHERE event_id = ? AND actor_id = ?", (event_id, actor_id))
    await _recount_attendees(conn, event_id)
    return cur.rowcount > 0


async def _recount_attendees(conn: Connection, event_id: int) -> None:
    # Only local events are counted here; a remote event's count comes from its origin.
    await conn.execute(
        "UPDATE events SET attendee_count = (SELECT count(*) FROM event_attendees WHERE event_id = events.id "
        "AND state = 'accepted') WHERE id = ? AND is_local = 1", (event_id,))


async def count_accepted_attendees(conn: Connection, event_id: int) -> int:
    return await fetch_value(conn, "SELECT count(*) FROM event_attendees WHERE event_id = ? AND state = 'accepted'",
                             (event_id,))


async def list_attendees(conn: Connection, event_id: int, *, limit: int, before_created: str | None = None):
    return await fetch_all(
        conn,
        "SELECT ea.created_at, ea.state, a.ap_id, a.name, a.is_local FROM event_attendees ea "
        "JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = ? AND ea.state = 'accepted' "
        "AND (? IS NULL OR ea.created_at < ?) ORDER BY ea.created_at DESC LIMIT ?",
        (event_id, before_created, before_created, limit),
    )


async def list_attendee_inboxes(conn: Connection, event_id: int) -> list[str]:
    rows = await fetch_all(
        conn, "SELECT DISTINCT COALESCE(a.shared_inbox_url, a.inbox_url) AS inbox FROM event_attendees ea "
              "JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = ? AND a.is_local = 0", (event_id,))
    return [r["inbox"] for r in rows]


# --- notifications ---------------------------------------------------------------------

async def add_notifications(conn: Connection, actor_ids: list[int], *, kind: str, object_ap_id: str | None,
                            by_ap_id: str | None, text: str) -> None:
    now = iso()
    await conn.executemany(
        "INSERT INTO notifications (actor_id, kind, object_ap_id, by_ap_id, text, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        [(a, kind, object_ap_id, by_ap_id, text, now) for a in actor_ids],
    )


async def list_notifications(conn: Connection, actor_id: int, limit: int = 50):
    return await fetch_all(conn, "SELECT * FROM notifications WHERE actor_id = ? ORDER BY id DESC LIMIT ?",
                           (actor_id, limit))


# --- events (added by the events work) -------------------------------------------------

async def get_event_by_id(conn: Connection, event_id: int):
    return await fetch_one(conn, f"SELECT {EVENT_COLUMNS} FROM events WHERE id = ?", (event_id,))
