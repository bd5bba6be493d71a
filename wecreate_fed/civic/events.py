"""Events: meetings, neighbourhood actions, council sessions; attending them; calendars.

An event federates as an ActivityStreams `Event` shaped the way Mobilizon writes and reads
one, and as FEP-8a8e describes: `startTime`/`endTime` in the event's own time zone plus
`timezone`, a `location` Place with a PostalAddress, the online link as Mobilizon's
"Website" attachment, `ical:status`, `joinMode`, capacity and participant figures, an
`attendees` collection, and our own terms (`district`, `linkedIdea`).
People attend with `Join` and leave with `Leave` (or `Undo` of their pending Join); the
organiser's side answers `Accept`, or `Reject` when the event is full.
"""

from __future__ import annotations

import uuid
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from actors import remote
from outbox import activities
from outbox.send import send
from wecreate_fed import ld, sanitize, urls
from wecreate_fed.config import Config
from wecreate_fed.errors import BadRequest, Conflict, Forbidden, Gone, NotFound, WeCreateError
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import civic as civic_store
from wecreate_fed.store import iso
from wecreate_fed.store.actors import Actor

from . import districts, ideas

PATH = "/events/"   # the ActivityPub id
PAGE_PATH = "/e/"   # the web page people are sent to (`url`)
STATUSES = ("scheduled", "cancelled", "postponed")
ICAL_STATUS = {"scheduled": "CONFIRMED", "postponed": "TENTATIVE", "cancelled": "CANCELLED"}
FEP_STATUS = {"scheduled": "EventScheduled", "postponed": "EventPostponed", "cancelled": "EventCancelled"}
FEP = "https://w3id.org/fep/8a8e/"
DEFAULT_TIMEZONE = "Europe/Berlin"
TITLE_MAX, DESCRIPTION_MAX, PLACE_MAX, POSTAL_CODE_MAX, CAPACITY_MAX = 200, 20_000, 200, 20, 1_000_000
# Mobilizon names the online link's attachment "Website" and reads it back by that name.
ONLINE_LINK_NAME = "Website"
# FEP-8a8e lets a receiver infer an end when the origin gives none.
ASSUMED_DURATION = timedelta(hours=2)


@dataclass
class EventInput:
    title: str
    description: str
    starts: datetime  # aware
    ends: datetime
    timezone: str
    place_name: str | None
    street: str | None
    postal_code: str | None
    locality: str | None
    online_url: str | None
    capacity: int | None
    status: str
    district_slug: str | None
    linked_idea: str | None


def validate(config: Config, data: dict) -> EventInput:
    """Check a submitted event (website form or client-to-server); BadRequest naming every problem."""
    event_input, problems = _check(config, data)
    if problems:
        raise BadRequest("; ".join(problems))
    return event_input


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)  # stands in for a time that did not parse


def _check(config: Config, data: dict) -> tuple[EventInput, list[str]]:
    problems: list[str] = []

    def text(name: str, label: str, limit: int, required: bool = False) -> str | None:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                problems.append(f"{label} is required")
            return None
        if not isinstance(value, str):
            problems.append(f"{label} must be text")
            return None
        if len(value) > limit:
            problems.append(f"{label} is longer than {limit} characters")
        return value.strip()

    given_title = text("title", "a title", TITLE_MAX, required=True)
    title = sanitize.plain_text(given_title)
    if given_title and not title:
        problems.append("a title is required (text, not markup)")
    description = text("description", "the description", DESCRIPTION_MAX) or ""
    tz_name = data.get("timezone") or DEFAULT_TIMEZONE
    tz_name = tz_name.strip() if isinstance(tz_name, str) else tz_name
    tz = _zone(tz_name)
    if tz is None:
        problems.append(f"'{tz_name}' is not a time zone (use an IANA name such as {DEFAULT_TIMEZONE})")
    starts = _moment(data.get("starts_at"), tz or timezone.utc, "the start", problems)
    ends = _moment(data.get("ends_at"), tz or timezone.utc, "the end", problems)
    if starts and ends and ends <= starts:
        problems.append(f"the event must end after it starts (end {ends.isoformat()} is not after "
                        f"start {starts.isoformat()})")
    place = {name: sanitize.plain_text(text(name, name.replace("_", " "), limit)) or None
             for name, limit in (("place_name", PLACE_MAX), ("street", PLACE_MAX),
                                 ("postal_code", POSTAL_CODE_MAX), ("locality", PLACE_MAX))}
    online_url = text("online_url", "the online link", 2000)
    if online_url is not None and (urlsplit(online_url).scheme not in ("http", "https")
                                   or not urlsplit(online_url).hostname):
        problems.append("the online link must be an http(s) URL")
    if not any(place.values()) and not online_url:
        problems.append("a place (place_name, street, postal_code, locality) or an online link is required")
    capacity = _capacity(data.get("capacity"), problems)
    status = data.get("status") or "scheduled"
    if status not in STATUSES:
        problems.append(f"the status must be one of {', '.join(STATUSES)}")
    slug = data.get("district") or None
    if slug is not None:
        try:
            districts.by_slug(config, slug if isinstance(slug, str) else "")
        except BadRequest as e:
            problems.append(str(e))
    linked_idea = data.get("linked_idea") or None
    if linked_idea is not None and (not isinstance(linked_idea, str)
                                    or urlsplit(linked_idea).scheme not in ("http", "https")):
        problems.append("the linked idea must be the idea's id (an http(s) URL)")
    return EventInput(title, description, starts or _EPOCH, ends or _EPOCH, tz_name if tz else DEFAULT_TIMEZONE,
                      place["place_name"], place["street"], place["postal_code"], place["locality"],
                      online_url, capacity, status, slug, linked_idea), problems


