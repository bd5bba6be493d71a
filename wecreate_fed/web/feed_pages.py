"""Personal secret feed addresses: `/feeds/<token>/marketplace.atom`, `…/events.ics` and
`…/districts/<slug>/events.ics`, fetched by a feed reader or a calendar app without a login.

A private instance has no public feeds (web/gate.py answers them 401), so each person makes their
own address in /settings/feeds (its calendar adds the internal events of the person's organisation
spaces): a random token, of which only the hash is kept (as for sessions;
the address is shown once, after it was made), renewed (the old one stops at once) or deleted.
A token that is not there, or whose account is deleted or suspended, answers 404. On a public
instance the public feeds stay, and the secret address works all the same.
"""

from __future__ import annotations

import secrets

from quart import Blueprint, Response, render_template, request, url_for

from wecreate_fed import runtime
from wecreate_fed.civic import districts, events, marketplace
from wecreate_fed.errors import BadRequest, NotFound
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import feed_tokens
from wecreate_fed.store.actors import Actor

from .common import blueprint, login_required, me, notice, see_other

bp = blueprint("feed_pages")  # the settings page: a page of the website
feeds = Blueprint("feeds", __name__)  # the feeds: the token is the login, errors are plain (no page)

ATOM = "application/atom+xml; charset=utf-8"
ICS = "text/calendar; charset=utf-8"


@bp.get("/settings/feeds")
@login_required
async def settings():
    return await _settings_page(None)


@bp.post("/settings/feeds/renew")
@login_required
async def renew():
    """A new secret address (the first, or instead of the old one); shown on this answer only."""
    rt = runtime.current()
    token = secrets.token_urlsafe(32)
    async with rt.db.transaction() as conn:
        await feed_tokens.replace(conn, me().actor.id, token)
    return await _settings_page(token)


@bp.post("/settings/feeds/revoke")
@login_required
async def revoke():
    rt = runtime.current()
    async with rt.db.transaction() as conn:
        gone = await feed_tokens.revoke(conn, me().actor.id)
    notice("gate.feeds.revoked" if gone else "gate.feeds.none_to_revoke")
    return see_other(url_for("feed_pages.settings"))


async def _settings_page(token: str | None):
    rt = runtime.current()
    row = await feed_tokens.of_account(rt.db.reader, me().actor.id)
    addresses = None
    if token is not None:
        slug = me().district_slug
        addresses = {"marketplace": url_for("feeds.marketplace_feed", token=token),
                     "calendar": url_for("feeds.calendar_feed", token=token),
                     "district": url_for("feeds.district_calendar_feed", token=token, slug=slug) if slug else None}
        addresses = {k: rt.config.base_url + v if v else None for k, v in addresses.items()}
    return await render_template("gate_feeds.html", token_row=row, addresses=addresses)


async def _owner(token: str) -> Actor:
    """The account behind a secret address; 404 for any other token (never saying why)."""
    rt = runtime.current()
    if len(token) > 100:
        raise NotFound("no such feed")
    owner = await feed_tokens.owner_of(rt.db.reader, token)
    if owner is None:
        raise NotFound("no such feed")
    person = await actors_store.get_actor(rt.db.reader, owner)
    if person is None:
        raise NotFound("no such feed")
    async with rt.db.transaction() as conn:
        await feed_tokens.mark_used(conn, owner)
    return person


@feeds.get("/feeds/<token>/marketplace.atom")
async def marketplace_feed(token: str):
    """The marketplace's Atom feed, with the same filters as /marketplace.atom."""
    await _owner(token)
    rt = runtime.current()
    data = await marketplace.page(rt, marketplace.parse_query(rt.config, request.args))
    return Response(marketplace.atom(rt.config, data, request.url), content_type=ATOM)


@feeds.get("/feeds/<token>/events.ics")
async def calendar_feed(token: str):
    person = await _owner(token)
    rt = runtime.current()
    return Response(events.icalendar(rt.config, await events.upcoming_for(rt, person)), content_type=ICS)


@feeds.get("/feeds/<token>/districts/<slug>/events.ics")
async def district_calendar_feed(token: str, slug: str):
    person = await _owner(token)
    rt = runtime.current()
    try:
        district = districts.by_slug(rt.config, slug)
    except BadRequest as e:
        raise NotFound(str(e)) from e  # a path that names no district
    name = f"{rt.config.instance_name}: {district.name}"
    return Response(events.icalendar(rt.config, await events.upcoming_for(rt, person, slug), name=name), content_type=ICS)
