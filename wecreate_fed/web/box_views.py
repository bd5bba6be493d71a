"""What the box and motion pages show, gathered from the civic functions and the store: one
function per page kind, returning plain dicts and typed records for the templates (as views.py does
for ideas and events). Who may see what is decided by the civic functions they call."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date

from quart import g, url_for

from wecreate_fed import sanitize, urls
from wecreate_fed.civic import boxes, districts, motions
from wecreate_fed.errors import BadRequest, NotFound
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import boxes as box_store
from wecreate_fed.store import civic as civic_store
from wecreate_fed.store import events as events_store
from wecreate_fed.store import motions as motion_store
from wecreate_fed.store.actors import Actor
from wecreate_fed.store.boxes import Box, Indicator
from wecreate_fed.store.motions import Motion

from . import views
from .common import Viewer

POST_DEPTH = 4  # replies deeper than this are shown at this depth, as comments on ideas are


def box_page_url(box: Actor) -> str:
    return url_for("box_pages.box", slug=box.username)


def motion_page_url(rt: Runtime, ap_id: str) -> str:
    """Where our website shows a motion: its page if it is ours, else its id."""
    local = urls.parse(rt.config, ap_id)
    if local and local.kind == "motion":
        return url_for("motion_pages.motion", key=local.key)
    return urls.http_url(ap_id) or "#"  # another server's id is a link only if it is http(s)


def _actor_of(viewer: Viewer | None) -> Actor | None:
    return viewer.actor if viewer else None


# --- the list of boxes ---------------------------------------------------------------------

async def box_index(rt: Runtime, viewer: Viewer | None) -> dict:
    """Open and closed boxes, the viewer's private ones, and boxes that invited the viewer."""
    conn = rt.db.reader
    listed = await box_store.list_boxes(conn, include_private_for=viewer.actor.id if viewer else None)
    counts = await box_store.count_members_by_box(conn, [box.id for box, _ in listed])
    items = [{"name": box.name, "page": box_page_url(box), "visibility": record.visibility,
              "summary": sanitize.plain_text(box.summary, 240), "members": counts.get(box.id, 0),
              "district": _district(rt, record.district_slug)} for box, record in listed]
    invitations = []
    if viewer:
        invitations = [{"name": box.name, "page": box_page_url(box)}
                       for box in await box_store.list_invitations_for(conn, viewer.actor.ap_id)]
    return {"boxes": items, "invitations": invitations}


def _district(rt: Runtime, slug: str | None) -> dict | None:
    if not slug:
        return None
    try:
        return {"slug": slug, "name": districts.by_slug(rt.config, slug).name}
    except BadRequest:  # a district removed from the configuration since
        return None


# --- one box -------------------------------------------------------------------------------------

async def box_page(rt: Runtime, slug: str, viewer: Viewer | None) -> dict:
    """Everything on a box's page (NotFound for a private box the viewer is not in)."""
    data = await boxes.overview(rt, slug, _actor_of(viewer))
    conn = rt.db.reader
    box, row, role = data["box"], data["profile"], data["viewer_role"]
    membership = await box_store.get_member(conn, box.id, viewer.actor.id) if viewer else None
    members = [{"role": r, "actor": a} for r, a in data["members"]]
    motion_items = []
    for m in data["motions"]:
        motion_items.append({"row": m, "page": motion_page_url(rt, m.ap_id),
                             "answers": await motion_store.list_answers(conn, m.id)})
    return {
        "box": box, "profile": row, "role": role,
        "is_moderator": role in ("owner", "moderator"), "is_owner": role == "owner",
        "request_pending": bool(membership and membership.state == "pending"),
        "members": members, "pending": [a for _, a in data["pending"]],
        "ideas": [await _idea_link(rt, ap_id) for ap_id in data["ideas"]],
        "indicators": [_indicator(i) for i in data["indicators"]],
        "milestones": [{**asdict(m), "due_date": parse_date(m.due)} for m in data["milestones"]],
        "tasks": data["tasks"],
        "posts": thread_of_posts(data["posts"]),
        "motions": motion_items,
        "district": _district(rt, row.district_slug),
        "meeting_event": await _event_link(rt, row.meeting_event_ap_id),
        "handle": f"@{box.username}@{rt.config.host}",
        "space": await actors_store.get_actor(conn, row.org_id) if row.org_id else None,  # a working group's
    }


