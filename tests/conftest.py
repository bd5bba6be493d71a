"""Shared fixtures: real instances served by Hypercorn on 127.0.0.1, each with its own database.

`make_instance("leipzig")` starts a full instance (routes, inbox worker, delivery worker) on a
free loopback port; `instance.stop()` / `instance.start()` restart it on the same port and
database. Everything talks real HTTP.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from pathlib import Path

import aiohttp
import pytest
from hypercorn.asyncio import serve
from hypercorn.config import Config as HypercornConfig

from actors import local as local_actors
from tests import pg_databases
from tests.mailserver import MailServer
from tests.ports import free_port, release_ports
from wecreate_fed import config as config_module
from wecreate_fed import signatures, urls
from wecreate_fed.app import create_app
from wecreate_fed.signatures import proofs
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import proof_keys

# The last-resort limit per test behind pytest-timeout's (tests/watchdog.py).
pytest_plugins = ["tests.watchdog"]

FIXTURES = Path(__file__).parent / "fixtures"


def instance_config(tmp_path: Path, name: str, port: int, *, registration: str = "open",
                    rate_limits: dict | None = None, trusted_proxies: list[str] | None = None,
                    tables: dict | None = None, moderation: dict | None = None,
                    database_url: str | None = None, **federation) -> config_module.Config:
    raw = {
        "instance": {"name": f"WeCreate {name.title()}", "base_url": f"http://127.0.0.1:{port}",
                     "registration": registration},
        "city": {"name": name.title(), "districts": [{"slug": "mitte", "name": "Mitte"},
                                                     {"slug": "west", "name": "West"}]},
        "database": ({"url": database_url, "data_dir": str(tmp_path / name)} if database_url
                     else {"path": str(tmp_path / name / "wecreate.sqlite3")}),
        "server": {"host": "127.0.0.1", "port": port},
        # Authorised fetch on unless a test says otherwise: the suites run as a "secure mode" fediverse does.
        "federation": {"allow_private_addresses": True, "fetch_timeout_seconds": 5.0, "require_signed_fetch": True,
                       **federation},
    }
    if rate_limits is not None:
        raw["rate_limits"] = rate_limits
    if moderation is not None:
        raw["moderation"] = moderation
    if trusted_proxies is not None:
        raw["server"]["trusted_proxies"] = trusted_proxies
    raw.update(tables or {})  # further tables as they are, e.g. {"legal": {...}}
    return config_module.from_dict(raw, base_dir=tmp_path)


class Instance:
    """One running instance and the helpers tests use to drive it over HTTP."""

    def __init__(self, config: config_module.Config, *, run_workers: bool = True):
        self.config = config
        self.run_workers = run_workers
        self.base_url = config.base_url
        self.app = None
        self._task: asyncio.Task | None = None
        self._shutdown: asyncio.Event | None = None
        # Every answer's status, and every exception that escaped the app (Hypercorn would
        # answer 500 for it without a word, its error log being off), for the tests to check.
        self.statuses: Counter = Counter()
        self.crashes: list[BaseException] = []

    @property
    def rt(self):
        return self.app.extensions["wecreate"]

    @property
    def shared_inbox(self) -> str:
        return f"{self.base_url}/inbox"

    async def start(self) -> Instance:
        self.app = create_app(self.config, run_workers=self.run_workers)
        settings = HypercornConfig()
        settings.bind = [f"127.0.0.1:{self.config.listen_port}"]
        settings.accesslog = None
        settings.errorlog = None
        settings.graceful_timeout = 1
        self._shutdown = asyncio.Event()
        self._task = asyncio.create_task(serve(self._counted, settings, shutdown_trigger=self._shutdown.wait))
        # Ready when it answers; a start that failed (migration, port taken) raises here at once. No
        # deadline of its own: the start is CPU work (migrations, keys) that took over 10 s on a loaded
        # machine, and a start that hangs is ended by the test's own limit (pytest-timeout), with stacks.
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    async with session.get(f"{self.base_url}/.well-known/nodeinfo") as r:
                        if r.status == 200:
                            return self
                except aiohttp.ClientError:
                    pass
                if self._task.done():
                    self._task.result()
                    raise RuntimeError(f"{self.base_url} stopped serving before it answered")
                await asyncio.sleep(0.05)

    async def _counted(self, scope, receive, send) -> None:
        """The app, counting the status of every response it sends."""
        async def counting_send(message):
            if message["type"] == "http.response.start":
                self.statuses[message["status"]] += 1
            await send(message)
        try:
            await self.app(scope, receive, counting_send)
        except Exception as error:
            self.crashes.append(error)
            raise

    async def stop(self) -> None:
        if self._task is not None:
            self._shutdown.set()
            await asyncio.wait_for(self._task, 10)
            self._task = None

    async def create_user(self, username: str, **kwargs):
        async with self.rt.db.transaction() as conn:
            return await local_actors.create_account(conn, self.config, username=username, **kwargs)

    async def token(self, username: str) -> str:
        async with self.rt.db.transaction() as conn:
            return await local_actors.issue_token(conn, username)

    async def actor(self, username: str):
        return await actors_store.get_local_actor(self.rt.db.reader, username)

    async def post_outbox(self, username: str, document: dict, token: str | None = None) -> tuple[int, dict]:
        """POST to a local outbox with a fresh token; returns (status, JSON body)."""
        token = token or await self.token(username)
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{self.base_url}/users/{username}/outbox", json=document,
                                    headers={"Authorization": f"Bearer {token}"}) as r:
                return r.status, await r.json(content_type=None)

    async def get_json(self, url: str, **headers) -> tuple[int, dict]:
        """GET as another server would; signed by this instance's actor when it requires signed fetches."""
        if self.config.require_signed_fetch and "Signature" not in headers:
            signer = await actors_store.get_instance_actor(self.rt.db.reader)
            headers = {**signatures.sign_request("GET", url, key_id=signer.key_id,
                                                 private_key_pem=signer.private_key_pem), **headers}
        async with aiohttp.ClientSession() as session:
            async with session.get(url, headers={"Accept": "application/activity+json", **headers}) as r:
                return r.status, await r.json(content_type=None)

    async def writer_in_transaction(self) -> bool:
        """Whether a transaction was left open: SQLite's writer connection inside one, or on PostgreSQL
        a connection of this instance's database idle inside one (the pool must never keep such)."""
        db = self.rt.db
        if db.dialect == "sqlite":
            return db._writer.in_transaction
        # A worker between two statements of its own transaction is "idle in transaction" for a moment;
        # one left open stays so, unchanged: only those seen twice, a second apart, count.
        sql = ("SELECT pid, xact_start, state_change FROM pg_stat_activity WHERE datname = current_database() "
               "AND state LIKE 'idle in transaction%'")
        seen = {tuple(r.values()) for r in await self.query(sql)}
        if not seen:
            return False
        await asyncio.sleep(1.0)
        return bool(seen & {tuple(r.values()) for r in await self.query(sql)})

    async def query(self, sql: str, params=()) -> list:
        """Read-only SQL for assertions (tests only; the code itself keeps SQL in the store)."""
        async with self.rt.db.reader.execute(sql, params) as cur:
            return [dict(row) for row in await cur.fetchall()]