def _zone(name) -> ZoneInfo | None:
    """The zone of an IANA name; None for anything else (also the host's "localtime")."""
    if not isinstance(name, str) or name not in _iana_names():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@lru_cache(maxsize=1)
def _iana_names() -> frozenset[str]:
    # Read once, on first use (a tenth of a second: it walks the zone files).
    return frozenset(zoneinfo.available_timezones() - {"localtime", "posixrules", "Factory"})


def _moment(value, tz, label: str, problems: list[str]) -> datetime | None:
    """ISO 8601 with an offset, or a local wall time read in the event's time zone."""
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.append(f"{label} is required (ISO 8601, e.g. 2026-05-14T18:00)")
        return None
    try:
        if not isinstance(value, str) or len(value.strip()) <= 10:
            raise ValueError
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        problems.append(f"{label} is not a date and time (ISO 8601, e.g. 2026-05-14T18:00): {str(value)[:40]!r}")
        return None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def _capacity(value, problems: list[str]) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= CAPACITY_MAX:
        problems.append("the capacity must be a whole number above zero, or empty for no limit")
        return None
    return value


async def _checked(rt: Runtime, data: dict, *, linked_before: str | None = None) -> EventInput:
    """validate(), plus whether a newly linked idea exists (that may fetch it)."""
    event_input, problems = _check(rt.config, data)
    if (event_input.linked_idea and event_input.linked_idea != linked_before
            and not any(p.startswith("the linked idea") for p in problems)):
        try:
            idea = await ideas.find_or_fetch(rt, event_input.linked_idea)
            event_input.linked_idea = idea["ap_id"]
        except WeCreateError as e:
            problems.append(f"the linked idea cannot be used: {e}")
    if problems:
        raise BadRequest("; ".join(problems))
    return event_input


def fields_from_object(config: Config, obj: dict) -> dict:
    """The website's event fields from an ActivityStreams Event carrying our terms (client-to-server)."""
    source = obj.get("source") if isinstance(obj.get("source"), dict) else {}
    description = source.get("content") if isinstance(source.get("content"), str) else (
        sanitize.plain_text(obj["content"]) if isinstance(obj.get("content"), str) else None)
    place, online_url = _location(obj, limit=None)  # over-long values are refused by validate(), not cut
    district = ld.get_id(obj.get("district"))
    # An unknown status is passed on as given, so that validate() names it.
    status = _status_of(obj, None) or next((obj[k] for k in ("eventStatus", "ical:status", "status") if obj.get(k)),
                                           None)
    return {
        "title": obj.get("name"), "description": description,
        "starts_at": obj.get("startTime"), "ends_at": obj.get("endTime"), "timezone": obj.get("timezone"),
        **place, "online_url": online_url, "capacity": obj.get("maximumAttendeeCapacity"), "status": status,
        "district": (districts.slug_of(config, district) or district) if district else None,
        "linked_idea": ld.get_id(obj.get("linkedIdea")),
    }


def _location(document: dict, limit: int | None = PLACE_MAX) -> tuple[dict, str | None]:
    """Place fields and online link from `location` (one Place, or FEP-8a8e's list) and attachments."""
    place: dict = {"place_name": None, "street": None, "postal_code": None, "locality": None}
    online_url = None
    for item in ld.as_list(document.get("location")):
        if not isinstance(item, dict):
            continue
        if item.get("type") == "VirtualLocation" and online_url is None:
            online_url = ld.get_id(item.get("url"))
        elif item.get("type") == "Place" and place["place_name"] is None:
            place["place_name"] = _text(item.get("name"), limit)
            address = item.get("address")
            if isinstance(address, dict):
                place.update(street=_text(address.get("streetAddress"), limit),
                             postal_code=_text(address.get("postalCode"), limit and POSTAL_CODE_MAX),
                             locality=_text(address.get("addressLocality"), limit))
            elif isinstance(address, str):
                place["street"] = _text(address, limit)  # FEP-8a8e allows the address as one line of text
    for item in ld.as_list(document.get("attachment")):
        if (online_url is None and isinstance(item, dict) and item.get("type") == "Link"
                and item.get("name") == ONLINE_LINK_NAME):
            online_url = ld.get_id(item.get("href"))
    return place, online_url


