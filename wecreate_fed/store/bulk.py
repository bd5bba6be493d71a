"""Bulk inserts for benchmarks and load tests: many local rows in a few statements.

Nothing is validated, sanitised or sent here; the caller mints the ids (urls.idea_id,
urls.page_of) and gives stored HTML. The website and the civic functions never use this.
"""

from __future__ import annotations

from .. import hosts
from . import Connection, dialect_of, fetch_value, iso


async def add_local_ideas(conn: Connection, rows: list[dict]) -> None:
    """Each row: ap_id, url, author_id, kind, title, summary, body_html, status, support_count,
    published, district_ap_id, topic."""
    now = iso()
    values = [(r["ap_id"], r["author_id"], r["kind"], r["title"], r["summary"], r["body_html"], r["status"], r["url"],
               r["support_count"], r["published"], now) for r in rows]
    columns = ("ap_id, is_local, author_id, kind, title, summary, body_html, status, url, support_count, published, "
               "created_at")
    if dialect_of(conn) == "postgresql":  # the arrays of 0037 at once: their triggers then find nothing to change
        await conn.executemany(
            f"INSERT INTO ideas ({columns}, districts, topics) "
            "VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ARRAY[?]::text[], ARRAY[?]::text[])",
            [(*v, r["district_ap_id"], r["topic"]) for v, r in zip(values, rows, strict=True)])
    else:
        await conn.executemany(f"INSERT INTO ideas ({columns}) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
    await conn.executemany(
        "INSERT INTO idea_districts (idea_id, district_ap_id) SELECT id, ? FROM ideas WHERE ap_id = ?",
        [(r["district_ap_id"], r["ap_id"]) for r in rows])
    await conn.executemany(
        "INSERT INTO idea_topics (idea_id, topic) SELECT id, ? FROM ideas WHERE ap_id = ?",
        [(r["topic"], r["ap_id"]) for r in rows])


async def add_remote_people(conn: Connection, hosts: list[str], per_host: int) -> list[int]:
    """`per_host` remote Person actors on each of the hosts (https); returns their ids."""
    now = iso()
    await conn.executemany(
        "INSERT INTO actors (ap_id, is_local, username, domain, type, inbox_url, created_at) "
        "VALUES (?, 0, ?, ?, 'Person', ?, ?)",
        [(f"https://{h}/users/u{n}", f"u{n}", h, f"https://{h}/users/u{n}/inbox", now)
         for h in hosts for n in range(per_host)])
    rows = await conn.execute_fetchall("SELECT id FROM actors WHERE is_local = 0 ORDER BY id")
    return [r[0] for r in rows]


async def add_queue_rows(conn: Connection, *, actor_id: int, activity_key: str, hosts: list[str], inboxes: int,
                         pending_every: int, due: str) -> None:
    """One activity of `actor_id` delivered to `inboxes` inboxes over the hosts; every
    `pending_every`-th delivery still pending (next attempt at `due`), the others done (a queue's history)."""
    now = iso()
    cur = await conn.execute(
        "INSERT INTO activities (ap_id, actor_id, type, data, created_at) VALUES (?, ?, 'Create', '{}', ?)",
        (activity_key, actor_id, now))
    activity_id = cur.lastrowid
    await conn.executemany(
        "INSERT INTO deliveries (activity_id, inbox_url, host, state, next_attempt_at, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(activity_id, f"https://{hosts[n % len(hosts)]}/users/u{n}/inbox", hosts[n % len(hosts)],
          "pending" if n % pending_every == 0 else "done", due, now) for n in range(inboxes)])


async def add_incoming_rows(conn: Connection, rows: list[tuple[str, str, str]], *, due: str) -> None:
    """(activity id, signer id, state) rows of the inbox queue, handled or not; the next attempt at `due`."""
    now = iso()
    await conn.executemany(
        "INSERT INTO incoming (activity_ap_id, type, signer_ap_id, data, received_at, state, next_attempt_at) "
        "VALUES (?, 'Create', ?, '{}', ?, ?, ?)", [(a, s, now, state, due) for a, s, state in rows])


