"""SQL of retention: pruning processed queue rows and expiring cached remote content, in batches.

Every function here does one small batch inside the caller's transaction, so a writer waits at
most one batch for the lock (wecreate_fed/retention.py loops over them, pausing between). What
an expired row could still be needed for is decided in the WHERE clauses below, in one place:
a row is deleted only when nothing kept here names it (see FEDERATION.md, "Retention").
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import aiosqlite

from . import Connection, dialect_of, fetch_all, fetch_value, iso

INCOMING_DONE = ("done", "failed")
DELIVERIES_DONE = ("done", "gone", "failed")


def activity_key(ap_id: str) -> bytes:
    """What seen_activities keeps of an activity id: 16 bytes of its SHA-256 (collisions: 2^-64 at
    four billion ids, far below what one instance sees)."""
    return hashlib.sha256(ap_id.encode("utf-8")).digest()[:16]


# --- the queues ----------------------------------------------------------------------

async def prune_incoming(conn: Connection, *, before: str, limit: int) -> int:
    """Delete up to `limit` handled (done or failed) incoming rows last due before `before`; their
    ids go to seen_activities, so the inbox still refuses them if they come again. How many."""
    rows = await fetch_all(
        conn, "SELECT id, activity_ap_id, received_at FROM incoming WHERE state IN ('done', 'failed') "
              "AND next_attempt_at < ? LIMIT ?", (before, limit))
    if not rows:
        return 0
    await conn.executemany("INSERT INTO seen_activities (id_hash, seen_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                           [(activity_key(r["activity_ap_id"]), r["received_at"]) for r in rows])
    await conn.executemany("DELETE FROM incoming WHERE id = ?", [(r["id"],) for r in rows])
    return len(rows)


async def prune_deliveries(conn: Connection, *, before: str, limit: int) -> int:
    """Delete up to `limit` finished deliveries (done, gone, failed) last due before `before`. The
    activity they carried stays: it is the outbox."""
    cur = await conn.execute(
        "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE state IN ('done', 'gone', 'failed') "
        "AND next_attempt_at < ? LIMIT ?)", (before, limit))
    return cur.rowcount


async def prune_seen(conn: Connection, *, before: str, limit: int) -> int:
    """Forget up to `limit` of the oldest seen activity ids received before `before`. Rows go in the
    order they were added (about the order they were received); stops at the first younger one."""
    if dialect_of(conn) == "postgresql":  # no rowid, no index by time: the old ones a bounded scan finds
        return (await conn.execute("DELETE FROM seen_activities WHERE id_hash IN (SELECT id_hash FROM seen_activities "
                                   "WHERE seen_at < ? LIMIT ?)", (before, limit))).rowcount
    rows = await fetch_all(conn, "SELECT rowid AS row_key, seen_at FROM seen_activities ORDER BY rowid LIMIT ?", (limit,))
    old = []
    for row in rows:
        if row["seen_at"] >= before:
            break
        old.append((row["row_key"],))
    await conn.executemany("DELETE FROM seen_activities WHERE rowid = ?", old)
    return len(old)


# What is kept for as long as seen ids (a sender's retries have long given up by then): table, its
# key, and the time counted from.
KEPT_WITH_SEEN = {"undone_activities": (("ap_id", "undone_by"), "undone_at"),
                  "join_leave_times": (("object_ap_id", "actor_ap_id"), "noted_at"),
                  "box_removals": (("post_ap_id", "box_ap_id"), "removed_at")}


async def prune_kept(conn: Connection, table: str, *, before: str, limit: int) -> int:
    """Forget up to `limit` rows of a KEPT_WITH_SEEN table noted before `before`: undone activity
    ids, the last Join or Leave of each remote actor and thing, posts removed by remote boxes."""
    key, clock = KEPT_WITH_SEEN[table]
    old = await fetch_all(conn, f"SELECT {', '.join(key)} FROM {table} WHERE {clock} < ? LIMIT ?", (before, limit))
    await conn.executemany(f"DELETE FROM {table} WHERE {' AND '.join(f'{k} = ?' for k in key)}",
                           [tuple(r[k] for k in key) for r in old])
    return len(old)


async def count_prunable(conn: Connection, *, incoming_before: str | None, deliveries_before: str | None,
                         seen_before: str | None) -> dict[str, int]:
    """What the queue prunes would delete now (a dry run)."""
    counts = {}
    if incoming_before:
        counts["incoming"] = await fetch_value(
            conn, "SELECT count(*) FROM incoming WHERE state IN ('done', 'failed') AND next_attempt_at < ?",
            (incoming_before,))
    if deliveries_before:
        counts["deliveries"] = await fetch_value(
            conn, "SELECT count(*) FROM deliveries WHERE state IN ('done', 'gone', 'failed') AND next_attempt_at < ?",
            (deliveries_before,))
    if seen_before:
        counts["seen_activities"] = await fetch_value(
            conn, "SELECT count(*) FROM seen_activities WHERE seen_at < ?", (seen_before,))
        for table, (_, clock) in KEPT_WITH_SEEN.items():
            counts[table] = await fetch_value(conn, f"SELECT count(*) FROM {table} WHERE {clock} < ?", (seen_before,))
    return counts


# --- cached remote content --------------------------------------------------------------
# Parameters of every query below: :before (older than this may expire), :prefix (our base URL
# and "/": an id of ours), :after and :limit (the window of ids one batch looks at).

def _local(expr: str) -> str:
    """An id of ours; false (never NULL, which NOT would keep NULL) when there is none."""
    return f"(substr(COALESCE({expr}, ''), 1, length(:prefix)) = :prefix)"


def _followed(actor_id: str) -> str:
    """Someone here follows (or asked to follow) this actor."""
    return (f"EXISTS (SELECT 1 FROM follows f JOIN actors l ON l.id = f.follower_id "
            f"WHERE f.followee_id = {actor_id} AND l.is_local = 1)")


def _instance_followed(actor_id: str) -> str:
    """Someone here follows the instance actor of this actor's server (ideas and events of a
    followed WeCreate instance are the marketplace's)."""
    return (f"EXISTS (SELECT 1 FROM actors au JOIN actors ia ON ia.domain = au.domain AND ia.type = 'Application' "
            f"JOIN follows f ON f.followee_id = ia.id JOIN actors l ON l.id = f.follower_id AND l.is_local = 1 "
            f"WHERE au.id = {actor_id})")


