"""The login gate of a private instance (instance.mode = "private"): every page of the website needs
login, but for the few a visitor must reach to log in or to know who runs the instance.

One before_request on the whole app. It leaves alone what the federation guards decide (actor and
object documents, collections, inboxes, WebFinger, NodeInfo: signed requests of the allowlisted
servers, see domainpolicy.py) and the personal secret feed addresses (feed_pages.py, which check
their token). Everything else asked by a visitor who is not logged in is answered before the route
runs: a browser is sent to the login page with next= (and comes back after logging in); an API
client, a feed reader or anything not asking for HTML gets 401 JSON. Let through as well: an
allowlisted server's GET whose signature the private guard verified (`g.private_signer`, set by
actors/private_guard.py), and a local account's script with its Bearer token on a machine route.
"""

from __future__ import annotations

import json

from quart import Response, g, redirect, request, url_for

from actors.requests import bearer_actor
from wecreate_fed import runtime
from wecreate_fed.errors import Unauthorized

from . import common

# What a visitor may open on a private instance: logging in, registering with an invitation (the
# form itself refuses without one: instance.registration is never "open" there), the language
# switch, the legal pages and /about (who runs it), the links mailed to people (password reset,
# email confirmation, unsubscribe), and what every page loads (styles, script, icons).
OPEN = frozenset({
    "auth.login_form", "auth.login", "auth.logout", "auth.language", "auth.language_link",
    "auth.register_form", "auth.register",
    "legal.imprint", "legal.privacy", "profiles.about",
    "password.forgot_form", "password.forgot", "password.reset_form", "password.reset",
    "email.confirm_form", "email.confirm",
    "unsubscribe.ask", "unsubscribe.one_click",
    "static", "icons.favicon", "icons.icon",
})

# Federation: these blueprints answer other servers (signed requests; the private part's guards
# refuse every server off the allowlist). A browser asking them for HTML is redirected to the
# website's page of the thing, which this gate guards.
FEDERATION_BLUEPRINTS = frozenset({"actors", "boxes", "civic", "events", "outbox", "inbox", "client",
                                   "amendments", "org_space_ap", "polls"})
# … except their routes for people and feed readers: the JSON API and the public feeds.
NOT_FEDERATION = frozenset({
    "civic.marketplace_json", "civic.marketplace_atom", "civic.impact", "civic.search_json",
    "events.upcoming_json", "events.calendar", "events.district_calendar",
    "polls.api_create", "polls.api_poll", "polls.api_vote", "polls.api_close",
})
# Website routes that answer other servers: the avatars in actor documents (their names are a hash
# of the content, so they cannot be guessed) and a motion's print view for a signed fetch.
FEDERATION_ENDPOINTS = frozenset({"profiles.avatar", "motion_pages.printable_for_servers"})
# Paths of feeds and downloads (tags' Atom feed, the transparency CSV): machine routes too.
FILES = (".atom", ".ics", ".csv")
# The personal secret feed addresses: their token is the login (feed_pages.py).
TOKEN_BLUEPRINTS = frozenset({"feeds"})


def is_open(endpoint: str | None) -> bool:
    """Whether a visitor who is not logged in reaches this endpoint on a private instance."""
    if endpoint is None:  # no such route: the 404 page
        return True
    if endpoint in OPEN or endpoint in FEDERATION_ENDPOINTS:
        return True
    blueprint = endpoint.rpartition(".")[0]
    if blueprint in TOKEN_BLUEPRINTS:
        return True
    return blueprint in FEDERATION_BLUEPRINTS and endpoint not in NOT_FEDERATION


async def check():
    """before_request of the app: on a private instance, a visitor who is not logged in reaches
    only what `is_open` lets through."""
    rt = runtime.current()
    if not rt.config.private or is_open(request.endpoint):
        return None
    if g.get("private_signer") is not None:
        return None  # an allowlisted server's GET, its signature verified (actors/private_guard.py)
    if "viewer" not in g:  # common.prepare takes it from here (one session look-up per request)
        g.viewer = await common.load_viewer(rt)
    if g.viewer is not None:
        return None
    if _wants_page():
        target = request.full_path if request.method == "GET" else (request.referrer or request.path)
        return redirect(url_for("auth.login_form", next=common.safe_next(target)), 303)
    if await _local_client(rt):
        return None
    body = {"error": "login_required", "field": None,
            "message": "this is a private instance: log in first (feeds: use your secret address from /settings/feeds)"}
    return Response(json.dumps(body), status=401, content_type="application/json")


async def _local_client(rt) -> bool:
    """A script of a local account with its `Authorization: Bearer` token (the API, the client
    outbox; see the README's client-to-server part); a bad token is as good as none."""
    try:
        client = await bearer_actor(rt)
    except Unauthorized:
        return False
    return client is not None  # (a suspended account's tokens find no one)


def _wants_page() -> bool:
    """A browser: it asks for HTML and not for JSON, and not at one of the machine routes (the API,
    the feeds and downloads: a feed reader gets no login page)."""
    if request.endpoint in NOT_FEDERATION or request.path.startswith("/api/") or request.path.endswith(FILES):
        return False
    accept = request.headers.get("Accept", "")
    return "text/html" in accept and "json" not in accept
