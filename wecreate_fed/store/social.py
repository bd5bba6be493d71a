"""SQL for the social graph and content: follows, objects, reactions, local activities."""

from __future__ import annotations

import json

from . import Connection, fetch_all, fetch_one, fetch_value, iso
from .actors import _COLUMNS as _ACTOR_COLUMNS
from .actors import Actor, _actor
from .sanctions import shown

_A = ", ".join("a." + c for c in _ACTOR_COLUMNS.split(", "))


# --- follows ---------------------------------------------------------------

async def add_follow(conn: Connection, follower_id: int, followee_id: int, follow_ap_id: str, *, accepted: bool) -> str:
    """Record a follow request; a repeated Follow refreshes its id. Returns the resulting state."""
    state = "accepted" if accepted else "pending"
    now = iso()
    await conn.execute(
        "INSERT INTO follows (follower_id, followee_id, follow_ap_id, state, created_at, accepted_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (follower_id, followee_id) DO UPDATE SET "
        "follow_ap_id = excluded.follow_ap_id, "
        "state = CASE WHEN follows.state = 'accepted' THEN 'accepted' ELSE excluded.state END, "
        "accepted_at = COALESCE(follows.accepted_at, excluded.accepted_at)",
        (follower_id, followee_id, follow_ap_id, state, now, now if accepted else None),
    )
    return await fetch_value(
        conn, "SELECT state FROM follows WHERE follower_id = ? AND followee_id = ?", (follower_id, followee_id)
    )


async def get_follow(conn: Connection, follower_id: int, followee_id: int):
    return await fetch_one(
        conn, "SELECT * FROM follows WHERE follower_id = ? AND followee_id = ?", (follower_id, followee_id)
    )


async def get_follow_by_ap_id(conn: Connection, follow_ap_id: str):
    return await fetch_one(conn, "SELECT * FROM follows WHERE follow_ap_id = ?", (follow_ap_id,))


async def mark_follow_accepted(conn: Connection, follower_id: int, followee_id: int) -> bool:
    cur = await conn.execute(
        "UPDATE follows SET state = 'accepted', accepted_at = COALESCE(accepted_at, ?) "
        "WHERE follower_id = ? AND followee_id = ?",
        (iso(), follower_id, followee_id),
    )
    return cur.rowcount > 0


async def delete_follow(conn: Connection, follower_id: int, followee_id: int) -> bool:
    cur = await conn.execute(
        "DELETE FROM follows WHERE follower_id = ? AND followee_id = ?", (follower_id, followee_id)
    )
    return cur.rowcount > 0


def _before(column: str, before_id: int | None) -> tuple[str, tuple]:
    """The condition of a page before `before_id` (none for the first page). Written only when given:
    PostgreSQL cannot type a bare `? IS NULL`, and without it both planners walk the index from the top."""
    return ("", ()) if before_id is None else (f" AND {column} < ?", (before_id,))


async def list_follows(conn: Connection, actor_id: int, *, direction: str, state: str = "accepted",
                       limit: int = 20, before_id: int | None = None) -> list[tuple[int, Actor]]:
    """(follow row id, other actor) pairs, newest first; direction is 'followers' or 'following'."""
    mine, other = ("followee_id", "follower_id") if direction == "followers" else ("follower_id", "followee_id")
    older, after = _before("f.id", before_id)
    rows = await fetch_all(
        conn,
        f"SELECT f.id AS follow_row_id, {_A} FROM follows f JOIN actors a ON a.id = f.{other} "
        f"WHERE f.{mine} = ? AND f.state = ?{older} ORDER BY f.id DESC LIMIT ?",
        (actor_id, state, *after, limit),
    )
    result = []
    for row in rows:
        values = dict(row)
        row_id = values.pop("follow_row_id")
        result.append((row_id, _actor(values)))
    return result


async def count_follows(conn: Connection, actor_id: int, *, direction: str, state: str = "accepted") -> int:
    mine = "followee_id" if direction == "followers" else "follower_id"
    return await fetch_value(conn, f"SELECT count(*) FROM follows WHERE {mine} = ? AND state = ?", (actor_id, state))


async def list_follower_inboxes(conn: Connection, actor_id: int, *, after: str = "", limit: int = 5000) -> list[str]:
    """Distinct delivery inboxes (shared first) of remote accepted followers, in pages by inbox URL."""
    rows = await fetch_all(
        conn,
        "SELECT DISTINCT COALESCE(a.shared_inbox_url, a.inbox_url) AS inbox FROM follows f "
        "JOIN actors a ON a.id = f.follower_id WHERE f.followee_id = ? AND f.state = 'accepted' "
        "AND a.is_local = 0 AND a.deleted_at IS NULL AND COALESCE(a.shared_inbox_url, a.inbox_url) > ? "
        "ORDER BY inbox LIMIT ?",
        (actor_id, after, limit),
    )
    return [r["inbox"] for r in rows]