async def add_supports(conn: Connection, rows: list[tuple[int, str, str]]) -> None:
    """(actor id, idea ap_id, created_at) Likes."""
    await conn.executemany(
        "INSERT INTO reactions (kind, actor_id, object_ap_id, activity_ap_id, created_at) VALUES ('Like', ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        [(a, o, f"{o}#like-{a}", at) for a, o, at in rows])


async def add_processed_traffic(conn: Connection, *, actor_id: int, activity_ap_ids: list[str], inbox_urls: list[str],
                                signer_ap_id: str, incoming_ap_ids: list[str], body: str, at: str) -> None:
    """A busy instance's past, fast (benchmarks/faults.py --prefill): handled incoming rows (`body`
    as each one's JSON) and local activities of `actor_id`, each delivered to every one of
    `inbox_urls` (done), all at time `at`."""
    await conn.executemany(
        "INSERT INTO incoming (activity_ap_id, type, signer_ap_id, data, received_at, state, attempts, "
        "next_attempt_at, authenticated_by) VALUES (?, 'Create', ?, ?, ?, 'done', 1, ?, 'http-signature')",
        [(ap_id, signer_ap_id, body, at, at) for ap_id in incoming_ap_ids])
    await conn.executemany(
        "INSERT INTO activities (ap_id, actor_id, type, object_ap_id, is_public, data, created_at) "
        "VALUES (?, ?, 'Create', NULL, 1, ?, ?)", [(ap_id, actor_id, body, at) for ap_id in activity_ap_ids])
    await conn.executemany(
        "INSERT INTO deliveries (activity_id, inbox_url, host, state, attempts, next_attempt_at, last_status, "
        "created_at) SELECT a.id, ?, ?, 'done', 1, ?, 202, ? FROM activities a WHERE a.ap_id = ?",
        [(url, hosts.authority_of(url), at, at, ap_id) for ap_id in activity_ap_ids for url in inbox_urls])


async def count_rows_up_to(conn: Connection, table: str, last_id: int) -> int:
    """Rows of `table` with an id up to `last_id` (how many of a pre-fill are still there)."""
    assert table in ("incoming", "deliveries")
    return await fetch_value(conn, f"SELECT count(*) FROM {table} WHERE id <= ?", (last_id,))


async def last_id(conn: Connection, table: str) -> int:
    assert table in ("incoming", "deliveries")
    return await fetch_value(conn, f"SELECT COALESCE(max(id), 0) FROM {table}")


async def add_remote_followers(conn: Connection, people: list[tuple[str, str, str, str | None]]) -> None:
    """Remote Person actors, each (ap_id, domain, inbox url, shared inbox url or None); then
    `follow_all` makes them followers."""
    now = iso()
    await conn.executemany(
        "INSERT INTO actors (ap_id, is_local, username, domain, type, inbox_url, shared_inbox_url, created_at) "
        "VALUES (?, 0, ?, ?, 'Person', ?, ?, ?)",
        [(ap_id, ap_id.rsplit("/", 1)[-1], domain, inbox, shared, now) for ap_id, domain, inbox, shared in people])


async def follow_all(conn: Connection, followee_id: int) -> int:
    """Every remote actor follows `followee_id` (accepted); how many."""
    now = iso()
    cur = await conn.execute(
        "INSERT INTO follows (follower_id, followee_id, follow_ap_id, state, created_at, accepted_at) "
        "SELECT id, ?, ap_id || '#follow', 'accepted', ?, ? FROM actors WHERE is_local = 0",
        (followee_id, now, now))
    return cur.rowcount


async def queue_bytes(conn: Connection) -> dict[str, int]:
    """Bytes the delivery queue takes in the SQLite file: the deliveries table and its indexes
    (dbstat), the activities table it points into, and the hosts' health."""
    rows = await conn.execute_fetchall(
        "SELECT s.name AS name, sum(s.pgsize) AS bytes FROM dbstat s GROUP BY s.name")
    indexes = await conn.execute_fetchall(
        "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('deliveries', 'activities', 'hosts')")
    owner = {r["name"]: r["tbl_name"] for r in indexes}
    sizes = {"deliveries": 0, "activities": 0, "hosts": 0}
    for r in rows:
        table = r["name"] if r["name"] in sizes else owner.get(r["name"])
        if table is not None:
            sizes[table] += r["bytes"]
    return sizes
