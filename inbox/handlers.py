"""One handler per activity type, registered in HANDLERS.

A handler gets a context (runtime, who signed, which inbox) and the verified activity.
Every effect is idempotent, so a handler that runs again after a crash changes nothing.
Network look-ups happen before a transaction opens, so the write lock is never held
while waiting on another server.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from actors import remote
from outbox import activities
from outbox.send import send
from wecreate_fed import ld, sanitize, urls
from wecreate_fed.civic import boxes, events, ideas, instances, motions
from wecreate_fed.errors import BadRequest
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import social
from wecreate_fed.store.actors import Actor

log = logging.getLogger(__name__)

CONTENT_TYPES = {"Note", "Article", "Page", "Question", "Event", "Image", "Video"}


@dataclass
class HandlerContext:
    rt: Runtime
    signer: Actor              # verified: the activity's actor
    recipient: str | None      # username of the personal inbox it came to, None for the shared one


async def handle_follow(ctx: HandlerContext, activity: dict) -> None:
    """Someone follows one of ours: record it, and Accept unless the actor approves by hand."""
    target = await _local_actor(ctx, ld.get_id(activity.get("object")))
    if target is None:
        return  # addressed to nobody here
    if target.type == "Application" and ctx.signer.type != "Application":
        return  # our instance actor is followed by other instances only
    if await boxes.is_local_box(ctx.rt, target):
        await boxes.join_received(ctx.rt, ctx.signer, target, activity)
        return
    async with ctx.rt.db.transaction() as conn:
        state = await social.add_follow(conn, ctx.signer.id, target.id, activity["id"],
                                        accepted=not target.manually_approves or target.type == "Application")
    if state == "accepted":
        # Accept again even if already following: the peer may have missed the first Accept.
        await send(ctx.rt, target, activities.accept(ctx.rt.config, target, activity, ctx.signer.ap_id))


async def handle_accept(ctx: HandlerContext, activity: dict) -> None:
    """A remote actor accepted one of our Follows (or a council decided one of our motions)."""
    if await _motion_answer(ctx, activity):
        return
    if await events.join_answered(ctx.rt, ctx.signer, activity, accepted=True):
        return
    follow = await _our_follow_of_signer(ctx, activity.get("object"))
    if follow is not None:
        async with ctx.rt.db.transaction() as conn:
            await social.mark_follow_accepted(conn, follow["follower_id"], ctx.signer.id)


async def handle_reject(ctx: HandlerContext, activity: dict) -> None:
    """A remote actor rejected our Follow, or removed one of ours from its followers (or refused a motion)."""
    if await _motion_answer(ctx, activity):
        return
    if await events.join_answered(ctx.rt, ctx.signer, activity, accepted=False):
        return
    follow = await _our_follow_of_signer(ctx, activity.get("object"))
    if follow is not None:
        async with ctx.rt.db.transaction() as conn:
            await social.delete_follow(conn, follow["follower_id"], ctx.signer.id)


async def _motion_answer(ctx: HandlerContext, activity: dict) -> bool:
    """A council's Read / Add / Accept / Reject about one of our motions. True if it was one."""
    motion = await motions.motion_for_answer(ctx.rt, activity)
    if motion is None:
        return False
    await motions.answer_received(ctx.rt, ctx.signer, motion, activity)
    return True


async def handle_read(ctx: HandlerContext, activity: dict) -> None:
    await _motion_answer(ctx, activity)


async def handle_add(ctx: HandlerContext, activity: dict) -> None:
    await _motion_answer(ctx, activity)


async def handle_offer(ctx: HandlerContext, activity: dict) -> None:
    """A box sends a motion to one of our councils."""
    if motions.is_motion_offer(activity):
        await motions.offer_received(ctx.rt, ctx.signer, activity)


async def handle_join(ctx: HandlerContext, activity: dict) -> None:
    """Join: of an event (FEP-8a8e), or of a box (Mobilizon's way to join a group, like a Follow)."""
    if await events.join_received(ctx.rt, ctx.signer, activity):
        return
    target = await _local_actor(ctx, ld.get_id(activity.get("object")))
    if await boxes.is_local_box(ctx.rt, target):
        await boxes.join_received(ctx.rt, ctx.signer, target, activity)


async def handle_leave(ctx: HandlerContext, activity: dict) -> None:
    if await events.leave_received(ctx.rt, ctx.signer, activity):
        return
    target = await _local_actor(ctx, ld.get_id(activity.get("object")))
    if await boxes.is_local_box(ctx.rt, target):
        await boxes.leave_received(ctx.rt, ctx.signer, target)


async def handle_remove(ctx: HandlerContext, activity: dict) -> None:
    """A box we belong to removed a post (moderation)."""
    if ctx.signer.type == "Group":
        await boxes.remove_received(ctx.rt, ctx.signer, ld.get_id(activity.get("object")) or "")