class HangingPeer:
    """A server that serves one actor document (/users/stuck) and never answers anything else (overloaded)."""

    def __init__(self):
        self.private_key_pem, self.public_key_pem = signatures.generate_key_pair()
        self.posts = 0        # POSTs received
        self.fetches = 0      # GETs received of anything but the actor
        self.hanging = 0      # requests open right now
        self.most_hanging = 0  # the most that were open at once
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    async def start(self) -> HangingPeer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.base_url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        self.actor_id = f"{self.base_url}/users/stuck"
        self.key_id = f"{self.actor_id}#main-key"
        return self

    async def stop(self) -> None:
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._tasks.add(asyncio.current_task())
        try:
            method, path, _ = (await reader.readuntil(b"\r\n\r\n")).split(b" ", 2)
            if method == b"GET" and path == b"/users/stuck":
                body = json.dumps(self.document()).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/activity+json\r\n"
                             b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
                await writer.drain()
            else:  # a POST, or a GET of anything else: taken, never answered
                self.posts += method == b"POST"
                self.fetches += method == b"GET"
                self.hanging += 1
                self.most_hanging = max(self.most_hanging, self.hanging)
                try:
                    await reader.read()  # until the sender gives up and closes
                finally:
                    self.hanging -= 1
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._tasks.discard(asyncio.current_task())
            writer.close()

    async def follow(self, inbox_url: str, ap_id: str) -> None:
        """Its actor follows `ap_id` with a signed Follow to `inbox_url` (the Accept will hang)."""
        activity = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{self.actor_id}#follows/{uuid.uuid4()}",
                    "type": "Follow", "actor": self.actor_id, "object": ap_id}
        status, body = await post_signed(inbox_url, activity, key_id=self.key_id, private_key_pem=self.private_key_pem)
        assert status == 202, body

    def document(self) -> dict:
        return {"@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                "id": self.actor_id, "type": "Person", "preferredUsername": "stuck",
                "inbox": f"{self.actor_id}/inbox",
                "publicKey": {"id": self.key_id, "owner": self.actor_id, "publicKeyPem": self.public_key_pem}}


