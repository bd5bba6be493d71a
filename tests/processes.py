"""Helpers for tests that run `wecreate-fed serve` and `wecreate-fed worker` as real processes on one
database, and a receiving server on loopback that counts every POST it gets."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from collections import Counter
from pathlib import Path

from aiohttp import web

from actors import local as local_actors
from outbox import activities
from outbox.send import send
from tests.conftest import free_port
from wecreate_fed import config as config_module
from wecreate_fed import ld, store
from wecreate_fed.http import HttpClient
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store

COMMAND = [sys.executable, "-m", "wecreate_fed.cli"]


def write_config(folder: Path, *, database: str, port: int | None = None, **federation) -> Path:
    """A config on loopback; `database` is a [database] url (postgresql://…) or an SQLite path."""
    folder.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    key = "url" if "://" in database else "path"
    settings = {"allow_private_addresses": True, "fetch_timeout_seconds": 5.0, **federation}
    lines = ["[instance]", 'name = "WeCreate Leipzig"', f'base_url = "http://127.0.0.1:{port}"',
             "[city]", 'name = "Leipzig"', "[database]", f"{key} = {json.dumps(database)}",
             "[server]", 'host = "127.0.0.1"', f"port = {port}", "[federation]"]
    lines += [f"{name} = {json.dumps(value)}" for name, value in settings.items()]
    path = folder / "leipzig.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def environment() -> dict:
    return {k: v for k, v in os.environ.items() if k != config_module.CONFIG_ENV}


async def run(*args: str, timeout: float = 90) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of one `wecreate-fed` run to its end."""
    process = await asyncio.create_subprocess_exec(*COMMAND, *args, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.PIPE, env=environment())
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    return process.returncode, out.decode(), err.decode()


class Process:
    """A long-running `wecreate-fed` process; its stderr is read all along (and kept)."""

    def __init__(self, *args: str):
        self.args = args
        self.process: asyncio.subprocess.Process | None = None
        self.lines: list[str] = []
        self._reading: asyncio.Task | None = None
        self._line = asyncio.Event()

    async def start(self) -> Process:
        self.process = await asyncio.create_subprocess_exec(
            *COMMAND, *self.args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            env=environment())
        self._reading = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        while line := await self.process.stderr.readline():
            self.lines.append(line.decode().rstrip())
            self._line.set()

    async def wait_for_line(self, pattern: str, timeout: float = 60, *, count: int = 1) -> re.Match:
        """The first stderr line matching `pattern`, once `count` lines match (the start-up line
        tells the process is ready)."""
        async with asyncio.timeout(timeout):
            while True:
                found = [match for line in self.lines if (match := re.search(pattern, line))]
                if len(found) >= count:
                    return found[0]
                if self.process.returncode is not None:
                    raise AssertionError(f"{self.args} ended with {self.process.returncode}: {self.text}")
                self._line.clear()
                await self._line.wait()

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def pid(self) -> int:
        return self.process.pid

    async def stop(self, timeout: float = 30) -> int:
        """SIGTERM, and the exit code (killed after `timeout`: the test then fails on the code)."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            return -9
        finally:
            if self._reading is not None:
                await asyncio.wait_for(self._reading, 5)
        return self.process.returncode

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


class Receiver:
    """A server on `ports` loopback ports (so many remote hosts) that answers every inbox POST 202
    (after `delay` seconds) and counts them by path and port."""

    def __init__(self, ports: int = 1, *, delay: float = 0.0):
        self.ports = [free_port() for _ in range(ports)]
        self.delay = delay
        self.posts: Counter = Counter()   # "port/path" -> POSTs received
        self._runner: web.AppRunner | None = None

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/{path:.*}", self._post)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        for port in self.ports:
            await web.TCPSite(self._runner, "127.0.0.1", port).start()
        return self

    async def _post(self, request: web.Request) -> web.Response:
        await request.read()
        if self.delay:
            await asyncio.sleep(self.delay)
        self.posts[f"{request.url.port}{request.path}"] += 1
        return web.Response(status=202)

    def inboxes(self, count: int) -> list[str]:
        """`count` distinct inbox URLs spread over the ports."""
        return [f"http://127.0.0.1:{self.ports[i % len(self.ports)]}/users/u{i}/inbox" for i in range(count)]

    def key(self, url: str) -> str:
        rest = url.split("127.0.0.1:", 1)[1]
        port, path = rest.split("/", 1)
        return f"{port}/{path}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


async def open_database(config: config_module.Config):
    return await store.open_database(config.database_url)


async def queue_fanout(config_path: Path, inboxes: list[str], *, text: str = "Stadtteilfest") -> str:
    """As a web process would: Anna (made if new) posts a note that is queued for every one of
    `inboxes`; returns the activity's id."""
    config = config_module.load(config_path)
    db = await open_database(config)
    try:
        async with db.transaction() as conn:
            await local_actors.ensure_instance_actor(conn, config)
            if await actors_store.get_local_actor(conn, "anna") is None:
                await local_actors.create_account(conn, config, username="anna")
        rt = Runtime(config=config, db=db, http=HttpClient.from_config(config))
        anna = await actors_store.get_local_actor(db.reader, "anna")
        note = activities.note(config, anna, f"<p>{text}</p>", to=[ld.PUBLIC])
        return await send(rt, anna, activities.create(config, anna, note), extra_inboxes=inboxes)
    finally:
        await db.close()


async def delivery_states(config_path: Path) -> dict[str, int]:
    config = config_module.load(config_path)
    db = await open_database(config)
    try:
        rows = await store.fetch_all(db.reader, "SELECT state, count(*) AS n FROM deliveries GROUP BY state")
        return {row["state"]: row["n"] for row in rows}
    finally:
        await db.close()


async def query(config_path: Path, sql: str, params=()) -> list[dict]:
    config = config_module.load(config_path)
    db = await open_database(config)
    try:
        return [dict(row) for row in await store.fetch_all(db.reader, sql, params)]
    finally:
        await db.close()
