"""SQL for the two persistent queues (incoming activities, outgoing deliveries) and host health.

Both queues share state, attempts, next_attempt_at, locked_until, locked_by and last_error.
A worker claims due rows by setting locked_until (the lease) and locked_by (its process's id);
if the process dies (even by kill -9) its rows are given back at the next start, or by another
process once its heartbeat stops (store/leases.py), and at the latest when the lease expires,
so nothing is lost.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from .. import hosts
from . import AnyDatabase, Connection, dialect_of, fetch_all, fetch_value, iso, iso_in
from .retention import activity_key


def skip_locked(conn: Connection, of: str = "") -> str:
    """PostgreSQL: rows another process is claiming right now are skipped, not waited for (and
    never claimed twice: once its claim commits, their lease excludes them). SQLite has one
    writer at a time: a claim transaction sees every earlier claim."""
    if dialect_of(conn) != "postgresql":
        return ""
    return f" FOR UPDATE{f' OF {of}' if of else ''} SKIP LOCKED"

# --- incoming ---------------------------------------------------------------

# An activity whose row was pruned (store/retention.py) is still refused for retention.seen_days.
_NOT_SEEN = "WHERE NOT EXISTS (SELECT 1 FROM seen_activities WHERE id_hash = ?)"


async def add_incoming(conn: Connection, *, activity: dict, signer_ap_id: str, recipient_username: str | None) -> bool:
    """Store a verified activity once (its id is unique). True if new; a duplicate is ignored."""
    cur = await conn.execute(
        "INSERT INTO incoming (activity_ap_id, type, signer_ap_id, recipient_username, data, received_at, next_attempt_at) "
        f"SELECT ?, ?, ?, ?, ?, ?, ? {_NOT_SEEN} ON CONFLICT (activity_ap_id) DO NOTHING",
        (activity["id"], str(activity.get("type")), signer_ap_id, recipient_username, json.dumps(activity), iso(), iso(),
         activity_key(activity["id"])),
    )
    return cur.rowcount > 0


async def add_incoming_many(conn: Connection, items: list[tuple[dict, str, str | None, str]]) -> None:
    """Store verified activities, each given as (activity, signer id, recipient username, how it was
    authenticated), once per id."""
    now = iso()
    await conn.executemany(
        "INSERT INTO incoming (activity_ap_id, type, signer_ap_id, recipient_username, data, received_at, "
        f"next_attempt_at, authenticated_by) SELECT ?, ?, ?, ?, ?, ?, ?, ? {_NOT_SEEN} "
        "ON CONFLICT (activity_ap_id) DO NOTHING",
        [(activity["id"], str(activity.get("type")), signer_ap_id, recipient_username, json.dumps(activity), now, now,
          authenticated_by, activity_key(activity["id"]))
         for activity, signer_ap_id, recipient_username, authenticated_by in items],
    )


async def save_incoming(db: AnyDatabase, *, activity: dict, signer_ap_id: str, recipient_username: str | None,
                        authenticated_by: str = "http-signature") -> None:
    """Store a verified activity; returns once committed, in one transaction with concurrent arrivals.

    `signer_ap_id` is the actor the activity is proven to come from (its HTTP signer, or the
    actor whose proof or LD signature it carries); `authenticated_by` says which.
    """
    await db.write_batched(add_incoming_many, (activity, signer_ap_id, recipient_username, authenticated_by))


async def claim_incoming(conn: Connection, *, limit: int, lock_seconds: float, owner: str):
    """Lock up to `limit` due pending rows for the process `owner` and return them (longest due
    first, then oldest).

    Ordered as the index `incoming_due (state, next_attempt_at)` is, so a claim reads `limit`
    rows however long the queue: ordered by id, it sorted every pending row each time (290 ms
    with 217,000 waiting, against 1 ms; benchmarks/faults.py soak)."""
    now = iso()
    rows = await fetch_all(
        conn,
        "SELECT * FROM incoming WHERE state = 'pending' AND next_attempt_at <= ? "
        "AND (locked_until IS NULL OR locked_until < ?) ORDER BY next_attempt_at, id LIMIT ?" + skip_locked(conn),
        (now, now, limit),
    )
    if rows:
        until = iso_in(lock_seconds)
        await conn.executemany("UPDATE incoming SET locked_until = ?, locked_by = ? WHERE id = ?",
                               [(until, owner, r["id"]) for r in rows])
    return rows


async def mark_incoming_outcomes(conn: Connection, outcomes: list[tuple[int, str | None, float | None]]) -> None:
    """A batch's outcomes: (row id, None, None) done; (row id, error, delay) as mark_incoming_retry."""
    await conn.executemany(
        "UPDATE incoming SET state = 'done', attempts = attempts + 1, locked_until = NULL, locked_by = NULL, "
        "last_error = NULL "
        "WHERE id = ?", [(row_id,) for row_id, error, _ in outcomes if error is None])
    for row_id, error, delay in outcomes:
        if error is not None:
            await mark_incoming_retry(conn, row_id, error, delay)