def _text(value, limit: int | None) -> str | None:
    return sanitize.plain_text(value, limit) or None if isinstance(value, str) else None


def _status_of(document: dict, default: str | None) -> str | None:
    """Our status from FEP-8a8e's eventStatus, else Mobilizon's status / ical:status."""
    fep = ld.get_id(document.get("eventStatus")) or ""
    for status, name in FEP_STATUS.items():
        if fep.endswith(name):
            return status
    if fep.endswith("EventTentative"):
        return "postponed"
    ical = document.get("status") or document.get("ical:status")
    if isinstance(ical, str):
        for status, name in ICAL_STATUS.items():
            if ical.upper() == name:
                return status
    return default


# --- the document -------------------------------------------------------------------

def event_document(event, organizer_ap_id: str, organizer_followers: str | None) -> dict:
    """The ActivityStreams object of a local event."""
    tz = _zone(event["timezone"]) or timezone.utc
    count = event["attendee_count"]
    document = {
        "@context": ld.default_context(),
        "id": event["ap_id"],
        "type": "Event",
        "name": event["title"],
        "content": event["description_html"],
        "mediaType": "text/html",
        "source": {"content": event["description_source"] or "", "mediaType": "text/markdown"},
        "url": event["url"] or event["ap_id"],
        "attributedTo": organizer_ap_id,
        "organizers": {"type": "Collection", "totalItems": 1, "items": [organizer_ap_id]},
        "to": [ld.PUBLIC],
        "cc": [c for c in [organizer_followers] if c],
        "published": event["published"],
        "startTime": _local(event["starts_at"], tz),
        "endTime": _local(event["ends_at"], tz),
        "timezone": event["timezone"],
        "joinMode": "free",
        "ical:status": ICAL_STATUS[event["status"]],
        "eventStatus": FEP + FEP_STATUS[event["status"]],
        "isOnline": bool(event["online_url"]) and not _has_place(event),
        "participantCount": count,
        "attendees": {"id": f"{event['ap_id']}/attendees", "type": "OrderedCollection", "totalItems": count},
    }
    location = _place_object(event)
    if location is None and event["online_url"]:
        location = {"type": "VirtualLocation", "name": "Online", "url": event["online_url"]}
    if location is not None:
        # One object, not FEP-8a8e's list: Mobilizon reads `location` as a single Place.
        document["location"] = location
    if event["online_url"]:
        document["attachment"] = [{"type": "Link", "name": ONLINE_LINK_NAME, "mediaType": "text/html",
                                   "href": event["online_url"]}]
    if event["capacity"] is not None:
        document["maximumAttendeeCapacity"] = event["capacity"]
        document["remainingAttendeeCapacity"] = max(0, event["capacity"] - count)
    if event["updated"]:
        document["updated"] = event["updated"]
    if event["district_ap_id"]:
        document["district"] = event["district_ap_id"]
    if event["idea_ap_id"]:
        document["linkedIdea"] = event["idea_ap_id"]
    return document


def _has_place(event) -> bool:
    return any(event[k] for k in ("place_name", "street", "postal_code", "locality"))


def _place_object(event) -> dict | None:
    if not _has_place(event):
        return None
    place: dict = {"type": "Place", "name": event["place_name"] or event["street"] or event["locality"]}
    address = {k: v for k, v in (("streetAddress", event["street"]), ("postalCode", event["postal_code"]),
                                 ("addressLocality", event["locality"])) if v}
    if address:
        place["address"] = {"type": "PostalAddress", **address}
    return place


def _utc(stored: str) -> datetime:
    return datetime.fromisoformat(stored).astimezone(timezone.utc)


def _local(stored: str, tz) -> str:
    return _utc(stored).astimezone(tz).isoformat(timespec="seconds")


async def document_for(rt: Runtime, event) -> dict:
    """The current ActivityStreams document of a local event row."""
    organizer = await actors_store.get_actor(rt.db.reader, event["organizer_id"])
    return event_document(event, organizer.ap_id, organizer.followers_url)


# --- local people act ---------------------------------------------------------------

