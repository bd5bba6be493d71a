"""SQL for amendments (Änderungsanträge) to box motions and their co-signers. Reads return typed records."""

from __future__ import annotations

from dataclasses import dataclass, fields

from . import Connection, fetch_all, fetch_one, fetch_value, iso


@dataclass(frozen=True)
class Amendment:
    id: int
    ap_id: str
    motion_id: int
    number: int                # Ä<number> within its motion
    revision: int              # the motion's revision its lines refer to
    first_line: int
    last_line: int
    original: str              # those lines' text when it was proposed
    replacement: str           # empty: the lines are deleted
    reason: str
    state: str                 # proposed, adopted, rejected
    created_by: str
    created_at: str
    decided_by: str | None
    decided_at: str | None


def _amendment(row) -> Amendment | None:
    if row is None:
        return None
    return Amendment(**{f.name: row[f.name] for f in fields(Amendment)})


async def next_number(conn: Connection, motion_id: int) -> int:
    """The number the motion's next amendment gets (read in the transaction that adds it)."""
    return int(await fetch_value(conn, "SELECT COALESCE(MAX(number), 0) + 1 FROM amendments WHERE motion_id = ?",
                                 (motion_id,)))


async def add(conn: Connection, *, ap_id: str, number: int, motion_id: int, revision: int, first_line: int,
              last_line: int, original: str, replacement: str, reason: str, created_by: str) -> Amendment:
    await conn.execute(
        "INSERT INTO amendments (ap_id, motion_id, number, revision, first_line, last_line, original, replacement, "
        "reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (ap_id, motion_id, number, revision, first_line, last_line, original, replacement, reason, created_by, iso()))
    found = await get(conn, ap_id)
    assert found is not None  # just inserted
    return found


async def get(conn: Connection, ap_id: str) -> Amendment | None:
    return _amendment(await fetch_one(conn, "SELECT * FROM amendments WHERE ap_id = ?", (ap_id,)))


async def list_for_motion(conn: Connection, motion_id: int) -> list[Amendment]:
    rows = await fetch_all(conn, "SELECT * FROM amendments WHERE motion_id = ? ORDER BY number", (motion_id,))
    return [a for a in map(_amendment, rows) if a is not None]


async def decide(conn: Connection, amendment_id: int, state: str, by_ap_id: str) -> bool:
    """Adopt or reject a proposed amendment; False if it was decided meanwhile."""
    cur = await conn.execute(
        "UPDATE amendments SET state = ?, decided_by = ?, decided_at = ? WHERE id = ? AND state = 'proposed'",
        (state, by_ap_id, iso(), amendment_id))
    return cur.rowcount > 0


async def add_cosigner(conn: Connection, amendment_id: int, actor_ap_id: str) -> bool:
    cur = await conn.execute("INSERT INTO amendment_cosigners (amendment_id, actor_ap_id, signed_at) "
                             "VALUES (?, ?, ?) ON CONFLICT DO NOTHING", (amendment_id, actor_ap_id, iso()))
    return cur.rowcount > 0


async def delete_cosigner(conn: Connection, amendment_id: int, actor_ap_id: str) -> bool:
    cur = await conn.execute("DELETE FROM amendment_cosigners WHERE amendment_id = ? AND actor_ap_id = ?",
                             (amendment_id, actor_ap_id))
    return cur.rowcount > 0


async def list_cosigners(conn: Connection, amendment_id: int) -> list[str]:
    rows = await fetch_all(conn, "SELECT actor_ap_id FROM amendment_cosigners WHERE amendment_id = ? "
                                 "ORDER BY signed_at, actor_ap_id", (amendment_id,))
    return [r[0] for r in rows]


async def cosigners_by_amendment(conn: Connection, motion_id: int) -> dict[int, list[str]]:
    """Every amendment's co-signers of one motion, in one query."""
    rows = await fetch_all(conn, "SELECT c.amendment_id, c.actor_ap_id FROM amendment_cosigners c "
                                 "JOIN amendments a ON a.id = c.amendment_id WHERE a.motion_id = ? "
                                 "ORDER BY c.signed_at, c.actor_ap_id", (motion_id,))
    out: dict[int, list[str]] = {}
    for amendment_id, actor_ap_id in rows:
        out.setdefault(amendment_id, []).append(actor_ap_id)
    return out
