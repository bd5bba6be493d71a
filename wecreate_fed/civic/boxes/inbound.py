"""What other servers send about boxes, parsed into records and applied.

To our boxes: Follow / Join (admitted, queued for approval, or rejected), Leave / Undo, and
members' posts, each kept and relayed to every member in one transaction. From boxes we
belong to: relayed posts (Announce) and removals (Remove).
"""

from __future__ import annotations

from dataclasses import dataclass

from actors import authenticity, remote
from outbox import activities
from outbox.send import outgoing
from wecreate_fed import ld, sanitize, urls
from wecreate_fed.errors import BadRequest, Forbidden
from wecreate_fed.runtime import Runtime
from wecreate_fed.signatures import proofs
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import boxes as box_store
from wecreate_fed.store import lookup, social
from wecreate_fed.store.actors import Actor

from . import delivery, documents, posts
from .access import is_local_box, local_box, local_box_id, role_of
from .membership import admission


@dataclass(frozen=True)
class JoinRequest:
    """A Follow or Join of one of our boxes."""

    ap_id: str
    type: str  # Follow or Join


@dataclass(frozen=True)
class IncomingPost:
    """A post by a member of a box, and the activity that brought it (relayed as it came)."""

    ap_id: str
    type: str
    author_ap_id: str
    content: str                 # sanitised HTML
    in_reply_to: str | None
    published: str | None
    document: dict
    activity: dict


@dataclass(frozen=True)
class RelayedPost:
    """A member's post as a box we belong to relayed it."""

    post: IncomingPost
    is_public: bool


def parse_post(activity: dict, obj: dict) -> IncomingPost:
    type_ = ld.type_of(obj)
    published = obj.get("published")
    author = ld.get_id(obj.get("attributedTo")) or ld.get_id(activity.get("actor")) or ""
    return IncomingPost(
        ap_id=obj["id"], type=type_ or "Note", author_ap_id=author,
        content=sanitize.clean_html(obj.get("content")), in_reply_to=ld.get_id(obj.get("inReplyTo")),
        published=published if isinstance(published, str) else None, document=obj, activity=activity)


def parse_relay(activity: dict) -> RelayedPost | None:
    """The member's post inside a box's Announce; None when the Announce relays no post.

    What the box claims must hang together: the post is its author's, on its author's server.
    Whether the author wrote it is relay_received's check (a proof, or a fetch).
    """
    inner = activity.get("object")
    if not isinstance(inner, dict) or ld.understood_type(inner) not in ("Create", "Update"):
        return None
    obj = inner.get("object")
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        return None
    author_id = ld.get_id(inner.get("actor"))
    if not author_id or ld.get_id(obj.get("attributedTo")) != author_id:
        raise BadRequest("the relayed post is not attributed to the relayed activity's actor",
                         field="object.object.attributedTo")
    if not urls.same_origin(obj["id"], author_id):
        raise BadRequest("the relayed post does not live on its author's server", field="object.object.id")
    return RelayedPost(parse_post(inner, obj), ld.is_public(activity))


async def content_for_box(rt: Runtime, activity: dict, obj: dict) -> Actor | None:
    """The local box a Create is meant for (by `audience`, else by addressing), or None."""
    candidates = ld.ids(obj.get("audience")) + ld.ids(activity.get("audience")) + sorted(
        ld.addressees(obj) | ld.addressees(activity))
    for candidate in candidates:
        if local_box_id(rt, candidate):
            box = await actors_store.get_actor_by_ap_id(rt.db.reader, candidate)
            if await is_local_box(rt, box):
                return box
    return None


async def check_incoming(rt: Runtime, signer: Actor, activity: dict) -> None:
    """Called by the inbox before it stores anything: a post to one of our boxes must come from a member."""
    if ld.understood_type(activity) != "Create" or not isinstance(activity.get("object"), dict):
        return
    box = await content_for_box(rt, activity, activity["object"])
    if box is not None:
        await check_post(rt, signer, box)


async def check_post(rt: Runtime, signer: Actor, box: Actor) -> None:
    """Only accepted members post to a box."""
    if await role_of(rt, box, signer) is None:
        raise Forbidden(f"{signer.ap_id} is not a member of {box.ap_id}")


