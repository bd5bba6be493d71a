"""SQL for the transparency report (DSA Art. 15): counts over the moderation tables of migration
0012 for a period [start, end) of ISO timestamps (stored times sort as text). Read only."""

from __future__ import annotations

from . import Connection, fetch_all

# Rules are joined by id whether removed or not: an action keeps the rule it cited.
_RULE_TEXT = "LEFT JOIN instance_rules r ON r.id = x.rule_id"


async def notices(conn: Connection, start: str, end: str) -> list[dict]:
    """Filings received (a member's report, a visitor's notice, a remote server's Flag) by source, category, rule."""
    rows = await fetch_all(
        conn, f"SELECT x.source, x.category, x.rule_id, r.text_de AS rule, count(*) AS n FROM report_filings x "
              f"{_RULE_TEXT} WHERE x.created_at >= ? AND x.created_at < ? "
              # r.text_de grouped too: PostgreSQL refuses a column that is neither grouped nor aggregated.
              "GROUP BY x.source, x.category, x.rule_id, r.text_de "
              "ORDER BY x.source, x.category, x.rule_id NULLS FIRST", (start, end))
    return [dict(r) for r in rows]


async def actions(conn: Connection, start: str, end: str) -> list[dict]:
    """Moderation actions taken by kind, category and rule, with how many of them were undone since."""
    rows = await fetch_all(
        conn, f"SELECT x.kind, x.category, x.rule_id, r.text_de AS rule, count(*) AS n, "
              f"count(x.undone_at) AS undone FROM moderation_actions x {_RULE_TEXT} "
              "WHERE x.created_at >= ? AND x.created_at < ? "
              "GROUP BY x.kind, x.category, x.rule_id, r.text_de "
              "ORDER BY x.kind, x.category, x.rule_id NULLS FIRST", (start, end))
    return [dict(r) for r in rows]


async def appeals(conn: Connection, start: str, end: str) -> dict[str, int]:
    """Appeals received in the period by their state now: open, upheld, reversed."""
    rows = await fetch_all(conn, "SELECT state, count(*) AS n FROM appeals WHERE created_at >= ? AND created_at < ? "
                                 "GROUP BY state", (start, end))
    return {r["state"]: r["n"] for r in rows}


async def resolved_reports(conn: Connection, start: str, end: str) -> list[tuple[str, str]]:
    """(created_at, resolved_at) of the reports resolved in the period."""
    rows = await fetch_all(conn, "SELECT created_at, resolved_at FROM reports WHERE state = 'resolved' "
                                 "AND resolved_at >= ? AND resolved_at < ? ORDER BY id", (start, end))
    return [(r["created_at"], r["resolved_at"]) for r in rows]


async def reports_opened(conn: Connection, start: str, end: str) -> int:
    rows = await fetch_all(conn, "SELECT count(*) AS n FROM reports WHERE created_at >= ? AND created_at < ?",
                           (start, end))
    return int(rows[0]["n"])
