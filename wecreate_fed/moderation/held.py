"""Posts held for review (the spam brake hold_first_posts): a moderator approves one, and only
then is it shown and its Create sent (civic ideas.release / release_comment), audited in that
transaction; rejecting one is a "remove" action with its statement of reasons (actions.take)."""

from __future__ import annotations

from wecreate_fed.civic import ideas
from wecreate_fed.errors import NotFound
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection, audit, sanctions

from .roles import By


async def approve(rt: Runtime, by: By, ap_id: str) -> None:
    kind = await sanctions.held_kind(rt.db.reader, ap_id)
    if kind is None:
        raise NotFound("nothing with this id waits for approval", code="not_held")

    async def record(conn: Connection) -> None:
        await audit.record(conn, by.actor_id, by.name, "content.approve", ap_id, before={"held": True},
                           after={"held": False})

    if kind == "idea":
        await ideas.release(rt, ap_id, record)
    else:
        await ideas.release_comment(rt, ap_id, record)
