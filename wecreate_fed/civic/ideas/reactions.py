"""Supports (Like), shares (Announce) and comments (reply Notes) of ideas, here and elsewhere.

A local person's reaction is one transaction: the reaction or comment, the idea's counts, the
activity and its deliveries. Its effects here are applied directly, never bounced through our
own inbox. Reactions from other servers are counted the same way, one transaction each.
On a members-only idea (issue 12) only its members react, nothing is delivered, and it cannot
be shared (a boost would carry it to the sharer's followers).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from outbox import activities
from outbox.send import Recipients, outgoing, resolve_recipients
from wecreate_fed import ld, sanitize
from wecreate_fed.errors import Conflict, Forbidden, NotFound
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection, notifications, sanctions, social
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import civic as civic_store
from wecreate_fed.store.actors import Actor
from wecreate_fed.store.civic import Idea

from .. import audience, brakes
from .inbound import find_or_fetch
from .validation import check_comment

COLUMNS = {"Like": "support_count", "Announce": "share_count"}


async def support(rt: Runtime, actor: Actor, ap_id: str) -> str:
    """A local person supports an idea (here or on another instance): a Like to its author."""
    return await _react(rt, actor, ap_id, "Like", "you already support this idea")


async def withdraw_support(rt: Runtime, actor: Actor, ap_id: str) -> str:
    """Take a support back: Undo(Like)."""
    return await _undo_reaction(rt, actor, ap_id, "Like", "you do not support this idea")


async def share(rt: Runtime, actor: Actor, ap_id: str) -> str:
    """Share (boost) an idea to one's followers: Announce."""
    return await _react(rt, actor, ap_id, "Announce", "you already shared this idea")


async def unshare(rt: Runtime, actor: Actor, ap_id: str) -> str:
    return await _undo_reaction(rt, actor, ap_id, "Announce", "you have not shared this idea")


async def _members_only(rt: Runtime, actor: Actor, idea: Idea) -> bool:
    """True for a members-only idea `actor` may see; NotFound if they may not (it is not there for them)."""
    if idea.members_of is None:
        return False
    await audience.require_see(rt, actor, idea.members_of, "idea")
    return True


async def _react(rt: Runtime, actor: Actor, ap_id: str, kind: str, repeated: str) -> str:
    idea = await find_or_fetch(rt, ap_id)
    members_only = await _members_only(rt, actor, idea)
    if kind == "Like" and idea.author_id == actor.id:  # sharing one's own idea is fine; supporting it is not
        raise Forbidden("you cannot support your own idea", field="idea", code="own_idea")
    if kind == "Announce" and members_only:
        raise Forbidden("a members-only idea cannot be shared", field="idea", code="members_only")
    author = await actors_store.referenced_actor(rt.db.reader, idea.author_id)
    builder = activities.like if kind == "Like" else activities.announce
    activity = builder(rt.config, actor, ap_id, author.ap_id)
    recipients = (Recipients(bounce_local=False) if members_only
                  else (await resolve_recipients(rt, actor, activity)).without_local())
    async with outgoing(rt) as out:
        if not await social.add_reaction(out.conn, kind, actor.id, ap_id, activity["id"]):
            raise Conflict(repeated, field="idea")
        await _count_changed(out.conn, idea, COLUMNS[kind], +1)
        if kind == "Like":
            await _tell_supported(out.conn, actor, idea)
        return await out.queue(actor, activity, recipients)


async def _undo_reaction(rt: Runtime, actor: Actor, ap_id: str, kind: str, missing: str) -> str:
    idea = await civic_store.get_idea(rt.db.reader, ap_id)
    reaction = await social.get_reaction(rt.db.reader, kind, actor.id, ap_id)
    if idea is None or reaction is None:
        raise NotFound(missing, field="idea")
    activity = await social.get_activity(rt.db.reader, reaction["activity_ap_id"])
    original = json.loads(activity["data"]) if activity else {
        "id": reaction["activity_ap_id"], "type": kind, "actor": actor.ap_id, "object": ap_id}
    author = await actors_store.referenced_actor(rt.db.reader, idea.author_id)
    undo = activities.undo(rt.config, actor, original)
    undo.setdefault("to", [author.ap_id])
    recipients = (Recipients(bounce_local=False) if idea.members_of is not None
                  else (await resolve_recipients(rt, actor, undo)).without_local())
    async with outgoing(rt) as out:
        if not await social.delete_reaction(out.conn, actor.id, activity_ap_id=reaction["activity_ap_id"]):
            raise NotFound(missing, field="idea")  # withdrawn meanwhile
        await _count_changed(out.conn, idea, COLUMNS[kind], -1)
        return await out.queue(actor, undo, recipients)