def _reacted(ap_id: str) -> str:
    """Supported (Like) or shared (Announce) by someone here or someone followed from here."""
    return (f"EXISTS (SELECT 1 FROM reactions r JOIN actors ra ON ra.id = r.actor_id WHERE r.object_ap_id = {ap_id} "
            f"AND (ra.is_local = 1 OR {_followed('ra.id')}))")


def _named(ap_id: str) -> str:
    """Named by something kept: our outbox, a notification, a box, an event, a box's meeting."""
    return (f"(EXISTS (SELECT 1 FROM activities WHERE object_ap_id = {ap_id}) "
            f"OR EXISTS (SELECT 1 FROM notifications WHERE object_ap_id = {ap_id}) "
            f"OR EXISTS (SELECT 1 FROM box_ideas WHERE idea_ap_id = {ap_id}) "
            f"OR EXISTS (SELECT 1 FROM events WHERE idea_ap_id = {ap_id}) "
            f"OR EXISTS (SELECT 1 FROM boxes WHERE meeting_event_ap_id = {ap_id}))")


def _object_anchored(o: str) -> str:
    """A post kept for its own sake (not for its thread's)."""
    return (f"({o}.is_local = 1 OR {o}.created_at >= :before OR COALESCE({o}.updated, '') >= :before "
            f"OR {_followed(f'{o}.actor_id')} "
            f"OR ({o}.audience IS NOT NULL AND ({_local(f'{o}.audience')} OR EXISTS (SELECT 1 FROM actors bx "
            f"WHERE bx.ap_id = {o}.audience AND {_followed('bx.id')}))) "
            f"OR {_local(f'{o}.in_reply_to')} OR {_reacted(f'{o}.ap_id')} OR {_named(f'{o}.ap_id')})")


def _has_anchored_reply(ap_id: str) -> str:
    """A reply that is kept for its own sake keeps what it answers (its context)."""
    return f"EXISTS (SELECT 1 FROM objects c WHERE c.in_reply_to = {ap_id} AND {_object_anchored('c')})"


