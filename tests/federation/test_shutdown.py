"""`wecreate-fed serve` stopped by SIGTERM in the middle of its work, then started again.

Instance A runs as a real process, as in production; B runs in the test. B's people follow
Anna on A, and so does someone on a server that never answers a POST (its deliveries hang
until A gives up on them). Then, at once, Anna posts a burst of notes (each fanning out to B
and to the hanging server) and B's people deliver a burst of signed notes to A's inbox;
SIGTERM arrives while both are in flight, and while a request waits on the hanging server.
A must exit cleanly within seconds (that request answered 503 in time, the hanging deliveries
cut off), leaving no row claimed, and once started again on the same database it must
deliver every post to B exactly once and handle every activity it had answered 202 for.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import aiohttp
import pytest

from actors import local as local_actors
from tests.conftest import eventually, free_port
from wecreate_fed import config as config_module
from wecreate_fed import signatures
from wecreate_fed.store import fetch_all, open_database, queue

FOLLOWERS = 20
POSTS = 60
DELIVERED_TO_A = 200
# The server's own budget is about 8 s (the requests' grace, 2 s, and the server's 1 s beyond it,
# then the workers' STOP_GRACE, 5 s), so it exits within 10 s on a machine that is not overloaded
# (README). The bound here leaves room for a CI machine at a load of 15 on two cores (10.8 s seen)
# and still fails a server that waited for the hanging fetch (30 s) or for its hanging deliveries.
EXIT_WITHIN = 15.0


def write_config(folder: Path, port: int, database_url: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "a.toml"
    path.write_text("\n".join([
        "[instance]", 'name = "WeCreate Leipzig"', f'base_url = "http://127.0.0.1:{port}"', 'registration = "open"',
        "[city]", 'name = "Leipzig"',
        "[database]", f"url = {json.dumps(database_url)}",
        "[server]", 'host = "127.0.0.1"', f"port = {port}",
        # A POST to the hanging server outlasts the workers' grace at stop: it must be cut off.
        "[federation]", "allow_private_addresses = true", "fetch_timeout_seconds = 30.0",
    ]) + "\n", encoding="utf-8")
    return path


class Server:
    """`wecreate-fed serve` as a child process, its output kept in a file."""

    def __init__(self, config_path: Path, log_path: Path):
        self.config_path = config_path
        self.log_path = log_path
        self.config = config_module.load(config_path)
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "wecreate_fed.cli", "--verbose", "serve", "--config", str(self.config_path),
            stdout=log, stderr=log, stdin=asyncio.subprocess.DEVNULL,
            env={k: v for k, v in os.environ.items() if k != config_module.CONFIG_ENV})
        log.close()
        # Ready when it answers, failed when it exits; no deadline of its own (as tests/conftest.py's
        # Instance.start): starting is CPU work that took more than 30 s on a loaded machine, and a
        # hung start is ended by pytest-timeout.
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    async with session.get(f"{self.config.base_url}/.well-known/nodeinfo") as r:
                        if r.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                if self.process.returncode is not None:
                    raise AssertionError(f"serve did not start:\n{self.log_path.read_text()}")
                await asyncio.sleep(0.1)

    async def terminate(self) -> tuple[int, float]:
        """SIGTERM; (exit code, seconds until the process ended). Killed if it outlives the test's bound."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(self.process.wait(), EXIT_WITHIN + 20)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise AssertionError(f"serve outlived SIGTERM by {EXIT_WITHIN + 20} s:\n{self.log_path.read_text()}") from None
        return code, time.monotonic() - started

    def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()


async def query(config, sql: str, params=()) -> list[dict]:
    """Read A's database from outside, as another process would (a reader never blocks the server)."""
    db = await open_database(config.database_url)
    try:
        return [dict(row) for row in await fetch_all(db.reader, sql, params)]
    finally:
        await db.close()


async def prepare_a(config) -> str:
    """A's database with Anna in it; returns her token."""
    db = await open_database(config.database_url)
    try:
        async with db.transaction() as conn:
            await local_actors.ensure_instance_actor(conn, config)
            await local_actors.create_account(conn, config, username="anna")
            return await local_actors.issue_token(conn, "anna")
    finally:
        await db.close()


@pytest.fixture
async def server_a(tmp_path, database_url):
    config_path = write_config(tmp_path / "a", free_port(), database_url)
    server = Server(config_path, tmp_path / "a" / "serve.log")
    yield server
    server.kill()
    if server.process is not None:
        await server.process.wait()


def signed_note(person, anna_id: str, number: int) -> tuple[str, bytes]:
    note_id = f"{person.ap_id}/notes/{uuid.uuid4()}"
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams", "id": f"{note_id}#create", "type": "Create",
        "actor": person.ap_id, "to": [anna_id],
        "object": {"id": note_id, "type": "Note", "attributedTo": person.ap_id, "to": [anna_id],
                   "content": f"<p>Hallo Anna, Nummer {number}</p>"},
    }
    return activity["id"], json.dumps(activity).encode()


