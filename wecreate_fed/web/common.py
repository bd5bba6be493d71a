"""What every page of the website shares: who is looking (the viewer), in which language,
the navigation, rendering, redirects after a form, and error pages.

A page is a route in one of the web modules, a template in web/templates extending
base.html, and its strings in the i18n catalog (the .po files). Routes read `request`, call civic or account
functions, and render; they never hold SQL or civic rules.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from quart import Blueprint, g, make_response, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from wecreate_fed import i18n, runtime, urls
from wecreate_fed.errors import Forbidden, Unauthorized, WeCreateError
from wecreate_fed.store import accounts as accounts_store
from wecreate_fed.store import web as web_store
from wecreate_fed.store.actors import Actor

from . import consent, forms, labels, security, sessions

log = logging.getLogger(__name__)

# The main navigation: (endpoint, catalog key). Add an entry here for a new section;
# base.html renders it and marks the current one. (Page blueprints whose name the ActivityPub
# routes already use get a "_pages" suffix: "boxes" and "events" are taken there.)
NAV = [
    ("ideas.marketplace_home", "nav.marketplace"),
    ("events_pages.calendar", "nav.events"),
    ("box_pages.index", "nav.boxes"),
    ("profiles.districts", "place.units"),
]
LANGUAGE_COOKIE = "lang"
# All a suspended account may still open: its decisions (to read and appeal them), the
# notifications that link to them, the language switch, logging out, and the export of its data
# (the right of access, GDPR Art. 15, holds during a suspension too).
SUSPENDED_MAY = frozenset({"auth.logout", "auth.login_form", "auth.login", "auth.language", "auth.language_link",
                           "profiles.notifications", "moderation.decision", "moderation.appeal",
                           "export_pages.export_form", "export_pages.download"})


@dataclass(frozen=True)
class Viewer:
    """The logged-in local person or organisation looking at a page."""

    actor: Actor
    role: str
    language: str
    district_slug: str | None

    @property
    def is_moderator(self) -> bool:
        return self.role in ("moderator", "admin")

    def may_manage(self, owner_id: int) -> bool:
        """Edit links and forms are shown to the owner and to moderators (the civic functions decide)."""
        return self.actor.id == owner_id or self.is_moderator

    def check_may_manage(self, owner_id: int) -> None:
        """An edit form is refused (403) to anyone else."""
        if not self.may_manage(owner_id):
            raise Forbidden("only the one who published this, or a moderator, may edit it", code="not_yours")


async def prepare():
    """before_request of every web blueprint: the viewer, the language, the CSRF check, and the consent gate."""
    rt = runtime.current()
    if "viewer" not in g:  # the private instance's gate (web/gate.py) may have looked already
        g.viewer = await load_viewer(rt)
    g.lang = pick_language(rt)
    await security.check_csrf()
    if g.viewer is not None and g.viewer.actor.suspended_at is not None and request.endpoint not in SUSPENDED_MAY:
        raise Forbidden("your account is suspended; your notifications say why and how to appeal",
                        code="account_suspended")
    return await consent.gate(rt)  # a redirect to agree again to changed rules or privacy policy, or None


async def load_viewer(rt) -> Viewer | None:
    """The logged-in account behind the request's session, or None."""
    actor_id = await sessions.current_actor_id(rt)
    if actor_id is None:
        return None
    row = await accounts_store.get_session_account(rt.db.reader, actor_id)
    if row is None:  # the account is gone (its sessions were revoked with it)
        session.pop("sid", None)
        return None
    return Viewer(web_store.actor_of(row), row["role"], row["language"], row["district_slug"])


def pick_language(rt) -> str:
    """The account's language, else the cookie of the language switch, else Accept-Language, else the default."""
    viewer = g.get("viewer")
    if viewer is not None and viewer.language in i18n.LANGUAGES:
        return viewer.language
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in i18n.LANGUAGES:
        return cookie
    return i18n.negotiate(request.headers.get("Accept-Language", ""), rt.config.default_language)


def viewer() -> Viewer | None:
    return g.get("viewer")


def me() -> Viewer:
    """The viewer of a route behind login_required, who is never None there."""
    found = g.get("viewer")
    if found is None:
        raise Unauthorized("log in first", code="login_required")
    return found


def _(key: str, **values) -> str:
    """A catalog string in the page's language (with the city's word for its districts at hand)."""
    lang = g.get("lang", "de")
    return i18n.gettext(lang, key, **{**labels.district_words(runtime.current().config.district_label, lang), **values})


def login_required(route):
    """Visitors who are not logged in are sent to the login page, and come back afterwards."""
    @functools.wraps(route)
    async def wrapper(*args, **kwargs):
        if g.get("viewer") is None:
            target = request.full_path if request.method == "GET" else (request.referrer or request.path)
            return redirect(url_for("auth.login_form", next=_local_path(target)), 303)
        return await route(*args, **kwargs)
    return wrapper


