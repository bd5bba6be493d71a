"""The app factory: one Quart app per instance, its workers started with the server."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

from quart import Quart, Response, request
from werkzeug.exceptions import HTTPException

import inbox.front
import inbox.receive
import outbox.routes
from actors import local as local_actors
from actors import private_guard
from actors import routes as actor_routes

from . import owner_only, processes, ratelimit, wakeups, web
from .civic import accounts as civic_accounts
from .civic import box_routes, districts, event_routes, poll_routes
from .civic import client as civic_client
from .civic import routes as civic_routes
from .civic.boxes import amendments_routes
from .civic.orgs import space_routes as org_space_routes
from .config import Config
from .domainpolicy import PolicyTable
from .errors import NotFound, WeCreateError
from .http import HttpClient
from .moderation import allowlist
from .moderation import domains as domain_policy
from .runtime import Runtime
from .store import database_for
from .web import security
from .workers import Supervisor

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
# Seconds a request still running at SIGTERM may take before it is answered 503; less than
# the server's graceful_timeout (cli.serve), so that no connection is left to be cut off.
REQUEST_GRACE = 2.0
SHUTTING_DOWN = {"error": "shutting_down", "field": None, "message": "the server is restarting; try again shortly"}


class App(Quart):
    """Quart with a deadline on every request that a shutdown brings forward (`begin_shutdown`).

    A request waiting on another server (a fetch that takes its full timeout) would otherwise
    outlive the server's graceful period and go on running after the database is closed.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.supervisor = Supervisor()
        self._deadlines: set = set()
        self._cut_off_at: float | None = None
        self.front: inbox.front.InboxFront | None = None

    async def asgi_app(self, scope, receive, send):
        """Inbox POSTs to the thin front (inbox/front.py), everything else to Quart."""
        local_name = self.front.route(scope) if self.front is not None else inbox.front.NOT_OURS
        if local_name is inbox.front.NOT_OURS:
            return await super().asgi_app(scope, receive, send)
        try:
            async with asyncio.timeout(self._cut_off_at) as deadline:  # as handle_request below
                self._deadlines.add(deadline)
                try:
                    await self.front.serve(scope, receive, send, local_name)
                finally:
                    self._deadlines.discard(deadline)
        except TimeoutError:
            if not deadline.expired():
                raise
            await send({"type": "http.response.start", "status": 503, "headers": [
                (b"content-type", b"application/json"), (b"retry-after", b"30")]})
            await send({"type": "http.response.body", "body": json.dumps(SHUTTING_DOWN).encode()})

    async def handle_request(self, request):
        try:
            async with asyncio.timeout(self._cut_off_at) as deadline:
                self._deadlines.add(deadline)
                try:
                    return await super().handle_request(request)
                finally:
                    self._deadlines.discard(deadline)
        except TimeoutError:
            if not deadline.expired():
                raise
            return Response(json.dumps(SHUTTING_DOWN), status=503, content_type="application/json",
                            headers={"Retry-After": "30"})

    def begin_shutdown(self, request_grace: float = REQUEST_GRACE) -> None:
        """SIGTERM: the workers stop taking work now; requests get `request_grace` seconds to finish."""
        self.supervisor.begin_stop()
        self._cut_off_at = asyncio.get_running_loop().time() + request_grace
        for deadline in self._deadlines:
            deadline.reschedule(self._cut_off_at)