async def comment(rt: Runtime, actor: Actor, in_reply_to: str, text: str) -> str:
    """A comment (a reply Note, Markdown) on an idea or on another comment; threads follow inReplyTo.

    The comment, the idea's count, the Create and its deliveries are one transaction.
    """
    check_comment(text)
    brakes.check_links(rt.config, actor, [text], "text")
    root_id = await civic_store.find_thread_root_idea(rt.db.reader, in_reply_to)
    if root_id is None:
        root_id = (await find_or_fetch(rt, in_reply_to)).ap_id
    idea = await find_or_fetch(rt, root_id)
    members_only = await _members_only(rt, actor, idea)
    parent = await social.get_object(rt.db.reader, in_reply_to)
    # A stored object may have no author (objects.actor_id is nullable): then only the idea's author is cc'd.
    parent_actor = (await actors_store.get_actor(rt.db.reader, parent["actor_id"])
                    if parent is not None and parent["actor_id"] is not None else None)
    parent_author = parent_actor.ap_id if parent_actor is not None else None
    author = await actors_store.referenced_actor(rt.db.reader, idea.author_id)
    cc = [c for c in dict.fromkeys([actor.followers_url, author.ap_id, parent_author]) if c and c != actor.ap_id]
    addressing = await audience.addressing(rt.db.reader, rt.config, idea.members_of) or {"to": [ld.PUBLIC], "cc": cc}
    note = activities.note(rt.config, actor, sanitize.markdown_to_html(text), **addressing, in_reply_to=in_reply_to)
    note["context"] = root_id
    create = activities.create(rt.config, actor, note)
    if await brakes.held(rt.db.reader, rt.config, actor):  # a new account's first comments wait for a moderator
        async with rt.db.transaction() as conn:
            await social.add_object(conn, ap_id=note["id"], type="Note", actor_id=actor.id, is_local=True,
                                    content=note["content"], data=note, in_reply_to=in_reply_to,
                                    published=note["published"], is_public=not members_only,
                                    members_of=idea.members_of)
            await sanctions.hold(conn, "comment", note["id"])
        return ""
    recipients = (Recipients(bounce_local=False) if members_only
                  else (await resolve_recipients(rt, actor, create)).without_local())
    async with outgoing(rt) as out:
        await social.add_object(out.conn, ap_id=note["id"], type="Note", actor_id=actor.id, is_local=True,
                                content=note["content"], data=note, in_reply_to=in_reply_to,
                                published=note["published"], is_public=not members_only,
                                members_of=idea.members_of)
        await _count_changed(out.conn, idea, "comment_count", +1)
        await tell_replied(out.conn, actor, in_reply_to)
        return await out.queue(actor, create, recipients)


async def release_comment(rt: Runtime, ap_id: str, also: Callable[[Connection], Awaitable[None]]) -> str:
    """A held comment approved: shown, counted, and its Create sent (`also` in that transaction)."""
    row = await social.get_object(rt.db.reader, ap_id)
    if row is None or not row["is_local"] or row["held_at"] is None or row["deleted_at"] is not None:
        raise Conflict("this comment is not waiting for approval", code="not_held")
    actor = await actors_store.referenced_actor(rt.db.reader, row["actor_id"])
    create = activities.create(rt.config, actor, json.loads(row["data"]))
    recipients = (Recipients(bounce_local=False) if row["members_of"] is not None
                  else (await resolve_recipients(rt, actor, create)).without_local())
    root = await civic_store.find_thread_root_idea(rt.db.reader, row["in_reply_to"])
    async with outgoing(rt) as out:
        if not await sanctions.unhold(out.conn, "comment", ap_id):
            raise Conflict("this comment is not waiting for approval", code="not_held")
        idea = await civic_store.get_idea(out.conn, root) if root else None
        if idea is not None:
            await _count_changed(out.conn, idea, "comment_count", +1)
        await tell_replied(out.conn, actor, row["in_reply_to"])
        await also(out.conn)
        return await out.queue(actor, create, recipients)


async def comment_counted(conn: Connection, in_reply_to: str | None, replier: Actor | None = None) -> None:
    """A local reply posted through the generic outbox: count it on its idea, in the transaction storing it."""
    root = await civic_store.find_thread_root_idea(conn, in_reply_to) if in_reply_to else None
    idea = await civic_store.get_idea(conn, root) if root is not None else None
    if idea is not None:
        await _count_changed(conn, idea, "comment_count", +1)
    if replier is not None:
        await tell_replied(conn, replier, in_reply_to)