# A reply stays while what it answers is stored here; once that expired, the reply follows (later
# in the same pass: replies have larger ids). A reply keeps its parent only when the reply is kept
# for its own sake, so an unanchored thread expires as a whole and never keeps itself alive.
_OBJECT_EXPIRES = (
    f"o.is_local = 0 AND NOT {_object_anchored('o')} AND NOT {_has_anchored_reply('o.ap_id')} "
    "AND NOT (o.in_reply_to IS NOT NULL AND (EXISTS (SELECT 1 FROM objects p WHERE p.ap_id = o.in_reply_to) "
    "OR EXISTS (SELECT 1 FROM ideas p WHERE p.ap_id = o.in_reply_to) "
    "OR EXISTS (SELECT 1 FROM events p WHERE p.ap_id = o.in_reply_to)))"
)

_IDEA_EXPIRES = (
    "i.is_local = 0 AND i.created_at < :before AND COALESCE(i.updated, '') < :before "
    f"AND NOT {_followed('i.author_id')} AND NOT {_instance_followed('i.author_id')} "
    f"AND NOT {_local('i.addressed_to')} "
    f"AND NOT EXISTS (SELECT 1 FROM idea_districts d WHERE d.idea_id = i.id AND {_local('d.district_ap_id')}) "
    f"AND NOT {_reacted('i.ap_id')} AND NOT {_named('i.ap_id')} AND NOT {_has_anchored_reply('i.ap_id')}"
)

_EVENT_EXPIRES = (
    "e.is_local = 0 AND e.created_at < :before AND e.ends_at < :before AND COALESCE(e.updated, '') < :before "
    f"AND NOT {_followed('e.organizer_id')} AND NOT {_instance_followed('e.organizer_id')} "
    f"AND NOT {_local('e.district_ap_id')} AND NOT {_local('e.idea_ap_id')} "
    "AND NOT EXISTS (SELECT 1 FROM event_attendees ea JOIN actors a ON a.id = ea.actor_id "
    "WHERE ea.event_id = e.id AND a.is_local = 1) "
    f"AND NOT {_reacted('e.ap_id')} AND NOT {_named('e.ap_id')} AND NOT {_has_anchored_reply('e.ap_id')}"
)

# table: (alias, what makes a row expire)
REMOTE_CONTENT = {
    "ideas": ("i", _IDEA_EXPIRES),
    "events": ("e", _EVENT_EXPIRES),
    "objects": ("o", _OBJECT_EXPIRES),
}


async def expiring(conn: Connection, table: str, *, before: str, prefix: str, after: int,
                   limit: int) -> tuple[list[tuple[int, str]], int | None]:
    """Of the `limit` rows of `table` after id `after`: those that expire now, as (id, ap_id), and the
    last id looked at (None at the end of the table)."""
    alias, expires = REMOTE_CONTENT[table]
    last = await fetch_value(conn, f"SELECT max(id) FROM (SELECT id FROM {table} WHERE id > ? ORDER BY id LIMIT ?) AS page",
                             (after, limit))
    if last is None:
        return [], None
    rows = await fetch_all(
        conn, f"SELECT {alias}.id, {alias}.ap_id FROM {table} {alias} WHERE {alias}.id > :after AND {alias}.id <= :last "
              f"AND {expires}", {"before": before, "prefix": prefix, "after": after, "last": last})
    return [(r["id"], r["ap_id"]) for r in rows], last


async def expire(conn: Connection, table: str, *, before: str, prefix: str, after: int,
                 limit: int) -> tuple[int, int | None]:
    """Delete what expires among the next `limit` rows of `table` (checked again inside this
    transaction, so a reaction that came meanwhile keeps its object), with the reactions of
    remote actors on them (their cached counts; ours and followed people's keep the row).
    Returns (how many deleted, the last id looked at, or None at the end)."""
    rows, last = await expiring(conn, table, before=before, prefix=prefix, after=after, limit=limit)
    if rows:
        await conn.executemany("DELETE FROM reactions WHERE object_ap_id = ?", [(ap_id,) for _, ap_id in rows])
        # ideas and events: districts, topics, status changes and attendees go with them (ON DELETE CASCADE)
        await conn.executemany(f"DELETE FROM {table} WHERE id = ?", [(row_id,) for row_id, _ in rows])
    return len(rows), last


