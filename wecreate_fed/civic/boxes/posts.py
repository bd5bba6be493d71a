"""Posts to boxes and their moderation.

A local member's post to a local box is kept and relayed to every remote member in one
transaction, as a remote member's post is when it arrives (inbound.py): the box announces
the member's activity unchanged (FEP-1b12) and, when public, boosts the post itself. A post
to a box elsewhere is kept here and its Create queued to that box in the same transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from outbox import activities
from outbox.send import Outgoing, Recipients, outgoing
from wecreate_fed.errors import Forbidden, NotFound
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection, iso, notifications, social
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import boxes as box_store
from wecreate_fed.store.actors import Actor
from wecreate_fed.store.boxes import Box

from . import delivery, documents, validation
from .access import MODERATORS, local_box, require_role


async def post(rt: Runtime, member: Actor, box_ap_id: str, text: str | None = None, *, html: str | None = None,
               in_reply_to: str | None = None) -> str:
    """A local member posts Markdown `text` (or, from a client, `html`) to a box here or elsewhere.

    Returns the id of the member's Create.
    """
    content = validation.post_content(text, html)
    box = await actors_store.get_actor_by_ap_id(rt.db.reader, box_ap_id)
    if box is None or box.type != "Group":
        raise NotFound(f"no box {box_ap_id}", field="audience")
    record = None
    if box.is_local:
        _, record = await local_box(rt, box.ap_id)
        await require_role(rt, box, member, validation.ROLES)
    elif (await social.get_follow(rt.db.reader, member.id, box.id) or {"state": None})["state"] != "accepted":
        raise Forbidden("only members may post to this box")
    note, create = documents.new_post(rt.config, member, box, content, in_reply_to)
    async with outgoing(rt) as out:
        await social.add_object(out.conn, ap_id=note["id"], type="Note", actor_id=member.id, is_local=True,
                                content=content, is_public=record is not None and record.visibility != "private",
                                data=note, in_reply_to=in_reply_to, published=note["published"],
                                audience=box.ap_id)
        if record is None:
            # The box's server relays it to the members; its followers collection is not ours to deliver to.
            # Our other members of it hear of it now (the relay finds the post already kept here).
            await tell_local_members(out.conn, box, member)
            return await out.queue(member, create, delivery.to_actor(box))
        # Kept as the member's activity; nothing to deliver to a box that is here.
        await tell_local_members(out.conn, box, member)
        await out.queue(member, create, Recipients(bounce_local=False))
        await relay(rt, out, box, record, out.delivered[create["id"]], note["id"])  # with the member's proof
        return create["id"]


async def tell_local_members(conn: Connection, box: Actor, author: Actor) -> None:
    """The box's local members (but its author) hear of a new post, in the transaction keeping it.
    A box here lists its members; of a box elsewhere, our members are its local followers."""
    if box.is_local:
        people = [a for _, a in await box_store.list_members(conn, box.id)]
    else:
        people = await social.list_local_followers(conn, box.id)
    members = [a.id for a in people if a.is_local and a.id != author.id]
    await notifications.add(conn, members, kind="box_post", object_ap_id=box.ap_id, by_ap_id=author.ap_id,
                            params={"name": author.name or author.handle, "box": box.name or box.handle})


async def relay(rt: Runtime, out: Outgoing, box: Actor, record: Box, activity: dict, object_id: str) -> None:
    """The box passes a member's post on to its remote members, in the caller's transaction."""
    private = record.visibility == "private"
    await delivery.tell_members(out, box, documents.relay(rt.config, box, activity, private=private))
    if not private:
        await delivery.tell_members(out, box, documents.boost(rt.config, box, object_id))


async def remove_post(rt: Runtime, moderator: Actor, box_ref: str, post_ap_id: str) -> None:
    """A moderator removes a post from the box; members' servers get a Remove."""
    box, _ = await local_box(rt, box_ref)
    await require_role(rt, box, moderator, MODERATORS)
    row = await social.get_object(rt.db.reader, post_ap_id)
    if row is None or row["audience"] != box.ap_id:
        raise NotFound(f"no post {post_ap_id} in this box", field="post")
    async with outgoing(rt) as out:
        if not await social.mark_object_deleted(out.conn, post_ap_id, {"id": post_ap_id, "type": "Tombstone"}):
            raise NotFound(f"no post {post_ap_id} in this box", field="post")  # removed meanwhile
        await delivery.tell_members(out, box, documents.removal(rt.config, box, post_ap_id))


async def delete_own_post(rt: Runtime, member: Actor, post_ap_id: str, *,
                          also: Callable[[Connection], Awaitable[object]] | None = None) -> str:
    """A member deletes their own post (also with their account): the member's Delete goes to the
    remote members of a box here (who got the post relayed), or to a box elsewhere (which relays
    it); `also(conn)` runs in the same transaction. Returns the Delete's id."""
    row = await social.get_object(rt.db.reader, post_ap_id)
    if row is None or not row["is_local"] or row["actor_id"] != member.id or row["audience"] is None \
            or row["deleted_at"] is not None:
        raise NotFound(f"no post {post_ap_id} of yours in a box")
    box = await actors_store.get_actor_by_ap_id(rt.db.reader, row["audience"])
    cc = [box.followers_url] if box is not None and box.followers_url else []
    delete = activities.delete(rt.config, member, post_ap_id, to=[row["audience"]], cc=cc)
    async with outgoing(rt) as out:
        await social.mark_object_deleted(out.conn, post_ap_id, {"id": post_ap_id, "type": "Tombstone",
                                                                "formerType": row["type"], "deleted": iso()})
        if also is not None:
            await also(out.conn)
        return await out.queue(member, delete, await _delete_recipients(out.conn, box))


async def _delete_recipients(conn: Connection, box: Actor | None) -> Recipients:
    if box is None or box.deleted_at is not None:
        return Recipients(bounce_local=False)
    if not box.is_local:
        return delivery.to_actor(box)
    return Recipients(remote_inboxes=set(await box_store.list_member_inboxes(conn, box.id)), bounce_local=False)
