"""A remote actor changed its profile or key, or deleted itself."""

from __future__ import annotations

from actors import remote
from wecreate_fed.civic.subjects import Subject
from wecreate_fed.store import actors as actors_store

from .context import HandlerContext
from .registry import INBOUND


@INBOUND.on("Update", "actor")
async def actor_updated(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    # Refetch rather than trust the embedded copy.
    await remote.get_actor(ctx.rt, ctx.signer.ap_id, refresh=True)


@INBOUND.on("Delete", "actor")
async def actor_deleted(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    async with ctx.rt.db.transaction() as conn:
        await actors_store.mark_remote_actor_deleted(conn, ctx.signer.ap_id)
    remote.forget_actor(ctx.rt, ctx.signer.ap_id)  # its key must stop verifying at once
