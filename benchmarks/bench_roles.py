"""The processes of benchmarks/bench.py: servers, load generators, receivers and senders.

bench.py starts this file as `python bench_roles.py ROLE JSON-ARGS`; each role reports to it in
JSON lines on stdout and, where it has to wait for the others, starts on a line on stdin.
Also the helpers both sides share.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import aiohttp
from aiohttp import web
from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config as HypercornConfig
from quart import Quart, request

from outbox import activities
from outbox.delivery import DeliveryWorker
from outbox.send import send
from wecreate_fed import config as config_module
from wecreate_fed import ld, signatures
from wecreate_fed.app import create_app
from wecreate_fed.http import HttpClient
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import database_for, queue

try:
    import uvloop
except ImportError:  # optional: the run then uses asyncio's own loop everywhere
    uvloop = None
try:
    import uvicorn
except ImportError:  # optional: only for --server uvicorn
    uvicorn = None

CONTENT = "<p>" + "Der Trinkbrunnen am Lindenauer Markt ist wieder in Betrieb. " * 8 + "</p>"
# Signers and followers live on loopback; port 9 (discard) is never contacted, the actors are cached.
SIGNER_BASE = "http://127.0.0.1:9"


# --- small helpers shared by all processes -------------------------------------

def run(coro, loop: str):
    """Run `coro` on the chosen event loop (the same choice for every process of a run)."""
    factory = uvloop.new_event_loop if loop == "uvloop" else None
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(coro)


def default_loop() -> str:
    return "uvloop" if uvloop is not None else "asyncio"


def emit(message: dict) -> None:
    """A child's report to the parent: one JSON line on stdout."""
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def wait_for_go() -> None:
    """Block until the parent writes a line (or closes our stdin)."""
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


def rss_kib(pid: int | str = "self") -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process, all its threads included."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class RssSampler:
    """Samples this process's resident memory every `interval` seconds in a thread."""

    def __init__(self, interval: float = 0.1):
        self.interval = interval
        self.peak = rss_kib()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, rss_kib())

    def start(self) -> RssSampler:
        self._thread.start()
        return self

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_kib())
        return self.peak


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def instance_raw_config(db_path: Path, port: int, *, database_url: str = "", **federation) -> dict:
    """An instance on loopback; on SQLite at `db_path`, or on PostgreSQL at `database_url` (its
    files then beside db_path)."""
    return {
        "instance": {"name": "WeCreate Bench", "base_url": f"http://127.0.0.1:{port}"},
        "city": {"name": "Leipzig"},
        "database": ({"url": database_url, "data_dir": str(db_path.parent / f"{db_path.stem}-files")}
                     if database_url else {"path": str(db_path)}),
        "server": {"host": "127.0.0.1", "port": port},
        "federation": {"allow_private_addresses": True, **federation},
        # The load comes from one address and a few signing hosts at thousands a second: no limits.
        "rate_limits": {"enabled": False},
    }


def remote_actor_document(ap_id: str, *, shared_inbox: str | None = None, public_key_pem: str | None = None) -> dict:
    """A remote actor as Mastodon serves it (trimmed to what we read)."""
    document = {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": ap_id, "type": "Person", "preferredUsername": ap_id.rsplit("/", 1)[1],
        "name": "Bench Follower", "summary": "<p>Ich folge gern.</p>",
        "inbox": f"{ap_id}/inbox", "outbox": f"{ap_id}/outbox", "followers": f"{ap_id}/followers",
    }
    if shared_inbox:
        document["endpoints"] = {"sharedInbox": shared_inbox}
    if public_key_pem:
        document["publicKey"] = {"id": f"{ap_id}#main-key", "owner": ap_id, "publicKeyPem": public_key_pem}
    return document


