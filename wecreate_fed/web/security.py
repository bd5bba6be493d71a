"""The website's safety: the session secret, CSRF tokens, security headers, login limits.

- The session is Quart's signed cookie (HttpOnly, SameSite=Lax, Secure when base_url is
  https). Its secret is made once per instance and kept in the database (settings table),
  so it is never in the code or the config and survives restarts.
- Every POST to a page of the website carries the session's CSRF token (a hidden field, or
  the X-CSRF-Token header for small scripts) and an Origin (or Referer) of this instance;
  ActivityPub inboxes and the bearer-token outbox are other blueprints and are not touched.
- A Content Security Policy allows scripts and styles from our own origin only.
- Failed logins are counted per username and per client address; past the limit the login
  is refused until the window has passed.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from quart import Quart, Response, request, session
from quart.sessions import SecureCookieSessionInterface

from wecreate_fed import hosts, ratelimit, runtime
from wecreate_fed.errors import Forbidden, WeCreateError
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import iso, utcnow
from wecreate_fed.store import web as web_store

SECRET_SETTING = "session_secret"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_DAYS = 30
# Failed logins within the window: per username (guessing one person's password) and per
# client address (trying many names). A city's shared NAT gets the larger budget.
LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_LIMIT_USER = 5
LOGIN_LIMIT_IP = 20
# New accounts per client address and hour (a brake on scripted sign-ups).
REGISTER_WINDOW = timedelta(hours=1)
REGISTER_LIMIT_IP = 10


class TooManyAttempts(WeCreateError):
    """Too many failed attempts; `minutes` until the next try is allowed."""

    status = 429
    default_code = "too_many"

    def __init__(self, message: str, minutes: int):
        super().__init__(message, params={"minutes": minutes})
        self.minutes = minutes


class CookieSessions(SecureCookieSessionInterface):
    """Quart's signed-cookie sessions, minus the signer for requests without our cookie.

    Quart builds an itsdangerous serializer for every request before looking for the cookie,
    and reads the cookie settings after it even when the session was never touched; other
    servers' deliveries never carry our cookie, and this was a measurable share of each
    inbox POST (benchmarks/bench.py). What is sent back is exactly what Quart would send.
    """

    async def open_session(self, app, request):
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return await super().open_session(app, request)

    async def save_session(self, app, session, response) -> None:
        if not session and not session.modified and not session.accessed:
            return  # untouched and empty: no cookie to set or delete, no Vary
        await super().save_session(app, session, response)


def configure(app: Quart, rt: Runtime) -> None:
    """Cookie settings from the instance's base_url; the secret itself is loaded when serving starts."""
    app.session_interface = CookieSessions()
    app.config.update(
        SESSION_COOKIE_NAME="wecreate_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=rt.config.base_url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=timedelta(days=SESSION_DAYS),
    )


async def load_secret(app: Quart, rt: Runtime) -> None:
    """The instance's session secret: made once (256 random bits), then read from the database."""
    async with rt.db.transaction() as conn:
        app.secret_key = await web_store.add_setting_once(conn, SECRET_SETTING, secrets.token_urlsafe(32))
        await web_store.refresh_statistics(conn)


# --- CSRF -------------------------------------------------------------------------------

def csrf_token() -> str:
    """This session's CSRF token, made on first use."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def new_csrf_token() -> None:
    """A fresh token (at login and logout), so a token seen before cannot be replayed."""
    session["csrf"] = secrets.token_urlsafe(32)


async def check_csrf() -> None:
    """Refuse a state-changing request that did not come from our own pages: its Origin (or
    Referer) must be this instance, and its token this session's."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    check_origin()
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        form = await request.form
        sent = form.get(CSRF_FIELD, "")
    expected = session.get("csrf", "")
    if not expected or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden("the form's CSRF token is missing or not this session's", code="csrf")


def origin_of(url: str) -> str | None:
    """scheme://host[:port] of a URL, normalised as every origin here is (hosts.py); None if it has none."""
    try:
        return hosts.parse_url(url).origin
    except hosts.InvalidURL:
        return None


