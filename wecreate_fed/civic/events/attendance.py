"""Attending events: local people attend and leave (here or elsewhere); remote people join and
leave ours; organisers elsewhere answer our Joins.

People attend with `Join` and leave with `Leave` (or `Undo` of their pending Join); the
organiser's side answers `Accept`, or `Reject` when the event is full. Each step is one
transaction: the attendance, the notices, and the activity with its deliveries.
"""

from __future__ import annotations

from dataclasses import dataclass

from outbox import activities
from outbox.send import Recipients, outgoing, resolve_recipients
from wecreate_fed import ld, urls
from wecreate_fed.errors import BadRequest, Conflict, Forbidden, NotFound
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import events as events_store
from wecreate_fed.store import iso, notifications, social
from wecreate_fed.store.actors import Actor
from wecreate_fed.store.events import Event

from .inbound import find_or_fetch
from .times import is_over


@dataclass(frozen=True)
class Join:
    """A Join as referenced by an activity: its id, and who joins what when it was embedded."""

    id: str | None
    actor: str | None
    event: str | None


def join_of(value) -> Join:
    """The Join an activity is or refers to (an embedded Join, or only its id)."""
    if isinstance(value, dict):
        return Join(value["id"] if isinstance(value.get("id"), str) else None, ld.get_id(value.get("actor")),
                    ld.get_id(value.get("object")))
    return Join(ld.get_id(value), None, None)


def _join_document(actor_ap_id: str, join_id: str, event_ap_id: str, organizer_ap_id: str) -> dict:
    return {"@context": ld.default_context(), "id": join_id, "type": "Join", "actor": actor_ap_id,
            "object": event_ap_id, "to": [organizer_ap_id], "published": iso()}


def _still_open(event: Event) -> None:
    if event.status == "cancelled":
        raise Conflict("the event is cancelled", field="event")
    if is_over(event.ends_at):
        raise Conflict("the event is over", field="event")


def _full(event: Event, attending: int) -> bool:
    return event.capacity is not None and attending >= event.capacity


# --- local people --------------------------------------------------------------------------

async def attend(rt: Runtime, actor: Actor, event_ap_id: str) -> str:
    """A local person attends: accepted at once here, or a Join to the event's server. Returns the Join's id."""
    if not actor.is_local or actor.type not in ("Person", "Organization"):
        raise Forbidden("only local people and organisations attend events")
    event = await find_or_fetch(rt, event_ap_id)
    _still_open(event)
    join_id = urls.new_activity_id(rt.config)
    remote_join: tuple[dict, Recipients] | None = None  # the Join to a remote event, and its recipients
    if not event.is_local:
        organizer = await actors_store.referenced_actor(rt.db.reader, event.organizer_id)
        join = _join_document(actor.ap_id, join_id, event.ap_id, organizer.ap_id)
        remote_join = join, (await resolve_recipients(rt, actor, join)).without_local()
    async with outgoing(rt) as out:
        existing = await events_store.get_attendance(out.conn, event.id, actor.id)
        if existing is not None and existing.state in ("accepted", "pending"):
            raise Conflict("you already attend this event" if existing.state == "accepted"
                           else "your request to attend is waiting for the organiser's answer", field="event")
        if remote_join is None:
            if _full(event, await events_store.count_accepted_attendees(out.conn, event.id)):
                raise Conflict("the event is full", field="event")
            await events_store.set_attendance(out.conn, event.id, actor.id, "accepted", join_id)
            return join_id
        await events_store.set_attendance(out.conn, event.id, actor.id, "pending", join_id)
        return await out.queue(actor, *remote_join)


async def leave(rt: Runtime, actor: Actor, event_ap_id: str) -> str | None:
    """A local person no longer attends: Leave (or Undo of a Join still waiting) to a remote event."""
    event = await events_store.get_event(rt.db.reader, event_ap_id)
    attendance = await events_store.get_attendance(rt.db.reader, event.id, actor.id) if event else None
    if event is None or attendance is None or attendance.state == "rejected":
        raise NotFound("you do not attend this event", field="event")
    outbound: tuple[dict, Recipients] | None = None  # what a remote event's organiser is told
    if not event.is_local:
        organizer = await actors_store.referenced_actor(rt.db.reader, event.organizer_id)
        if attendance.state == "pending":
            join = _join_document(actor.ap_id, attendance.join_ap_id, event.ap_id, organizer.ap_id)
            activity = activities.undo(rt.config, actor, join)
        else:
            activity = {"@context": ld.default_context(), "id": urls.new_activity_id(rt.config), "type": "Leave",
                        "actor": actor.ap_id, "object": event.ap_id, "to": [organizer.ap_id], "published": iso()}
        outbound = activity, (await resolve_recipients(rt, actor, activity)).without_local()
    async with outgoing(rt) as out:
        if not await events_store.delete_attendance(out.conn, event.id, actor.id):
            raise NotFound("you do not attend this event", field="event")  # left meanwhile
        return await out.queue(actor, *outbound) if outbound is not None else None


