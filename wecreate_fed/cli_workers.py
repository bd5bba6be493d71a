"""`wecreate-fed worker --queues inbox,delivery,civic`, and the processes of `serve --web-workers N`.

A worker process runs the workers of the queues it is given (wecreate_fed.processes) under a
Supervisor until SIGTERM or SIGINT, then stops cleanly: the rounds in progress finish or give
their rows back, and the process leaves the workers table. Any number of them may work one
PostgreSQL database (rows are claimed with FOR UPDATE SKIP LOCKED; a dead one's rows come back
within seconds). `serve --no-workers` leaves every queue to them.

`serve --web-workers N` (PostgreSQL only) binds the listening socket once and starts N serving
processes on it; the first runs the workers (unless --no-workers), the others serve only. When
one of them ends, the others are stopped and `serve` ends with its exit code, for systemd (or
whatever started it) to restart.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import socket
import subprocess
import sys
import time

from actors import local as local_actors

from . import processes, store, wakeups
from .civic import districts
from .errors import ConfigError
from .http import HttpClient
from .moderation import allowlist
from .moderation import domains as domain_policy
from .runtime import Runtime
from .workers import Supervisor

log = logging.getLogger(__name__)

CHILD_STOP_SECONDS = 20.0   # a serving process still running this long after SIGTERM is killed


def add_commands(commands, common: argparse.ArgumentParser) -> None:
    worker = commands.add_parser(
        "worker", parents=[common], help="work queues in a process of its own (beside `serve --no-workers`)",
        description="Run the workers of the given queues until SIGTERM or SIGINT, then stop cleanly (rows in "
                    "progress finish or are given back). Any number of worker processes may share one "
                    "PostgreSQL database; a killed one's rows are taken by the others within seconds.")
    worker.add_argument("--queues", default=",".join(processes.QUEUES), type=_queues,
                        metavar="NAMES",
                        help=f"comma-separated, any of {', '.join(processes.QUEUES)} (default: all)")
    worker.set_defaults(handler=run_worker)


def _queues(text: str) -> tuple[str, ...]:
    try:
        return processes.parse_queues(text)
    except ConfigError as e:  # a usage error: exit 2 with argparse's message
        raise argparse.ArgumentTypeError(str(e)) from None


async def run_worker(config, args) -> int:
    queues = args.queues
    db = await store.open_database(config.database_url, pool_size=config.database_pool_size,
                                   read_pool_size=config.database_read_pool_size)
    http = HttpClient.from_config(config)
    supervisor = Supervisor()
    listening: list[asyncio.Task] = []
    try:
        await http.start()
        rt = Runtime(config=config, db=db, http=http)
        await domain_policy.load(rt)
        await allowlist.load(rt)
        async with db.transaction() as conn:
            await local_actors.ensure_instance_actor(conn, config)
            await processes.claim_leases(rt, conn, alone=False)
        listening = processes.share_wakeups(rt, queues)
        processes.start_guards(rt, supervisor)
        processes.start_workers(rt, supervisor, queues)
        print(f"{config.instance_name} worker {rt.process_id}: {', '.join(queues)}", file=sys.stderr)
        await _until_signalled()
        supervisor.begin_stop()
    finally:
        await supervisor.stop()
        await wakeups.stop(listening)
        await http.close()
        await db.close()
    return 0


async def _until_signalled() -> None:
    signalled = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, signalled.set)
    await signalled.wait()


# --- serve --web-workers N ------------------------------------------------------------

def check_web_workers(config, count: int) -> None:
    if count < 1:
        raise ConfigError("--web-workers must be at least 1")
    if count > 1 and config.database_path is not None:
        raise ConfigError(f"--web-workers {count} needs PostgreSQL ([database] url = \"postgresql://…\"): "
                          "on SQLite one process serves, with its workers inside")


def serve_processes(config, *, count: int, host: str, port: int, workers: bool, config_path: str | None,
                    engine: str = "hypercorn") -> int:
    """N `serve` processes on one listening socket; the first with the workers (if `workers`)."""
    listener = socket.create_server((host, port), backlog=1024, reuse_port=False)
    listener.set_inheritable(True)
    fd = listener.fileno()
    base = [sys.executable, "-m", "wecreate_fed.cli", "serve", "--listen-fd", str(fd), "--engine", engine]
    if config_path:
        base += ["--config", config_path]
    children = [subprocess.Popen(base + ([] if workers and i == 0 else ["--no-workers"]), pass_fds=(fd,))
                for i in range(count)]
    listener.close()  # the children hold it now
    print(f"{config.instance_name} serving {config.base_url} on {host}:{port} with {count} processes "
          f"({'workers in the first' if workers else 'no workers'})", file=sys.stderr)
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, stop)
    code = 0
    while any(child.poll() is None for child in children):
        ended = [child for child in children if child.poll() is not None]
        if ended and not stopping:  # one ended by itself: stop the rest, report its code
            code = ended[0].returncode
            log.error("serving process %d ended with %d; stopping the others", ended[0].pid, code)
            stop()
        if stopping:
            deadline = time.monotonic() + CHILD_STOP_SECONDS
            for child in children:
                try:
                    child.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
            break
        time.sleep(0.2)
    return code


async def prepare(config) -> None:
    """What every serving process writes at its start, done once before they start together."""
    db = await store.open_database(config.database_url)
    try:
        async with db.transaction() as conn:
            await local_actors.ensure_instance_actor(conn, config)
            await districts.ensure_districts(conn, config)
            await local_actors.ensure_proof_keys(conn)
    finally:
        await db.close()
