"""SQL for the admin's view: the dashboard's figures, federation health, the known instances.

Every count reads one index range bounded by a period or a state (migration 0017 adds the
indexes), so the dashboard stays fast with 100,000 ideas and 1,000,000 queue rows; the
per-week series are grouped by day in SQL (at most 84 rows) and binned into weeks by the caller.
"""

from __future__ import annotations

from . import Connection, fetch_all, fetch_one, fetch_value, iso

# --- people and content ------------------------------------------------------------------


async def report_counts(conn: Connection, *, resolved_since: str) -> dict[str, int]:
    """Reports open now, and resolved since then."""
    open_now = await fetch_value(conn, "SELECT count(*) FROM reports WHERE state = 'open'")
    resolved = await fetch_value(
        conn, "SELECT count(*) FROM reports WHERE state = 'resolved' AND resolved_at >= ?", (resolved_since,))
    return {"open": int(open_now or 0), "resolved": int(resolved or 0)}


async def count_new_accounts(conn: Connection, since: str) -> int:
    return int(await fetch_value(conn, "SELECT count(*) FROM accounts WHERE created_at >= ?", (since,)) or 0)


async def count_active_people(conn: Connection, since: str) -> int:
    """Accounts that published an idea, supported, commented or were on the website since then."""
    return int(await fetch_value(
        conn,
        "SELECT count(*) FROM accounts WHERE actor_id IN ("
        " SELECT author_id FROM ideas WHERE is_local = 1 AND published >= ?"
        " UNION SELECT actor_id FROM reactions WHERE kind = 'Like' AND created_at >= ?"
        " UNION SELECT actor_id FROM objects WHERE is_local = 1 AND created_at >= ?"
        " UNION SELECT actor_id FROM sessions WHERE last_seen_at >= ?)",
        (since, since, since, since)) or 0)


async def ideas_per_day(conn: Connection, since: str, until: str = "9") -> dict[str, int]:
    """Ideas published here from `since` until before `until` (not deleted), per UTC day (YYYY-MM-DD)."""
    rows = await fetch_all(
        conn, "SELECT substr(published, 1, 10) AS day, count(*) AS n FROM ideas "
              "WHERE is_local = 1 AND published >= ? AND published < ? AND deleted_at IS NULL GROUP BY day",
        (since, until))
    return {r["day"]: r["n"] for r in rows}


async def supports_per_day(conn: Connection, since: str, until: str = "9") -> dict[str, int]:
    """Supports (Likes of an idea, local or remote) recorded here from `since` until before `until`, per UTC day."""
    rows = await fetch_all(
        conn, "SELECT substr(r.created_at, 1, 10) AS day, count(*) AS n FROM reactions r "
              "JOIN ideas i ON i.ap_id = r.object_ap_id WHERE r.kind = 'Like' AND r.created_at >= ? "
              "AND r.created_at < ? GROUP BY day", (since, until))
    return {r["day"]: r["n"] for r in rows}


# --- federation health --------------------------------------------------------------------


async def pending_by_host(conn: Connection, *, limit: int):
    """The hosts with the most pending deliveries: host, pending, oldest (created_at of the oldest)."""
    return await fetch_all(
        conn, "SELECT host, count(*) AS pending, min(created_at) AS oldest FROM deliveries "
              "WHERE state = 'pending' GROUP BY host ORDER BY pending DESC, host LIMIT ?", (limit,))


async def troubled_hosts(conn: Connection, *, limit: int):
    """Hosts failing (since when, how many attempts) or asked to be left alone (paused_until later than now)."""
    return await fetch_all(
        conn, "SELECT host, failing_since, failures, last_failure_at, last_success_at, probe_after, paused_until "
              "FROM hosts WHERE failing_since IS NOT NULL OR paused_until > ? "
              "ORDER BY failing_since IS NULL, failing_since, host LIMIT ?", (iso(), limit))


async def incoming_counts(conn: Connection) -> dict[str, int]:
    """The inbox queue: rows waiting (pending), given up (failed), and waiting after an error (retrying)."""
    rows = await fetch_all(conn, "SELECT state, count(*) AS n FROM incoming WHERE state IN ('pending', 'failed') "
                                 "GROUP BY state")
    counts = {"pending": 0, "failed": 0}
    counts.update({r["state"]: r["n"] for r in rows})
    return counts


async def incoming_errors(conn: Connection, *, limit: int):
    """The inbox rows given up most recently (by their last attempt), with their error."""
    return await fetch_all(
        conn, "SELECT id, type, signer_ap_id, attempts, last_error, next_attempt_at, received_at FROM incoming "
              "WHERE state = 'failed' ORDER BY next_attempt_at DESC LIMIT ?", (limit,))


# --- known instances ------------------------------------------------------------------------


async def domains_not_in_instances(conn: Connection) -> list[str]:
    """Hosts of actors we know that are not known instances yet (ours among them: the caller drops it).
    Reads the actors_domain index only."""
    rows = await fetch_all(conn, "SELECT DISTINCT domain FROM actors WHERE domain NOT IN (SELECT host FROM instances)")
    return [r["domain"] for r in rows]


async def add_instances(conn: Connection, found: list[str]) -> None:
    """Known instances from now on, first seen when we first stored an actor of theirs."""
    await conn.executemany(
        "INSERT INTO instances (host, first_seen) SELECT ?, coalesce(min(created_at), ?) FROM actors WHERE domain = ? "
        "ON CONFLICT (host) DO NOTHING", [(host, iso(), host) for host in found])