async def mark_incoming_retry(conn: Connection, row_id: int, error: str, delay: float | None) -> None:
    """Record a failed attempt; delay None means give up (state 'failed', the row is kept)."""
    if delay is None:
        await conn.execute(
            "UPDATE incoming SET state = 'failed', attempts = attempts + 1, locked_until = NULL, locked_by = NULL, "
            "last_error = ? WHERE id = ?",
            (error, row_id),
        )
    else:
        await conn.execute(
            "UPDATE incoming SET attempts = attempts + 1, locked_until = NULL, locked_by = NULL, last_error = ?, "
            "next_attempt_at = ? WHERE id = ?",
            (error, iso_in(delay), row_id),
        )


async def release_incoming(conn: Connection, row_ids: list[int], *, owner: str | None = None) -> None:
    """Give back claimed rows that were not handled (a worker stopping): due again at once. With
    `owner`, only those still locked by that process (a claim whose commit failed was never its)."""
    mine = " AND locked_by = ?" if owner is not None else ""
    await conn.executemany(
        f"UPDATE incoming SET locked_until = NULL, locked_by = NULL WHERE id = ? AND state = 'pending'{mine}",
        [(i, owner) if owner is not None else (i,) for i in row_ids])


async def count_incoming(conn: Connection, state: str) -> int:
    return await fetch_value(conn, "SELECT count(*) FROM incoming WHERE state = ?", (state,))


async def next_incoming_due(conn: Connection) -> str | None:
    return await fetch_value(conn, "SELECT min(next_attempt_at) FROM incoming WHERE state = 'pending'")


# --- deliveries ---------------------------------------------------------------

async def add_deliveries(conn: Connection, activity_id: int, inbox_urls: list[str]) -> None:
    """One pending delivery per (activity, inbox); a repeated inbox is ignored."""
    now = iso()
    await conn.executemany(
        "INSERT INTO deliveries (activity_id, inbox_url, host, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (activity_id, inbox_url) DO NOTHING",
        [(activity_id, url, hosts.authority_of(url), now, now) for url in inbox_urls],
    )


async def claim_deliveries(conn: Connection, *, limit: int, lock_seconds: float, owner: str,
                           skip_hosts: Sequence[str] = ()):
    """Lock for the process `owner` due deliveries whose host is not resting after failures (nor in `skip_hosts`), oldest
    first; of a failing host only its oldest delivery (the probe). Each row carries what signing needs."""
    now = iso()
    skip = f"AND d.host NOT IN ({', '.join('?' * len(skip_hosts))}) " if skip_hosts else ""
    rows = await fetch_all(
        conn,
        "SELECT d.id, d.inbox_url, d.host, d.attempts, d.created_at, act.data AS activity_json, "
        "a.key_id, a.private_key_pem FROM deliveries d "
        "JOIN activities act ON act.id = d.activity_id JOIN actors a ON a.id = act.actor_id "
        "LEFT JOIN hosts h ON h.host = d.host "
        "WHERE d.state = 'pending' AND d.next_attempt_at <= ? AND (d.locked_until IS NULL OR d.locked_until < ?) "
        "AND (h.probe_after IS NULL OR h.probe_after <= ?) AND (h.paused_until IS NULL OR h.paused_until <= ?) "
        f"{skip}"
        # A failing host is probed with its oldest delivery only; the rest follow once it answers.
        "AND (h.failing_since IS NULL OR d.id = (SELECT min(o.id) FROM deliveries o "
        "WHERE o.host = d.host AND o.state = 'pending')) "
        "ORDER BY d.next_attempt_at, d.id LIMIT ?" + skip_locked(conn, of="d"),
        (now, now, now, now, *skip_hosts, limit),
    )
    if rows:
        until = iso_in(lock_seconds)
        await conn.executemany("UPDATE deliveries SET locked_until = ?, locked_by = ? WHERE id = ?",
                               [(until, owner, r["id"]) for r in rows])
    return rows


