"""Acting across servers from the website.

- "From your instance": a visitor with an account elsewhere (Mastodon, another WeCreate)
  gives their handle; we look up their server's WebFinger and send them to its interaction
  page for our object: a FEP-3b86 intent when the server advertises one, else the OStatus
  subscribe template that Mastodon offers (`/authorize_interaction?uri=…`).
- `/authorize_interaction?uri=…`: our own subscribe template, where a person of this
  instance lands to follow, support, attend or answer something that lives elsewhere.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from quart import redirect, render_template, request, url_for

from actors import remote
from wecreate_fed import ld, runtime, sanitize, urls
from wecreate_fed.civic import client, events, ideas
from wecreate_fed.errors import BadRequest, NotFound, WeCreateError
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import civic as civic_store
from wecreate_fed.store import events as events_store
from wecreate_fed.store import social
from wecreate_fed.store.actors import Actor

from . import forms, places, views
from .common import back, blueprint, login_required, me, notice, see_other, viewer

bp = blueprint("interaction")

SUBSCRIBE_REL = "http://ostatus.org/schema/1.0/subscribe"
INTENT_REL = "https://w3id.org/fep/3b86/"
# What a visitor wants to do -> the FEP-3b86 intent and the parameter carrying our object.
INTENTS = {"support": ("Like", "object"), "share": ("Announce", "object"), "follow": ("Follow", "object"),
           "comment": ("Create", "inReplyTo"), "attend": ("Object", "object")}


async def remote_interaction_url(rt: Runtime, handle: str, uri: str, intent: str) -> str:
    """Where the owner of `handle` acts on `uri` on their own server."""
    username, host = remote.parse_handle(handle)
    if host == rt.config.host.lower():
        return uri  # one of ours: the page itself has the buttons
    try:
        jrd = await remote.webfinger(rt, username, host)
    except WeCreateError as e:
        raise BadRequest(f"{username}@{host} could not be looked up: {e}", field="handle", code="unreachable") from e
    templates = {link.get("rel"): link.get("template") for link in ld.as_list(jrd.get("links"))
                 if isinstance(link, dict) and isinstance(link.get("template"), str)}
    name, parameter = INTENTS.get(intent, ("Object", "object"))
    for rel, param in ((INTENT_REL + name, parameter), (INTENT_REL + "Object", "object"), (SUBSCRIBE_REL, "uri")):
        template = templates.get(rel)
        if template and "{" + param + "}" in template:
            target = template.replace("{" + param + "}", quote(uri, safe=""))
            if urlsplit(target).scheme in ("http", "https"):
                return target
    raise BadRequest(f"{host} offers no way to act on other servers' objects", field="handle", code="no_interaction")


@bp.post("/interact")
async def interact():
    """The "from your instance" form: a handle in, a redirect to the visitor's own server out."""
    rt = runtime.current()
    form = await request.form
    uri, intent = form.get("uri", ""), form.get("intent", "")
    if not uri.startswith(("https://", "http://")):
        raise BadRequest("the form names no object", field="uri", code="required")
    try:
        target = await remote_interaction_url(rt, form.get("handle", ""), uri, intent)
    except BadRequest as e:
        return await render_template("interact.html", uri=uri, intent=intent, handle=form.get("handle", ""),
                                     errors=forms.field_errors(e, ("handle",)), title=await known_title(rt, uri)), 400
    return redirect(target, 303)


@bp.get("/interact")
async def interact_form():
    """The same form on a page of its own (linked from pages; works without JavaScript)."""
    uri = request.args.get("uri", "")
    return await render_template("interact.html", uri=uri, intent=request.args.get("intent", ""), handle="",
                                 errors={}, title=await known_title(runtime.current(), uri))


# --- our own subscribe template ---------------------------------------------------------

async def describe(rt: Runtime, uri: str) -> dict:
    """What a URI is, fetched (signed) when we do not know it: an idea, an event, an actor or another object."""
    uri = uri.strip()
    if uri.startswith("acct:") or remote.HANDLE.match(uri.lstrip("@")):
        return {"kind": "actor", "actor": await remote.resolve_handle(rt, uri.removeprefix("acct:"))}
    if not uri.startswith(("https://", "http://")):
        raise BadRequest("not an http(s) address, a handle or acct: URI", field="uri", code="url")
    if await ideas.is_known(rt, uri):
        return {"kind": "idea", "page": views.page_url(rt, "idea", uri)}
    document = await remote.fetch_document(rt, uri)
    uri = document["id"]  # served at its own id (http.fetch_activitypub); `uri` may have been an alias
    if ideas.is_idea_document(document):
        await ideas.find_or_fetch(rt, uri)
        return {"kind": "idea", "page": views.page_url(rt, "idea", uri)}
    if ld.type_of(document, remote.ACTOR_TYPES):
        return {"kind": "actor", "actor": await remote.get_actor(rt, uri)}
    if events.is_event_document(document):
        event = await events.find_or_fetch(rt, uri)
        return {"kind": "event", "event": event, "page": views.page_url(rt, "event", uri)}
    name = document.get("name") if isinstance(document.get("name"), str) else None
    return {"kind": "object", "id": uri, "html": sanitize.clean_html(document.get("content")),
            "title": sanitize.plain_text(name, TITLE_LENGTH) or None,
            "url": ld.get_id(document.get("url")) or uri, "type": ld.understood_type(document)}