async def query_plans(conn: Connection) -> dict[str, list[str]]:
    """EXPLAIN QUERY PLAN of every prune and expiry query and of the inbox's seen check (tests check
    that none reads a whole table that grows with the traffic)."""
    params = {"before": "", "prefix": "", "after": 0, "last": 0, "limit": 1}
    queries = {
        "incoming": "SELECT id FROM incoming WHERE state IN ('done', 'failed') AND next_attempt_at < :before LIMIT :limit",
        "deliveries": "SELECT id FROM deliveries WHERE state IN ('done', 'gone', 'failed') "
                      "AND next_attempt_at < :before LIMIT :limit",
        "seen": "SELECT 1 FROM seen_activities WHERE id_hash = :before",
        **{table: f"SELECT {alias}.id FROM {table} {alias} WHERE {alias}.id > :after AND {alias}.id <= :last AND {expires}"
           for table, (alias, expires) in REMOTE_CONTENT.items()},
    }
    return {name: [row["detail"] for row in await fetch_all(conn, f"EXPLAIN QUERY PLAN {sql}", params)]
            for name, sql in queries.items()}


# --- size -----------------------------------------------------------------------------------

RETAINED_TABLES = ("incoming", "deliveries", "seen_activities", "objects", "ideas", "events", "reactions",
                   "activities", "actors")


async def table_counts(conn: Connection, tables=RETAINED_TABLES) -> dict[str, int]:
    return {t: await fetch_value(conn, f"SELECT count(*) FROM {t}") for t in tables}


async def size(conn: Connection) -> dict[str, int]:
    """Bytes of the database file in use and free (pages a VACUUM would give back), and its
    auto_vacuum mode (0 none, 1 full, 2 incremental). PostgreSQL reuses freed space itself: its
    size, nothing to give back by hand."""
    if dialect_of(conn) == "postgresql":
        return {"bytes": await fetch_value(conn, "SELECT pg_database_size(current_database())"),
                "free_bytes": 0, "auto_vacuum": 0}
    page = await fetch_value(conn, "PRAGMA page_size")
    return {"bytes": page * await fetch_value(conn, "PRAGMA page_count"),
            "free_bytes": page * await fetch_value(conn, "PRAGMA freelist_count"),
            "auto_vacuum": await fetch_value(conn, "PRAGMA auto_vacuum")}


async def incremental_vacuum(conn: Connection, pages: int) -> None:
    """Give up to `pages` free pages back to the file system (auto_vacuum = INCREMENTAL only), on a
    connection outside a transaction (Database.alone): as a script, run to its end (stepped once, as
    execute does, the pragma frees a single page). SQLite's only: PostgreSQL's autovacuum does this."""
    if isinstance(conn, aiosqlite.Connection):
        await conn.executescript(f"PRAGMA incremental_vacuum({int(pages)});")


# --- simulated time (tests, benchmarks) --------------------------------------------------

RETENTION_CLOCKS = {  # table: the times retention looks at
    "incoming": ("received_at", "next_attempt_at"),
    "deliveries": ("created_at", "next_attempt_at"),
    "seen_activities": ("seen_at",),
    "undone_activities": ("undone_at",),
    "join_leave_times": ("noted_at",),
    "box_removals": ("removed_at",),
    "objects": ("created_at", "updated"),
    "ideas": ("created_at", "updated"),
    "events": ("created_at", "updated", "starts_at", "ends_at"),
}


async def move_clock_back(conn: Connection, seconds: float, tables=tuple(RETENTION_CLOCKS)) -> None:
    """Every time retention looks at in `tables` moves `seconds` into the past, as if that much time
    had passed (as store.queue.move_queue_clock_back does for the delivery queue)."""
    for table in tables:
        columns = RETENTION_CLOCKS[table]
        key = KEPT_WITH_SEEN[table][0] if table in KEPT_WITH_SEEN else ("id_hash" if table == "seen_activities" else "id",)
        rows = await fetch_all(conn, f"SELECT {', '.join(key)}, {', '.join(columns)} FROM {table}")
        await conn.executemany(
            f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in columns)} WHERE {' AND '.join(f'{k} = ?' for k in key)}",
            [(*(_earlier(row[c], seconds) for c in columns), *(row[k] for k in key)) for row in rows])


def _earlier(stored: str | None, seconds: float) -> str | None:
    if stored is None:
        return None
    try:
        moment = datetime.fromisoformat(stored.replace("Z", "+00:00"))
    except ValueError:
        return stored
    return iso(moment - timedelta(seconds=seconds))