async def tell_replied(conn: Connection, replier: Actor, in_reply_to: str | None) -> None:
    """The local author of what was replied to hears of it (never of their own reply)."""
    author_id = await notifications.local_author_of(conn, in_reply_to)
    if author_id is None or author_id == replier.id or in_reply_to is None:
        return
    root = await civic_store.find_thread_root_idea(conn, in_reply_to)
    idea = await civic_store.get_idea(conn, root) if root else None
    params = {"name": replier.name or replier.handle}
    if idea is not None:
        params["title"] = idea.title
    await notifications.add(conn, [author_id], kind="reply", object_ap_id=root or in_reply_to,
                            by_ap_id=replier.ap_id, params=params)


async def _tell_supported(conn: Connection, supporter: Actor, idea: Idea) -> None:
    """A local idea's author hears of a new support (a remote idea's author is told by its server)."""
    if idea.is_local and idea.author_id != supporter.id:
        await notifications.add(conn, [idea.author_id], kind="support", object_ap_id=idea.ap_id,
                                by_ap_id=supporter.ap_id,
                                params={"name": supporter.name or supporter.handle, "title": idea.title})


async def _count_changed(conn: Connection, idea: Idea, column: str, delta: int) -> None:
    """Recount a local idea from the facts (its counts worker then publishes it); nudge a remote one."""
    if idea.is_local:
        await civic_store.recount_local_idea(conn, idea.ap_id)
    else:
        await civic_store.bump_remote_idea_count(conn, idea.ap_id, column, delta)


# --- from other servers ---------------------------------------------------------------------

async def reaction_received(rt: Runtime, actor: Actor, kind: str, object_ap_id: str, activity_ap_id: str) -> None:
    """A remote Like or Announce of one of our ideas or posts: kept once per actor, the idea recounted.
    A Like by the idea's own author is not a support: ignored (another account of theirs, an alias
    elsewhere, is another actor and counts)."""
    idea = await civic_store.get_idea(rt.db.reader, object_ap_id)
    if idea is not None and idea.members_of is not None and not await audience.may_see(rt, actor, idea.members_of):
        raise NotFound("no such idea", field="idea")  # not there for a remote server (it never had it)
    if kind == "Like":
        if idea is not None and idea.author_id == actor.id:
            return
    async with rt.db.transaction() as conn:
        new = await social.add_reaction(conn, kind, actor.id, object_ap_id, activity_ap_id)
        if not new:
            await social.renew_reaction_id(conn, kind, actor.id, object_ap_id, activity_ap_id)
        await civic_store.recount_local_idea(conn, object_ap_id)
        idea = await civic_store.get_idea(conn, object_ap_id) if new and kind == "Like" else None
        if idea is not None:
            await _tell_supported(conn, actor, idea)


async def reaction_withdrawn(rt: Runtime, actor: Actor, *, activity_ap_id: str | None, kind: str,
                             object_ap_id: str | None) -> None:
    """A remote Undo of a Like or Announce (found by its id, else by kind and object)."""
    async with rt.db.transaction() as conn:
        if object_ap_id is None and activity_ap_id:
            reaction = await social.get_reaction_by_activity(conn, activity_ap_id)
            object_ap_id = reaction["object_ap_id"] if reaction else None
        await social.delete_reaction(conn, actor.id, activity_ap_id=activity_ap_id, kind=kind,
                                     object_ap_id=object_ap_id)
        if object_ap_id:
            await civic_store.recount_local_idea(conn, object_ap_id)


async def members_only_root(conn: Connection, in_reply_to: str | None) -> int | None:
    """The audience of the members-only idea whose thread `in_reply_to` is in, else None."""
    root = await civic_store.find_thread_root_idea(conn, in_reply_to) if in_reply_to else None
    idea = await civic_store.get_idea(conn, root) if root else None
    return idea.members_of if idea is not None else None


async def thread_changed(conn: Connection, in_reply_to: str | None, replier: Actor | None = None) -> None:
    """A reply arrived (from `replier`: its addressee here is told) or was deleted: recount the local
    idea its thread belongs to, in the same transaction."""
    root = await civic_store.find_thread_root_idea(conn, in_reply_to) if in_reply_to else None
    if root is not None:
        await civic_store.recount_local_idea(conn, root)
    if replier is not None:
        await tell_replied(conn, replier, in_reply_to)