def create_app(config: Config, *, run_workers: bool = True, queues: tuple[str, ...] | None = None,
               alone: bool | None = None) -> App:
    """A ready-to-serve app; the database opens and the workers start when serving begins.

    `queues`: the workers this process runs (processes.QUEUES); by default all of them, or none
    when `run_workers` is false (web only: worker processes work the queues). `alone`: this process
    is the only one on the database (it takes every lease over at start); by default when it runs
    every queue on SQLite."""
    queues = (processes.QUEUES if run_workers else ()) if queues is None else queues
    owns_queues_alone = (queues == processes.QUEUES and _is_sqlite(config)) if alone is None else alone
    listening: list = []
    app = App(__name__, static_folder=str(STATIC_DIR), static_url_path="/static",
              template_folder=str(Path(__file__).parent / "web" / "templates"))
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    # The domain policy in memory: every outgoing request and the inbox consult it (no restart needed).
    domains = PolicyTable.from_config(config)
    rt = Runtime(config=config, db=database_for(config.database_url),
                 http=HttpClient.from_config(config, blocked=domains.refused), domains=domains)
    app.extensions["wecreate"] = rt
    for blueprint in (actor_routes.bp, outbox.routes.bp, civic_routes.bp, event_routes.bp, box_routes.bp,
                      amendments_routes.bp, poll_routes.bp, civic_client.bp, inbox.receive.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(org_space_routes.bp)  # an Organization's featured collection
    supervisor = app.supervisor
    app.before_request(_no_nul_in_path)
    app.before_request(ratelimit.check_expensive)  # app-level: before the website's own before_request
    app.before_request(private_guard.check)  # private mode: only allowlisted servers' signed requests
    app.after_request(ratelimit.add_retry_after)

    @app.before_serving
    async def start() -> None:
        await rt.db.open()
        owner_only.tighten(civic_accounts.media_folder(config))  # uploads: the instance user's only
        await rt.http.start()
        await domain_policy.load(rt)
        await allowlist.load(rt)
        async with rt.db.transaction() as conn:
            await local_actors.ensure_instance_actor(conn, config)
            await districts.ensure_districts(conn, config)
            await local_actors.ensure_proof_keys(conn)  # actors made before object proofs existed
            if queues:
                # Alone (SQLite): what a crashed run had claimed is free now; else only dead processes'.
                await processes.claim_leases(rt, conn, alone=owns_queues_alone)
        listening.extend(processes.share_wakeups(rt, queues))
        # Not queue workers: they keep the domain policy current (other processes' changes) and purge.
        processes.start_guards(rt, supervisor)
        processes.start_workers(rt, supervisor, queues)

    # The website; after start() so that its own start-up (the session secret) finds the database open.
    web.install(app, rt)
    app.front = inbox.front.InboxFront(app, rt, accepted_headers=_asgi_headers(rt, Response("", 202)),
                                       error_headers=_asgi_headers(rt, Response("{}", content_type="application/json")))

    @app.after_serving
    async def stop() -> None:
        # Workers first (they finish or release what they claimed), then the connections.
        await supervisor.stop()
        await wakeups.stop(listening)
        await rt.http.close()
        await rt.db.close()

    @app.errorhandler(WeCreateError)
    async def wecreate_error(error: WeCreateError):
        if _wants_html():
            return await web.common.error_page(error)  # logs what is a server's fault itself
        if error.status >= 500:
            log.warning("%s %s: %s", request.method, request.path, error)
        return _json(error.status, error.as_json())

    @app.errorhandler(HTTPException)
    async def http_error(error: HTTPException):
        if _wants_html():
            return await web.common.http_error_page(error)
        return _json(error.code or 500, {"error": (error.name or "error").lower().replace(" ", "_"), "field": None,
                                         "message": error.description or error.name})

    return app


async def _no_nul_in_path() -> None:
    """No page, user or object is named with U+0000 (PostgreSQL refuses it in text): such a path
    is a 404 before any lookup, on both backends alike."""
    if "\x00" in request.path:
        raise NotFound("no such page here")


def _is_sqlite(config: Config) -> bool:
    return config.database_path is not None


# Paths that answer machines only: their errors are JSON whatever the Accept header says.
JSON_PATHS = ("/api/", "/.well-known/", "/nodeinfo/")


def _wants_html() -> bool:
    """A browser (it asks for HTML and not for JSON) gets the website's error page; API clients,
    other servers (activity+json, ld+json), the inboxes and a client's outbox POST get JSON."""
    path = request.path
    if path.startswith(JSON_PATHS) or path.endswith("/inbox") or (path.endswith("/outbox") and request.method == "POST"):
        return False
    accept = request.headers.get("Accept", "")
    return "text/html" in accept and "json" not in accept


def _json(status: int, body: dict) -> Response:
    """Errors for API clients and other servers: {"error": code, "field": …, "message": …}."""
    return Response(json.dumps(body), status=status, content_type="application/json")


def _asgi_headers(rt: Runtime, response: Response) -> list[tuple[bytes, bytes]]:
    """The headers Quart and the website's after_request give such a response, for the thin front;
    an error's length is its own."""
    security.add_headers(rt, response)
    if response.content_type == "application/json":
        del response.headers["Content-Length"]
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in response.headers.items()]
