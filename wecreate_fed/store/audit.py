"""SQL for the audit log: every moderator and admin action, append-only (the schema's triggers
refuse UPDATE and DELETE). Written in the same transaction as the change it records."""

from __future__ import annotations

import json

from . import Connection, fetch_all, fetch_value, iso

PAGE_SIZE = 50


def _json(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


async def record(conn: Connection, by_actor_id: int | None, by_name: str, action: str, target: str = "", *,
                 before=None, after=None) -> int:
    """One entry: who (None and "cli"/"system" outside the website), what, on what, before and after (JSON-able)."""
    cur = await conn.execute(
        "INSERT INTO audit_log (at, by_actor_id, by_name, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (iso(), by_actor_id, by_name, action, target, _json(before), _json(after)))
    assert cur.lastrowid is not None
    return cur.lastrowid


async def entries(conn: Connection, *, action_prefix: str = "", before_id: int | None = None,
                  limit: int = PAGE_SIZE) -> list[dict]:
    """The newest entries first, optionally of one family (`account.`) and older than `before_id` (paging)."""
    rows = await fetch_all(
        conn, "SELECT id, at, by_actor_id, by_name, action, target, before, after FROM audit_log "
              "WHERE action LIKE ? ESCAPE '\\' AND id < ? ORDER BY id DESC LIMIT ?",
        (action_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",
         before_id if before_id is not None else 2 ** 62, limit))
    return [{**dict(r), "before": json.loads(r["before"]) if r["before"] else None,
             "after": json.loads(r["after"]) if r["after"] else None} for r in rows]


async def count(conn: Connection, action: str | None = None) -> int:
    if action is None:
        return int(await fetch_value(conn, "SELECT count(*) FROM audit_log") or 0)
    return int(await fetch_value(conn, "SELECT count(*) FROM audit_log WHERE action = ?", (action,)) or 0)