async def mark_deliveries(conn: Connection, outcomes: list[tuple]) -> None:
    """Record a batch of attempts: (delivery id, state, last_status, last_error, retry in seconds or None)."""
    await conn.executemany(
        "UPDATE deliveries SET state = ?, attempts = attempts + 1, last_status = ?, last_error = ?, "
        "locked_until = NULL, locked_by = NULL, next_attempt_at = COALESCE(?, next_attempt_at) WHERE id = ?",
        [(state, status, error, iso_in(delay) if delay is not None else None, delivery_id)
         for delivery_id, state, status, error, delay in outcomes],
    )


async def defer_deliveries(conn: Connection, deferrals: list[tuple[int, float]]) -> None:
    """Claimed deliveries not attempted because their host asked us to wait: (id, seconds).
    Not an attempt: the count and the last answer stay as they were."""
    await conn.executemany("UPDATE deliveries SET locked_until = NULL, locked_by = NULL, next_attempt_at = ? WHERE id = ?",
                           [(iso_in(delay), delivery_id) for delivery_id, delay in deferrals])


async def release_deliveries(conn: Connection, row_ids: list[int]) -> None:
    """Give back claimed deliveries that were not attempted (a worker stopping): due again at once."""
    await conn.executemany("UPDATE deliveries SET locked_until = NULL, locked_by = NULL "
                           "WHERE id = ? AND state = 'pending'",
                           [(i,) for i in row_ids])


async def count_deliveries(conn: Connection, state: str) -> int:
    return await fetch_value(conn, "SELECT count(*) FROM deliveries WHERE state = ?", (state,))


async def give_up_deliveries(conn: Connection, host: str, *, queued_before: str, reason: str) -> int:
    """Every pending delivery to `host` queued before then, not in flight, ends as failed; how many."""
    now = iso()
    cur = await conn.execute(
        "UPDATE deliveries SET state = 'failed', last_error = ?, locked_until = NULL, locked_by = NULL WHERE host = ? "
        "AND state = 'pending' AND created_at < ? AND (locked_until IS NULL OR locked_until < ?)",
        (reason, host.lower(), queued_before, now),
    )
    return cur.rowcount


async def count_deliveries_to(conn: Connection, host: str) -> dict[str, int]:
    """Deliveries to one host by state."""
    rows = await fetch_all(conn, "SELECT state, count(*) AS n FROM deliveries WHERE host = ? GROUP BY state",
                           (host.lower(),))
    return {r["state"]: r["n"] for r in rows}


async def next_delivery_due(conn: Connection) -> str | None:
    """When a claim can next find a row. Of a failing host only its probe counts, and a row in
    flight from its lease's end (its worker wakes its claimer when it writes the outcome): counting
    the rows queued behind a dead host's probe, or a probe hanging until its timeout, as due made
    every idle worker claim 20 times a second (benchmarks/simulate_delivery.py)."""
    # The latest of the four: SQLite's max(a, b, …) is PostgreSQL's greatest(…), neither has the other's.
    latest = "greatest" if dialect_of(conn) == "postgresql" else "max"
    return await fetch_value(
        conn,
        f"SELECT min({latest}(d.next_attempt_at, COALESCE(d.locked_until, ''), COALESCE(h.probe_after, ''), "
        "COALESCE(h.paused_until, ''))) "
        "FROM deliveries d LEFT JOIN hosts h ON h.host = d.host WHERE d.state = 'pending' "
        "AND (h.failing_since IS NULL OR d.id = (SELECT min(o.id) FROM deliveries o "
        "WHERE o.host = d.host AND o.state = 'pending'))",
    )