TITLE_LENGTH = 120


async def known_title(rt: Runtime, uri: str) -> str | None:
    """What the page calls an object it names: the title of an idea or event, the name of an actor,
    the start of a post's text; only from what is stored here (nothing is fetched for a visitor)."""
    conn = rt.db.reader
    if not uri.startswith(("https://", "http://")):
        return None
    idea = await civic_store.get_idea(conn, uri)
    if idea is not None and idea.deleted_at is None:
        return idea.title
    event = await events_store.get_event(conn, uri)
    if event is not None and event.deleted_at is None:
        return event.title
    actor = await actors_store.get_actor_by_ap_id(conn, uri)
    if actor is not None:
        return actor.name or actor.handle
    stored = await social.get_object(conn, uri)
    if stored is not None and stored["content"]:
        return sanitize.plain_text(stored["content"], TITLE_LENGTH) or None
    return None


def _title_of(thing: dict) -> str | None:
    """The title of what describe() found (fetched for a logged-in person)."""
    if thing["kind"] == "actor":
        return thing["actor"].name or thing["actor"].handle
    if thing["kind"] == "event":
        return thing["event"].title
    return thing.get("title") or sanitize.plain_text(thing.get("html"), TITLE_LENGTH) or None


@bp.get("/authorize_interaction")
async def authorize_interaction():
    rt = runtime.current()
    uri = request.args.get("uri", "")
    if viewer() is None:
        return await render_template("authorize.html", uri=uri, thing=None, error=None,
                                     title=await known_title(rt, uri.strip()))
    try:
        thing = await describe(rt, uri)
    except WeCreateError as e:
        return await render_template("authorize.html", uri=uri, thing=None, error=" ".join(forms.page_messages(e)),
                                     title=await known_title(rt, uri.strip())), 400
    if thing["kind"] in ("idea",) or (thing["kind"] == "event" and thing["page"].startswith("/")):
        return see_other(thing["page"])
    if thing["kind"] == "actor" and thing["actor"].is_local and thing["actor"].url:
        return see_other(thing["actor"].url)
    follow = None
    if thing["kind"] == "actor":
        follow = await social.get_follow(rt.db.reader, me().actor.id, thing["actor"].id)
    place = None
    if thing["kind"] == "event":  # another city's event, by that city's name
        event = thing["event"]
        found = [event.district_ap_id] if event.district_ap_id else []
        place = (await places.load(rt, [urls.host_of(event.ap_id)], found)).label(urls.host_of(event.ap_id), found)
    return await render_template("authorize.html", uri=uri, thing=thing, error=None, title=_title_of(thing),
                                 follow_state=follow["state"] if follow else None, place=place)


@bp.post("/authorize_interaction")
@login_required
async def act():
    """A local person acts on something elsewhere: follow, like, share, reply or attend."""
    rt = runtime.current()
    form = await request.form
    uri, action = form.get("uri", ""), form.get("action", "")
    actor = me().actor
    if action == "follow":
        await follow(rt, actor, uri)
    elif action == "unfollow":
        await unfollow(rt, actor, uri)
    elif action in ("like", "share"):
        await client.post_to_outbox(rt, actor, {"type": "Like" if action == "like" else "Announce", "object": uri})
    elif action == "reply":
        text = form.get("text", "").strip()
        if not text:
            raise BadRequest("a reply needs text", field="text", code="required")
        await client.post_to_outbox(rt, actor, {"type": "Note", "content": sanitize.markdown_to_html(text),
                                             "inReplyTo": uri, "to": [ld.PUBLIC]})
    elif action == "attend":
        await events.attend(rt, actor, uri)
    else:
        raise BadRequest(f"unknown action '{action}'", field="action", code="invalid_choice")
    notice("notice.done")
    return see_other(url_for("interaction.authorize_interaction", uri=uri))


# --- following -------------------------------------------------------------------------

async def follow(rt: Runtime, actor: Actor, target_id: str) -> None:
    await client.post_to_outbox(rt, actor, {"type": "Follow", "object": target_id})


async def unfollow(rt: Runtime, actor: Actor, target_id: str) -> None:
    target = await remote.get_actor(rt, target_id)
    row = await social.get_follow(rt.db.reader, actor.id, target.id)
    if row is None:
        raise NotFound("you do not follow them")
    await client.post_to_outbox(rt, actor, {"type": "Undo", "object": row["follow_ap_id"]})


@bp.post("/follow")
@login_required
async def follow_route():
    form = await request.form
    await follow(runtime.current(), me().actor, form.get("actor", ""))
    notice("notice.followed")
    return back()


@bp.post("/unfollow")
@login_required
async def unfollow_route():
    form = await request.form
    try:
        await unfollow(runtime.current(), me().actor, form.get("actor", ""))
        notice("notice.unfollowed")
    except NotFound:
        pass
    return back()