async def publish(rt: Runtime, organizer: Actor, data: dict) -> tuple[str, dict]:
    """Publish a new event by a local person or organisation; returns the Create's id and the document."""
    if not organizer.is_local or organizer.type not in ("Person", "Organization"):
        raise Forbidden("only local people and organisations publish events")
    event_input = await _checked(rt, data)
    ap_id = f"{rt.config.base_url}{PATH}{uuid.uuid4()}"
    district_id = districts.district_ap_id(rt.config, event_input.district_slug) if event_input.district_slug else None
    async with rt.db.transaction() as conn:
        await civic_store.upsert_event(conn, **_values(event_input, ap_id=ap_id, organizer_id=organizer.id,
                                                       district_id=district_id, published=iso()))
        event = await civic_store.get_event(conn, ap_id)
    document = await document_for(rt, event)
    activity_id = await send(rt, organizer, activities.create(rt.config, organizer, ld.without_context(document)))
    await districts.announce_new(rt, [district_id] if district_id else [], ap_id)
    return activity_id, document


def _values(event_input: EventInput, *, ap_id: str, organizer_id: int, district_id: str | None, published: str,
            updated: str | None = None) -> dict:
    """The store's columns of a local event (attendee_count is the store's to keep)."""
    return dict(
        ap_id=ap_id, is_local=True, organizer_id=organizer_id, title=event_input.title,
        description_source=event_input.description,
        description_html=sanitize.markdown_to_html(event_input.description),
        starts_at=iso(event_input.starts), ends_at=iso(event_input.ends), timezone=event_input.timezone,
        place_name=event_input.place_name, street=event_input.street, postal_code=event_input.postal_code,
        locality=event_input.locality, online_url=event_input.online_url, capacity=event_input.capacity,
        status=event_input.status, idea_ap_id=event_input.linked_idea, district_ap_id=district_id,
        url=ap_id.replace(PATH, PAGE_PATH, 1),  # base_url has no path, so the first match is ours
        published=published, updated=updated,
    )


async def local_event(rt: Runtime, ap_id: str):
    event = await civic_store.get_event(rt.db.reader, ap_id)
    if event is None or not event["is_local"]:
        raise NotFound(f"no event {ap_id} here")
    if event["deleted_at"] is not None:
        raise Gone(f"event {ap_id} was deleted")
    return event


async def _may_manage(rt: Runtime, actor: Actor, event) -> None:
    """The organiser or a moderator of this instance may edit, cancel, postpone or delete an event."""
    await ideas.require_owner_or_moderator(rt, actor, event["organizer_id"], "the organiser")


def _current_fields(rt: Runtime, event) -> dict:
    tz = _zone(event["timezone"]) or timezone.utc
    return {
        "title": event["title"], "description": event["description_source"] or "",
        "starts_at": _local(event["starts_at"], tz), "ends_at": _local(event["ends_at"], tz),
        "timezone": event["timezone"], "place_name": event["place_name"], "street": event["street"],
        "postal_code": event["postal_code"], "locality": event["locality"], "online_url": event["online_url"],
        "capacity": event["capacity"], "status": event["status"],
        "district": districts.slug_of(rt.config, event["district_ap_id"]) if event["district_ap_id"] else None,
        "linked_idea": event["idea_ap_id"],
    }


async def edit(rt: Runtime, editor: Actor, ap_id: str, data: dict) -> dict:
    """Edit a local event (fields not given stay as they are); federates as Update to followers and attendees."""
    event = await local_event(rt, ap_id)
    await _may_manage(rt, editor, event)
    current = _current_fields(rt, event)
    # An idea linked earlier may be gone by now; that must not stop a cancellation.
    event_input = await _checked(rt, {**current, **{k: v for k, v in data.items() if k in current}},
                                 linked_before=event["idea_ap_id"])
    async with rt.db.transaction() as conn:
        attending = await civic_store.count_accepted_attendees(conn, event["id"])
        if event_input.capacity is not None and event_input.capacity < attending:
            raise Conflict(f"the capacity cannot be below the {attending} people already attending")
        district_id = (districts.district_ap_id(rt.config, event_input.district_slug)
                       if event_input.district_slug else None)
        await civic_store.upsert_event(conn, **_values(event_input, ap_id=ap_id, organizer_id=event["organizer_id"],
                                                       district_id=district_id, published=event["published"],
                                                       updated=iso()))
        if event_input.status != event["status"]:
            await _notify_attendees(conn, event, editor.ap_id, event_input.status)
    return await publish_update(rt, ap_id)


async def change_status(rt: Runtime, actor: Actor, ap_id: str, status: str) -> dict:
    """Cancel, postpone or reschedule a local event; its followers and attendees get the Update."""
    if status not in STATUSES:
        raise BadRequest(f"the status must be one of {', '.join(STATUSES)}")
    event = await local_event(rt, ap_id)
    await _may_manage(rt, actor, event)
    if status == event["status"]:
        raise Conflict(f"the event is already {status}")
    return await edit(rt, actor, ap_id, {"status": status})


