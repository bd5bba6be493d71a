"""SQL for domain policy (as Mastodon's domain blocks): the policies, the version counter other
processes watch, and the purge of a suspended domain's cached data in small batches.

Which hosts a policy covers is decided in Python (domainpolicy.PolicyTable, subdomains
included); the purge asks here for the distinct remote hosts we hold (an index walk), lets the
table pick the suspended ones and then deletes by exact host, so no query scans with LIKE.
"""

from __future__ import annotations

from ..domainpolicy import DomainPolicy
from . import Connection, counters, fetch_all, iso

VERSION = counters.DOMAIN_POLICY  # what other processes watch (store/counters.py)
COLUMNS = ("domain, severity, reject_media, reject_reports, public_comment, private_comment, obfuscate, "
           "created_at, updated_at")


def _policy(row) -> DomainPolicy:
    return DomainPolicy(row["domain"], row["severity"], bool(row["reject_media"]), bool(row["reject_reports"]),
                        row["public_comment"], row["private_comment"], bool(row["obfuscate"]), row["created_at"],
                        row["updated_at"])


async def list_policies(conn: Connection) -> list[DomainPolicy]:
    return [_policy(r) for r in await fetch_all(conn, f"SELECT {COLUMNS} FROM domain_policies ORDER BY domain")]


async def get_policy(conn: Connection, domain: str) -> DomainPolicy | None:
    rows = await fetch_all(conn, f"SELECT {COLUMNS} FROM domain_policies WHERE domain = ?", (domain,))
    return _policy(rows[0]) if rows else None


async def put_policy(conn: Connection, p: DomainPolicy) -> None:
    """Insert or replace one domain's policy (created_at kept on a change)."""
    now = iso()
    await conn.execute(
        "INSERT INTO domain_policies (domain, severity, reject_media, reject_reports, public_comment, "
        "private_comment, obfuscate, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (domain) DO UPDATE SET severity = excluded.severity, reject_media = excluded.reject_media, "
        "reject_reports = excluded.reject_reports, public_comment = excluded.public_comment, "
        "private_comment = excluded.private_comment, obfuscate = excluded.obfuscate, updated_at = excluded.updated_at",
        (p.domain, p.severity, int(p.reject_media), int(p.reject_reports), p.public_comment, p.private_comment,
         int(p.obfuscate), now, now))


async def delete_policy(conn: Connection, domain: str) -> bool:
    cur = await conn.execute("DELETE FROM domain_policies WHERE domain = ?", (domain,))
    return cur.rowcount > 0


async def remote_actor_hosts(conn: Connection) -> list[str]:
    """Every host[:port] we hold remote actors of (distinct: read from the actors_domain index)."""
    return [r[0] for r in await fetch_all(conn, "SELECT DISTINCT domain FROM actors WHERE is_local = 0")]


async def actors_on(conn: Connection, hosts: list[str], *, limit: int) -> list[tuple[int, str]]:
    """(id, ap_id) of up to `limit` remote actors on these exact hosts."""
    marks = ", ".join("?" for _ in hosts)
    rows = await fetch_all(conn, f"SELECT id, ap_id FROM actors WHERE is_local = 0 AND domain IN ({marks}) LIMIT ?",
                           (*hosts, limit))
    return [(r[0], r[1]) for r in rows]


async def local_ideas_touched_by(conn: Connection, actor_ids: list[int]) -> list[str]:
    """Local ideas these actors supported, shared or commented on (their counts change with the purge)."""
    marks = ", ".join("?" for _ in actor_ids)
    rows = await fetch_all(
        conn,
        f"SELECT i.ap_id FROM ideas i WHERE i.is_local = 1 AND i.ap_id IN ("
        f"SELECT object_ap_id FROM reactions WHERE actor_id IN ({marks}) UNION "
        f"SELECT in_reply_to FROM objects WHERE actor_id IN ({marks}) AND in_reply_to IS NOT NULL)",
        (*actor_ids, *actor_ids))
    return [r[0] for r in rows]


async def delete_actors(conn: Connection, actor_ids: list[int]) -> dict[str, int]:
    """The actors and, first, what is theirs (the rest goes by ON DELETE CASCADE); counts per table."""
    marks = ", ".join("?" for _ in actor_ids)
    counts: dict[str, int] = {}
    for table, column in (("reactions", "actor_id"), ("follows", "follower_id"), ("follows", "followee_id"),
                          ("objects", "actor_id")):
        cur = await conn.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", actor_ids)
        counts[table] = counts.get(table, 0) + cur.rowcount
    cur = await conn.execute(f"DELETE FROM actors WHERE is_local = 0 AND id IN ({marks})", actor_ids)
    counts["actors"] = cur.rowcount
    if cur.rowcount:
        await counters.ACTOR_KEYS.bump(conn)  # no process keeps verifying with their keys
    return counts


async def pending_incoming(conn: Connection, *, after_id: int, limit: int) -> list:
    """(id, signer_ap_id) of pending incoming rows after `after_id`, in id order (the purge pages them)."""
    return await fetch_all(conn, "SELECT id, signer_ap_id FROM incoming WHERE state = 'pending' AND id > ? "
                                 "ORDER BY id LIMIT ?", (after_id, limit))


async def delete_incoming(conn: Connection, row_ids: list[int]) -> int:
    if not row_ids:
        return 0
    marks = ", ".join("?" for _ in row_ids)
    cur = await conn.execute(f"DELETE FROM incoming WHERE state = 'pending' AND id IN ({marks})", row_ids)
    return cur.rowcount


async def pending_delivery_hosts(conn: Connection) -> list[str]:
    return [r[0] for r in await fetch_all(conn, "SELECT DISTINCT host FROM deliveries WHERE state = 'pending'")]


async def give_up_deliveries_to(conn: Connection, host: str, reason: str) -> int:
    """Every pending delivery to `host` (host[:port]) ends as failed. One in flight right now is
    refused by the HTTP client (BlockedDomain) and recorded as failed by the delivery worker."""
    cur = await conn.execute("UPDATE deliveries SET state = 'failed', last_error = ?, locked_until = NULL "
                             "WHERE host = ? AND state = 'pending'", (reason, host))
    return cur.rowcount