def remote_create(actor_id: str, serial: str) -> dict:
    """A Create(Note) as a Mastodon server delivers it: id, object and actor on one host."""
    base = actor_id.rsplit("/users/", 1)[0]
    return {
        "@context": ["https://www.w3.org/ns/activitystreams"],
        "id": f"{base}/activities/{serial}", "type": "Create", "actor": actor_id,
        "published": "2025-05-01T10:00:00Z", "to": [ld.PUBLIC], "cc": [f"{actor_id}/followers"],
        "object": {
            "id": f"{base}/objects/{serial}", "type": "Note", "attributedTo": actor_id,
            "content": CONTENT, "published": "2025-05-01T10:00:00Z",
            "to": [ld.PUBLIC], "cc": [f"{actor_id}/followers"],
        },
    }


# --- roles: the inbox servers and their load generator ---------------------------

def bare_app(max_body: int) -> Quart:
    """The floor: the same framework and server, reading the body and answering 202."""
    app = Quart("bare")
    app.config["MAX_CONTENT_LENGTH"] = max_body

    @app.post("/inbox")
    async def inbox():
        await request.get_data()
        return "", 202

    return app


def role_serve(args: dict) -> None:
    """Serve our app or the bare app on one Hypercorn worker until SIGTERM."""
    if args["app"] == "ours":
        config = config_module.from_dict(args["config"])
        app = create_app(config, run_workers=args["workers"])
    else:
        app = bare_app(args["max_body"])
    fd = args.get("fd")  # a listening socket shared by several serving processes (as serve --web-workers)
    if args.get("server") == "uvicorn":  # the same app on uvicorn's C parser (httptools), as serve runs it
        settings = uvicorn.Config(app, host="127.0.0.1", port=args["port"], fd=fd, http="httptools", loop="none",
                                  lifespan="on", access_log=False, log_level="warning", proxy_headers=False,
                                  server_header=False)
        run(uvicorn.Server(settings).serve(), args["loop"])
        return
    settings = HypercornConfig()
    settings.bind = [f"fd://{fd}" if fd is not None else f"127.0.0.1:{args['port']}"]
    settings.accesslog = None
    settings.errorlog = None
    run(hypercorn_serve(app, settings), args["loop"])


def role_inbox_client(args: dict) -> None:
    run(inbox_client(args), args["loop"])


async def inbox_client(args: dict) -> None:
    """Sign every request first (not timed), then POST them with bounded concurrency."""
    url, signers = args["url"], args["signers"]
    prepared = []
    for i in range(args["n"]):
        signer = signers[i % len(signers)]
        body = json.dumps(remote_create(signer["actor_id"], f"{args['prefix']}-{i}")).encode()
        headers = signatures.sign_request("POST", url, key_id=signer["key_id"],
                                          private_key_pem=signer["private_key_pem"], body=body)
        prepared.append((body, headers))
    emit({"ready": True})
    await wait_for_go()
    statuses: Counter = Counter()
    pending = iter(prepared)

    async def poster(session: aiohttp.ClientSession) -> None:
        for body, headers in pending:
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                statuses[response.status] += 1

    connector = aiohttp.TCPConnector(limit=args["concurrency"])
    async with aiohttp.ClientSession(connector=connector) as session:
        cpu, start = time.process_time(), time.monotonic()
        await asyncio.gather(*(poster(session) for _ in range(args["concurrency"])))
        end, cpu = time.monotonic(), time.process_time() - cpu
    emit({"start": start, "end": end, "cpu": cpu, "statuses": dict(statuses)})


# --- roles: fan-out receivers and the two senders ---------------------------------

def role_receivers(args: dict) -> None:
    run(receivers(args), args["loop"])


async def receivers(args: dict) -> None:
    """Answer 202 to POST /inbox on `hosts` ports: each port is one remote host."""
    received = Counter()

    async def inbox(req: web.Request) -> web.Response:
        await req.read()
        received["n"] += 1
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/inbox", inbox)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    ports = []
    for _ in range(args["hosts"]):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        ports.append(sock.getsockname()[1])
        await web.SockSite(runner, sock, backlog=512).start()
    emit({"ports": ports})
    while True:  # report the count each time the parent asks
        await wait_for_go()
        emit({"received": received["n"]})


def role_fanout_ours(args: dict) -> None:
    run(fanout_ours(args), args["loop"])