async def attended_event(rt: Runtime, actor: Actor, join_ap_id: str) -> str | None:
    """The event a local person's Join (by its id) was for, or None if it is not theirs."""
    attendance = await events_store.get_attendance_by_join(rt.db.reader, join_ap_id)
    if attendance is None or attendance.actor_id != actor.id:
        return None
    event = await events_store.get_event_by_id(rt.db.reader, attendance.event_id)
    return event.ap_id if event is not None else None


# --- from other servers ---------------------------------------------------------------------

async def _our_event(rt: Runtime, ap_id: str | None) -> Event | None:
    if not ap_id or not urls.is_local(rt.config, ap_id):
        return None
    event = await events_store.get_event(rt.db.reader, ap_id)
    return event if event is not None and event.is_local else None


async def join_received(rt: Runtime, signer: Actor, join: Join) -> bool:
    """A remote person joins one of our events: Accept, or Reject when it is full, over or cancelled.

    The attendance, the organiser's notice and the answer are one transaction. The same Join
    delivered again gets the same answer again (the peer may have missed it). False when the
    Join is not about one of our events (a Group, say), for other handlers.
    """
    event = await _our_event(rt, join.event)
    if event is None:
        return False
    if join.actor != signer.ap_id:
        raise BadRequest("a Join must be sent by the one who joins", field="actor", code="forbidden")
    if not join.id:
        raise BadRequest("the Join has no id", field="id", code="required")
    organizer = await actors_store.referenced_actor(rt.db.reader, event.organizer_id)
    request = {"id": join.id, "type": "Join", "actor": signer.ap_id, "object": event.ap_id}
    recipients = (await resolve_recipients(rt, organizer, {"id": join.id, "to": [signer.ap_id]})).without_local()
    async with outgoing(rt) as out:
        conn = out.conn
        earlier = await events_store.get_attendance(conn, event.id, signer.id)
        if earlier is not None and (earlier.join_ap_id == join.id or earlier.state == "accepted"):
            state = earlier.state
            if earlier.join_ap_id != join.id:
                await events_store.set_attendance(conn, event.id, signer.id, state, join.id)
        else:
            current = await events_store.get_event_by_id(conn, event.id)
            closed = (current is None or current.deleted_at is not None or current.status == "cancelled"
                      or is_over(current.ends_at))
            full = current is not None and _full(current, await events_store.count_accepted_attendees(conn, event.id))
            state = "rejected" if closed or full else "accepted"
            await events_store.set_attendance(conn, event.id, signer.id, state, join.id)
            if state == "accepted":
                await notifications.add(conn, [event.organizer_id], kind="attend", object_ap_id=event.ap_id,
                                        by_ap_id=signer.ap_id,
                                        params={"name": signer.name or signer.handle, "title": event.title})
        answer = activities.accept if state == "accepted" else activities.reject
        await out.queue(organizer, answer(rt.config, organizer, request, signer.ap_id), recipients)
    return True


async def leave_received(rt: Runtime, signer: Actor, *, event_ap_id: str | None = None,
                         join_ap_id: str | None = None) -> bool:
    """A remote person leaves one of our events: a Leave of the event, or an Undo of their Join.

    False when it is not about an attendance of one of our events, for other handlers.
    """
    row = await events_store.get_attendance_by_join(rt.db.reader, join_ap_id) if join_ap_id else None
    if row is not None and row.actor_id != signer.id:
        raise Forbidden("an Undo of someone else's Join", field="object.actor")
    event = (await events_store.get_event_by_id(rt.db.reader, row.event_id) if row is not None
             else await _our_event(rt, event_ap_id))
    if event is None or not event.is_local:
        return False
    async with rt.db.transaction() as conn:
        await events_store.delete_attendance(conn, event.id, signer.id)
    return True


async def join_answered(rt: Runtime, signer: Actor, join: Join, *, accepted: bool, said_at: str | None = None) -> bool:
    """The organiser of a remote event accepted or rejected a local person's Join (at `said_at`, the
    answer's published as UTC text, if it gave one: an older answer than the last changes nothing).

    Matched by the Join's id, or by who joined what when the answer embeds a Join with
    another id. False when the Accept/Reject is not about a Join of ours (a Follow, say).
    """
    row = await events_store.get_attendance_by_join(rt.db.reader, join.id) if join.id else None
    # Not for a Join of ours withdrawn since (then joined anew): its late answer is not for the new one.
    if row is None and join.actor and join.event and not (join.id and await social.was_withdrawn(rt.db.reader, join.id)):
        joiner = await actors_store.get_actor_by_ap_id(rt.db.reader, join.actor)
        event = await events_store.get_event(rt.db.reader, join.event)
        if joiner is not None and joiner.is_local and event is not None:
            row = await events_store.get_attendance(rt.db.reader, event.id, joiner.id)
    if row is None:
        return False
    async with rt.db.transaction() as conn:
        event = await events_store.get_event_by_id(conn, row.event_id)
        if event is None or event.is_local or event.organizer_id != signer.id:
            raise Forbidden("only the event's organiser answers a Join", field="actor")
        state = "accepted" if accepted else "rejected"
        if await events_store.answer_attendance(conn, row.event_id, row.actor_id, row.join_ap_id, state, said_at):
            await notifications.add(
                conn, [row.actor_id], kind="attend_answered", object_ap_id=event.ap_id, by_ap_id=signer.ap_id,
                params={"title": event.title, "accepted": accepted})
    return True
