"""The ActivityStreams shape of events, both ways: the document of a local event, and the
fields read back from an Event (a client's, or another server's).

An event federates as an ActivityStreams `Event` shaped the way Mobilizon writes and reads
one, and as FEP-8a8e describes: `startTime`/`endTime` in the event's own time zone plus
`timezone`, a `location` Place with a PostalAddress, the online link as Mobilizon's
"Website" attachment, `ical:status`, `joinMode`, capacity and participant figures, an
`attendees` collection, and our own terms (`district`, `linkedIdea`).
"""

from __future__ import annotations

from datetime import UTC
from typing import overload

from wecreate_fed import content, ld, sanitize
from wecreate_fed.config import Config
from wecreate_fed.store import Connection
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import events as events_store
from wecreate_fed.store.events import Event

from .. import audience, districts, lifecycle
from .times import local, zone
from .validation import PLACE_MAX, POSTAL_CODE_MAX, STATUSES

ICAL_STATUS = {"scheduled": "CONFIRMED", "postponed": "TENTATIVE", "cancelled": "CANCELLED"}
FEP_STATUS = {"scheduled": "EventScheduled", "postponed": "EventPostponed", "cancelled": "EventCancelled"}
FEP = "https://w3id.org/fep/8a8e/"
# Mobilizon names the online link's attachment "Website" and reads it back by that name.
ONLINE_LINK_NAME = "Website"


def event_document(config: Config, event: Event, organizer_ap_id: str, organizer_followers: str | None) -> dict:
    """The ActivityStreams object of a local event."""
    tz = zone(event.timezone) or UTC
    count = event.attendee_count
    document = {
        "@context": ld.default_context(),
        "id": event.ap_id,
        "type": "Event",
        "name": event.title,
        "content": event.description_html,
        **content.content_map(event.description_html, event.language or config.default_language),
        "mediaType": "text/html",
        "source": {"content": event.description_source or "", "mediaType": "text/markdown"},
        "url": event.url or event.ap_id,
        "attributedTo": organizer_ap_id,
        "organizers": {"type": "Collection", "totalItems": 1, "items": [organizer_ap_id]},
        "to": [ld.PUBLIC],
        "cc": [c for c in [organizer_followers] if c],
        "published": event.published,
        "startTime": local(event.starts_at, tz),
        "endTime": local(event.ends_at, tz),
        "timezone": event.timezone,
        "joinMode": "free",
        "ical:status": ICAL_STATUS[event.status],
        "eventStatus": FEP + FEP_STATUS[event.status],
        "isOnline": bool(event.online_url) and not event.has_place,
        "participantCount": count,
        "attendees": {"id": f"{event.ap_id}/attendees", "type": "OrderedCollection", "totalItems": count},
    }
    location = _place_object(event)
    if location is None and event.online_url:
        location = {"type": "VirtualLocation", "name": "Online", "url": event.online_url}
    if location is not None:
        # One object, not FEP-8a8e's list: Mobilizon reads `location` as a single Place.
        document["location"] = location
    if event.online_url:
        document["attachment"] = [{"type": "Link", "name": ONLINE_LINK_NAME, "mediaType": "text/html",
                                   "href": event.online_url}]
    if event.capacity is not None:
        document["maximumAttendeeCapacity"] = event.capacity
        document["remainingAttendeeCapacity"] = max(0, event.capacity - count)
    if event.updated:
        document["updated"] = event.updated
    if event.district_ap_id:
        document["district"] = event.district_ap_id
    if event.idea_ap_id:
        document["linkedIdea"] = event.idea_ap_id
    return document


def _place_object(event: Event) -> dict | None:
    if not event.has_place:
        return None
    place: dict = {"type": "Place", "name": event.place_name or event.street or event.locality}
    address = {k: v for k, v in (("streetAddress", event.street), ("postalCode", event.postal_code),
                                 ("addressLocality", event.locality)) if v}
    if address:
        place["address"] = {"type": "PostalAddress", **address}
    return place