async def _notify_attendees(conn, event, by_ap_id: str, status: str) -> None:
    """Tell the local people attending that the event is now cancelled, postponed or on again."""
    rows = await civic_store.list_attendees(conn, event["id"], limit=CAPACITY_MAX)
    people = [await actors_store.get_actor_by_ap_id(conn, r["ap_id"]) for r in rows if r["is_local"]]
    await civic_store.add_notifications(conn, [p.id for p in people if p is not None and p.ap_id != by_ap_id],
                                        kind="status_changed", object_ap_id=event["ap_id"], by_ap_id=by_ap_id,
                                        text=f"{event['title']}: {status}")


async def publish_update(rt: Runtime, ap_id: str) -> dict:
    """Send the event's current state as Update to the organiser's followers and every remote attendee."""
    event = await local_event(rt, ap_id)
    document = await document_for(rt, event)
    organizer = await actors_store.get_actor(rt.db.reader, event["organizer_id"])
    attendees = await civic_store.list_attendee_inboxes(rt.db.reader, event["id"])
    await send(rt, organizer, activities.update(rt.config, organizer, ld.without_context(document)),
               extra_inboxes=attendees)
    return document


async def delete(rt: Runtime, actor: Actor, ap_id: str) -> None:
    """Delete a local event: a Tombstone here, a Delete to everyone who had it."""
    event = await local_event(rt, ap_id)
    await _may_manage(rt, actor, event)
    organizer = await actors_store.get_actor(rt.db.reader, event["organizer_id"])
    attendees = await civic_store.list_attendee_inboxes(rt.db.reader, event["id"])
    async with rt.db.transaction() as conn:
        await civic_store.mark_event_deleted(conn, event["id"])
    await send(rt, organizer, activities.delete(rt.config, organizer, ap_id, cc=[organizer.followers_url]),
               extra_inboxes=attendees)


async def find_or_fetch(rt: Runtime, ap_id: str):
    """An event we know, or a remote one fetched (signed) and stored now."""
    event = await civic_store.get_event(rt.db.reader, ap_id)
    if event is None and not urls.is_local(rt.config, ap_id):
        document = await _fetch(rt, ap_id)
        if not is_event_document(document):
            raise BadRequest(f"{ap_id} is not an event")
        event = await _keep_fetched(rt, document)
    if event is None:
        raise NotFound(f"no event {ap_id} here")
    if event["deleted_at"] is not None:
        raise Gone(f"event {ap_id} was deleted")
    return event


async def _fetch(rt: Runtime, ap_id: str) -> dict:
    try:
        document = await remote.fetch_document(rt, ap_id)
    except WeCreateError as e:
        raise BadRequest(f"cannot fetch {ap_id}: {e}")
    if document.get("id") != ap_id:
        raise BadRequest(f"fetching {ap_id} returned another object")
    return document


async def _keep_fetched(rt: Runtime, document: dict):
    organizer = await remote.get_actor(rt, ld.get_id(document.get("attributedTo")) or "")
    await store_remote(rt, organizer, document)
    return await civic_store.get_event(rt.db.reader, document["id"])


async def attend(rt: Runtime, actor: Actor, event_ap_id: str) -> str:
    """A local person attends: accepted at once here, or a Join to the event's server. Returns the Join's id."""
    if not actor.is_local or actor.type not in ("Person", "Organization"):
        raise Forbidden("only local people and organisations attend events")
    event = await find_or_fetch(rt, event_ap_id)
    _still_open(event)
    join_id = urls.new_activity_id(rt.config)
    async with rt.db.transaction() as conn:
        existing = await civic_store.get_attendance(conn, event["id"], actor.id)
        if existing is not None and existing["state"] in ("accepted", "pending"):
            raise Conflict("you already attend this event" if existing["state"] == "accepted"
                           else "your request to attend is waiting for the organiser's answer")
        if event["is_local"]:
            if _full(event, await civic_store.count_accepted_attendees(conn, event["id"])):
                raise Conflict("the event is full")
            await civic_store.set_attendance(conn, event["id"], actor.id, "accepted", join_id)
            return join_id
        await civic_store.set_attendance(conn, event["id"], actor.id, "pending", join_id)
    organizer = await actors_store.get_actor(rt.db.reader, event["organizer_id"])
    return await send(rt, actor, _join(actor, join_id, event["ap_id"], organizer.ap_id))


def _still_open(event) -> None:
    if event["status"] == "cancelled":
        raise Conflict("the event is cancelled")
    if _utc(event["ends_at"]) < datetime.now(timezone.utc):
        raise Conflict("the event is over")


def _full(event, attending: int) -> bool:
    return event["capacity"] is not None and attending >= event["capacity"]