async def an_ap_id_from(conn: Connection, host: str) -> str | None:
    """The id of one actor we know from the host (its scheme says how to reach the host)."""
    return await fetch_value(conn, "SELECT ap_id FROM actors WHERE domain = ? AND is_local = 0 LIMIT 1", (host,))


async def instances_due(conn: Connection, *, fetched_before: str, limit: int) -> list[str]:
    """Hosts whose NodeInfo was never asked for, or last asked before then (never first)."""
    rows = await fetch_all(
        conn, "SELECT host FROM instances WHERE last_fetched IS NULL OR last_fetched < ? "
              "ORDER BY last_fetched IS NOT NULL, last_fetched LIMIT ?", (fetched_before, limit))
    return [r["host"] for r in rows]


async def next_instance_due(conn: Connection) -> str | None:
    """When the least recently asked instance was asked (the worker adds a day); None if none is known."""
    return await fetch_value(conn, "SELECT min(last_fetched) FROM instances")


async def record_nodeinfo(conn: Connection, host: str, *, software: str | None, version: str | None,
                          users: int | None, open_registrations: bool | None, city: str | None = None,
                          node_name: str | None = None) -> None:
    await conn.execute(
        "UPDATE instances SET software = ?, version = ?, users = ?, open_registrations = ?, last_fetched = ?, "
        "fetch_error = NULL, city = ?, node_name = ? WHERE host = ?",
        (software, version, users, None if open_registrations is None else int(open_registrations), iso(),
         city, node_name, host))


async def record_nodeinfo_error(conn: Connection, host: str, error: str) -> None:
    """The attempt failed; what was known before stays (a server down for a day keeps its software)."""
    await conn.execute("UPDATE instances SET last_fetched = ?, fetch_error = ? WHERE host = ?",
                       (iso(), error[:500], host))


async def list_instances(conn: Connection, *, limit: int):
    return await fetch_all(
        conn, "SELECT host, software, version, users, first_seen, last_fetched, fetch_error FROM instances "
              "ORDER BY host LIMIT ?", (limit,))


async def count_instances(conn: Connection) -> int:
    return int(await fetch_value(conn, "SELECT count(*) FROM instances") or 0)


async def get_instance(conn: Connection, host: str):
    return await fetch_one(conn, "SELECT * FROM instances WHERE host = ?", (host,))


# --- one remote instance --------------------------------------------------------------------


async def get_host_state(conn: Connection, host: str):
    return await fetch_one(conn, "SELECT * FROM hosts WHERE host = ?", (host,))


async def count_actors_from(conn: Connection, host: str) -> int:
    return int(await fetch_value(conn, "SELECT count(*) FROM actors WHERE domain = ? AND is_local = 0", (host,)) or 0)


async def list_actors_from(conn: Connection, host: str, *, limit: int):
    """Accounts we know from the host, those with followers here first."""
    return await fetch_all(
        conn, "SELECT a.ap_id, a.username, a.name, a.url, a.type, a.suspended_at, a.limited_at, "
              "(SELECT count(*) FROM follows f JOIN actors l ON l.id = f.followee_id AND l.is_local = 1 "
              " WHERE f.follower_id = a.id AND f.state = 'accepted') AS follows_here "
              "FROM actors a WHERE a.domain = ? AND a.is_local = 0 ORDER BY follows_here DESC, a.id LIMIT ?",
        (host, limit))


async def count_followers_from(conn: Connection, host: str) -> int:
    """Accepted follows of local actors by actors of the host."""
    return int(await fetch_value(
        conn, "SELECT count(*) FROM follows f JOIN actors r ON r.id = f.follower_id "
              "JOIN actors l ON l.id = f.followee_id WHERE r.domain = ? AND r.is_local = 0 AND l.is_local = 1 "
              "AND f.state = 'accepted'", (host,)) or 0)


async def deliveries_to(conn: Connection, host: str) -> dict[str, int]:
    """Deliveries to the host waiting and given up (the done ones are not counted: they only grow)."""
    counts = {}
    for state in ("pending", "failed"):
        counts[state] = int(await fetch_value(
            conn, "SELECT count(*) FROM deliveries WHERE state = ? AND host = ?", (state, host)) or 0)
    return counts


async def incoming_from(conn: Connection, host: str) -> dict[str, int]:
    """The inbox queue's rows signed by an actor of the host, waiting and given up (index incoming_open_signer:
    the ids of the host sort between "scheme://host/" and "scheme://host0", '0' following '/')."""
    counts = {"pending": 0, "failed": 0}
    for scheme in ("https", "http"):
        rows = await fetch_all(
            conn, "SELECT state, count(*) AS n FROM incoming WHERE state <> 'done' AND signer_ap_id >= ? "
                  "AND signer_ap_id < ? GROUP BY state", (f"{scheme}://{host}/", f"{scheme}://{host}0"))
        for r in rows:
            if r["state"] in counts:
                counts[r["state"]] += r["n"]
    return counts


async def policies_for(conn: Connection, domains: list[str]):
    """The domain policies naming any of these domains (the host and the domains above it)."""
    if not domains:
        return []
    marks = ", ".join("?" * len(domains))
    return await fetch_all(conn, f"SELECT domain, severity, reject_media, reject_reports, public_comment "
                                 f"FROM domain_policies WHERE domain IN ({marks}) ORDER BY length(domain) DESC",
                           tuple(domains))