async def _our_follow_of_signer(ctx: HandlerContext, referenced):
    """The follow row an Accept/Reject refers to; the signer must be the one followed."""
    follow_id = ld.get_id(referenced)
    row = await social.get_follow_by_ap_id(ctx.rt.db.reader, follow_id) if follow_id else None
    if row is None and isinstance(referenced, dict):
        # Some servers answer with a Follow carrying another id: match by who and whom.
        local = await _local_actor(ctx, ld.get_id(referenced.get("actor")))
        if local is not None and ld.get_id(referenced.get("object")) == ctx.signer.ap_id:
            row = await social.get_follow(ctx.rt.db.reader, local.id, ctx.signer.id)
    if row is None or row["followee_id"] != ctx.signer.id:
        return None
    return row


async def handle_undo(ctx: HandlerContext, activity: dict) -> None:
    original = activity.get("object")
    if isinstance(original, dict) and original.get("type") == "Follow":
        target = await _local_actor(ctx, ld.get_id(original.get("object")))
        if await boxes.is_local_box(ctx.rt, target):
            await boxes.leave_received(ctx.rt, ctx.signer, target)
            return
    original_type = original.get("type") if isinstance(original, dict) else None
    original_id = ld.get_id(original)
    if isinstance(original, dict) and ld.get_id(original.get("actor")) not in (None, ctx.signer.ap_id):
        raise BadRequest("Undo of someone else's activity")
    if await events.leave_received(ctx.rt, ctx.signer, activity):
        return
    async with ctx.rt.db.transaction() as conn:
        if original_type == "Follow" or (original_type is None and original_id):
            row = await social.get_follow_by_ap_id(conn, original_id) if original_id else None
            if row is not None and row["follower_id"] == ctx.signer.id:
                await social.delete_follow(conn, ctx.signer.id, row["followee_id"])
                return
            if original_type == "Follow":
                target = await actors_store.get_actor_by_ap_id(conn, ld.get_id(original.get("object")))
                if target is not None:
                    await social.delete_follow(conn, ctx.signer.id, target.id)
                return
        kind = original_type if original_type in ("Like", "Announce") else None
        object_id = ld.get_id(original.get("object")) if isinstance(original, dict) else None
        reaction = await social.get_reaction_by_activity(conn, original_id) if original_id else None
        object_id = object_id or (reaction["object_ap_id"] if reaction else None)
        await social.delete_reaction(conn, ctx.signer.id, activity_ap_id=original_id, kind=kind, object_ap_id=object_id)
    if object_id and urls.is_local(ctx.rt.config, object_id):
        await ideas.reaction_received(ctx.rt, object_id)  # a withdrawn support or share


async def handle_create(ctx: HandlerContext, activity: dict) -> None:
    """Keep what concerns us: ideas and posts by people followed here, posts addressed to us, replies to ours."""
    obj = await _embedded_or_fetched(ctx, activity.get("object"))
    if obj.get("type") not in CONTENT_TYPES:
        return
    if ld.get_id(obj.get("attributedTo")) != ctx.signer.ap_id:
        raise BadRequest("Create of an object attributed to someone else")
    box = await boxes.content_for_box(ctx.rt, activity, obj)
    if box is not None:
        await boxes.post_received(ctx.rt, ctx.signer, box, activity, obj)
        return
    in_reply_to = ld.get_id(obj.get("inReplyTo"))
    concerns_us = (
        any(urls.is_local(ctx.rt.config, a) for a in ld.addressees(obj) | ld.addressees(activity))
        or (in_reply_to and urls.is_local(ctx.rt.config, in_reply_to))
        or await _followed_here(ctx)
    )
    if not concerns_us:
        return
    if ideas.is_idea_document(obj):
        await ideas.store_remote(ctx.rt, ctx.signer, obj)
        return
    if events.is_event_document(obj):
        await events.store_remote(ctx.rt, ctx.signer, obj)
        return
    await _store_object(ctx, obj, activity)
    if in_reply_to:
        root = await ideas.thread_root(ctx.rt, in_reply_to)
        if root and urls.is_local(ctx.rt.config, root):
            await ideas.reaction_received(ctx.rt, root)  # a new comment on one of our ideas


async def _store_object(ctx: HandlerContext, obj: dict, activity: dict) -> None:
    async with ctx.rt.db.transaction() as conn:
        await social.add_object(
            conn, ap_id=obj["id"], type=obj["type"], actor_id=ctx.signer.id, is_local=False,
            content=sanitize.clean_html(obj.get("content")), is_public=ld.is_public(obj) or ld.is_public(activity),
            data=obj, in_reply_to=ld.get_id(obj.get("inReplyTo")),
            published=obj.get("published") if isinstance(obj.get("published"), str) else None,
        )