async def leave(rt: Runtime, actor: Actor, event_ap_id: str) -> str | None:
    """A local person no longer attends: Leave (or Undo of a Join still waiting) to a remote event."""
    event = await civic_store.get_event(rt.db.reader, event_ap_id)
    attendance = await civic_store.get_attendance(rt.db.reader, event["id"], actor.id) if event else None
    if attendance is None or attendance["state"] == "rejected":
        raise NotFound("you do not attend this event")
    async with rt.db.transaction() as conn:
        await civic_store.delete_attendance(conn, event["id"], actor.id)
    if event["is_local"]:
        return None
    organizer = await actors_store.get_actor(rt.db.reader, event["organizer_id"])
    if attendance["state"] == "pending":
        join = _join(actor, attendance["join_ap_id"], event["ap_id"], organizer.ap_id)
        return await send(rt, actor, activities.undo(rt.config, actor, join))
    return await send(rt, actor, _leave(rt.config, actor, event["ap_id"], organizer.ap_id))


def _join(actor: Actor, join_id: str, event_ap_id: str, organizer_ap_id: str) -> dict:
    return {"@context": ld.default_context(), "id": join_id, "type": "Join", "actor": actor.ap_id,
            "object": event_ap_id, "to": [organizer_ap_id], "published": iso()}


def _leave(config: Config, actor: Actor, event_ap_id: str, organizer_ap_id: str) -> dict:
    return {"@context": ld.default_context(), "id": urls.new_activity_id(config), "type": "Leave",
            "actor": actor.ap_id, "object": event_ap_id, "to": [organizer_ap_id], "published": iso()}


async def attended_event(rt: Runtime, actor: Actor, join_ap_id: str) -> str | None:
    """The event a local person's Join (by its id) was for, or None if it is not theirs."""
    attendance = await civic_store.get_attendance_by_join(rt.db.reader, join_ap_id)
    if attendance is None or attendance["actor_id"] != actor.id:
        return None
    event = await civic_store.get_event_by_id(rt.db.reader, attendance["event_id"])
    return event["ap_id"] if event is not None else None


async def is_event_ref(rt: Runtime, ap_id: str) -> bool:
    """Known as an event here, or a remote Event (fetched and kept now)."""
    if await civic_store.get_event(rt.db.reader, ap_id) is not None:
        return True
    if urls.is_local(rt.config, ap_id):
        return False
    document = await _fetch(rt, ap_id)
    return is_event_document(document) and await _keep_fetched(rt, document) is not None


# --- what arrives from other servers ------------------------------------------------

def is_event_document(document) -> bool:
    return isinstance(document, dict) and document.get("type") == "Event" and isinstance(document.get("id"), str)


async def is_known(rt: Runtime, ap_id: str) -> bool:
    return await civic_store.get_event(rt.db.reader, ap_id) is not None


async def join_received(rt: Runtime, signer: Actor, activity: dict) -> bool:
    """A remote person joins one of our events: Accept, or Reject when it is full, over or cancelled.

    The same Join delivered again gets the same answer again (the peer may have missed it).
    False when the Join is not about one of our events (a Group, say), for other handlers.
    """
    event = await _our_event(rt, ld.get_id(activity.get("object")))
    if event is None:
        return False
    if ld.get_id(activity.get("actor")) != signer.ap_id:
        raise BadRequest("a Join must be sent by the one who joins")
    async with rt.db.transaction() as conn:
        earlier = await civic_store.get_attendance(conn, event["id"], signer.id)
        if earlier is not None and (earlier["join_ap_id"] == activity["id"] or earlier["state"] == "accepted"):
            state = earlier["state"]
            if earlier["join_ap_id"] != activity["id"]:
                await civic_store.set_attendance(conn, event["id"], signer.id, state, activity["id"])
        else:
            closed = (event["deleted_at"] is not None or event["status"] == "cancelled"
                      or _utc(event["ends_at"]) < datetime.now(timezone.utc))
            full = _full(event, await civic_store.count_accepted_attendees(conn, event["id"]))
            state = "rejected" if closed or full else "accepted"
            await civic_store.set_attendance(conn, event["id"], signer.id, state, activity["id"])
            if state == "accepted":
                await civic_store.add_notifications(conn, [event["organizer_id"]], kind="attend",
                                                    object_ap_id=event["ap_id"], by_ap_id=signer.ap_id,
                                                    text=f"{signer.name or signer.handle}: {event['title']}")
    organizer = await actors_store.get_actor(rt.db.reader, event["organizer_id"])
    answer = activities.accept if state == "accepted" else activities.reject
    await send(rt, organizer, answer(rt.config, organizer, activity, signer.ap_id))
    return True


async def _our_event(rt: Runtime, ap_id: str | None):
    if not ap_id or not urls.is_local(rt.config, ap_id):
        return None
    event = await civic_store.get_event(rt.db.reader, ap_id)
    return event if event is not None and event["is_local"] else None


