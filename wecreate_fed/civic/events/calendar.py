"""Upcoming events as JSON-ready dicts, and as RFC 5545 iCalendar feeds."""

from __future__ import annotations

from datetime import UTC

from wecreate_fed import sanitize
from wecreate_fed.config import Config
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import events as events_store
from wecreate_fed.store import iso
from wecreate_fed.store import org_space as org_space_store
from wecreate_fed.store.actors import Actor
from wecreate_fed.store.events import PLACE_FIELDS, ListedEvent

from .. import audience, districts
from .documents import ICAL_STATUS
from .times import local, utc, zone


async def upcoming(rt: Runtime, district_slug: str | None = None, *, limit: int = 100) -> list[dict]:
    """Our events not yet over, soonest first, as JSON-ready dicts; optionally of one district.

    Only local events: a remote event's addressing is not kept, so it may not be public.
    """
    district_id = None
    if district_slug:
        districts.by_slug(rt.config, district_slug)
        district_id = districts.district_ap_id(rt.config, district_slug)
    listed = await events_store.list_upcoming_events(rt.db.reader, after=iso(), district_ap_id=district_id,
                                                     limit=limit * 4)
    return [_summary(rt.config, item) for item in listed if item.event.is_local][:limit]


async def upcoming_for(rt: Runtime, person: Actor, district_slug: str | None = None, *,
                       limit: int = 100) -> list[dict]:
    """What `upcoming` lists, and for `person` (a secret calendar address's owner) the internal
    events of every organisation space they are a member of, soonest first."""
    items = await upcoming(rt, district_slug, limit=limit)
    district_id = districts.district_ap_id(rt.config, district_slug) if district_slug else None
    seen = {item["id"] for item in items}
    for org in await audience.organisations_of(rt, person):
        for event in await org_space_store.list_space_events(rt.db.reader, org.id, after=iso(), limit=limit):
            if event.ap_id in seen or (district_id and event.district_ap_id != district_id):
                continue
            organizer = await actors_store.get_actor(rt.db.reader, event.organizer_id)
            if organizer is None:
                continue
            seen.add(event.ap_id)
            items.append(_summary(rt.config, ListedEvent(event, organizer.ap_id, organizer.name)))
    items.sort(key=lambda item: (item["starts_at"], item["id"]))
    return items[:limit]


def _summary(config: Config, item: ListedEvent) -> dict:
    event = item.event
    tz = zone(event.timezone) or UTC
    count = event.attendee_count
    return {
        "id": event.ap_id,
        "url": event.url or event.ap_id,
        "title": event.title,
        "description": event.description_source or sanitize.plain_text(event.description_html),
        "description_html": event.description_html,
        "starts_at": utc(event.starts_at).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "ends_at": utc(event.ends_at).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "start_local": local(event.starts_at, tz),
        "end_local": local(event.ends_at, tz),
        "timezone": event.timezone,
        "place": {k: getattr(event, k) for k in PLACE_FIELDS} if event.has_place else None,
        "online_url": event.online_url,
        "status": event.status,
        "capacity": event.capacity,
        "attendee_count": count,
        "remaining": None if event.capacity is None else max(0, event.capacity - count),
        "attendees": f"{event.ap_id}/attendees",
        "district": districts.slug_of(config, event.district_ap_id) if event.district_ap_id else None,
        "linked_idea": event.idea_ap_id,
        "organizer": {"id": item.organizer_ap_id, "name": item.organizer_name},
        "published": event.published,
        "updated": event.updated,
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
    return utc(stored).strftime("%Y%m%dT%H%M%SZ")


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