async def visible_box(rt: Runtime, slug: str, viewer: Viewer, *, invitees: bool = False) -> Actor:
    """A box for something the viewer does there: NotFound where it is hidden from them (never Forbidden)."""
    box, row = await boxes.local_box(rt, slug)
    await boxes.require_view(rt, box, row, viewer.actor, invitees=invitees)
    return box


async def invitation_page(rt: Runtime, slug: str, viewer: Viewer | None) -> dict:
    """A private box as someone invited to it sees it: its name and a way to join, nothing more."""
    box, row = await boxes.local_box(rt, slug)
    if viewer is None or not await boxes.may_view(rt, box, row, viewer.actor, invitees=True):
        raise NotFound(f"no box {slug} here")
    return {"box": box, "profile": row}


async def _idea_link(rt: Runtime, ap_id: str) -> dict:
    idea = await civic_store.get_idea(rt.db.reader, ap_id)
    title = idea.title if idea is not None and idea.deleted_at is None else ap_id
    return {"title": title, "page": views.page_url(rt, "idea", ap_id), "status": idea.status if idea else None}


async def _event_link(rt: Runtime, ap_id: str | None) -> dict | None:
    if not ap_id:
        return None
    event = await events_store.get_event(rt.db.reader, ap_id)
    title = event.title if event is not None else ap_id
    return {"title": title, "page": views.page_url(rt, "event", ap_id)}


def _indicator(indicator: Indicator) -> dict:
    target, current = indicator.target, indicator.current
    percent = 0 if not target else max(0, min(100, round(100 * current / target)))
    return {**asdict(indicator), "percent": percent}


def amount(value: float, lang: str | None = None) -> str:
    """12 or 12,5 / 12.5: indicator values as people write them (the `amount` filter of the templates)."""
    lang = lang or g.get("lang", "de")
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "de" else text


def parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def thread_of_posts(rows: list) -> list[dict]:
    """Posts in reading order: each top-level post followed by its replies, with their depth."""
    by_id = {r.ap_id: r for r in rows}
    children: dict[str | None, list] = {}
    for r in rows:
        parent = r.in_reply_to if r.in_reply_to in by_id else None
        children.setdefault(parent, []).append(r)
    ordered: list[dict] = []
    seen: set[str] = set()

    def walk(parent: str | None, depth: int) -> None:
        for r in children.get(parent, []):
            if r.ap_id in seen:
                continue
            seen.add(r.ap_id)
            ordered.append({"id": r.ap_id, "html": r.content, "published": r.published,
                            "depth": min(depth, POST_DEPTH), "author_id": r.author_ap_id,
                            "author_name": r.author_name, "local": r.is_local,
                            "origin": None if r.is_local else r.author_domain})
            walk(r.ap_id, depth + 1)

    walk(None, 1)
    # Posts replying to each other in a circle (only a broken or hostile server sends those)
    # reach no top-level post: show them at the top level rather than not at all.
    for r in rows:
        if r.ap_id not in seen:
            walk(r.in_reply_to, 1)
    return ordered


def box_form_values(box: Actor, record: Box) -> dict:
    values = {name: getattr(record, name) or "" for name in box_store.PROFILE_FIELDS}
    values.update(name=box.name, slug=box.username, visibility=record.visibility, summary=html_to_text(box.summary))
    return values


def html_to_text(html: str) -> str:
    """The box's description back as text for its form (the Markdown source is not kept)."""
    text = re.sub(r"</p>\s*|<br\s*/?>", "\n\n", html or "")
    return re.sub(r"\n{3,}", "\n\n", sanitize.plain_text(text)).strip()


# --- the idea page's boxes -----------------------------------------------------------------------------