async def handle_update(ctx: HandlerContext, activity: dict) -> None:
    obj = activity.get("object")
    object_id = ld.get_id(obj)
    if object_id == ctx.signer.ap_id:
        # The actor changed its profile (or key): refetch rather than trust the embedded copy.
        await remote.get_actor(ctx.rt, ctx.signer.ap_id, refresh=True)
        return
    obj = await _embedded_or_fetched(ctx, obj)
    if ld.get_id(obj.get("attributedTo")) not in (None, ctx.signer.ap_id):
        raise BadRequest("Update of an object attributed to someone else")
    if ideas.is_idea_document(obj):
        if await ideas.is_known(ctx.rt, object_id):
            await ideas.store_remote(ctx.rt, ctx.signer, obj)
        return
    if events.is_event_document(obj):
        if await events.is_known(ctx.rt, object_id):
            await events.store_remote(ctx.rt, ctx.signer, obj)
        return
    async with ctx.rt.db.transaction() as conn:
        row = await social.get_object(conn, object_id)
        if row is not None and row["actor_id"] == ctx.signer.id:
            await social.update_object(conn, object_id, content=sanitize.clean_html(obj.get("content")), data=obj)


async def handle_delete(ctx: HandlerContext, activity: dict) -> None:
    object_id = ld.get_id(activity.get("object"))
    if object_id == ctx.signer.ap_id:
        async with ctx.rt.db.transaction() as conn:
            await actors_store.mark_remote_actor_deleted(conn, object_id)
        remote.forget_actor(ctx.rt, object_id)  # its key must stop verifying at once
        return
    if await ideas.remote_deleted(ctx.rt, ctx.signer, object_id):
        return
    if await events.remote_deleted(ctx.rt, ctx.signer, object_id):
        return
    async with ctx.rt.db.transaction() as conn:
        row = await social.get_object(conn, object_id)
        if row is not None and row["actor_id"] == ctx.signer.id:
            await social.mark_object_deleted(conn, object_id, {"id": object_id, "type": "Tombstone",
                                                               "formerType": row["type"]})
    if row is not None and row["in_reply_to"]:
        root = await ideas.thread_root(ctx.rt, row["in_reply_to"])
        if root and urls.is_local(ctx.rt.config, root):
            await ideas.reaction_received(ctx.rt, root)  # a comment on one of our ideas was deleted


async def handle_like(ctx: HandlerContext, activity: dict) -> None:
    await _react(ctx, activity, "Like")


async def handle_announce(ctx: HandlerContext, activity: dict) -> None:
    if ctx.signer.type == "Group" and await _followed_here(ctx) and await boxes.announce_received(
            ctx.rt, ctx.signer, activity):
        return  # a box we belong to relayed a member's post (FEP-1b12)
    await _react(ctx, activity, "Announce")


async def _react(ctx: HandlerContext, activity: dict, kind: str) -> None:
    """Count a Like (a support) or Announce (a share) of one of ours, once per actor, however often delivered.

    An Announce of someone else's idea by an actor followed here (a district, an instance)
    brings that idea to our marketplace.
    """
    object_id = ld.get_id(activity.get("object"))
    if not object_id:
        return
    if not urls.is_local(ctx.rt.config, object_id):
        if kind == "Announce" and await _followed_here(ctx):
            await instances.keep_boosted(ctx.rt, object_id)
        return
    async with ctx.rt.db.transaction() as conn:
        known = await social.get_object(conn, object_id) is not None or await ideas.is_known(ctx.rt, object_id)
        if known:
            await social.add_reaction(conn, kind, ctx.signer.id, object_id, activity["id"])
    if known:
        await ideas.reaction_received(ctx.rt, object_id)


async def _local_actor(ctx: HandlerContext, ap_id: str | None) -> Actor | None:
    if not ap_id or not urls.is_local(ctx.rt.config, ap_id):
        return None
    actor = await actors_store.get_actor_by_ap_id(ctx.rt.db.reader, ap_id)
    return actor if actor is not None and actor.deleted_at is None else None


async def _followed_here(ctx: HandlerContext) -> bool:
    return bool(await social.count_follows(ctx.rt.db.reader, ctx.signer.id, direction="followers"))


async def _embedded_or_fetched(ctx: HandlerContext, obj) -> dict:
    """The object as embedded, or fetched when only its id was sent."""
    if isinstance(obj, dict) and obj.get("type"):
        if not isinstance(obj.get("id"), str):
            raise BadRequest("the object has no id")
        return obj
    object_id = ld.get_id(obj)
    if not object_id:
        raise BadRequest("the activity has no object")
    document = await remote.fetch_document(ctx.rt, object_id)
    if document.get("id") != object_id:
        raise BadRequest(f"fetching {object_id} returned another object")
    return document


HANDLERS = {
    "Follow": handle_follow,
    "Accept": handle_accept,
    "Reject": handle_reject,
    "Undo": handle_undo,
    "Create": handle_create,
    "Update": handle_update,
    "Delete": handle_delete,
    "Like": handle_like,
    "Announce": handle_announce,
    "Offer": handle_offer,
    "Read": handle_read,
    "Add": handle_add,
    "Join": handle_join,
    "Leave": handle_leave,
    "Remove": handle_remove,
}


async def dispatch(ctx: HandlerContext, activity: dict) -> None:
    handler = HANDLERS.get(activity.get("type"))
    if handler is not None:
        await handler(ctx, activity)
