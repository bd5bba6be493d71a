"""What a page shows, gathered from the store and the civic functions: one function per page
kind, returning plain dicts and rows for the templates. Routes call these; templates read them."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from quart import url_for

from wecreate_fed import urls
from wecreate_fed.civic import audience, districts, events, ideas, marketplace, search
from wecreate_fed.errors import Gone, NotFound
from wecreate_fed.notify import texts
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import civic as civic_store
from wecreate_fed.store import counters, iso, social
from wecreate_fed.store import events as events_store
from wecreate_fed.store import marketplace as marketplace_store
from wecreate_fed.store import notifications as notifications_store
from wecreate_fed.store import web as web_store
from wecreate_fed.store.actors import Actor

from . import places
from .common import Viewer

# Impact figures scan every idea: kept per scope until what they count changes (the store's
# figures_version moves with every such change, from wherever it comes) or, for what time alone
# changes (an event now over, the 30 days of "active"), for a minute.
IMPACT_SECONDS = 60.0
# A marketplace page (its query counts every matching idea) is kept this long per query, and
# forgotten when someone changes an idea through the website: at once in this process, within
# MARKETPLACE_WATCH_SECONDS in the others (the store's marketplace counter); ideas arriving from
# other servers or through the API show up within MARKETPLACE_SECONDS.
MARKETPLACE_SECONDS = 5.0
MARKETPLACE_WATCH_SECONDS = 1.0
MARKETPLACE_ENTRIES = 500


def page_url(rt: Runtime, kind: str, ap_id: str) -> str:
    """Where our website shows an idea or event: its own page if local; a remote idea as we know it,
    a remote event where it lives."""
    local = urls.parse(rt.config, ap_id)
    if local is not None and local.kind == kind and not local.rest:
        return url_for("ideas.idea" if kind == "idea" else "events_pages.event", key=local.key)
    if kind == "idea":
        return url_for("ideas.remote_idea", id=ap_id)
    return urls.http_url(ap_id) or "#"  # another server's id is a link only if it is http(s)


# --- the marketplace -------------------------------------------------------------------

async def impact(rt: Runtime, slug: str | None = None) -> dict:
    """Impact figures of the city (slug None) or a district, cached until they change."""
    cache = rt.caches.setdefault("web.impact", {})
    # Read before counting: a change committed while counting leaves an older number with the
    # figures, so the next page counts again (never a figure kept from before its data existed).
    version = await marketplace_store.figures_version(rt.db.reader)
    hit = cache.get(slug)
    if hit is not None and hit[0] == version and time.monotonic() - hit[1] < IMPACT_SECONDS:
        return hit[2]
    figures = await marketplace.impact(rt, slug)
    cache[slug] = (version, time.monotonic(), figures)
    return figures


async def marketplace_page(rt: Runtime, args) -> dict:
    """One page of the marketplace for the query arguments (BadRequest for bad ones), briefly cached."""
    cache = rt.caches.setdefault("web.marketplace", {})
    watch = rt.caches.get("web.marketplace.watch")
    if watch is None:
        watch = rt.caches["web.marketplace.watch"] = counters.Watch(counters.MARKETPLACE, MARKETPLACE_WATCH_SECONDS)
    if await watch.moved(rt.db.reader):
        cache.clear()  # changed through another process's website
    key = tuple(sorted((k, v) for k, v in args.items(multi=True) if v))
    hit = cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < MARKETPLACE_SECONDS:
        return hit[1]
    data = await marketplace.page(rt, marketplace.parse_query(rt.config, args))
    remote = [item for item in data["items"] if not item["local"]]
    known = await places.load(rt, [urls.host_of(i["id"]) for i in remote],
                              [d["id"] for i in remote for d in i["districts"]])
    for item in data["items"]:
        item["page"] = page_url(rt, "idea", item["id"])
        item["origin"] = None if item["local"] else urls.host_of(item["url"])
        item["origin_label"] = None if item["local"] else known.label(
            urls.host_of(item["id"]), [d["id"] for d in item["districts"]])
    if len(cache) >= MARKETPLACE_ENTRIES:
        cache.clear()
    cache[key] = (time.monotonic(), data)
    return data


async def also_found(rt: Runtime, q: str, viewer_actor: Actor | None) -> dict | None:
    """For a search on the marketplace: the events, boxes and people with those words (5 each), each
    with the page to open here (ours) or where it lives (another server's); None without words."""
    found = await search.search(rt, {"q": q, "types": "event,box,person", "limit": "5"}, viewer_actor)
    if not found["words"]:
        return None
    for item in found["events"]:
        item["page"] = page_url(rt, "event", item["id"])
    for kind, items in (("box", found["boxes"]), ("user", found["people"])):
        for item in items:
            local = item["local"] and item.get("username")
            item["page"] = urls.page_of(rt.config, kind, item["username"]) if local else (urls.http_url(item["url"]) or "#")
    return found


async def ideas_changed(rt: Runtime) -> None:
    """Someone changed an idea here: the next marketplace pages are fresh, in every process."""
    rt.caches.pop("web.marketplace", None)
    async with rt.db.transaction() as conn:
        await counters.MARKETPLACE.bump(conn)


async def district_overview(rt: Runtime) -> list[dict]:
    """Each district with its figures, for the marketplace's side panel and the district list."""
    result = []
    for district in rt.config.districts:
        figures = await impact(rt, district.slug)
        result.append({"slug": district.slug, "name": district.name, "ideas": figures["ideas"],
                       "implemented": figures["implemented"], "supports": figures["supports"]})
    return result


# --- ideas ---------------------------------------------------------------------------

def _live(row, kind: str, *, local_only: bool = True):
    """The idea's or event's row if it is here (ours, where local_only) and not deleted."""
    if row is None or (local_only and not row.is_local):
        raise NotFound(f"no such {kind} here")
    if row.deleted_at is not None:
        raise Gone(f"this {kind} was deleted")
    return row


async def idea_by_key(rt: Runtime, key: str):
    return _live(await civic_store.get_idea(rt.db.reader, urls.idea_id(rt.config, key)), "idea")


async def idea_by_id(rt: Runtime, ap_id: str):
    """A known idea by its id (remote ones only as far as we have them; nothing is fetched)."""
    return _live(await civic_store.get_idea(rt.db.reader, ap_id), "idea", local_only=False)


def check_shown(row, owner: Actor | None, viewer: Viewer | None) -> bool:
    """Hidden by moderation (or by a suspended account): its author and the moderators still see it
    (True: with a note saying so); everyone else reads that moderation hid it."""
    moderated = row.hidden_at is not None or (owner is not None and owner.suspended_at is not None)
    if moderated and not (viewer and owner and viewer.may_manage(owner.id)):
        raise NotFound("hidden by the moderators of this instance", code="hidden_by_moderation")
    return moderated


async def visible(rt: Runtime, row, viewer: Viewer | None, what: str):
    """The idea or event `row` if `viewer` is in its audience; NotFound (404) for a members-only one otherwise."""
    await audience.require_see(rt, viewer.actor if viewer else None, row.members_of, what)
    return row


async def idea_page(rt: Runtime, idea, viewer: Viewer | None) -> dict:
    conn = rt.db.reader
    await visible(rt, idea, viewer, "idea")
    author = await actors_store.get_actor(conn, idea.author_id)
    moderated = check_shown(idea, author, viewer)
    district_ids = await civic_store.list_idea_districts(conn, idea.id)
    addressee = await actors_store.get_actor_by_ap_id(conn, idea.addressed_to) if idea.addressed_to else None
    reactions = await web_store.get_reaction_kinds(conn, viewer.actor.id, idea.ap_id) if viewer else set()
    history = []
    for change in await civic_store.list_status_changes(conn, idea.id):
        by = await actors_store.get_actor_by_ap_id(conn, change.changed_by) if change.changed_by else None
        history.append({"status": change.status, "at": change.changed_at, "note": change.note, "by": by})
    linked_events = [events_summary(rt, row) for row in await web_store.list_events_for_idea(conn, idea.ap_id)]
    origin = None if idea.is_local else urls.host_of(idea.url or idea.ap_id)
    foreign = [d for d in district_ids if districts.slug_of(rt.config, d) is None]
    known = await places.load(rt, [urls.host_of(d) for d in foreign] + ([urls.host_of(idea.ap_id)] if origin else []),
                              foreign)
    return {
        "idea": idea,
        "author": author,
        "addressee": addressee,
        "districts": [district_label(rt, d, known) for d in district_ids],
        "topics": await civic_store.list_idea_topics(conn, idea.id),
        "history": history,
        "comments": await thread(rt, idea.ap_id, idea.members_of),
        "space": await audience.audience_actor(rt, idea.members_of),
        "events": linked_events,
        "supported": "Like" in reactions,
        "shared": "Announce" in reactions,
        "may_manage": bool(viewer and idea.is_local and viewer.may_manage(idea.author_id)),
        "edit_page": _edit_page(rt, "ideas.edit_idea_form", idea.ap_id),
        "origin": origin,  # the host, for the domain policy's media check; people read origin_label
        "origin_label": known.label(urls.host_of(idea.ap_id), foreign) if origin else None,
        "statuses": ideas.STATUSES,
        "moderated": moderated,
    }


def _edit_page(rt: Runtime, endpoint: str, ap_id: str) -> str | None:
    """The form that edits one of our ideas or events (None for another server's)."""
    local = urls.parse(rt.config, ap_id)
    return url_for(endpoint, key=local.key) if local is not None else None


def district_label(rt: Runtime, ap_id: str, known: places.Places | None = None) -> dict:
    """A district as the page names it: ours by its configured name, another city's as "Leipzig · Mitte"."""
    slug = districts.slug_of(rt.config, ap_id)
    if slug is None:
        city = known.city(urls.host_of(ap_id)) if known else None
        name = known.district(ap_id, city) if known else ap_id.rstrip("/").rsplit("/", 1)[-1]
        return {"slug": None, "name": f"{city}{places.SEPARATOR}{name}" if city else name, "id": ap_id}
    return {"slug": slug, "name": districts.by_slug(rt.config, slug).name, "id": ap_id}


async def thread(rt: Runtime, root_ap_id: str, members_of: int | None = None) -> list[dict]:
    """Comments on an object, oldest first, with their depth and author; remote ones with their origin
    (with `members_of`, a members-only idea's: its members' comments too)."""
    result = []
    for row in await web_store.list_thread(rt.db.reader, root_ap_id, members_of=members_of):
        author = web_store.actor_of(row)
        data = json.loads(row["data"]) if row["data"] else {}
        url = data.get("url") if isinstance(data.get("url"), str) else row["object_ap_id"]
        result.append({"id": row["object_ap_id"], "html": row["content"], "published": row["published"],
                       "depth": min(row["depth"], 4), "author": author, "local": bool(row["object_is_local"]),
                       "url": url, "origin": None if row["object_is_local"] else urls.host_of(row["object_ap_id"])})
    return result


async def idea_form_values(rt: Runtime, idea) -> dict:
    conn = rt.db.reader
    return {
        "title": idea.title, "summary": idea.summary, "body": idea.body_source or "", "kind": idea.kind,
        "image_url": idea.image_url or "", "image_alt": idea.image_alt or "", "addressed_to": idea.addressed_to or "",
        "districts": [districts.slug_of(rt.config, d) for d in await civic_store.list_idea_districts(conn, idea.id)],
        "topics": " ".join(await civic_store.list_idea_topics(conn, idea.id)),
    }


async def addressees(rt: Runtime) -> list[Actor]:
    return await web_store.list_addressees(rt.db.reader)


# --- events --------------------------------------------------------------------------

def events_summary(rt: Runtime, row) -> dict:
    tz = _zone(row.timezone)
    return {"id": row.ap_id, "title": row.title, "status": row.status,
            "page": page_url(rt, "event", row.ap_id),
            "starts": _utc(row.starts_at).astimezone(tz), "ends": _utc(row.ends_at).astimezone(tz)}


async def event_by_key(rt: Runtime, key: str):
    return _live(await events_store.get_event(rt.db.reader, urls.event_id(rt.config, key)), "event")


async def event_page(rt: Runtime, event, viewer: Viewer | None) -> dict:
    conn = rt.db.reader
    await visible(rt, event, viewer, "event")
    organizer = await actors_store.get_actor(conn, event.organizer_id)
    moderated = check_shown(event, organizer, viewer)
    attendance = await events_store.get_attendance(conn, event.id, viewer.actor.id) if viewer else None
    linked = await civic_store.get_idea(conn, event.idea_ap_id) if event.idea_ap_id else None
    if linked is not None and not await audience.may_see(rt, viewer.actor if viewer else None, linked.members_of):
        linked = None  # a members-only idea is not there for whoever is not a member
    tz = _zone(event.timezone)
    district = districts.slug_of(rt.config, event.district_ap_id) if event.district_ap_id else None
    remaining = None if event.capacity is None else max(0, event.capacity - event.attendee_count)
    return {
        "event": event, "organizer": organizer,
        "starts": _utc(event.starts_at).astimezone(tz), "ends": _utc(event.ends_at).astimezone(tz),
        "over": _utc(event.ends_at) < datetime.now(UTC),
        "attendance": attendance.state if attendance else None,
        "remaining": remaining,
        "district": {"slug": district, "name": districts.by_slug(rt.config, district).name} if district else None,
        "linked_idea": linked if linked is not None and linked.deleted_at is None else None,
        "linked_idea_page": page_url(rt, "idea", linked.ap_id) if linked is not None else None,
        "may_manage": bool(viewer and viewer.may_manage(event.organizer_id)),
        "space": await audience.audience_actor(rt, event.members_of),
        "edit_page": _edit_page(rt, "events_pages.edit_event_form", event.ap_id),
        "statuses": events.STATUSES,
        "moderated": moderated,
    }


def event_form_values(rt: Runtime, event) -> dict:
    tz = _zone(event.timezone)
    district = districts.slug_of(rt.config, event.district_ap_id) if event.district_ap_id else None
    return {
        "district": district or "",
        "title": event.title, "description": event.description_source or "",
        "starts_at": _utc(event.starts_at).astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": _utc(event.ends_at).astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
        "timezone": event.timezone, "place_name": event.place_name or "", "street": event.street or "",
        "postal_code": event.postal_code or "", "locality": event.locality or "",
        "online_url": event.online_url or "", "capacity": event.capacity or "", "status": event.status,
        "linked_idea": event.idea_ap_id or "",
    }


async def calendar(rt: Runtime, slug: str | None = None) -> list[dict]:
    """Upcoming events grouped by their local day: [{"day": date, "events": [...]}]."""
    days: dict = {}
    for item in await events.upcoming(rt, slug):
        tz = _zone(item["timezone"])
        starts = _utc(item["starts_at"]).astimezone(tz)
        item = {**item, "starts": starts, "ends": _utc(item["ends_at"]).astimezone(tz),
                "page": page_url(rt, "event", item["id"])}
        days.setdefault(starts.date(), []).append(item)
    return [{"day": day, "events": items} for day, items in days.items()]


def _zone(name: str | None):
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError):
        return UTC


