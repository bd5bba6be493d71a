"""Event routes: the Event document and its attendees collection, upcoming events as JSON
and as iCalendar feeds (the whole city, or one district)."""

from __future__ import annotations

from urllib.parse import quote

from quart import Blueprint, Response, redirect, request

from actors.requests import activity_response, signed_fetcher, wants_activity_json
from wecreate_fed import collections, runtime, urls
from wecreate_fed.errors import BadRequest, NotFound
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import events as events_store
from wecreate_fed.store.events import Event

from . import audience, districts, events, lifecycle

bp = Blueprint("events", __name__)


async def _event_row(uuid: str) -> Event:
    rt = runtime.current()
    event = await events_store.get_event(rt.db.reader, urls.event_id(rt.config, uuid))
    if event is None or not event.is_local:
        raise NotFound("no such event")
    await audience.require_asking(rt, event.members_of, "event")  # members-only: 404 to anyone else
    return event


@bp.get("/events/<uuid>")
async def event(uuid: str):
    """The event as ActivityStreams (410 with a Tombstone once deleted); browsers go to its page."""
    rt = runtime.current()
    row = await _event_row(uuid)
    if not wants_activity_json():
        return redirect(row.url or urls.page_of(rt.config, "event", uuid), 302)
    await signed_fetcher(rt)
    if row.deleted_at is not None:
        return activity_response(lifecycle.tombstone(events.EVENT, row), 410)
    organizer = await actors_store.get_actor(rt.db.reader, row.organizer_id)
    if organizer is not None and organizer.suspended_at is not None:
        raise NotFound("no such event")  # its account is suspended
    return activity_response(await events.document_for(rt.db.reader, rt.config, row))


@bp.get("/events/<uuid>/attendees")
async def attendees(uuid: str):
    """Who attends: the total for everyone; the names only for the organiser and the attendees.

    Attending a political meeting says something about a person's opinions, so the list
    is shown only to a signed fetch by someone who is on it or organises the event.
    """
    rt = runtime.current()
    fetcher = await signed_fetcher(rt)
    row = await _event_row(uuid)
    collection_id = f"{row.ap_id}/attendees"
    if request.args.get("page") is None:
        return activity_response(collections.collection(collection_id, row.attendee_count))
    # Pages go by the time of joining (attendances have no row id of their own).
    before = request.args.get("max_id") or None
    rows = await events_store.list_attendees(rt.db.reader, row.id, limit=collections.PAGE_SIZE,
                                             before_created=before)
    items = [r.ap_id for r in rows] if await _may_see_attendees(rt, fetcher, row) else []
    return activity_response(collections.page(
        collection_id, items, max_id=quote(before) if before else None,
        last_row_id=quote(rows[-1].created_at) if rows else None, full=len(rows) == collections.PAGE_SIZE))


async def _may_see_attendees(rt, fetcher, row: Event) -> bool:
    if fetcher is None:
        return False
    if fetcher.id == row.organizer_id:
        return True
    attendance = await events_store.get_attendance(rt.db.reader, row.id, fetcher.id)
    return attendance is not None and attendance.state == "accepted"


@bp.get("/api/events/upcoming")
async def upcoming_json():
    """Upcoming events of this instance, soonest first; `?district=slug` for one district."""
    rt = runtime.current()
    slug = request.args.get("district") or None
    return activity_response({"district": slug, "events": await events.upcoming(rt, slug)},
                             content_type="application/json")


@bp.get("/events.ics")
async def calendar():
    rt = runtime.current()
    return _ics(events.icalendar(rt.config, await events.upcoming(rt)))


@bp.get("/districts/<slug>/events.ics")
async def district_calendar(slug: str):
    rt = runtime.current()
    try:
        district = districts.by_slug(rt.config, slug)
    except BadRequest as e:
        raise NotFound(str(e)) from e  # a path that names no district
    name = f"{rt.config.instance_name}: {district.name}"
    return _ics(events.icalendar(rt.config, await events.upcoming(rt, slug), name=name))


def _ics(text: str) -> Response:
    return Response(text, content_type="text/calendar; charset=utf-8")
