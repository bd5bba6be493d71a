"""SQL for publishing an internal draft as an organisation's public idea (migration 0031): which
draft became which public idea, and the city instances it was delivered to. Internal only."""

from __future__ import annotations

from dataclasses import dataclass

from . import Connection, fetch_all, fetch_one, iso
from .actors import Actor, _actor
from .social import _A


@dataclass(frozen=True)
class Draft:
    """What publishing needs of an idea that may be an internal draft."""

    id: int
    ap_id: str
    is_local: bool
    author_id: int
    members_of: int | None
    deleted_at: str | None


@dataclass(frozen=True)
class Publication:
    draft_id: int
    idea_id: int
    idea_ap_id: str
    idea_url: str | None
    idea_deleted_at: str | None
    org_id: int
    published_by: int | None
    published_at: str


async def get_draft(conn: Connection, ap_id: str) -> Draft | None:
    row = await fetch_one(conn, "SELECT id, ap_id, is_local, author_id, members_of, deleted_at FROM ideas "
                                "WHERE ap_id = ?", (ap_id,))
    if row is None:
        return None
    return Draft(row["id"], row["ap_id"], bool(row["is_local"]), row["author_id"], row["members_of"],
                 row["deleted_at"])


async def add(conn: Connection, *, draft_id: int, idea_ap_id: str, org_id: int, published_by: int) -> bool:
    """Record that `draft_id` became the public idea `idea_ap_id` (stored on this transaction just
    before); False when the draft had been published already (its first publication stays)."""
    cur = await conn.execute(
        "INSERT INTO publications (draft_id, idea_id, org_id, published_by, published_at) "
        "SELECT ?, id, ?, ?, ? FROM ideas WHERE ap_id = ? ON CONFLICT (draft_id) DO NOTHING",
        (draft_id, org_id, published_by, iso(), idea_ap_id))
    return cur.rowcount > 0


async def add_targets(conn: Connection, idea_ap_id: str, actor_ids: list[int]) -> None:
    for actor_id in actor_ids:
        await conn.execute("INSERT INTO publication_targets (idea_id, actor_id) SELECT id, ? FROM ideas "
                           "WHERE ap_id = ? ON CONFLICT DO NOTHING", (actor_id, idea_ap_id))


async def of_draft(conn: Connection, draft_id: int) -> Publication | None:
    row = await fetch_one(
        conn, "SELECT p.*, i.ap_id AS idea_ap_id, i.url AS idea_url, i.deleted_at AS idea_deleted_at "
              "FROM publications p JOIN ideas i ON i.id = p.idea_id WHERE p.draft_id = ?", (draft_id,))
    if row is None:
        return None
    return Publication(row["draft_id"], row["idea_id"], row["idea_ap_id"], row["idea_url"], row["idea_deleted_at"],
                       row["org_id"], row["published_by"], row["published_at"])


async def targets(conn: Connection, idea_id: int) -> list[Actor]:
    """The city instance actors the public idea `idea_id` was delivered to."""
    rows = await fetch_all(conn, f"SELECT {_A} FROM publication_targets t JOIN actors a ON a.id = t.actor_id "
                                 "WHERE t.idea_id = ? ORDER BY a.domain", (idea_id,))
    return [_actor(r) for r in rows]


async def target_inboxes(conn: Connection, idea_id: int) -> list[str]:
    """Where every change of the public idea also goes: its cities' (shared) inboxes."""
    return sorted({a.delivery_inbox for a in await targets(conn, idea_id) if a.deleted_at is None})