def _local_path(target: str | None) -> str:
    """Only a path on this site may be a `next` target (no open redirect)."""
    if not target or any(ord(c) < 0x21 or ord(c) == 0x7F for c in target) or target.startswith(("//", "/\\")):
        return "/"  # browsers drop tabs and line breaks: "/\t/evil" would become "//evil"
    try:
        parts = urlsplit(target)
    except ValueError:  # `http://[::1` and the like
        return "/"
    if (parts.scheme or parts.netloc) and not request.host_url.startswith(f"{parts.scheme}://{parts.netloc}/"):
        return "/"
    path = parts.path or "/"
    decoded = unquote(path)  # "/%2F%2Fevil" and "/%5Cevil" are refused as what they decode to
    if not path.startswith("/") or any(p.startswith("//") or "\\" in p for p in (path, decoded)):
        return "/"
    return path + (f"?{parts.query}" if parts.query else "")


def safe_next(target: str | None) -> str:
    return _local_path(target)


def back(default: str | None = None) -> Response:
    """After a form: back to the page it came from (same site only), with 303 See Other."""
    if request.referrer:
        return redirect(_local_path(request.referrer), 303)
    return redirect(default or url_for("ideas.marketplace_home"), 303)


def see_other(location: str) -> Response:
    return redirect(location, 303)


def notice(key: str, **values) -> None:
    """A one-line message shown on the next page (a flash stored in the session)."""
    messages = session.get("notices", [])
    messages.append(_(key, **values))
    session["notices"] = messages[-3:]


def take_notices() -> list[str]:
    return session.pop("notices", []) if "notices" in session else []


async def page(template: str, status: int = 200, **context) -> tuple[str, int]:
    return await render_template(template, **context), status


# An error page's heading by status; the text of the server's own errors by status (werkzeug's
# English descriptions are never shown); what a generic "not found" / "gone" says on a page of a kind.
HEADINGS = {400: "error.400", 401: "error.401", 403: "error.403", 404: "error.404", 405: "error.405",
            409: "error.409", 410: "error.410", 413: "error.413", 415: "error.415", 429: "error.429",
            500: "error.500", 502: "error.502", 503: "error.503"}
HTTP_TEXTS = {400: "error.http_400", 404: "error.http_404", 405: "error.http_405", 413: "error.http_413",
              415: "error.http_415", 500: "error.http_500"}
MISSING = {"idea": ("error.no_such_idea", "error.idea_deleted"), "event": ("error.no_such_event", "error.event_deleted"),
           "person": ("error.no_such_person", None), "district": ("error.no_such_district", None),
           "box": ("error.no_such_box", None), "motion": ("error.no_such_motion", "error.motion_deleted")}


async def error_page(error: WeCreateError):
    """An error as a page in the visitor's language: by its code where the catalog has a text for it;
    a generic "not found" or "gone" says what kind of thing is missing (by the page's address)."""
    status = error.status
    if status >= 500:
        log.warning("%s %s: %s", request.method, request.path, error)
    await _page_context()
    missing, deleted = MISSING.get(urls.kind_of_path(request.path) or "", (None, None))
    if missing and error.code in ("not_found", "district_unknown") and status in (400, 404):
        status, messages = 404, [_(missing)]  # a path naming no district is not there, not a bad request
    elif deleted and error.code == "gone":
        messages = [_(deleted)]
    else:
        messages = forms.page_messages(error)
    return await _error_template(status, messages)


async def http_error_page(error: HTTPException):
    """Quart's own errors (no such route, method not allowed, body too large) as a page."""
    status = error.code or 500
    await _page_context()
    if status == 413:
        megabytes = max(1, runtime.current().config.max_body_bytes // (1024 * 1024))
        message = _("error.http_413", megabytes=megabytes)
    else:
        message = _(HTTP_TEXTS.get(status, "error.http_other"))
    response = await _error_template(status, [message])
    allowed = getattr(error, "valid_methods", None)
    if allowed:  # 405: the methods this address takes (RFC 9110)
        response.headers["Allow"] = ", ".join(allowed)
    return response


async def _error_template(status: int, messages: list[str]):
    heading = _(HEADINGS.get(status, "error.other"))
    return await make_response(await render_template("error.html", status=status, heading=heading,
                                                     messages=messages), status)


async def _page_context() -> None:
    """The viewer and the language, also for errors raised outside the website's blueprints."""
    rt = runtime.current()
    if "viewer" not in g:
        g.viewer = await load_viewer(rt)
    if "lang" not in g:
        g.lang = pick_language(rt)


def blueprint(name: str) -> Blueprint:
    """A blueprint of the website: viewer, language and CSRF check before each route, error pages."""
    bp = Blueprint(name, __name__)
    bp.before_request(prepare)
    bp.register_error_handler(WeCreateError, error_page)
    bp.register_error_handler(HTTPException, http_error_page)
    return bp