async def post_signed(url: str, activity: dict, *, key_id: str, private_key_pem: str,
                      body: bytes | None = None, headers: dict | None = None) -> tuple[int, str]:
    """Deliver an activity signed the way Mastodon signs; `headers` override signed ones (for forgeries)."""
    body = body if body is not None else json.dumps(activity).encode()
    signed = signatures.sign_request("POST", url, key_id=key_id, private_key_pem=private_key_pem, body=body)
    signed.update(headers or {})
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=body, headers=signed) as r:
            return r.status, await r.text()


async def eventually(check, *, timeout: float = 10.0, interval: float = 0.05, message: str = "condition"):
    """Await `check()` (sync or async) until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {message}")
        await asyncio.sleep(interval)


async def signed_by(instance, actor, document: dict) -> dict:
    """`document` with `actor`'s real object proof (FEP-8b32), made with the key its server keeps."""
    private_pem, _ = await proof_keys.get_proof_key(instance.rt.db.reader, actor.id)
    return proofs.sign(document, private_key_pem=private_pem, verification_method=urls.proof_key_id(actor.ap_id))


def load_fixture(name: str, **replacements) -> dict:
    """A real payload from tests/fixtures, with {placeholders} filled in."""
    text = (FIXTURES / name).read_text(encoding="utf-8")
    for key, value in replacements.items():
        text = text.replace("{" + key + "}", value)
    return json.loads(text)


@pytest.fixture(autouse=True)
def _reserved_ports():
    """Ports from free_port() stay reserved until the test and its servers are done (tests/ports.py)."""
    yield
    release_ports()


@pytest.fixture
async def make_instance(tmp_path):
    """Factory: `await make_instance("leipzig", registration="invite", **federation_settings)` -> a started Instance
    (`rate_limits={...}` for the [rate_limits] table, `trusted_proxies=[...]` for server.trusted_proxies,
    `tables={"legal": {...}}` for further tables; relative paths in them are taken from tmp_path)."""
    started: list[Instance] = []
    databases: list[str] = []

    async def make(name: str = "leipzig", *, port: int | None = None, run_workers: bool = True,
                   registration: str = "open", rate_limits: dict | None = None,
                   trusted_proxies: list[str] | None = None, tables: dict | None = None,
                   moderation: dict | None = None, **federation):
        database_url = None
        if pg_databases.enabled():  # WECREATE_TEST_DATABASE: a fresh PostgreSQL database each
            database_url = await pg_databases.fresh()
            databases.append(database_url)
        instance = Instance(instance_config(tmp_path, name, port or free_port(), registration=registration,
                                            rate_limits=rate_limits, trusted_proxies=trusted_proxies,
                                            tables=tables, moderation=moderation, database_url=database_url,
                                            **federation),
                            run_workers=run_workers)
        await instance.start()
        started.append(instance)
        return instance

    yield make
    for instance in started:
        await instance.stop()
    await pg_databases.drop(databases)


@pytest.fixture
async def database_url(tmp_path):
    """A fresh database's URL on the backend of this run: an SQLite file, or (WECREATE_TEST_DATABASE)
    a new PostgreSQL database with the schema, dropped afterwards."""
    if not pg_databases.enabled():
        yield f"sqlite://{tmp_path / 'fresh.sqlite3'}"
        return
    url = await pg_databases.fresh()
    yield url
    await pg_databases.drop([url])


def pytest_collection_modifyitems(config, items):
    if pg_databases.enabled():
        skip = pytest.mark.skip(reason="about SQLite itself; this run is on PostgreSQL")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(skip)


def pytest_sessionfinish(session, exitstatus):
    pg_databases.drop_all()


@pytest.fixture
async def mailserver():
    """A fresh SMTP server (aiosmtpd) on loopback for one test; `mailserver.tables()` points an
    instance at it (`make_instance(..., tables=mailserver.tables())`). See tests/mailserver.py."""
    server = await MailServer().start()
    yield server
    await server.stop()


@pytest.fixture
async def hanging_peer():
    """A server on loopback with one actor ("stuck") whose inbox never answers."""
    peer = await HangingPeer().start()
    yield peer
    await peer.stop()


@pytest.fixture
async def leipzig(make_instance):
    return await make_instance("leipzig")


@pytest.fixture
async def meissen(make_instance):
    return await make_instance("meissen")
