"""One lifecycle for what local people publish, ideas and events alike: publish, edit, change
status, delete, and the Tombstone that stays.

Every step is one transaction holding the change, the activity that announces it and its
deliveries (`outbox.send.outgoing`), so a cancelled or failed command leaves all of them or
none. What needs the network (addressees, recipients) is resolved before it opens. The
activities go to remote servers only: what a command changes here it changes itself, so
nothing is bounced through our own inbox. A members-only record (`members_of`, issue 12) is
addressed to its space's members collection and delivered to no server at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from outbox import activities
from outbox.send import Recipients, outgoing, resolve_recipients
from wecreate_fed import ld, urls
from wecreate_fed.config import Config
from wecreate_fed.errors import BadRequest, Conflict, Forbidden, Gone, NotFound
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store.actors import Actor

from . import audience, districts

Write = Callable[[Connection], Awaitable[Any]]


async def author_language(rt: Runtime, author: Actor) -> str:
    """The language a local person writes in, as far as we know: their account's, else the instance's
    (the `contentMap` key of what they publish)."""
    account = await actors_store.get_account(rt.db.reader, author.id)
    return account["language"] if account is not None and account["language"] else rt.config.default_language


@dataclass(frozen=True)
class Kind:
    """What the lifecycle needs to know of one kind of thing people publish.

    Its records (store.civic.Idea, store.events.Event) have id, ap_id, is_local, owner_id,
    status and deleted_at.
    """

    name: str                   # the id kind in urls ("idea", "event"), also used in messages
    former_type: str            # what a Tombstone says it was
    owner: str                  # who may change it besides moderators, for messages ("the author")
    statuses: tuple[str, ...]
    get: Callable[[Connection, str], Awaitable[Any]]                # the record by id
    mark_deleted: Callable[[Connection, int], Awaitable[None]]
    document: Callable[[Connection, Config, Any], Awaitable[dict]]  # its current ActivityStreams object
    # Remote inboxes told of every change besides the owner's followers (supporters, attendees).
    audience: Callable[[Connection, Any], Awaitable[list[str]]]


def without_context(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "@context"}


async def local(rt: Runtime, kind: Kind, ap_id: str):
    """A live record of ours: NotFound for what is not ours, Gone once deleted."""
    record = await kind.get(rt.db.reader, ap_id)
    if record is None or not record.is_local:
        raise NotFound(f"no {kind.name} {ap_id} here", field=kind.name)
    if record.deleted_at is not None:
        raise Gone(f"{kind.name} {ap_id} was deleted", field=kind.name)
    return record


async def may_manage(rt: Runtime, actor: Actor, owner_id: int, owner: str) -> None:
    """Only the owner of something (`owner` names them) or a moderator of this instance may change it."""
    if actor.id == owner_id:
        return
    account = await actors_store.get_account(rt.db.reader, actor.id)
    if account is None or account["role"] not in ("moderator", "admin"):
        raise Forbidden(f"only {owner} or a moderator may do that")


async def managed(rt: Runtime, kind: Kind, actor: Actor, ap_id: str):
    """A live record of ours that `actor` may change."""
    record = await local(rt, kind, ap_id)
    await may_manage(rt, actor, record.owner_id, kind.owner)
    return record


def members_only(record) -> bool:
    """Seen by the members of a space only (so delivered to no server)."""
    return getattr(record, "members_of", None) is not None


async def _addressed(rt: Runtime, owner: Actor, addressees: Iterable[str | None],
                     members_of: int | None = None) -> Recipients:
    """The recipients of the owner's Create or Update: its followers and the addressees (network);
    nobody for a members-only record (its members are local and read it here)."""
    if members_of is not None:
        return Recipients(bounce_local=False)
    addressing = {"to": [ld.PUBLIC], "cc": [a for a in [owner.followers_url, *addressees] if a]}
    return (await resolve_recipients(rt, owner, addressing)).without_local()


async def publish(rt: Runtime, kind: Kind, author: Actor, key: str, write: Write, *,
                  addressees: Iterable[str | None] = (), district_ids: Iterable[str] = (),
                  held: Write | None = None, members_of: int | None = None) -> tuple[str, dict]:
    """Store a new record (`write`), its Create to the author's followers and the districts' boosts, at once.

    Returns the Create's id and the record's document. With `held` (a new account's first posts
    wait for a moderator: civic/brakes.py) the record is stored and marked by `held`, nothing is
    sent, and the id is "": `release` sends it once approved. With `members_of` (what `write`
    stores) nothing is delivered and no district boosts it.
    """
    ap_id = urls.id_of(rt.config, kind.name, key)
    if held is not None:
        async with rt.db.transaction() as conn:
            await write(conn)
            await held(conn)
            return "", await kind.document(conn, rt.config, await kind.get(conn, ap_id))
    return await _create(rt, kind, author, ap_id, write, addressees, district_ids, members_of)


async def release(rt: Runtime, kind: Kind, record, write: Write, *, addressees: Iterable[str | None] = (),
                  district_ids: Iterable[str] = ()) -> str:
    """A held record approved: `write` (which lifts the hold) and its Create and boosts, at once."""
    author = await actors_store.referenced_actor(rt.db.reader, record.owner_id)
    activity_id, _ = await _create(rt, kind, author, record.ap_id, write, addressees, district_ids,
                                   getattr(record, "members_of", None))
    return activity_id


async def _create(rt: Runtime, kind: Kind, author: Actor, ap_id: str, write: Write,
                  addressees: Iterable[str | None], district_ids: Iterable[str],
                  members_of: int | None = None) -> tuple[str, dict]:
    recipients = await _addressed(rt, author, addressees, members_of)
    # A limited or suspended account's posts are not boosted into the district feeds, nor members-only ones.
    listed = author.limited_at is None and author.suspended_at is None and members_of is None
    boosts = await districts.announcements(rt, list(district_ids), ap_id) if listed else []
    async with outgoing(rt) as out:
        await write(out.conn)
        record = await kind.get(out.conn, ap_id)
        document = await kind.document(out.conn, rt.config, record)
        # Whom `write` made part of its audience (the cities an organisation publishes an idea to).
        recipients.remote_inboxes.update(await kind.audience(out.conn, record))
        activity_id = await out.queue(author, activities.create(rt.config, author, without_context(document)),
                                      recipients)
        for announcer, boost, boost_recipients in boosts:
            await out.queue(announcer, boost, boost_recipients)
    return activity_id, document


async def update(rt: Runtime, kind: Kind, record, write: Write | None = None, *,
                 addressees: Iterable[str | None] = ()) -> dict:
    """Apply `write` and send the record's new state as Update (from its owner) in one transaction.

    The Update goes to the owner's followers, the addressees and the kind's audience.
    Returns the new document.
    """
    owner = await actors_store.referenced_actor(rt.db.reader, record.owner_id)
    recipients = await _addressed(rt, owner, addressees, getattr(record, "members_of", None))
    async with outgoing(rt) as out:
        if write is not None:
            await write(out.conn)
        current = await kind.get(out.conn, record.ap_id)
        if current.deleted_at is not None:
            raise Gone(f"{kind.name} {record.ap_id} was deleted", field=kind.name)
        document = await kind.document(out.conn, rt.config, current)
        if not members_only(current):
            recipients.remote_inboxes.update(await kind.audience(out.conn, current))
        await out.queue(owner, activities.update(rt.config, owner, without_context(document)), recipients)
    return document


def check_status(kind: Kind, record, status: str) -> None:
    """A status of the kind, and another than the record's."""
    if status not in kind.statuses:
        raise BadRequest(f"the status must be one of {', '.join(kind.statuses)}", field="status",
                         code="invalid_choice", params={"choices": ", ".join(kind.statuses)})
    if record is not None and status == record.status:
        raise Conflict(f"the {kind.name} is already '{status}'", field="status")


