"""SQL for a private instance's allowlist (moderation/allowlist.py): the entries, the version
counter other processes watch, and the pending deliveries to hosts no longer allowed."""

from __future__ import annotations

from ..domainpolicy import Allowed
from . import Connection, counters, fetch_all, iso

VERSION = counters.ALLOWLIST  # what other processes watch (store/counters.py)


def _entry(row) -> Allowed:
    return Allowed(row["domain"], row["comment"], row["added_by"], row["created_at"])


async def list_entries(conn: Connection) -> list[Allowed]:
    rows = await fetch_all(conn, "SELECT domain, comment, added_by, created_at FROM allowed_domains ORDER BY domain")
    return [_entry(r) for r in rows]


async def add(conn: Connection, domain: str, *, comment: str, added_by: str) -> bool:
    """Add one entry; False if it was there already (its comment then replaced)."""
    cur = await conn.execute("INSERT INTO allowed_domains (domain, comment, added_by, created_at) VALUES (?, ?, ?, ?) "
                             "ON CONFLICT (domain) DO NOTHING", (domain, comment, added_by, iso()))
    if cur.rowcount:
        return True
    await conn.execute("UPDATE allowed_domains SET comment = ? WHERE domain = ?", (comment, domain))
    return False


async def remove(conn: Connection, domain: str) -> bool:
    cur = await conn.execute("DELETE FROM allowed_domains WHERE domain = ?", (domain,))
    return cur.rowcount > 0


async def pending_delivery_hosts(conn: Connection) -> list[str]:
    """host[:port] of every pending delivery (distinct)."""
    return [r[0] for r in await fetch_all(conn, "SELECT DISTINCT host FROM deliveries WHERE state = 'pending'")]


async def drop_deliveries_to(conn: Connection, host: str, reason: str) -> int:
    """Every pending delivery to `host` ends as failed (one in flight is refused by http.py's guard)."""
    cur = await conn.execute("UPDATE deliveries SET state = 'failed', last_error = ?, locked_until = NULL "
                             "WHERE host = ? AND state = 'pending'", (reason, host))
    return cur.rowcount