def check_origin() -> None:
    """The request came from a page of this instance, as its browser says (Origin, else Referer).

    Browsers send Origin with every form POST today; an older one sends at least our Referer
    (Referrer-Policy: same-origin). With neither, as Django does, we refuse on https (where a
    proxy cannot have stripped it) and rely on the CSRF token alone on plain http (the demo).
    """
    rt = runtime.current()
    ours = origin_of(rt.config.base_url)
    sent = request.headers.get("Origin")
    if sent is None:
        sent = request.headers.get("Referer")
    if sent is None:
        if rt.config.base_url.startswith("https://"):
            raise Forbidden("the request names no Origin or Referer", code="origin")
        return
    if origin_of(sent) != ours:  # "null", another site, or nothing we can read
        raise Forbidden(f"the request comes from {sent[:100]!r}, not from this instance", code="origin")


# --- headers ----------------------------------------------------------------------------

def content_security_policy(rt: Runtime) -> str:
    # Forms may lead to another server: "act from your instance" redirects to the visitor's
    # own server, which Chromium checks against form-action. Plain http only for the demo/tests.
    form_targets = "'self' https:" + (" http:" if rt.config.allow_private_addresses else "")
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
            f"font-src 'self'; connect-src 'self'; form-action {form_targets}; frame-ancestors 'none'; "
            "base-uri 'none'; object-src 'none'")


def add_headers(rt: Runtime, response: Response) -> Response:
    """nosniff on everything; the headers that only browsers rendering a page act on, on pages only.

    Most requests are other servers' deliveries and fetches (JSON); leaving the page headers
    off them saved ~4% of an inbox POST's CPU (benchmarks/bench.py).
    """
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", content_security_policy(rt))
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
    return response


# --- login limits -----------------------------------------------------------------------

def client_address() -> str:
    """The visitor's address; from a proxy in server.trusted_proxies, its X-Forwarded-For (ratelimit)."""
    return ratelimit.client_address(runtime.current().config.trusted_proxies)


async def check_login_allowed(rt: Runtime, username: str, address: str) -> None:
    """Raise TooManyAttempts while the username or the address is over its limit."""
    since = iso(utcnow() - LOGIN_WINDOW)
    for scope, key, limit in (("user", username.lower(), LOGIN_LIMIT_USER), ("ip", address, LOGIN_LIMIT_IP)):
        if await web_store.count_login_failures(rt.db.reader, scope, key, since) >= limit:
            oldest = await web_store.oldest_login_failure(rt.db.reader, scope, key, since)
            raise TooManyAttempts("too many failed logins", _minutes_left(oldest, LOGIN_WINDOW))


async def record_login_failure(rt: Runtime, username: str, address: str) -> None:
    async with rt.db.transaction() as conn:
        await web_store.add_login_failure(conn, "user", username.lower())
        await web_store.add_login_failure(conn, "ip", address)
        await web_store.prune_login_failures(conn, iso(utcnow() - 2 * REGISTER_WINDOW))


async def clear_login_failures(rt: Runtime, username: str) -> None:
    async with rt.db.transaction() as conn:
        await web_store.clear_login_failures(conn, "user", username.lower())


async def check_registration_allowed(rt: Runtime, address: str) -> None:
    since = iso(utcnow() - REGISTER_WINDOW)
    if await web_store.count_login_failures(rt.db.reader, "register", address, since) >= REGISTER_LIMIT_IP:
        oldest = await web_store.oldest_login_failure(rt.db.reader, "register", address, since)
        raise TooManyAttempts("too many new accounts", _minutes_left(oldest, REGISTER_WINDOW))


async def record_registration(rt: Runtime, address: str) -> None:
    async with rt.db.transaction() as conn:
        await web_store.add_login_failure(conn, "register", address)


def _minutes_left(oldest: str | None, window: timedelta) -> int:
    start = utcnow() if oldest is None else datetime.fromisoformat(oldest.replace("Z", "+00:00"))
    left = (start + window - utcnow()).total_seconds()
    return max(1, int(left // 60) + 1)
