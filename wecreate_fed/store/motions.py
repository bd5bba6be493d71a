"""SQL for motions: drafted in a local box (is_local) or received by a local council; their revisions,
co-signers and the council's answers. Reads return typed records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

from . import Connection, fetch_all, fetch_one, fetch_value, iso, lock_for_recount
from .actors import _COLUMNS as _ACTOR_COLUMNS
from .actors import Actor, _actor


@dataclass(frozen=True)
class Motion:
    id: int
    ap_id: str
    is_local: bool             # drafted in a box here (else received by a council here)
    box_ap_id: str
    council_ap_id: str | None
    district_ap_id: str | None
    title: str
    request: str               # what the council should decide (Markdown)
    reasoning: str             # Markdown
    required_cosigners: int
    state: str                 # draft, submitted, received, on_agenda, decided
    decision: str | None       # accepted, rejected
    decision_text: str | None
    agenda_date: str | None
    offer_ap_id: str | None
    revision: int
    created_by: str
    created_at: str
    updated_at: str
    submitted_at: str | None
    hidden_at: str | None = None   # hidden by moderation


@dataclass(frozen=True)
class MotionRevision:
    motion_id: int
    revision: int
    title: str
    request: str
    reasoning: str
    editor_ap_id: str
    created_at: str


@dataclass(frozen=True)
class MotionAnswer:
    """A council's answer: received, on_agenda (with its session's date) or decided."""

    id: int
    motion_id: int
    kind: str
    agenda_date: str | None
    decision: str | None
    text: str
    activity_ap_id: str
    answered_at: str


def _record(cls, row):
    if row is None:
        return None
    values = {f.name: row[f.name] for f in fields(cls)}
    if "is_local" in values:
        values["is_local"] = bool(values["is_local"])
    return cls(**values)


async def add_motion(conn: Connection, *, ap_id: str, is_local: bool, box_ap_id: str, council_ap_id: str | None,
                     district_ap_id: str | None, title: str, request: str, reasoning: str, required_cosigners: int,
                     state: str, created_by: str, offer_ap_id: str | None = None) -> tuple[int, bool]:
    """Store a motion once, with its first revision; (its row id, whether it was new)."""
    now = iso()
    cur = await conn.execute(
        "INSERT INTO motions (ap_id, is_local, box_ap_id, council_ap_id, district_ap_id, title, request, reasoning, "
        "required_cosigners, state, offer_ap_id, created_by, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ap_id) DO NOTHING",
        (ap_id, int(is_local), box_ap_id, council_ap_id, district_ap_id, title, request, reasoning,
         required_cosigners, state, offer_ap_id, created_by, now, now))
    if cur.rowcount == 0:
        return int(await fetch_value(conn, "SELECT id FROM motions WHERE ap_id = ?", (ap_id,))), False
    await conn.execute(
        "INSERT INTO motion_revisions (motion_id, revision, title, request, reasoning, editor_ap_id, created_at) "
        "VALUES (?, 1, ?, ?, ?, ?, ?)", (cur.lastrowid, title, request, reasoning, created_by, now))
    assert cur.lastrowid is not None  # an INSERT always sets it
    return cur.lastrowid, True


async def get_motion(conn: Connection, ap_id: str) -> Motion | None:
    return _record(Motion, await fetch_one(conn, "SELECT * FROM motions WHERE ap_id = ?", (ap_id,)))


async def get_motion_by_offer(conn: Connection, offer_ap_id: str) -> Motion | None:
    return _record(Motion, await fetch_one(conn, "SELECT * FROM motions WHERE offer_ap_id = ?", (offer_ap_id,)))


async def revise_motion(conn: Connection, motion_id: int, *, title: str, request: str, reasoning: str,
                        council_ap_id: str | None, district_ap_id: str | None, required_cosigners: int,
                        editor_ap_id: str) -> int:
    """Store a new revision; co-signatures of the old text no longer count. Returns the revision number."""
    now = iso()
    await conn.execute(
        "UPDATE motions SET title = ?, request = ?, reasoning = ?, council_ap_id = ?, district_ap_id = ?, "
        "required_cosigners = ?, revision = revision + 1, updated_at = ? WHERE id = ?",
        (title, request, reasoning, council_ap_id, district_ap_id, required_cosigners, now, motion_id))
    revision = await fetch_value(conn, "SELECT revision FROM motions WHERE id = ?", (motion_id,))
    await conn.execute(
        "INSERT INTO motion_revisions (motion_id, revision, title, request, reasoning, editor_ap_id, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)", (motion_id, revision, title, request, reasoning, editor_ap_id, now))
    await conn.execute("DELETE FROM motion_cosigners WHERE motion_id = ?", (motion_id,))
    return revision


async def list_revisions(conn: Connection, motion_id: int) -> list[MotionRevision]:
    rows = await fetch_all(conn, "SELECT * FROM motion_revisions WHERE motion_id = ? ORDER BY revision",
                           (motion_id,))
    return [_record(MotionRevision, r) for r in rows]


async def add_cosigner(conn: Connection, motion_id: int, actor_ap_id: str) -> bool:
    cur = await conn.execute("INSERT INTO motion_cosigners (motion_id, actor_ap_id, signed_at) VALUES (?, ?, ?) "
                             "ON CONFLICT DO NOTHING", (motion_id, actor_ap_id, iso()))
    return cur.rowcount > 0


async def delete_cosigner(conn: Connection, motion_id: int, actor_ap_id: str) -> bool:
    cur = await conn.execute("DELETE FROM motion_cosigners WHERE motion_id = ? AND actor_ap_id = ?",
                             (motion_id, actor_ap_id))
    return cur.rowcount > 0


async def list_cosigners(conn: Connection, motion_id: int) -> list[str]:
    rows = await fetch_all(conn, "SELECT actor_ap_id FROM motion_cosigners WHERE motion_id = ? ORDER BY signed_at",
                           (motion_id,))
    return [r[0] for r in rows]


async def get_motion_to_change(conn: Connection, ap_id: str) -> Motion | None:
    """In a command's transaction: the motion's row locked first (PostgreSQL), so two commands on
    it (a double-clicked submit, an edit beside the submit) run one after the other, the second
    seeing what the first changed. SQLite has one writer at a time."""
    await lock_for_recount(conn, "motions", "ap_id = ?", (ap_id,))
    return await get_motion(conn, ap_id)


async def set_motion_state(conn: Connection, motion_id: int, state: str, *, offer_ap_id: str | None = None,
                           agenda_date: str | None = None, decision: str | None = None,
                           decision_text: str | None = None, only_from: Sequence[str] | None = None) -> bool:
    """Move the motion to `state`; with `only_from`, only a motion in one of those states moves. The
    condition is the UPDATE's own: two answers handled side by side (two inbox batches, two worker
    processes) cannot both pass a check read before either wrote. True if it moved."""
    now = iso()
    condition, params = "", tuple(only_from or ())
    if only_from is not None:
        condition = f" AND state IN ({', '.join('?' * len(only_from))})" if only_from else " AND 1 = 0"
    cur = await conn.execute(
        "UPDATE motions SET state = ?, updated_at = ?, offer_ap_id = COALESCE(?, offer_ap_id), "
        "submitted_at = CASE WHEN ? = 'submitted' THEN ? ELSE submitted_at END, "
        "agenda_date = COALESCE(?, agenda_date), decision = COALESCE(?, decision), "
        "decision_text = COALESCE(?, decision_text) WHERE id = ?" + condition,
        (state, now, offer_ap_id, state, now, agenda_date, decision, decision_text, motion_id, *params))
    return cur.rowcount > 0


async def add_answer(conn: Connection, motion_id: int, *, kind: str, activity_ap_id: str, agenda_date: str | None,
                     decision: str | None, text: str) -> bool:
    """Record a council answer once (by its activity id). True if it was new."""
    cur = await conn.execute(
        "INSERT INTO motion_answers (motion_id, kind, agenda_date, decision, text, activity_ap_id, answered_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (activity_ap_id) DO NOTHING",
        (motion_id, kind, agenda_date, decision, text, activity_ap_id, iso()))
    return cur.rowcount > 0


async def list_answers(conn: Connection, motion_id: int) -> list[MotionAnswer]:
    rows = await fetch_all(conn, "SELECT * FROM motion_answers WHERE motion_id = ? ORDER BY id", (motion_id,))
    return [_record(MotionAnswer, r) for r in rows]


async def list_motions(conn: Connection, box_ap_id: str) -> list[Motion]:
    rows = await fetch_all(conn, "SELECT * FROM motions WHERE box_ap_id = ? AND is_local = 1 ORDER BY id DESC",
                           (box_ap_id,))
    return [_record(Motion, r) for r in rows]


async def list_received_motions(conn: Connection, council_ap_id: str) -> list[Motion]:
    """Motions submitted to a council, drafted elsewhere or in a box on this same instance."""
    rows = await fetch_all(conn, "SELECT * FROM motions WHERE council_ap_id = ? AND state != 'draft' "
                                 "ORDER BY id DESC", (council_ap_id,))
    return [_record(Motion, r) for r in rows]


async def list_councils(conn: Connection, limit: int = 100) -> list[Actor]:
    """Organisations known here (local ones first): who a motion can be addressed to."""
    rows = await fetch_all(conn, f"SELECT {_ACTOR_COLUMNS} FROM actors WHERE type = 'Organization' "
                                 "AND deleted_at IS NULL ORDER BY is_local DESC, category, name LIMIT ?", (limit,))
    return [_actor(r) for r in rows]
