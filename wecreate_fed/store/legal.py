"""SQL for the instance's rules (an ordered list; a removed rule keeps its row, since reports and
actions cite it) and for consents (who agreed to which version of the rules and the privacy policy)."""

from __future__ import annotations

from . import Connection, fetch_all, fetch_one, fetch_value, iso

_RULE = "id, position, text_de, text_en, created_at, deleted_at"


async def rules(conn: Connection) -> list[dict]:
    """The rules in force, in their order."""
    rows = await fetch_all(conn, f"SELECT {_RULE} FROM instance_rules WHERE deleted_at IS NULL ORDER BY position, id")
    return [dict(r) for r in rows]


async def rule(conn: Connection, rule_id: int, *, with_removed: bool = False) -> dict | None:
    row = await fetch_one(conn, f"SELECT {_RULE} FROM instance_rules WHERE id = ?"
                                + ("" if with_removed else " AND deleted_at IS NULL"), (rule_id,))
    return dict(row) if row is not None else None


async def add_rule(conn: Connection, text_de: str, text_en: str) -> int:
    """A new rule at the end of the list."""
    last = await fetch_value(conn, "SELECT max(position) FROM instance_rules WHERE deleted_at IS NULL")
    cur = await conn.execute("INSERT INTO instance_rules (position, text_de, text_en, created_at) VALUES (?, ?, ?, ?)",
                             ((last or 0) + 1, text_de, text_en, iso()))
    assert cur.lastrowid is not None
    return cur.lastrowid


async def update_rule(conn: Connection, rule_id: int, text_de: str, text_en: str) -> None:
    await conn.execute("UPDATE instance_rules SET text_de = ?, text_en = ? WHERE id = ? AND deleted_at IS NULL",
                       (text_de, text_en, rule_id))


async def remove_rule(conn: Connection, rule_id: int) -> None:
    await conn.execute("UPDATE instance_rules SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
                       (iso(), rule_id))


async def set_order(conn: Connection, rule_ids: list[int]) -> None:
    """Positions 1, 2, … in the order given (the rules in force, after a move)."""
    await conn.executemany("UPDATE instance_rules SET position = ? WHERE id = ?",
                           [(n, rule_id) for n, rule_id in enumerate(rule_ids, start=1)])


async def record_consent(conn: Connection, actor_id: int, document: str, version: str) -> None:
    await conn.execute("INSERT INTO consents (actor_id, document, version, given_at) VALUES (?, ?, ?, ?)",
                       (actor_id, document, version, iso()))


async def consents(conn: Connection, actor_id: int) -> dict[str, str]:
    """document -> the version this account agreed to last."""
    rows = await fetch_all(conn, "SELECT document, version FROM consents WHERE actor_id = ? ORDER BY id",
                           (actor_id,))
    return {r["document"]: r["version"] for r in rows}


async def consent_rows(conn: Connection, actor_id: int) -> list[dict]:
    rows = await fetch_all(conn, "SELECT document, version, given_at FROM consents WHERE actor_id = ? ORDER BY id",
                           (actor_id,))
    return [dict(r) for r in rows]