async def fanout_ours(args: dict) -> None:
    """Post `posts` times through send(); the DeliveryWorker signs and POSTs every delivery."""
    config = config_module.from_dict(args["config"])
    rt = Runtime(config=config, db=database_for(config.database_url), http=HttpClient.from_config(config))
    await rt.db.open()
    await rt.http.start()
    alice = await actors_store.get_local_actor(rt.db.reader, "alice")
    worker = DeliveryWorker(rt)
    worker_task = asyncio.create_task(worker.run())
    await asyncio.sleep(0.2)  # let the worker reach its idle wait, as on a running instance
    baseline = rss_kib()
    sampler = RssSampler().start()
    total = args["posts"] * args["inboxes"]
    cpu, start = time.process_time(), time.monotonic()
    for _ in range(args["posts"]):
        note = activities.note(config, alice, CONTENT, to=[ld.PUBLIC], cc=[alice.followers_url])
        await send(rt, alice, activities.create(config, alice, note))
    queued = time.monotonic()
    deadline = start + args["timeout"]
    while worker.sent < total and time.monotonic() < deadline:
        await asyncio.sleep(0.005)
    end, cpu = time.monotonic(), time.process_time() - cpu
    peak = sampler.stop()
    worker_task.cancel()
    await asyncio.gather(worker_task, return_exceptions=True)
    await worker.release()  # writes the outcomes still in memory
    done = await queue.count_deliveries(rt.db.reader, "done")
    await rt.http.close()
    await rt.db.close()
    emit({"sent": worker.sent, "done": done, "total": total, "seconds": end - start, "cpu": cpu,
          "send_seconds": queued - start, "baseline_kib": baseline, "peak_kib": peak})


def role_fanout_floor(args: dict) -> None:
    run(fanout_floor(args), args["loop"])


async def fanout_floor(args: dict) -> None:
    """The floor: sign afresh and POST each delivery, no database and no queue."""
    inboxes = sorted(f"http://127.0.0.1:{port}/inbox" for port in args["ports"])
    actor_id = "http://127.0.0.1:1/users/alice"
    jobs = []
    for k in range(args["posts"]):
        note = {"id": f"http://127.0.0.1:1/objects/{k}", "type": "Note", "attributedTo": actor_id,
                "content": CONTENT, "published": "2025-05-01T10:00:00Z",
                "to": [ld.PUBLIC], "cc": [f"{actor_id}/followers"]}
        body = json.dumps({"@context": ld.default_context(), "id": f"http://127.0.0.1:1/activities/{k}",
                           "type": "Create", "actor": actor_id, "object": note,
                           "published": "2025-05-01T10:00:00Z", "to": [ld.PUBLIC],
                           "cc": [f"{actor_id}/followers"]}).encode()
        jobs += [(url, body) for url in inboxes]
    pending = iter(jobs)
    statuses: Counter = Counter()

    async def sender(session: aiohttp.ClientSession) -> None:
        for url, body in pending:
            headers = signatures.sign_request("POST", url, key_id=f"{actor_id}#main-key",
                                              private_key_pem=args["private_key_pem"], body=body)
            async with session.post(url, data=body, headers=headers, allow_redirects=False) as response:
                await response.content.read(500)
                statuses[response.status] += 1

    # The same connection pool size as our HttpClient gets for this concurrency.
    connector = aiohttp.TCPConnector(limit=max(args["concurrency"] * 2, 20))
    sampler = RssSampler().start()
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:
        cpu, start = time.process_time(), time.monotonic()
        await asyncio.gather(*(sender(session) for _ in range(args["concurrency"])))
        end, cpu = time.monotonic(), time.process_time() - cpu
    emit({"sent": statuses.get(202, 0), "total": len(jobs), "seconds": end - start, "cpu": cpu,
          "statuses": dict(statuses), "peak_kib": sampler.stop()})


ROLES = {
    "serve": role_serve, "inbox-client": role_inbox_client, "receivers": role_receivers,
    "fanout-ours": role_fanout_ours, "fanout-floor": role_fanout_floor,
}


if __name__ == "__main__":
    ROLES[sys.argv[1]](json.loads(sys.argv[2]))
