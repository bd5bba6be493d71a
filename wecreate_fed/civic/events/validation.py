"""What a submitted event must be (website form or client-to-server), checked in one place.

Every broken rule is one Problem with the field it concerns and a code of the website's
catalog (form.<code>); the English messages are what API clients and the CLI read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from wecreate_fed import inputs, sanitize, urls
from wecreate_fed.config import Config
from wecreate_fed.errors import BadRequest, Problems, WeCreateError
from wecreate_fed.runtime import Runtime

from .. import districts, ideas
from .times import DEFAULT_TIMEZONE, zone

STATUSES = ("scheduled", "cancelled", "postponed")
TITLE_MAX, DESCRIPTION_MAX, PLACE_MAX, POSTAL_CODE_MAX, CAPACITY_MAX = 200, 20_000, 200, 20, 1_000_000
URL_MAX = 2000
EXAMPLE = "ISO 8601, e.g. 2026-05-14T18:00"


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
    """Check a submitted event; one BadRequest naming every problem."""
    event_input, problems = _check(config, data)
    problems.raise_if_any()
    return event_input


async def checked(rt: Runtime, data: dict, *, linked_before: str | None = None) -> EventInput:
    """validate(), plus whether a newly linked idea exists (that may fetch it: call before a transaction)."""
    event_input, problems = _check(rt.config, data)
    if (event_input.linked_idea and event_input.linked_idea != linked_before
            and not any(p.field == "linked_idea" for p in problems.found)):
        try:
            event_input.linked_idea = (await ideas.find_or_fetch(rt, event_input.linked_idea)).ap_id
        except WeCreateError as e:
            problems.add("linked_idea", "linked_idea", f"the linked idea cannot be used: {e}")
    problems.raise_if_any()
    return event_input


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # stands in for a time that did not parse


def _check(config: Config, data: dict) -> tuple[EventInput, Problems]:
    problems = Problems()

    def text(name: str, label: str, limit: int, *, required: bool = False, code: str | None = None) -> str | None:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                problems.add(name, "required", f"{label} is required")
            return None
        if not isinstance(value, str):
            problems.add(name, code or "not_text", f"{label} must be text")
            return None
        if len(value) > limit:
            problems.add(name, code or "too_long", f"{label} is longer than {limit} characters", limit=limit)
        return value.strip()

    given_title = text("title", "a title", TITLE_MAX, required=True)
    title = sanitize.plain_text(given_title)
    if given_title and not title:
        problems.add("title", "required", "a title is required (text, not markup)")
    description = text("description", "the description", DESCRIPTION_MAX) or ""
    tz_name = data.get("timezone") or DEFAULT_TIMEZONE
    tz_name = tz_name.strip() if isinstance(tz_name, str) else tz_name
    tz = zone(tz_name)
    if tz is None:
        problems.add("timezone", "timezone",
                     f"'{tz_name}' is not a time zone (use an IANA name such as {DEFAULT_TIMEZONE})")
    starts = _moment(data.get("starts_at"), tz or UTC, "starts_at", "the start", problems)
    ends = _moment(data.get("ends_at"), tz or UTC, "ends_at", "the end", problems)
    if starts and ends and ends <= starts:
        problems.add("ends_at", "end_after_start", f"the event must end after it starts (end {ends.isoformat()} "
                                                   f"is not after start {starts.isoformat()})")
    place = {name: sanitize.plain_text(text(name, name.replace("_", " "), limit)) or None
             for name, limit in (("place_name", PLACE_MAX), ("street", PLACE_MAX),
                                 ("postal_code", POSTAL_CODE_MAX), ("locality", PLACE_MAX))}
    online_url = text("online_url", "the online link", URL_MAX, code="url")
    if online_url is not None and not urls.is_http_url(online_url):
        problems.add("online_url", "url", "the online link must be an http(s) URL")
    if not any(place.values()) and not online_url:
        problems.add("place_name", "place_required",
                     "a place (place_name, street, postal_code, locality) or an online link is required")
    capacity = _capacity(data.get("capacity"), problems)
    status = data.get("status") or "scheduled"
    if status not in STATUSES:
        problems.add("status", "invalid_choice", f"the status must be one of {', '.join(STATUSES)}",
                     choices=", ".join(STATUSES))
    slug = data.get("district") or None
    if slug is not None:
        try:
            districts.by_slug(config, slug if isinstance(slug, str) else str(slug), field="district")
        except BadRequest as e:
            problems.extend(e)
    linked_idea = data.get("linked_idea") or None
    if linked_idea is not None and not urls.is_http_url(linked_idea):
        problems.add("linked_idea", "linked_idea", "the linked idea must be the idea's id (an http(s) URL)")
    return EventInput(title, description, starts or _EPOCH, ends or _EPOCH, tz_name if tz else DEFAULT_TIMEZONE,
                      place["place_name"], place["street"], place["postal_code"], place["locality"],
                      online_url, capacity, status, slug, linked_idea), problems


def _moment(value, tz, field: str, label: str, problems: Problems) -> datetime | None:
    """ISO 8601 with an offset, or a local wall time read in the event's time zone."""
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.add(field, "datetime", f"{label} is required ({EXAMPLE})")
        return None
    try:
        if not isinstance(value, str) or len(value.strip()) <= 10:
            raise ValueError
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        problems.add(field, "datetime", f"{label} is not a date and time ({EXAMPLE}): {str(value)[:40]!r}")
        return None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def _capacity(value, problems: Problems) -> int | None:
    if value is None or value == "":
        return None
    value = inputs.whole_number(value, high=CAPACITY_MAX)
    if value is None or value == 0:
        problems.add("capacity", "capacity", "the capacity must be a whole number above zero, or empty for no limit")
        return None
    return value