async def idea_boxes(rt: Runtime, idea_ap_id: str, viewer: Viewer | None) -> list[dict]:
    """The (non-private) boxes implementing an idea, with the viewer's membership in each."""
    result = []
    for box, record in await boxes.boxes_for_idea(rt, idea_ap_id):
        if box.deleted_at is not None:
            continue
        member = await box_store.get_member(rt.db.reader, box.id, viewer.actor.id) if viewer else None
        result.append({"box": box, "page": box_page_url(box), "visibility": record.visibility,
                       "state": member.state if member else None})
    return result


# --- motions ---------------------------------------------------------------------------------------------

async def motion_page(rt: Runtime, key: str, viewer: Viewer | None) -> dict:
    """A motion with its text, co-signers, revisions and answers (NotFound where its box is hidden)."""
    data = await motions.view(rt, urls.motion_id(rt.config, key), _actor_of(viewer))
    conn = rt.db.reader
    motion, box = data["motion"], data["box"]
    role = await boxes.role_of(rt, box, _actor_of(viewer))
    cosigners = [await _actor_or_id(rt, ap_id) for ap_id in data["cosigners"]]
    revisions = [{**asdict(r), "editor": await _actor_or_id(rt, r.editor_ap_id)} for r in data["revisions"]]
    return {
        "motion": motion, "box": box, "box_page": box_page_url(box), "key": key, "role": role,
        "print_page": url_for("motion_pages.printable", key=key),
        "request_html": sanitize.markdown_to_html(motion.request),
        "reasoning_html": sanitize.markdown_to_html(motion.reasoning),
        "cosigners": cosigners, "signed": bool(viewer and viewer.actor.ap_id in data["cosigners"]),
        "missing": max(0, motion.required_cosigners - len(cosigners)),
        "revisions": list(reversed(revisions)), "answers": data["answers"],
        "council": await actors_store.get_actor_by_ap_id(conn, motion.council_ap_id)
        if motion.council_ap_id else None,
        "district": _district(rt, districts.slug_of(rt.config, motion.district_ap_id or "")),
        "data": data,
    }


def print_view(rt: Runtime, data: dict) -> dict:
    """What the printable page of a motion (motions.view's data) shows: names where we know them."""
    motion, names = data["motion"], data.get("names", {})
    district = _district(rt, districts.slug_of(rt.config, motion.district_ap_id or ""))
    council = motion.council_ap_id
    return {
        "motion": motion, "box": data["box"], "city": rt.config.city_name,
        "district_name": district["name"] if district else "",
        "council": names.get(council, council or "—"),
        "cosigners": [names.get(ap_id, ap_id) for ap_id in data["cosigners"]],
        "as_of": (motion.submitted_at or motion.updated_at)[:10],
        "request_html": sanitize.markdown_to_html(motion.request),
        "reasoning_html": sanitize.markdown_to_html(motion.reasoning),
    }


async def _actor_or_id(rt: Runtime, ap_id: str) -> dict:
    actor = await actors_store.get_actor_by_ap_id(rt.db.reader, ap_id)
    return {"ap_id": ap_id, "actor": actor}


def motion_form_values(rt: Runtime, motion: Motion) -> dict:
    return {"title": motion.title, "request": motion.request, "reasoning": motion.reasoning,
            "district": districts.slug_of(rt.config, motion.district_ap_id or "") or "",
            "council": motion.council_ap_id or "", "required_cosigners": motion.required_cosigners}


async def councils(rt: Runtime) -> list[Actor]:
    return await motion_store.list_councils(rt.db.reader)


async def council_page(rt: Runtime, council: Actor) -> list[dict]:
    """The motions a council here received, newest first, with the box that sent each and the answers."""
    conn = rt.db.reader
    items = []
    for motion in await motion_store.list_received_motions(conn, council.ap_id):
        items.append({
            "motion": motion, "box": await actors_store.get_actor_by_ap_id(conn, motion.box_ap_id),
            "request_html": sanitize.markdown_to_html(motion.request),
            "reasoning_html": sanitize.markdown_to_html(motion.reasoning),
            "answers": await motion_store.list_answers(conn, motion.id),
            "district": _district(rt, districts.slug_of(rt.config, motion.district_ap_id or "")),
        })
    return items