async def change_status(rt: Runtime, kind: Kind, actor: Actor, ap_id: str, status: str, write: Write, *,
                        addressees: Iterable[str | None] = ()) -> dict:
    """Move a record to another status (`write` stores it and tells whom it concerns here); an Update goes out."""
    check_status(kind, None, status)
    record = await managed(rt, kind, actor, ap_id)
    check_status(kind, record, status)
    return await update(rt, kind, record, write, addressees=addressees)


async def delete(rt: Runtime, kind: Kind, actor: Actor, ap_id: str, *, also: Write | None = None) -> None:
    """A Tombstone here, and a Delete to everyone who had it, in one transaction (with `also`: a
    moderator's removal records its action there)."""
    record = await managed(rt, kind, actor, ap_id)
    owner = await actors_store.referenced_actor(rt.db.reader, record.owner_id)
    space = await audience.audience_actor(rt, getattr(record, "members_of", None))
    if space is not None:  # members-only: its Delete is addressed as it was, and goes to no server
        activity = activities.delete(rt.config, owner, ap_id, to=[audience.audience_collection(rt.config, space)])
        recipients = Recipients(bounce_local=False)
    else:
        activity = activities.delete(rt.config, owner, ap_id, cc=[owner.followers_url])
        recipients = (await resolve_recipients(rt, owner, activity)).without_local()
    async with outgoing(rt) as out:
        current = await kind.get(out.conn, ap_id)
        if current.deleted_at is not None:
            raise Gone(f"{kind.name} {ap_id} was deleted", field=kind.name)
        if not members_only(current):
            recipients.remote_inboxes.update(await kind.audience(out.conn, current))
        await kind.mark_deleted(out.conn, current.id)
        if also is not None:
            await also(out.conn)
        await out.queue(owner, activity, recipients)


def tombstone(kind: Kind, record) -> dict:
    """What the id of a deleted record answers (with 410)."""
    return {"@context": ld.AS_CONTEXT, "id": record.ap_id, "type": "Tombstone", "formerType": kind.former_type,
            "deleted": record.deleted_at}


async def remote_deleted(rt: Runtime, kind: Kind, owner: Actor, ap_id: str) -> bool:
    """The origin deleted its record: keep a Tombstone. True if it was one of this kind, by `owner`."""
    async with rt.db.transaction() as conn:
        record = await kind.get(conn, ap_id)
        if record is None or record.is_local or record.owner_id != owner.id:
            return False
        await kind.mark_deleted(conn, record.id)
        return True


def older_than_kept(updated: str | None, kept_updated: str | None) -> bool:
    """A remote record's Update is older than the copy kept here (a retried row after a newer
    one, two handled out of order): the copy stays. Times compared as times (any offset); one
    missing or unreadable compares as not older."""
    try:
        new, kept = (datetime.fromisoformat(t.replace("Z", "+00:00")) for t in (updated or "", kept_updated or ""))
        return _utc(new) < _utc(kept)
    except (TypeError, ValueError):
        return False


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