async def document_for(conn: Connection, config: Config, event: Event) -> dict:
    """The current ActivityStreams document of a local event, read on `conn`."""
    organizer = await actors_store.referenced_actor(conn, event.organizer_id)
    document = event_document(config, event, organizer.ap_id, organizer.followers_url)
    members = await audience.addressing(conn, config, event.members_of)
    return {**document, **members} if members else document


def is_event_document(document) -> bool:
    return isinstance(document, dict) and ld.has_type(document, "Event") and isinstance(document.get("id"), str)


# --- reading an Event -----------------------------------------------------------------------

def fields_from_object(config: Config, obj: dict) -> dict:
    """The website's event fields from an ActivityStreams Event carrying our terms (client-to-server)."""
    html, language = content.read_content(obj)  # `content`, else `contentMap`
    description = content.markdown_source(obj)
    if description is None and html is not None:
        description = sanitize.plain_text(html)
    place, online_url = location_of(obj, limit=None)  # over-long values are refused by validate(), not cut
    district = ld.get_id(obj.get("district"))
    # An unknown status is passed on as given, so that validate() names it.
    status = status_of(obj, None) or next((obj[k] for k in ("eventStatus", "ical:status", "status") if obj.get(k)),
                                          None)
    return {
        "title": obj.get("name"), "description": description,
        "starts_at": obj.get("startTime"), "ends_at": obj.get("endTime"), "timezone": obj.get("timezone"),
        **place, "online_url": online_url, "capacity": obj.get("maximumAttendeeCapacity"), "status": status,
        "district": (districts.slug_of(config, district) or district) if district else None,
        "linked_idea": ld.get_id(obj.get("linkedIdea")), "language": language,
    }


def location_of(document: dict, limit: int | None = PLACE_MAX) -> tuple[dict, str | None]:
    """Place fields and online link from `location` (one Place, or FEP-8a8e's list) and attachments."""
    place: dict = {"place_name": None, "street": None, "postal_code": None, "locality": None}
    online_url = None
    for item in ld.as_list(document.get("location")):
        if not isinstance(item, dict):
            continue
        if ld.has_type(item, "VirtualLocation") and online_url is None:
            online_url = ld.get_id(item.get("url"))
        elif ld.has_type(item, "Place") and place["place_name"] is None:
            place["place_name"] = _text(item.get("name"), limit)
            address = item.get("address")
            if isinstance(address, dict):
                place.update(street=_text(address.get("streetAddress"), limit),
                             postal_code=_text(address.get("postalCode"), limit and POSTAL_CODE_MAX),
                             locality=_text(address.get("addressLocality"), limit))
            elif isinstance(address, str):
                place["street"] = _text(address, limit)  # FEP-8a8e allows the address as one line of text
    for item in ld.as_list(document.get("attachment")):
        if (online_url is None and isinstance(item, dict) and ld.has_type(item, "Link")
                and item.get("name") == ONLINE_LINK_NAME):
            online_url = ld.get_id(item.get("href"))
    return place, online_url


def _text(value, limit: int | None) -> str | None:
    return sanitize.plain_text(value, limit) or None if isinstance(value, str) else None


@overload
def status_of(document: dict, default: str) -> str: ...
@overload
def status_of(document: dict, default: None) -> str | None: ...
def status_of(document: dict, default: str | None) -> str | None:
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


async def _audience(conn: Connection, event: Event) -> list[str]:
    if event.members_of is not None:  # no remote server has it
        return []
    return await events_store.list_attendee_inboxes(conn, event.id)


# What the shared lifecycle (publish, edit, status, delete) knows of events; its changes also go
# to every remote attendee.
EVENT = lifecycle.Kind(
    name="event", former_type="Event", owner="the organiser", statuses=STATUSES, get=events_store.get_event,
    mark_deleted=events_store.mark_event_deleted, document=document_for, audience=_audience,
)