async def leave_received(rt: Runtime, signer: Actor, activity: dict) -> bool:
    """A remote person leaves one of our events: a Leave of the event, or an Undo of their Join.

    False when the activity is not about an attendance here, for other handlers.
    """
    if activity.get("type") == "Undo":
        original = activity.get("object")
        is_join = isinstance(original, dict) and original.get("type") == "Join"
        row = await civic_store.get_attendance_by_join(rt.db.reader, ld.get_id(original) or "")
        if row is not None and row["actor_id"] != signer.id:
            raise Forbidden("an Undo of someone else's Join")
        event = (await civic_store.get_event_by_id(rt.db.reader, row["event_id"]) if row is not None
                 else await _our_event(rt, ld.get_id(original.get("object"))) if is_join else None)
        if event is None or not event["is_local"]:
            return is_join
    else:
        event = await _our_event(rt, ld.get_id(activity.get("object")))
        if event is None:
            return False
    async with rt.db.transaction() as conn:
        await civic_store.delete_attendance(conn, event["id"], signer.id)
    return True


async def join_answered(rt: Runtime, signer: Actor, activity: dict, accepted: bool) -> bool:
    """The organiser of a remote event accepted or rejected a local person's Join.

    Matched by the Join's id, or by who joined what when the answer embeds a Join with
    another id. False when the Accept/Reject is not about a Join of ours (a Follow, say).
    """
    referenced = activity.get("object")
    row = await civic_store.get_attendance_by_join(rt.db.reader, ld.get_id(referenced) or "")
    if row is None and isinstance(referenced, dict) and referenced.get("type") == "Join":
        joiner = await actors_store.get_actor_by_ap_id(rt.db.reader, ld.get_id(referenced.get("actor")) or "")
        event = await civic_store.get_event(rt.db.reader, ld.get_id(referenced.get("object")) or "")
        if joiner is not None and joiner.is_local and event is not None:
            row = await civic_store.get_attendance(rt.db.reader, event["id"], joiner.id)
    if row is None:
        return False
    async with rt.db.transaction() as conn:
        event = await civic_store.get_event_by_id(conn, row["event_id"])
        if event is None or event["is_local"] or event["organizer_id"] != signer.id:
            raise Forbidden("only the event's organiser answers a Join")
        state = "accepted" if accepted else "rejected"
        if row["state"] != state:
            await civic_store.set_attendance(conn, row["event_id"], row["actor_id"], state, row["join_ap_id"])
            await civic_store.add_notifications(
                conn, [row["actor_id"]], kind="attend", object_ap_id=event["ap_id"], by_ap_id=signer.ap_id,
                text=f"{event['title']}: " + ("you attend" if accepted else "your request was declined"))
    return True


async def store_remote(rt: Runtime, organizer: Actor, document: dict) -> None:
    """Keep (or refresh) an event published on another server, as its origin describes it."""
    if ld.get_id(document.get("attributedTo")) != organizer.ap_id:
        raise BadRequest("an event must be attributed to the one who sends it")
    if urlsplit(document["id"]).netloc.lower() != urlsplit(organizer.ap_id).netloc.lower():
        raise BadRequest("an event must live on its organiser's host")
    starts = _remote_moment(document.get("startTime"))
    if starts is None:
        raise BadRequest("the event has no valid startTime")
    ends = _remote_moment(document.get("endTime")) or starts + ASSUMED_DURATION
    if ends <= starts:
        raise BadRequest("the event ends before it starts")
    place, online_url = _location(document)
    if online_url and urlsplit(online_url).scheme not in ("http", "https"):
        online_url = None
    capacity = document.get("maximumAttendeeCapacity")
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity <= 0:
        capacity = None  # Mobilizon sends 0 for "no limit"
    attendees = document.get("attendees") if isinstance(document.get("attendees"), dict) else {}
    count = _count(document.get("participantCount")) or _count(attendees.get("totalItems"))
    published = document.get("published") if isinstance(document.get("published"), str) else iso()
    status = _status_of(document, "scheduled")
    async with rt.db.transaction() as conn:
        before = await civic_store.get_event(conn, document["id"])
        if before is not None and (before["is_local"] or before["organizer_id"] != organizer.id):
            raise Forbidden("only the event's organiser may change it")
        if before is not None and before["status"] != status:
            await _notify_attendees(conn, before, organizer.ap_id, status)
        await civic_store.upsert_event(
            conn, ap_id=document["id"], is_local=False, organizer_id=organizer.id,
            title=sanitize.plain_text(document.get("name"), TITLE_MAX) or "(ohne Titel)",
            description_source=None, description_html=sanitize.clean_html(document.get("content")),
            starts_at=iso(starts), ends_at=iso(ends),
            timezone=document["timezone"] if _zone(document.get("timezone")) else "UTC",
            **place, online_url=online_url, capacity=capacity, status=status,
            idea_ap_id=ld.get_id(document.get("linkedIdea")), district_ap_id=ld.get_id(document.get("district")),
            url=_url(document.get("url")) or document["id"], attendee_count=count, published=published,
            updated=document.get("updated") if isinstance(document.get("updated"), str) else None,
        )