# --- host health ---------------------------------------------------------------

async def mark_hosts_alive(conn: Connection, hosts: list[str]) -> None:
    """A host answered (or sent us a signed activity): deliveries to it go ahead at once. What
    queued up while it was failing becomes due now, in the order it was queued."""
    now = iso()
    hosts = [h.lower() for h in hosts]
    back = await fetch_all(conn, f"SELECT host FROM hosts WHERE failing_since IS NOT NULL "
                                 f"AND host IN ({', '.join('?' * len(hosts))})", hosts) if hosts else []
    await conn.executemany("UPDATE deliveries SET next_attempt_at = created_at WHERE host = ? AND state = 'pending'",
                           [(row["host"],) for row in back])
    await conn.executemany(
        "INSERT INTO hosts (host, last_success_at) VALUES (?, ?) ON CONFLICT (host) DO UPDATE SET "
        "last_success_at = excluded.last_success_at, failing_since = NULL, failures = 0, probe_after = NULL",
        [(h.lower(), now) for h in hosts],
    )


async def pause_hosts(conn: Connection, pauses: list[tuple[str, float]]) -> None:
    """(host, seconds): the host asked us (429/503 Retry-After) not to deliver before then;
    a later, shorter pause does not shorten a longer one."""
    await conn.executemany(
        "INSERT INTO hosts (host, paused_until) VALUES (?, ?) ON CONFLICT (host) DO UPDATE SET "
        "paused_until = CASE WHEN hosts.paused_until > excluded.paused_until THEN hosts.paused_until "
        "ELSE excluded.paused_until END",
        [(host.lower(), iso_in(seconds)) for host, seconds in pauses],
    )


async def mark_host_failed(conn: Connection, host: str, rest_seconds) -> None:
    """Count a failure; `rest_seconds(failures, failing_since)` says how long the host rests (0 = not at all)."""
    now = iso()
    await conn.execute(
        "INSERT INTO hosts (host, failing_since, last_failure_at, failures) VALUES (?, ?, ?, 1) "
        "ON CONFLICT (host) DO UPDATE SET failing_since = COALESCE(hosts.failing_since, excluded.failing_since), "
        "last_failure_at = excluded.last_failure_at, failures = hosts.failures + 1",
        (host.lower(), now, now),
    )
    row = (await fetch_all(conn, "SELECT failures, failing_since FROM hosts WHERE host = ?", (host.lower(),)))[0]
    rest = rest_seconds(row["failures"], row["failing_since"])
    await conn.execute(
        "UPDATE hosts SET probe_after = ? WHERE host = ?", (iso_in(rest) if rest > 0 else None, host.lower())
    )


# --- simulated time (fault benchmarks) -------------------------------------------

QUEUE_CLOCKS = {  # table: (its key, the times it keeps)
    "deliveries": ("id", ("created_at", "next_attempt_at")),
    "hosts": ("host", ("failing_since", "last_failure_at", "last_success_at", "probe_after")),
}


async def move_queue_clock_back(conn: Connection, seconds: float) -> None:
    """Every time the delivery queue and host health keep moves `seconds` into the past, as if
    that much time had passed: benchmarks/faults.py lives through days of an outage in minutes.
    Leases (locked_until) stay as they are, so no row in flight is claimed twice."""
    for table, (key, columns) in QUEUE_CLOCKS.items():
        rows = await fetch_all(conn, f"SELECT {key}, {', '.join(columns)} FROM {table}")
        await conn.executemany(
            f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in columns)} WHERE {key} = ?",
            [(*(_earlier(row[c], seconds) for c in columns), row[key]) for row in rows],
        )


def _earlier(stored: str | None, seconds: float) -> str | None:
    if stored is None:
        return None
    moment = datetime.fromisoformat(stored.replace("Z", "+00:00"))
    return iso(moment - timedelta(seconds=seconds))
