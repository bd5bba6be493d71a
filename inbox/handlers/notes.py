"""Plain posts and comments: kept when they concern us; replies to our ideas are counted there,
in the transaction that keeps or deletes them."""

from __future__ import annotations

import json

from wecreate_fed import ld, sanitize
from wecreate_fed.civic import events, ideas, lifecycle
from wecreate_fed.civic.subjects import Subject
from wecreate_fed.errors import BadRequest, NotFound
from wecreate_fed.store import social

from .context import HandlerContext, attributed_to_signer, concerns_us, object_document
from .registry import INBOUND

# A tuple, not a set: a "type" list may hold lists or objects, which `in` a set raises TypeError on.
CONTENT_TYPES = ("Note", "Article", "Page", "Question", "Event", "Image", "Video")


@INBOUND.on("Create", "note")
async def note_created(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    """Keep a post by someone followed here, a post addressed to us, or a reply to one of ours."""
    obj = await object_document(ctx, subject)
    type_name = ld.type_of(obj, CONTENT_TYPES)
    if type_name is None:
        if ld.type_of(obj) is None:  # extensions only: refused for good, not retried
            raise BadRequest(f"none of the object's types {ld.types_of(obj)} is one this server understands",
                             field="object.type", code="unsupported")
        return
    attributed_to_signer(ctx, obj)
    if not await concerns_us(ctx, activity, obj):
        return
    # Only its id was sent, and fetched it turns out to be an idea or an event after all.
    if ideas.is_idea_document(obj):
        await ideas.store_remote(ctx.rt, ctx.signer, ideas.parse_remote(obj))
        return
    if events.is_event_document(obj):
        await events.store_remote(ctx.rt, ctx.signer, events.parse_remote(obj, ctx.signer.ap_id))
        return
    in_reply_to = ld.get_id(obj.get("inReplyTo"))
    if await ideas.members_only_root(ctx.rt.db.reader, in_reply_to) is not None:
        raise NotFound("no such idea")  # members-only: no other server has it, nor answers it
    async with ctx.rt.db.transaction() as conn:
        new = await social.add_object(
            conn, ap_id=obj["id"], type=type_name, actor_id=ctx.signer.id, is_local=False,
            content=sanitize.clean_html(obj.get("content")), is_public=ld.is_public(obj) or ld.is_public(activity),
            data=obj, in_reply_to=in_reply_to,
            published=obj.get("published") if isinstance(obj.get("published"), str) else None,
        )
        await ideas.thread_changed(conn, in_reply_to, ctx.signer if new else None)  # told once


@INBOUND.on("Update", "note", "box_post")
async def note_updated(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    obj = await object_document(ctx, subject)
    attributed_to_signer(ctx, obj, required=False)
    async with ctx.rt.db.transaction() as conn:
        row = await social.get_object(conn, obj["id"])
        if row is None or row["actor_id"] != ctx.signer.id:
            return
        # A retried Update after a newer one (by the author's `updated`) leaves the newer copy.
        if lifecycle.older_than_kept(_text(obj.get("updated")), _text(json.loads(row["data"] or "{}").get("updated"))):
            return
        await social.update_object(conn, obj["id"], content=sanitize.clean_html(obj.get("content")), data=obj)


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


@INBOUND.on("Delete", "note", "box_post")
async def note_deleted(ctx: HandlerContext, activity: dict, subject: Subject) -> None:
    object_id = subject.object_id or ""
    async with ctx.rt.db.transaction() as conn:
        row = await social.get_object(conn, object_id)
        if row is None or row["actor_id"] != ctx.signer.id:
            return
        await social.mark_object_deleted(conn, object_id, {"id": object_id, "type": "Tombstone",
                                                           "formerType": row["type"]})
        await ideas.thread_changed(conn, row["in_reply_to"])
