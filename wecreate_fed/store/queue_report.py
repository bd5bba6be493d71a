"""SQL for what the queues hold right now: `wecreate-fed queues` and the admin pages read it.

Per queue (inbox = incoming activities, delivery, civic = changed counts to publish):
pending (waiting, due or not), locked (claimed by a worker, its lease running), retrying
(pending or locked after at least one failed attempt), failed (given up, kept), and when the
oldest pending row was queued. The civic queue has no leases: an idea's counts go out in
the transaction that clears its flag, so nothing of it is ever locked. Deliveries also per
remote host, with the host's health (failing since, paused until).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from . import Connection, fetch_all, fetch_value, iso, leases

QUEUES = ("inbox", "delivery", "civic")


async def queue_report(conn: Connection, *, host_limit: int | None = None, dead_after: float = 10.0) -> dict:
    """Everything `wecreate-fed queues` prints, as JSON-ready values (times as stored, ISO UTC).

    `hosts` lists the remote hosts with deliveries pending, locked or failed (or failing now),
    most pending first, at most `host_limit` of them (`hosts_total` says how many there are);
    `workers` the processes that beat, each with `alive` (a beat within `dead_after` seconds)."""
    now = iso()
    queues = {
        "inbox": await _leased(conn, "incoming", "received_at", now),
        "delivery": await _leased(conn, "deliveries", "created_at", now),
        "civic": await _civic(conn),
    }
    hosts = await _hosts(conn, now)
    fresh = _seconds_before(now, dead_after)
    workers = [dict(w, alive=w["last_beat"] >= fresh) for w in await leases.list_workers(conn)]
    return {"at": now, "queues": queues, "hosts_total": len(hosts),
            "hosts": hosts if host_limit is None else hosts[:host_limit], "workers": workers}


async def _leased(conn: Connection, table: str, queued_at: str, now: str) -> dict:
    # Reads the pending rows through the (state, next_attempt_at) index, never the done ones.
    row = (await fetch_all(
        conn,
        f"SELECT count(*) AS total, "
        f"coalesce(sum(CASE WHEN locked_until >= ? THEN 1 ELSE 0 END), 0) AS locked, "
        f"coalesce(sum(CASE WHEN attempts > 0 THEN 1 ELSE 0 END), 0) AS retrying, "
        f"min({queued_at}) AS oldest FROM {table} WHERE state = 'pending'", (now,)))[0]
    failed = await fetch_value(conn, f"SELECT count(*) FROM {table} WHERE state = 'failed'")
    return {"pending": row["total"] - row["locked"], "locked": row["locked"], "retrying": row["retrying"],
            "failed": failed, "oldest_pending": row["oldest"]}


async def _civic(conn: Connection) -> dict:
    row = (await fetch_all(
        conn,
        "SELECT count(*) AS total, coalesce(sum(CASE WHEN counts_attempts > 0 THEN 1 ELSE 0 END), 0) AS retrying, "
        "min(counts_changed_at) AS oldest FROM ideas WHERE counts_changed_at IS NOT NULL AND deleted_at IS NULL"))[0]
    # Given up: the flag was cleared with the error kept (store.civic.mark_counts_failed).
    failed = await fetch_value(conn, "SELECT count(*) FROM ideas WHERE counts_changed_at IS NULL "
                                     "AND counts_error IS NOT NULL AND deleted_at IS NULL")
    return {"pending": row["total"], "locked": 0, "retrying": row["retrying"], "failed": failed,
            "oldest_pending": row["oldest"]}


async def _hosts(conn: Connection, now: str) -> list[dict]:
    pending = await fetch_all(
        conn,
        "SELECT host, count(*) AS total, coalesce(sum(CASE WHEN locked_until >= ? THEN 1 ELSE 0 END), 0) AS locked, "
        "min(created_at) AS oldest FROM deliveries WHERE state = 'pending' GROUP BY host", (now,))
    failed = await fetch_all(conn, "SELECT host, count(*) AS n FROM deliveries WHERE state = 'failed' GROUP BY host")
    health = await fetch_all(conn, "SELECT host, failing_since, paused_until FROM hosts "
                                   "WHERE failing_since IS NOT NULL OR paused_until > ?", (now,))
    hosts: dict[str, dict] = {}

    def entry(host: str) -> dict:
        return hosts.setdefault(host, {"host": host, "pending": 0, "locked": 0, "failed": 0, "oldest_pending": None,
                                       "failing_since": None, "paused_until": None})
    for row in pending:
        entry(row["host"]).update(pending=row["total"] - row["locked"], locked=row["locked"],
                                  oldest_pending=row["oldest"])
    for row in failed:
        entry(row["host"])["failed"] = row["n"]
    for row in health:
        entry(row["host"]).update(failing_since=row["failing_since"], paused_until=row["paused_until"])
    return sorted(hosts.values(), key=lambda h: (-(h["pending"] + h["locked"]), -h["failed"], h["host"]))


def _seconds_before(moment: str, seconds: float) -> str:
    return iso(datetime.fromisoformat(moment.replace("Z", "+00:00")) - timedelta(seconds=seconds))