def _utc(stored: str) -> datetime:
    moment = datetime.fromisoformat(stored.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- people and organisations ----------------------------------------------------------

async def profile_page(rt: Runtime, actor: Actor, viewer: Viewer | None) -> dict:
    conn = rt.db.reader
    follow = await social.get_follow(conn, viewer.actor.id, actor.id) if viewer else None
    own_ideas = await web_store.list_ideas_by_author(conn, actor.id)
    upcoming = await web_store.list_events_by_organizer(conn, actor.id, after=iso())
    return {
        "actor": actor,
        "followers": await social.count_follows(conn, actor.id, direction="followers"),
        "following": await social.count_follows(conn, actor.id, direction="following"),
        "ideas": [{"row": i, "page": page_url(rt, "idea", i.ap_id)} for i in own_ideas],
        "events": [events_summary(rt, e) for e in upcoming],
        "follow_state": follow["state"] if follow else None,
        "is_self": bool(viewer and viewer.actor.id == actor.id),
    }


async def local_actor(rt: Runtime, username: str) -> Actor:
    actor = await actors_store.get_local_actor(rt.db.reader, username)
    # Only people and organisations have profiles; districts and boxes have their own pages
    # (and a private box must not be shown to anyone by its name).
    if actor is None or actor.type not in ("Person", "Organization"):
        raise NotFound(f"no one called '{username}' here")
    if actor.suspended_at is not None:
        raise Gone(f"{username} is suspended", code="account_suspended_profile")
    return actor


async def district_page(rt: Runtime, slug: str, viewer: Viewer | None) -> dict:
    district = districts.by_slug(rt.config, slug)
    actor = await districts.district_actor(rt.db.reader, rt.config, slug)
    follow = await social.get_follow(rt.db.reader, viewer.actor.id, actor.id) if viewer else None
    return {
        "district": district, "actor": actor, "figures": await impact(rt, slug),
        "followers": await social.count_follows(rt.db.reader, actor.id, direction="followers"),
        "follow_state": follow["state"] if follow else None,
        "calendar": await calendar(rt, slug),
    }


async def notifications(rt: Runtime, viewer: Viewer, lang: str) -> list[dict]:
    """The viewer's latest notifications, each a sentence in `lang` (notify.texts)."""
    rows = await notifications_store.list_for(rt.db.reader, viewer.actor.id)
    return [texts.render(lang, row, notifications_store.params_of(row)) for row in rows]
