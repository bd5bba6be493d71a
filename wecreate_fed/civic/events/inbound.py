"""Events of other servers (WeCreate, Mobilizon, FEP-8a8e): their documents read into typed
records, kept, refreshed, deleted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from actors import remote
from wecreate_fed import content, ld, limits, sanitize, urls
from wecreate_fed.errors import BadRequest, Gone, NotFound, WeCreateError
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import events as events_store
from wecreate_fed.store import iso
from wecreate_fed.store.actors import Actor
from wecreate_fed.store.events import Event

from .. import lifecycle, ownership
from .commands import notify_attendees
from .documents import EVENT, is_event_document, location_of, status_of
from .times import zone
from .validation import TITLE_MAX

# FEP-8a8e lets a receiver infer an end when the origin gives none.
ASSUMED_DURATION = timedelta(hours=2)


@dataclass(frozen=True)
class RemoteEvent:
    """An event as its origin describes it, read and cleaned."""

    ap_id: str
    organizer_ap_id: str
    title: str
    description_html: str
    starts_at: str
    ends_at: str
    timezone: str
    place: dict              # place_name, street, postal_code, locality
    online_url: str | None
    capacity: int | None
    status: str
    idea_ap_id: str | None
    district_ap_id: str | None
    url: str
    attendee_count: int
    published: str
    updated: str | None
    language: str | None = None


def parse_remote(document: dict, organizer_ap_id: str) -> RemoteEvent:
    """Read an Event of another server sent by `organizer_ap_id` (BadRequest naming what is wrong)."""
    if not is_event_document(document):
        raise BadRequest("the object is not an Event", field="object.type", code="invalid_choice")
    document = limits.capped(document, "object")  # also when it was fetched rather than delivered
    if ld.get_id(document.get("attributedTo")) != organizer_ap_id:
        raise BadRequest("an event must be attributed to the one who sends it", field="object.attributedTo",
                         code="forbidden")
    if not urls.same_origin(document["id"], organizer_ap_id):
        raise BadRequest("an event must live on its organiser's host", field="object.id", code="forbidden")
    starts = _moment(document.get("startTime"))
    if starts is None:
        raise BadRequest("the event has no valid startTime", field="object.startTime", code="datetime")
    ends = _moment(document.get("endTime")) or starts + ASSUMED_DURATION
    if ends <= starts:
        raise BadRequest("the event ends before it starts", field="object.endTime", code="end_after_start")
    place, online_url = location_of(document)
    online_url = urls.http_url(online_url) if urls.is_http_url(online_url) else None
    capacity = document.get("maximumAttendeeCapacity")
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity <= 0:
        capacity = None  # Mobilizon sends 0 for "no limit"
    attendees = document.get("attendees")
    if not isinstance(attendees, dict):
        attendees = {}
    published = document.get("published")
    html, language = content.read_content(document)  # `content`, else `contentMap`
    return RemoteEvent(
        ap_id=document["id"], organizer_ap_id=organizer_ap_id,
        title=sanitize.plain_text(document.get("name"), TITLE_MAX) or "(ohne Titel)",
        description_html=sanitize.clean_html(html), starts_at=iso(starts), ends_at=iso(ends),
        timezone=document["timezone"] if zone(document.get("timezone")) else "UTC",
        place=place, online_url=online_url, capacity=capacity, status=status_of(document, "scheduled"),
        idea_ap_id=ld.get_id(document.get("linkedIdea")), district_ap_id=ld.get_id(document.get("district")),
        url=_url(document.get("url")) or document["id"],
        attendee_count=_count(document.get("participantCount")) or _count(attendees.get("totalItems")),
        published=published if isinstance(published, str) else iso(),
        updated=document.get("updated") if isinstance(document.get("updated"), str) else None, language=language,
    )


def _moment(value) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    # A time without offset from elsewhere is read as UTC, as ActivityStreams dates should carry one.
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _url(value) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("href"), str):
        return value["href"]
    url = ld.get_id(value)
    return url if urls.is_http_url(url) else None


def _count(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


async def store_remote(rt: Runtime, organizer: Actor, event: RemoteEvent) -> None:
    """Keep (or refresh) an event published on another server; its local attendees hear of a new status."""
    if event.organizer_ap_id != organizer.ap_id:
        raise BadRequest("an event must be attributed to the one who sends it", field="object.attributedTo",
                         code="forbidden")
    async with rt.db.transaction() as conn:
        before = await events_store.get_event(conn, event.ap_id)
        # Its organiser's alone, and never again once deleted (however it reached us: inbox, fetch, boost).
        await ownership.check_change(conn, "Update" if before else "Create", event.ap_id, organizer.ap_id)
        if before is not None and lifecycle.older_than_kept(event.updated, before.updated):
            return
        if before is not None and before.status != event.status:
            await notify_attendees(conn, before, organizer, event.status)
        await events_store.upsert_event(
            conn, ap_id=event.ap_id, is_local=False, organizer_id=organizer.id, title=event.title,
            description_source=None, description_html=event.description_html, starts_at=event.starts_at,
            ends_at=event.ends_at, timezone=event.timezone, **event.place, online_url=event.online_url,
            capacity=event.capacity, status=event.status, idea_ap_id=event.idea_ap_id,
            district_ap_id=event.district_ap_id, url=event.url, attendee_count=event.attendee_count,
            published=event.published, updated=event.updated, language=event.language,
        )


async def remote_deleted(rt: Runtime, organizer: Actor, ap_id: str) -> bool:
    """The origin deleted its event: keep a Tombstone. True if it was an event."""
    return await lifecycle.remote_deleted(rt, EVENT, organizer, ap_id)


async def is_known(rt: Runtime, ap_id: str) -> bool:
    return await events_store.get_event(rt.db.reader, ap_id) is not None


async def find_or_fetch(rt: Runtime, ap_id: str) -> Event:
    """An event we know, or a remote one fetched (signed) and kept now."""
    event = await events_store.get_event(rt.db.reader, ap_id)
    if event is None and not urls.is_local(rt.config, ap_id):
        document = await _fetch(rt, ap_id)
        if not is_event_document(document):
            raise BadRequest(f"{ap_id} is not an event", field="event")
        event = await _keep_fetched(rt, document)
    if event is None:
        raise NotFound(f"no event {ap_id} here", field="event")
    if event.deleted_at is not None:
        raise Gone(f"event {ap_id} was deleted", field="event")
    return event


async def is_event_ref(rt: Runtime, ap_id: str) -> bool:
    """Known as an event here, or a remote Event (fetched and kept now)."""
    if await events_store.get_event(rt.db.reader, ap_id) is not None:
        return True
    if urls.is_local(rt.config, ap_id):
        return False
    document = await _fetch(rt, ap_id)
    return is_event_document(document) and await _keep_fetched(rt, document) is not None


async def _fetch(rt: Runtime, ap_id: str) -> dict:
    try:
        document = await remote.fetch_document(rt, ap_id)
    except WeCreateError as e:
        raise BadRequest(f"cannot fetch {ap_id}: {e}", field="event", code="fetch_failed") from e
    if document.get("id") != ap_id:
        raise BadRequest(f"fetching {ap_id} returned another object", field="event")
    return document


async def _keep_fetched(rt: Runtime, document: dict) -> Event | None:
    organizer = await remote.get_actor(rt, ld.get_id(document.get("attributedTo")) or "")
    await store_remote(rt, organizer, parse_remote(document, organizer.ap_id))
    return await events_store.get_event(rt.db.reader, document["id"])