def _remote_moment(value) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    # A time without offset from elsewhere is read as UTC, as ActivityStreams dates should carry one.
    return moment.replace(tzinfo=timezone.utc) if moment is not None and moment.tzinfo is None else moment


def _url(value) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("href"), str):
        return value["href"]
    url = ld.get_id(value)
    return url if url and urlsplit(url).scheme in ("http", "https") else None


def _count(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


async def remote_deleted(rt: Runtime, organizer: Actor, ap_id: str) -> bool:
    """The origin deleted its event: keep a Tombstone. True if it was an event."""
    async with rt.db.transaction() as conn:
        event = await civic_store.get_event(conn, ap_id)
        if event is None or event["is_local"] or event["organizer_id"] != organizer.id:
            return False
        await civic_store.mark_event_deleted(conn, event["id"])
        return True


# --- lists and calendars --------------------------------------------------------------

async def upcoming(rt: Runtime, district_slug: str | None = None, *, limit: int = 100) -> list[dict]:
    """Our events not yet over, soonest first, as JSON-ready dicts; optionally of one district.

    Only local events: a remote event's addressing is not kept, so it may not be public.
    """
    district_id = None
    if district_slug:
        districts.by_slug(rt.config, district_slug)
        district_id = districts.district_ap_id(rt.config, district_slug)
    rows = await civic_store.list_upcoming_events(rt.db.reader, after=iso(), district_ap_id=district_id,
                                                  limit=limit * 4)
    return [_summary(rt.config, row) for row in rows if row["is_local"]][:limit]


def _summary(config: Config, row) -> dict:
    tz = _zone(row["timezone"]) or timezone.utc
    count = row["attendee_count"]
    place = {k: row[k] for k in ("place_name", "street", "postal_code", "locality")} if _has_place(row) else None
    return {
        "id": row["ap_id"],
        "url": row["url"] or row["ap_id"],
        "title": row["title"],
        "description": row["description_source"] or sanitize.plain_text(row["description_html"]),
        "description_html": row["description_html"],
        "starts_at": _utc(row["starts_at"]).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "ends_at": _utc(row["ends_at"]).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "start_local": _local(row["starts_at"], tz),
        "end_local": _local(row["ends_at"], tz),
        "timezone": row["timezone"],
        "place": place,
        "online_url": row["online_url"],
        "status": row["status"],
        "capacity": row["capacity"],
        "attendee_count": count,
        "remaining": None if row["capacity"] is None else max(0, row["capacity"] - count),
        "attendees": f"{row['ap_id']}/attendees",
        "district": districts.slug_of(config, row["district_ap_id"]) if row["district_ap_id"] else None,
        "linked_idea": row["idea_ap_id"],
        "organizer": {"id": row["organizer_ap_id"], "name": row["organizer_name"]},
        "published": row["published"],
        "updated": row["updated"],
    }


def icalendar(config: Config, events: list[dict], *, name: str | None = None) -> str:
    """An RFC 5545 calendar of `upcoming()` dicts: CRLF lines folded at 75 octets, times in UTC."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//WeCreate Fed//Events//DE", "CALSCALE:GREGORIAN",
             "X-WR-CALNAME:" + _ical_text(name or config.instance_name)]
    for event in events:
        place = event["place"] or {}
        where = ", ".join(p for p in (place.get("place_name"), place.get("street"),
                                      " ".join(p for p in (place.get("postal_code"), place.get("locality")) if p))
                          if p) or event["online_url"]
        lines += [
            "BEGIN:VEVENT",
            "UID:" + _ical_text(event["id"]),
            "DTSTAMP:" + _ical_time(event["updated"] or event["published"]),
            "DTSTART:" + _ical_time(event["starts_at"]),
            "DTEND:" + _ical_time(event["ends_at"]),
            "SUMMARY:" + _ical_text(event["title"]),
            "STATUS:" + ICAL_STATUS[event["status"]],
            "URL:" + event["url"],
        ]
        if event["description"]:
            lines.append("DESCRIPTION:" + _ical_text(event["description"]))
        if where:
            lines.append("LOCATION:" + _ical_text(where))
        if event["updated"]:
            lines.append("LAST-MODIFIED:" + _ical_time(event["updated"]))
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _ical_time(stored: str) -> str:
    return _utc(stored).strftime("%Y%m%dT%H%M%SZ")


def _ical_text(value: str) -> str:
    """TEXT escaping (RFC 5545 3.3.11); other control characters are not allowed and dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
    return "".join(c for c in value if c == "\t" or ord(c) >= 32 and ord(c) != 127)


def _fold(line: str, limit: int = 75) -> str:
    """Content lines longer than 75 octets continue on lines starting with a space (never inside a character)."""
    parts, current, size = [], "", 0
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += octets
    parts.append(current)
    return "\r\n".join(parts)