async def list_local_followers(conn: Connection, actor_id: int) -> list[Actor]:
    rows = await fetch_all(
        conn,
        f"SELECT {_A} FROM follows f JOIN actors a ON a.id = f.follower_id "
        "WHERE f.followee_id = ? AND f.state = 'accepted' AND a.is_local = 1",
        (actor_id,),
    )
    return [_actor(r) for r in rows]


# --- objects ---------------------------------------------------------------

async def add_object(conn: Connection, *, ap_id: str, type: str, actor_id: int | None, is_local: bool,
                     content: str, is_public: bool, data: dict, in_reply_to: str | None = None,
                     published: str | None = None, audience: str | None = None,
                     members_of: int | None = None) -> bool:
    """Store an object once; a second copy of the same id changes nothing. True if it was new.

    `audience` is the box a post belongs to (FEP-1b12); `members_of` the space whose members
    alone see it (issue 12, a comment on a members-only idea).
    """
    cur = await conn.execute(
        "INSERT INTO objects (ap_id, type, actor_id, is_local, in_reply_to, content, is_public, data, published, "
        "created_at, audience, members_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ap_id) DO NOTHING",
        (ap_id, type, actor_id, int(is_local), in_reply_to, content, int(is_public), json.dumps(data),
         published or iso(), iso(), audience, members_of),
    )
    return cur.rowcount > 0


async def update_object(conn: Connection, ap_id: str, *, content: str, data: dict) -> bool:
    cur = await conn.execute(
        "UPDATE objects SET content = ?, data = ?, updated = ? WHERE ap_id = ? AND deleted_at IS NULL",
        (content, json.dumps(data), iso(), ap_id),
    )
    return cur.rowcount > 0


async def get_object(conn: Connection, ap_id: str):
    return await fetch_one(conn, "SELECT * FROM objects WHERE ap_id = ?", (ap_id,))


async def mark_object_deleted(conn: Connection, ap_id: str, tombstone: dict) -> bool:
    """Replace an object by its Tombstone; the row stays so the id answers 410 and is never reused."""
    cur = await conn.execute(
        "UPDATE objects SET deleted_at = ?, content = '', data = ? WHERE ap_id = ? AND deleted_at IS NULL",
        (iso(), json.dumps(tombstone), ap_id),
    )
    return cur.rowcount > 0


async def count_local_posts(conn: Connection) -> int:
    return await fetch_value(conn, "SELECT count(*) FROM objects WHERE is_local = 1 AND deleted_at IS NULL AND members_of IS NULL")


async def list_replies(conn: Connection, ap_id: str, limit: int = 100):
    return await fetch_all(
        conn, f"SELECT * FROM objects o WHERE in_reply_to = ? AND deleted_at IS NULL AND {shown('o', 'actor_id')} "
              "ORDER BY id LIMIT ?", (ap_id, limit)
    )


# --- reactions (Like, Announce) ----------------------------------------------

async def add_reaction(conn: Connection, kind: str, actor_id: int, object_ap_id: str, activity_ap_id: str) -> bool:
    """Record a Like or Announce; the same actor counts once per object. True if it was new."""
    cur = await conn.execute(
        "INSERT INTO reactions (kind, actor_id, object_ap_id, activity_ap_id, created_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        (kind, actor_id, object_ap_id, activity_ap_id, iso()),
    )
    return cur.rowcount > 0


async def renew_reaction_id(conn: Connection, kind: str, actor_id: int, object_ap_id: str, activity_ap_id: str) -> None:
    """A remote actor liked or shared the same again with another id: the reaction takes the newer id
    (as a follow does), so that a late Undo of the older one finds nothing to take back."""
    await conn.execute(
        "UPDATE reactions SET activity_ap_id = ? WHERE kind = ? AND actor_id = ? AND object_ap_id = ? "
        "AND NOT EXISTS (SELECT 1 FROM reactions WHERE activity_ap_id = ?)",
        (activity_ap_id, kind, actor_id, object_ap_id, activity_ap_id))


async def get_reaction(conn: Connection, kind: str, actor_id: int, object_ap_id: str):
    return await fetch_one(conn, "SELECT * FROM reactions WHERE kind = ? AND actor_id = ? AND object_ap_id = ?",
                           (kind, actor_id, object_ap_id))