async def test_serve_stops_within_seconds_on_sigterm_and_a_restart_finishes_everything(
        server_a, make_instance, hanging_peer, monkeypatch):
    a = server_a
    token = await prepare_a(a.config)
    anna_id = f"{a.config.base_url}/users/anna"
    b = await make_instance("meissen")
    # Every delivery B accepts, by activity id (before its own de-duplication), to count them.
    arrived: Counter = Counter()
    save_incoming = queue.save_incoming

    async def counting_save(db, *, activity, signer_ap_id, recipient_username, **more):
        if db is b.rt.db:
            arrived[activity["id"]] += 1
        await save_incoming(db, activity=activity, signer_ap_id=signer_ap_id, recipient_username=recipient_username,
                            **more)
    monkeypatch.setattr(queue, "save_incoming", counting_save)

    await a.start()
    # Given B's people following Anna on A
    people = [await b.create_user(f"p{i:02d}") for i in range(FOLLOWERS)]
    for person in people:
        status, body = await b.post_outbox(person.username, {"type": "Follow", "object": anna_id})
        assert status == 201, body
    await eventually(lambda: _accepted(b, FOLLOWERS), timeout=30, message="all follows accepted")
    # and someone on the hanging server (A's Accept to it already hangs)
    await hanging_peer.follow(f"{a.config.base_url}/inbox", anna_id)
    await eventually(lambda: hanging_peer.posts, timeout=30, message="A's Accept to the hanging server")

    # When Anna posts a burst of notes and B's people deliver a burst to A's inbox, and SIGTERM
    # comes while both are in flight
    posted: list[str] = []       # activity ids A answered 201 for
    accepted: list[str] = []     # activity ids A answered 202 for
    deliveries = [signed_note(people[i % FOLLOWERS], anna_id, i) for i in range(DELIVERED_TO_A)]
    async with aiohttp.ClientSession() as session:
        async def post(number: int) -> None:
            async with session.post(f"{a.config.base_url}/users/anna/outbox",
                                    json={"type": "Note", "content": f"Neuigkeit Nummer {number}"},
                                    headers={"Authorization": f"Bearer {token}"}) as r:
                if r.status == 201:
                    posted.append((await r.json())["id"])

        async def deliver(number: int) -> None:
            activity_id, body = deliveries[number]
            person = people[number % FOLLOWERS]
            url = f"{a.config.base_url}/inbox"
            headers = signatures.sign_request("POST", url, key_id=person.key_id,
                                              private_key_pem=person.private_key_pem, body=body)
            async with session.post(url, data=body, headers=headers) as r:
                if r.status == 202:
                    accepted.append(activity_id)

        async def follow_someone_unreachable() -> tuple[int, str | None]:
            async with session.post(f"{a.config.base_url}/users/anna/outbox",
                                    json={"type": "Follow", "object": f"{hanging_peer.base_url}/users/slow"},
                                    headers={"Authorization": f"Bearer {token}"}) as r:
                return r.status, r.headers.get("Retry-After")

        # (and a request that cannot finish by itself: A waits on the other server's answer)
        slow = asyncio.ensure_future(follow_someone_unreachable())
        await eventually(lambda: hanging_peer.fetches, message="A fetching the unreachable actor")
        work = [asyncio.ensure_future(post(i)) for i in range(POSTS)]
        work += [asyncio.ensure_future(deliver(i)) for i in range(DELIVERED_TO_A)]
        await eventually(lambda: len(posted) >= 5 and len(accepted) >= 10,
                         timeout=30, message="the first of both bursts answered")
        at_sigterm = (len(posted), len(accepted))
        hanging_at_sigterm = hanging_peer.hanging  # the Accept to it, the fetch, maybe posts
        code, took = await a.terminate()
        await asyncio.gather(*work, return_exceptions=True)  # the rest failed or was answered meanwhile
        slow_answer = await slow
    log = a.log_path.read_text()

    pending = (len(await query(a.config, "SELECT id FROM incoming WHERE state = 'pending'")),
               len(await query(a.config, "SELECT id FROM deliveries WHERE state = 'pending'")))
    print(f"stopped in {took:.1f} s (exit {code}) with {pending[0]} incoming and {pending[1]} deliveries "
          f"pending; {len(posted)} posts and {len(accepted)} deliveries answered ({at_sigterm} at SIGTERM)")

    # Then A exited cleanly within seconds, leaving nothing claimed
    assert code == 0, log
    assert took < EXIT_WITHIN, f"serve took {took:.1f} s to stop:\n{log}"
    assert "Traceback" not in log, log
    assert slow_answer == (503, "30")  # cut off before the server's graceful period ended, and told so
    assert not await query(a.config, "SELECT id FROM incoming WHERE locked_until IS NOT NULL")
    assert not await query(a.config, "SELECT id FROM deliveries WHERE locked_until IS NOT NULL")
    assert not await query(a.config, "SELECT process_id FROM workers")  # its beat gone: nobody waits for it
    assert hanging_at_sigterm >= 2  # A was waiting on the hanging server when told to stop

    # And once started again on the same database, it finishes all of it
    await a.start()
    await eventually(lambda: all(arrived[i] for i in posted), timeout=30, message="every post on B")
    await eventually(lambda: _none_pending(a.config),
                     timeout=30, message="every accepted delivery handled on A")
    # every post A answered 201 for reached B exactly once (and nothing reached it twice)
    creates_on_b = {i: n for i, n in arrived.items() if i.startswith(f"{a.config.base_url}/activities/")}
    assert set(posted) <= set(creates_on_b)
    assert all(n == 1 for n in creates_on_b.values()), {i: n for i, n in creates_on_b.items() if n > 1}
    # every delivery A answered 202 for was handled: the note is kept on A
    handled = {row["activity_ap_id"]: row["state"] for row in await query(a.config, "SELECT * FROM incoming")}
    assert all(handled.get(i) == "done" for i in accepted), [i for i in accepted if handled.get(i) != "done"]
    kept = {row["ap_id"] for row in await query(a.config, "SELECT ap_id FROM objects WHERE is_local = 0")}
    assert {i.removesuffix("#create") for i in accepted} <= kept
    code, took = await a.terminate()
    assert code == 0 and took < EXIT_WITHIN


async def _none_pending(config) -> bool:
    return not await query(config, "SELECT 1 FROM incoming WHERE state = 'pending'")


async def _accepted(b, count: int) -> bool:
    rows = await b.query("SELECT count(*) AS n FROM follows WHERE state = 'accepted'")
    return rows[0]["n"] == count
