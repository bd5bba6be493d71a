"""What organisers do with their events: publish, edit, cancel or postpone, delete. Each is one
transaction through the shared lifecycle; followers and remote attendees get the Update."""

from __future__ import annotations

from datetime import UTC

from wecreate_fed import content, sanitize, urls
from wecreate_fed.errors import Conflict, Forbidden, NotFound
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection, iso, notifications
from wecreate_fed.store import events as events_store
from wecreate_fed.store.actors import Actor
from wecreate_fed.store.events import Event

from .. import audience, districts, lifecycle
from .documents import EVENT
from .times import local, zone
from .validation import EventInput, checked


async def publish(rt: Runtime, organizer: Actor, data: dict) -> tuple[str, dict]:
    """Publish a new event by a local person or organisation: the event, its Create and its
    district's boosts in one transaction. Returns the Create's id and the document."""
    if not organizer.is_local or organizer.type not in ("Person", "Organization"):
        raise Forbidden("only local people and organisations publish events")
    event_input = await checked(rt, data)
    members_of = await audience.members_of_choice(rt, organizer, data.get("members_of"))
    key = urls.new_key()
    district_id = _district_id(rt, event_input)
    language = content.language_tag(data.get("language")) or await lifecycle.author_language(rt, organizer)

    async def write(conn: Connection) -> None:
        await events_store.upsert_event(conn, **_values(rt, event_input, key=key, organizer_id=organizer.id,
                                                        published=iso(), language=language), members_of=members_of)

    return await lifecycle.publish(rt, EVENT, organizer, key, write,
                                   district_ids=[district_id] if district_id else [], members_of=members_of)


def _district_id(rt: Runtime, event_input: EventInput) -> str | None:
    return districts.district_ap_id(rt.config, event_input.district_slug) if event_input.district_slug else None


def _values(rt: Runtime, event_input: EventInput, *, key: str, organizer_id: int, published: str,
            language: str | None, updated: str | None = None) -> dict:
    """The store's columns of a local event (attendee_count is the store's to keep)."""
    return dict(
        ap_id=urls.event_id(rt.config, key), is_local=True, organizer_id=organizer_id, title=event_input.title,
        description_source=event_input.description,
        description_html=sanitize.markdown_to_html(event_input.description),
        starts_at=iso(event_input.starts), ends_at=iso(event_input.ends), timezone=event_input.timezone,
        place_name=event_input.place_name, street=event_input.street, postal_code=event_input.postal_code,
        locality=event_input.locality, online_url=event_input.online_url, capacity=event_input.capacity,
        status=event_input.status, idea_ap_id=event_input.linked_idea, district_ap_id=_district_id(rt, event_input),
        url=urls.page_of(rt.config, "event", key), published=published, updated=updated, language=language,
    )


async def local_event(rt: Runtime, ap_id: str) -> Event:
    """A live local event (NotFound, or Gone once deleted)."""
    return await lifecycle.local(rt, EVENT, ap_id)


def _current_fields(rt: Runtime, event: Event) -> dict:
    tz = zone(event.timezone) or UTC
    return {
        "title": event.title, "description": event.description_source or "",
        "starts_at": local(event.starts_at, tz), "ends_at": local(event.ends_at, tz),
        "timezone": event.timezone, "place_name": event.place_name, "street": event.street,
        "postal_code": event.postal_code, "locality": event.locality, "online_url": event.online_url,
        "capacity": event.capacity, "status": event.status,
        "district": districts.slug_of(rt.config, event.district_ap_id) if event.district_ap_id else None,
        "linked_idea": event.idea_ap_id,
    }


async def edit(rt: Runtime, editor: Actor, ap_id: str, data: dict) -> dict:
    """Edit a local event (fields not given stay as they are); the change and its Update are one transaction."""
    event = await lifecycle.managed(rt, EVENT, editor, ap_id)
    await audience.unchanged(rt, editor, data.get("members_of"), event.members_of)
    current = _current_fields(rt, event)
    # An idea linked earlier may be gone by now; that must not stop a cancellation.
    event_input = await checked(rt, {**current, **{k: v for k, v in data.items() if k in current}},
                                linked_before=event.idea_ap_id)
    local_id = urls.parse(rt.config, ap_id)
    if local_id is None:  # a local event whose id is not under our base URL (it moved)
        raise NotFound(f"no event {ap_id} here", field="event")
    key = local_id.key

    async def write(conn: Connection) -> None:
        attending = await events_store.count_accepted_attendees(conn, event.id)
        if event_input.capacity is not None and event_input.capacity < attending:
            raise Conflict(f"the capacity cannot be below the {attending} people already attending",
                           field="capacity", params={"attending": attending})
        await events_store.upsert_event(conn, **_values(rt, event_input, key=key, organizer_id=event.organizer_id,
                                                        published=event.published, updated=iso(),
                                                        language=content.language_tag(data.get("language"))
                                                        or event.language))
        if event_input.status != event.status:
            await notify_attendees(conn, event, editor, event_input.status)

    return await lifecycle.update(rt, EVENT, event, write)


async def change_status(rt: Runtime, actor: Actor, ap_id: str, status: str) -> dict:
    """Cancel, postpone or reschedule a local event; its followers and attendees get the Update."""
    lifecycle.check_status(EVENT, None, status)
    event = await lifecycle.local(rt, EVENT, ap_id)

    async def write(conn: Connection) -> None:
        await events_store.set_event_status(conn, event.id, status)
        await notify_attendees(conn, event, actor, status)

    return await lifecycle.change_status(rt, EVENT, actor, ap_id, status, write)


async def notify_attendees(conn: Connection, event: Event, by: Actor, status: str) -> None:
    """Tell the local people attending that the event is now cancelled, postponed or on again."""
    people = [p for p in await events_store.list_local_attendee_ids(conn, event.id) if p != by.id]
    await notifications.add(conn, people, kind="status_changed", object_ap_id=event.ap_id, by_ap_id=by.ap_id,
                            params={"what": "event", "title": event.title, "status": status})


async def delete(rt: Runtime, actor: Actor, ap_id: str, *, also: lifecycle.Write | None = None) -> None:
    """Delete a local event: a Tombstone here, a Delete to everyone who had it (`also` in that transaction)."""
    await lifecycle.delete(rt, EVENT, actor, ap_id, also=also)
