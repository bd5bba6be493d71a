"""SQL for moving accounts: aliases (alsoKnownAs), an actor's movedTo, and the record of moves."""

from __future__ import annotations

from . import Connection, counters, fetch_all, fetch_one, fetch_value, iso
from .actors import Actor, _actor
from .social import _A

MAX_ALIASES = 10  # as many as a person could mean; more would only make a Move's check costly


async def list_aliases(conn: Connection, actor_id: int) -> list[str]:
    rows = await fetch_all(conn, "SELECT alias_ap_id FROM actor_aliases WHERE actor_id = ? ORDER BY created_at, "
                                 "alias_ap_id", (actor_id,))
    return [r["alias_ap_id"] for r in rows]


async def add_alias(conn: Connection, actor_id: int, alias_ap_id: str) -> bool:
    cur = await conn.execute("INSERT INTO actor_aliases (actor_id, alias_ap_id, created_at) VALUES (?, ?, ?) "
                             "ON CONFLICT DO NOTHING", (actor_id, alias_ap_id, iso()))
    return cur.rowcount > 0


async def remove_alias(conn: Connection, actor_id: int, alias_ap_id: str) -> bool:
    cur = await conn.execute("DELETE FROM actor_aliases WHERE actor_id = ? AND alias_ap_id = ?",
                             (actor_id, alias_ap_id))
    return cur.rowcount > 0


async def count_aliases(conn: Connection, actor_id: int) -> int:
    return await fetch_value(conn, "SELECT count(*) FROM actor_aliases WHERE actor_id = ?", (actor_id,))


async def set_moved(conn: Connection, actor_id: int, target_ap_id: str, *,
                    unless_moved_elsewhere_since: str | None = None) -> bool:
    """The actor moved to `target_ap_id` now (a local one by its owner, a remote one by a verified Move).

    `unless_moved_elsewhere_since` (a time): not if it moved to another account after it, by the
    statement's own condition (two Moves to two accounts handled side by side: one moves). True if it moved."""
    condition, params = "", [target_ap_id, iso(), actor_id]
    if unless_moved_elsewhere_since is not None:
        condition = " AND (moved_to IS NULL OR moved_to = ? OR moved_at IS NULL OR moved_at < ?)"
        params += [target_ap_id, unless_moved_elsewhere_since]  # (times as iso() writes them compare as text)
    cur = await conn.execute("UPDATE actors SET moved_to = ?, moved_at = ? WHERE id = ?" + condition, params)
    if cur.rowcount == 0:
        return False
    await counters.ACTOR_KEYS.bump(conn)
    return True


async def add_move(conn: Connection, actor_id: int, target_ap_id: str, activity_ap_id: str) -> bool:
    """Record a move once per activity; False if this Move was recorded before."""
    cur = await conn.execute("INSERT INTO moves (actor_id, target_ap_id, activity_ap_id, created_at) "
                             "VALUES (?, ?, ?, ?) ON CONFLICT (activity_ap_id) DO NOTHING",
                             (actor_id, target_ap_id, activity_ap_id, iso()))
    return cur.rowcount > 0


async def count_followers_moved(conn: Connection, activity_ap_id: str, moved: int) -> None:
    await conn.execute("UPDATE moves SET followers_moved = followers_moved + ? WHERE activity_ap_id = ?",
                       (moved, activity_ap_id))


async def last_move(conn: Connection, actor_id: int):
    return await fetch_one(conn, "SELECT * FROM moves WHERE actor_id = ? ORDER BY id DESC LIMIT 1", (actor_id,))


async def local_followers(conn: Connection, actor_id: int) -> list[tuple[Actor, str]]:
    """Local people and organisations following `actor_id` (accepted or asked), with the state."""
    rows = await fetch_all(
        conn,
        f"SELECT f.state AS follow_state, {_A} FROM follows f JOIN actors a ON a.id = f.follower_id "
        "WHERE f.followee_id = ? AND a.is_local = 1 AND a.deleted_at IS NULL "
        "AND a.type IN ('Person', 'Organization') ORDER BY f.id",
        (actor_id,),
    )
    found = []
    for row in rows:
        values = dict(row)
        state = values.pop("follow_state")
        found.append((_actor(values), state))
    return found


async def moved_to_here(conn: Connection, ap_id: str) -> list[Actor]:
    """The accounts that moved to `ap_id` (for its profile: "moved here from …")."""
    rows = await fetch_all(conn, f"SELECT {_A} FROM actors a WHERE a.moved_to = ? ORDER BY a.moved_at", (ap_id,))
    return [_actor(r) for r in rows]