async def join_received(rt: Runtime, signer: Actor, box: Actor, request: JoinRequest) -> None:
    """Admit (and Accept), queue for approval, or Reject a request to join a local box."""
    _, record = await local_box(rt, box.ap_id)
    follow = documents.request_of(box, signer, request.ap_id, request.type)
    try:
        state = await admission(rt, box, record, signer.ap_id)
    except Forbidden:
        async with outgoing(rt) as out:
            await out.queue(box, activities.reject(rt.config, box, follow, signer.ap_id), delivery.to_actor(signer))
        return
    async with outgoing(rt) as out:
        existing = await box_store.get_member(out.conn, box.id, signer.id)
        if existing is not None and existing.state == "accepted":
            state = "accepted"
        await box_store.set_member(out.conn, box.id, signer.id, state=state, request_ap_id=request.ap_id)
        if state == "accepted":
            # Accept again even if already a member: the peer may have missed the first Accept.
            await out.queue(box, activities.accept(rt.config, box, follow, signer.ap_id), delivery.to_actor(signer))


async def leave_received(rt: Runtime, signer: Actor, box: Actor) -> None:
    async with rt.db.transaction() as conn:
        member = await box_store.get_member(conn, box.id, signer.id)
        if member is not None and member.role != "owner":
            await box_store.delete_member(conn, box.id, signer.id)


async def post_received(rt: Runtime, signer: Actor, box: Actor, post: IncomingPost) -> None:
    """A member's post reached the box: keep it and relay it to every member, together."""
    await check_post(rt, signer, box)
    if post.author_ap_id != signer.ap_id:
        raise BadRequest("the object is attributed to someone else", field="object.attributedTo", code="forbidden")
    _, record = await local_box(rt, box.ap_id)
    async with outgoing(rt) as out:
        new = await social.add_object(
            out.conn, ap_id=post.ap_id, type=post.type, actor_id=signer.id, is_local=signer.is_local,
            content=post.content, is_public=record.visibility != "private", data=post.document,
            in_reply_to=post.in_reply_to, published=post.published, audience=box.ap_id)
        if new:  # the same post delivered again is relayed once
            await posts.tell_local_members(out.conn, box, signer)
            await posts.relay(rt, out, box, record, post.activity, post.ap_id)


async def relay_received(rt: Runtime, box: Actor, relayed: RelayedPost) -> None:
    """A remote box we belong to relayed a member's post: keep it for our members (not when the box
    removed it already: its Remove overtook this relay)."""
    if await lookup.was_removed_from_box(rt.db.reader, relayed.post.ap_id, box.ap_id):
        return
    post = await authentic_post(rt, relayed.post)
    author = await remote.get_actor(rt, post.author_ap_id)
    async with rt.db.transaction() as conn:
        new = await social.add_object(
            conn, ap_id=post.ap_id, type=post.type, actor_id=author.id, is_local=author.is_local,
            content=post.content, is_public=relayed.is_public, data=post.document, in_reply_to=post.in_reply_to,
            published=post.published, audience=box.ap_id)
        if new:  # our members hear of it once (of a post from here, when it was posted: posts.post)
            await posts.tell_local_members(conn, box, author)


async def authentic_post(rt: Runtime, post: IncomingPost) -> IncomingPost:
    """The relayed post as its author wrote it: the embedded copy if the author's proof covers
    it, else the copy fetched from the author's server; a box's word alone is not enough."""
    proof = proofs.proof_of(post.activity)
    if proof is not None:
        await authenticity.verify_proof(rt, post.activity, proof, post.author_ap_id)
        return post
    fetched = await authenticity.fetch_from_origin(rt, post.ap_id, post.author_ap_id)
    if ld.get_id(fetched.get("attributedTo")) != post.author_ap_id:
        raise Forbidden("the relayed post is not its author's on the author's server", field="object.object")
    return parse_post(post.activity, fetched)


async def remove_received(rt: Runtime, box: Actor, post_ap_id: str) -> None:
    """A box we belong to removed a post: drop our copy, and refuse the box's relay of it from now on."""
    async with rt.db.transaction() as conn:
        await lookup.mark_removed_from_box(conn, post_ap_id, box.ap_id)
        row = await social.get_object(conn, post_ap_id)
        if row is not None and row["audience"] == box.ap_id:
            await social.mark_object_deleted(conn, post_ap_id, {"id": post_ap_id, "type": "Tombstone"})