async def get_reaction_by_activity(conn: Connection, activity_ap_id: str):
    return await fetch_one(conn, "SELECT * FROM reactions WHERE activity_ap_id = ?", (activity_ap_id,))


async def delete_reaction(conn: Connection, actor_id: int, *, activity_ap_id: str | None = None,
                          kind: str | None = None, object_ap_id: str | None = None) -> bool:
    """Undo a reaction, found by its activity id or else by (kind, object)."""
    if activity_ap_id is not None:
        cur = await conn.execute(
            "DELETE FROM reactions WHERE actor_id = ? AND activity_ap_id = ?", (actor_id, activity_ap_id)
        )
        if cur.rowcount:
            return True
    if kind is not None and object_ap_id is not None:
        cur = await conn.execute(
            "DELETE FROM reactions WHERE actor_id = ? AND kind = ? AND object_ap_id = ?", (actor_id, kind, object_ap_id)
        )
        return cur.rowcount > 0
    return False


# --- local activities (the outbox) -------------------------------------------

async def was_withdrawn(conn: Connection, activity_ap_id: str) -> bool:
    """Whether one of our activities (a Follow, a Join) was taken back since by whoever sent it: by
    an Undo of it, or a Leave of what it joined, sent after it."""
    return await fetch_value(
        conn, "SELECT count(*) FROM activities a JOIN activities w ON w.object_ap_id IN (a.ap_id, a.object_ap_id) "
              "AND w.actor_id = a.actor_id AND w.id > a.id WHERE a.ap_id = ? "
              "AND ((w.type = 'Undo' AND w.object_ap_id = a.ap_id) OR (w.type = 'Leave' AND w.object_ap_id = a.object_ap_id))",
        (activity_ap_id,)) > 0

async def add_activity(conn: Connection, *, ap_id: str, actor_id: int, type: str, object_ap_id: str | None,
                       is_public: bool, data: dict) -> int:
    cur = await conn.execute(
        "INSERT INTO activities (ap_id, actor_id, type, object_ap_id, is_public, data, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (ap_id, actor_id, type, object_ap_id, int(is_public), json.dumps(data), iso()),
    )
    assert cur.lastrowid is not None  # an INSERT always sets it
    return cur.lastrowid


async def get_activity(conn: Connection, ap_id: str):
    return await fetch_one(conn, "SELECT * FROM activities WHERE ap_id = ?", (ap_id,))


async def list_outbox(conn: Connection, actor_id: int, *, limit: int, before_id: int | None):
    older, after = _before("id", before_id)
    return await fetch_all(
        conn,
        f"SELECT id, data FROM activities WHERE actor_id = ? AND is_public = 1{older} ORDER BY id DESC LIMIT ?",
        (actor_id, *after, limit),
    )


async def count_outbox(conn: Connection, actor_id: int) -> int:
    return await fetch_value(
        conn, "SELECT count(*) FROM activities WHERE actor_id = ? AND is_public = 1", (actor_id,)
    )


# --- blind recipients (bto, bcc) and what local actors liked ------------------------------

async def add_blind_recipients(conn: Connection, ap_id: str, recipients) -> None:
    await conn.executemany(
        "INSERT INTO blind_recipients (ap_id, recipient) VALUES (?, ?) ON CONFLICT DO NOTHING",
        [(ap_id, r) for r in sorted(recipients)],
    )


async def list_blind_recipients(conn: Connection, ap_id: str) -> list[str]:
    rows = await fetch_all(conn, "SELECT recipient FROM blind_recipients WHERE ap_id = ? ORDER BY recipient", (ap_id,))
    return [r["recipient"] for r in rows]


async def is_blind_recipient(conn: Connection, ap_id: str, recipient: str) -> bool:
    return bool(await fetch_value(
        conn, "SELECT count(*) FROM blind_recipients WHERE ap_id = ? AND recipient = ?", (ap_id, recipient)))


async def list_liked(conn: Connection, actor_id: int, *, limit: int, before_id: int | None):
    """The objects `actor_id` likes (its Like reactions), newest first, as (row id, object id)."""
    older, after = _before("id", before_id)
    return await fetch_all(
        conn,
        f"SELECT id, object_ap_id FROM reactions WHERE actor_id = ? AND kind = 'Like'{older} ORDER BY id DESC LIMIT ?",
        (actor_id, *after, limit),
    )


async def count_liked(conn: Connection, actor_id: int) -> int:
    return await fetch_value(conn, "SELECT count(*) FROM reactions WHERE actor_id = ? AND kind = 'Like'", (actor_id,))
