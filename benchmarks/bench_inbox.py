"""bench.py's inbox benchmark: signed deliveries accepted per second by `wecreate-fed serve`, next
to its floor (a bare app on the same HTTP server reading the body, answering 202) and Fedify's
inbox, in alternating rounds; then the burst: 80% of the maximum rate with the workers running,
and how long the queue takes to drain after it.

Setups: SQLite in one process; with --database postgresql://… also PostgreSQL in one process and
PostgreSQL with 2 web processes (`serve --web-workers 2`; floor: 2 bare processes on one socket)
whose burst is worked by 2 `wecreate-fed worker --queues inbox` processes.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg

from actors import local as local_actors
from actors import remote
from wecreate_fed import config as config_module
from wecreate_fed import signatures
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import open_database, queue

from bench_children import FEDIFY_VERSION, Child, NodeChild, Processes, report, toml_text, wait_listening
from bench_roles import SIGNER_BASE, free_port, instance_raw_config, remote_actor_document

FEDIFY_TARGET = 10.0  # ours should accept this many times Fedify's rate (issue 13)
FAULT_ROLES = Path(__file__).resolve().with_name("fault_roles.py")


async def prepare_inbox_db(raw_config: dict, signers: list[dict], signer_base: str = SIGNER_BASE) -> None:
    """Our database with the signers cached as remote actors, so no key is fetched while timing."""
    config = config_module.from_dict(raw_config)
    db = await open_database(config.database_url)
    try:
        async with db.transaction() as conn:
            await local_actors.ensure_instance_actor(conn, config)
            for signer in signers:
                document = remote_actor_document(signer["actor_id"], shared_inbox=f"{signer_base}/inbox",
                                                 public_key_pem=signer["public_key_pem"])
                values = remote.parse_actor_document(document, fetched_from=signer["actor_id"])
                await actors_store.upsert_remote_actor(conn, document=json.dumps(document), **values)
    finally:
        await db.close()


@dataclass
class Setup:
    name: str          # sqlite, pg1, pg2
    label: str
    raw: dict
    config_path: Path
    web: int           # serving processes
    workers: int       # worker processes in the burst (0: serve's own)
    floor: str         # the round name of its floor

    @property
    def port(self) -> int:
        return self.raw["server"]["port"]

    @property
    def database_url(self) -> str:
        return self.raw["database"].get("url", "")

    def commands(self, engine: str, workers: bool) -> list[list[str]]:
        serve = ["serve", "--config", str(self.config_path), "--engine", engine]
        if self.web > 1:
            serve += ["--web-workers", str(self.web)]
        if not workers or self.workers:
            serve.append("--no-workers")
        queues = [["worker", "--config", str(self.config_path), "--queues", "inbox"]] * (self.workers if workers else 0)
        return [serve, *queues]


async def make_setups(opts, tmp: Path, signers: list[dict], signer_base: str) -> list[Setup]:
    wanted = [("sqlite", "SQLite, 1 process", "", 1, 0, "bare")]
    if opts.database:
        wanted += [("pg1", "PostgreSQL, 1 process", await create_database(opts, "pg1"), 1, 0, "bare"),
                   ("pg2", "PostgreSQL, 2 web + 2 workers", await create_database(opts, "pg2"), 2, 2, "bare2")]
    setups = []
    for name, label, url, web, workers, floor in wanted:
        raw = instance_raw_config(tmp / f"{name}.sqlite3", free_port(), database_url=url)
        path = tmp / f"{name}.toml"
        path.write_text(toml_text(raw))
        await prepare_inbox_db(raw, signers, signer_base)
        setups.append(Setup(name, label, raw, path, web, workers, floor))
    return setups


def database_url_named(admin_url: str, name: str) -> str:
    parts = urlsplit(admin_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


async def create_database(opts, suffix: str) -> str:
    name = f"{opts.database_prefix}{os.getpid()}_{suffix}"
    admin = await asyncpg.connect(opts.database)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return database_url_named(opts.database, name)


async def drop_databases(opts, setups: list[Setup]) -> None:
    if not opts.database:
        return
    admin = await asyncpg.connect(opts.database)
    try:
        for setup in setups:
            if setup.database_url:
                name = urlsplit(setup.database_url).path.lstrip("/")
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def inbox_round(server, port: int, tag: str, signers: list[dict], opts, requests: int) -> dict:
    per_client = requests // opts.clients
    # Every request carries its own activity id: the prefix names the round and the client.
    clients = [await Child.start("inbox-client", url=f"http://127.0.0.1:{port}/inbox", signers=signers,
                                 prefix=f"{tag}-c{i}", n=per_client,
                                 concurrency=opts.inbox_concurrency // opts.clients, loop=opts.loop)
               for i in range(opts.clients)]
    for i, client in enumerate(clients):
        client.role = f"inbox client {tag}-c{i}"
    for client in clients:
        await client.read()
    server_cpu, database_cpu = server.cpu(), server.database_cpu()
    for client in clients:
        client.go()
    results = [await client.read() for client in clients]
    server_cpu, database_cpu = server.cpu() - server_cpu, server.database_cpu() - database_cpu
    for client in clients:
        await client.proc.wait()
    start, end = min(r["start"] for r in results), max(r["end"] for r in results)
    statuses = sum((Counter({int(k): v for k, v in r["statuses"].items()}) for r in results), Counter())
    wall, answered = end - start, max(1, sum(statuses.values()))
    return {"rate": statuses.get(202, 0) / wall, "statuses": dict(statuses), "server_cpu": server_cpu / wall,
            "cpu_per_request": server_cpu / answered, "database_cpu_per_request": database_cpu / answered,
            "client_cpu": [r["cpu"] / (r["end"] - r["start"]) for r in results]}


async def fedify_created(port: int) -> int:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/count") as response:
        return (await response.json())["created"]


async def start_bare(opts, max_body: int, processes: int) -> tuple[object, int]:
    """The floor: a bare app on our HTTP server, in `processes` processes on one socket."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=1024)
    listener.set_inheritable(True)
    port = listener.getsockname()[1]
    children = [await Child.start("serve", app="bare", max_body=max_body, port=port, fd=listener.fileno(),
                                  pass_fds=(listener.fileno(),), loop=opts.loop, server=opts.server)
                for _ in range(processes)]
    listener.close()
    return (children[0] if processes == 1 else Processes(f"bare x{processes}", [c.proc for c in children])), port


def make_signers(count: int, signer_base: str) -> list[dict]:
    signers = []
    for i in range(count):
        private_pem, public_pem = signatures.generate_key_pair()
        actor_id = f"{signer_base}/users/signer{i}"
        signers.append({"actor_id": actor_id, "key_id": f"{actor_id}#main-key",
                        "private_key_pem": private_pem, "public_key_pem": public_pem})
    return signers


async def bench_inbox(opts, tmp: Path) -> None:
    keys_port = free_port()  # Fedify fetches the signers' keys there once; ours has them stored
    signer_base = f"http://127.0.0.1:{keys_port}"
    signers = make_signers(opts.signers, signer_base)
    setups = await make_setups(opts, tmp, signers, signer_base)
    try:
        await inbox_rounds(opts, tmp, setups, signers, keys_port)
        for setup in setups:
            if opts.burst_seconds:
                await burst(opts, tmp, setup, signers)
    finally:
        await drop_databases(opts, setups)


async def inbox_rounds(opts, tmp: Path, setups: list[Setup], signers: list[dict], keys_port: int) -> None:
    max_body = config_module.from_dict(setups[0].raw).max_body_bytes
    servers, ports = {}, {}
    for setup in setups:
        servers[setup.name] = await Processes.start(setup.name, setup.commands(opts.server, opts.inbox_workers),
                                                    tmp / f"{setup.name}.log", setup.database_url)
        ports[setup.name] = setup.port
    for processes in sorted({setup.web for setup in setups}):
        name = "bare" if processes == 1 else f"bare{processes}"
        servers[name], ports[name] = await start_bare(opts, max_body, processes)
    if opts.fedify:
        signers_file = tmp / "signers.json"
        signers_file.write_text(json.dumps([remote_actor_document(s["actor_id"], shared_inbox=f"http://127.0.0.1:{keys_port}/inbox",
                                                                  public_key_pem=s["public_key_pem"]) for s in signers]))
        ports["fedify"] = free_port()
        servers["fedify"] = await NodeChild.start_fedify(ports["fedify"], keys_port, signers_file)
    names = list(servers)
    print(f"Inbox ({opts.server}): signed POST to the shared inbox, {opts.inbox_concurrency} concurrent from {opts.clients} "
          f"client processes, {opts.inbox_requests} requests a round ({opts.fedify_requests} for Fedify), "
          f"{opts.rounds} rounds; {', '.join(names)} in turn, a different order each round", flush=True)
    sizes = {name: opts.fedify_requests if name == "fedify" else opts.inbox_requests for name in names}
    accepted = Counter()
    try:
        for name in names:
            await wait_listening(ports[name])
        for setup in setups:
            await servers[setup.name].find_backends()
        for name in names:
            warmup = await inbox_round(servers[name], ports[name], f"warmup-{name}", signers, opts,
                                       max(sizes[name] // 10, opts.clients))
            accepted[name] += warmup["statuses"].get(202, 0)
        rounds = []
        for r in range(opts.rounds):
            order = names[r % len(names):] + names[:r % len(names)]
            order = order if r % 2 == 0 else order[::-1]
            parts = {name: await inbox_round(servers[name], ports[name], f"r{r}-{name}", signers, opts, sizes[name])
                     for name in order}
            rounds.append(parts)
            for name in names:
                part = parts[name]
                accepted[name] += part["statuses"].get(202, 0)
                other = {k: v for k, v in part["statuses"].items() if k != 202}
                database = part["database_cpu_per_request"]
                print(f"  round {r + 1} {name:6}: {part['rate']:6.0f} req/s   server CPU {part['server_cpu']:4.0%}, "
                      f"{part['cpu_per_request'] * 1e6:5.0f} us/request"
                      + (f" + PostgreSQL {database * 1e6:4.0f} us" if database else "")
                      + f"   client CPU {'/'.join(f'{c:.0%}' for c in part['client_cpu'])}"
                      + (f"   NOT 202: {other}" if other else ""), flush=True)
        created = await fedify_created(ports["fedify"]) if opts.fedify else None
    finally:
        for server in servers.values():
            await server.stop()
    for setup in setups:
        stored = await count_stored(setup.raw)
        print(f"  {setup.name}: the database holds {stored} received activities ({accepted[setup.name]} answered 202)",
              flush=True)
    if opts.fedify:
        print(f"  Fedify's listener saw {created} Creates ({accepted['fedify']} answered 202)", flush=True)
    for setup in setups:
        floor = "bare" if setup.web == 1 else f"bare{setup.web}"
        report(f"INBOX    {setup.label}:", "req/s", f"bare Quart + {opts.server.title()} x{setup.web}", rounds,
               floor=floor, ours=setup.name)
        if opts.fedify:
            report(f"INBOX    {setup.label}:", "req/s", f"Fedify {FEDIFY_VERSION}", rounds, floor="fedify",
                   ours=setup.name, target=FEDIFY_TARGET)
    if opts.database:
        report("INBOX    PostgreSQL 1 process against SQLite:", "req/s", "SQLite, 1 process", rounds, floor="sqlite",
               ours="pg1", target=0.90)
        report("INBOX    PostgreSQL 2 web against 1:", "req/s", "PostgreSQL, 1 process", rounds, floor="pg1",
               ours="pg2", target=1.6)
    load = statistics.median(sum(p[name]["client_cpu"]) for p in rounds for name in p)
    print(f"  the load generator ({opts.clients} client processes) took {load:.2f} cores (median over the rounds) "
          f"of the machine's {os.cpu_count()}", flush=True)


async def count_stored(raw_config: dict) -> int:
    """Rows in our inbox queue: every 202 must have stored its activity (each id is distinct)."""
    db = await open_database(config_module.from_dict(raw_config).database_url)
    try:
        return sum([await queue.count_incoming(db.reader, state) for state in ("pending", "done", "failed")])
    finally:
        await db.close()


async def burst(opts, tmp: Path, setup: Setup, signers: list[dict]) -> None:
    """80% of the maximum rate (measured first, workers running) for --burst-seconds; the queue's depth
    every 2 s and how long it takes to drain after the load stops (target: a minute)."""
    server = await Processes.start(setup.name, setup.commands(opts.server, True), tmp / f"{setup.name}-burst.log",
                                   setup.database_url)
    db = await open_database(config_module.from_dict(setup.raw).database_url)
    url = f"http://127.0.0.1:{setup.port}/inbox"
    try:
        await wait_listening(setup.port)
        probe = await inbox_round(server, setup.port, f"burst-max-{setup.name}", signers, opts, opts.inbox_requests)
        rate = opts.burst_share * probe["rate"]
        await drained(db, opts.drain_timeout)
        clients = [await Child.start("paced-client", script=FAULT_ROLES, url=url, signers=signers,
                                     prefix=f"burst-{setup.name}-{i}", rate=rate / opts.clients,
                                     seconds=opts.burst_seconds, concurrency=64, loop=opts.loop)
                   for i in range(opts.clients)]
        for child in clients:
            await child.read()
        depth0, peak = await pending(db), 0
        for child in clients:
            child.go()
        waiting = [asyncio.create_task(child.read(timeout=opts.burst_seconds + 300)) for child in clients]
        while not all(task.done() for task in waiting):
            await asyncio.wait(waiting, timeout=2)
            peak = max(peak, await pending(db))
        reports = [task.result() for task in waiting]
        backlog = await pending(db)
        drain = await drained(db, opts.drain_timeout)
    finally:
        await db.close()
        await server.stop()
    statuses = sum((Counter(minute) for r in reports for minute in r["minutes"]), Counter())
    ok = sum(v for k, v in statuses.items() if k.startswith("2"))
    seconds = max(r["seconds"] for r in reports)
    worked = (ok - (backlog - depth0)) / seconds
    others = {k: v for k, v in statuses.items() if not k.startswith("2")}
    print(f"BURST    {setup.label}: maximum {probe['rate']:.0f}/s with the workers running; {opts.burst_share:.0%} = "
          f"{rate:.0f}/s for {opts.burst_seconds} s: accepted {ok / seconds:.0f}/s, worked off {worked:.0f}/s, queue "
          f"peak {peak}, {backlog} pending at the end, drained "
          + (f"in {drain:.0f} s" if drain is not None else f"not within {opts.drain_timeout} s")
          + " after it (target <= 60 s)" + (f"; not 2xx: {others}" if others else ""), flush=True)


async def pending(db) -> int:
    return await queue.count_incoming(db.reader, "pending")


async def drained(db, timeout: float) -> float | None:
    """Seconds until no incoming row is pending, or None after `timeout`."""
    started = time.monotonic()
    while await pending(db):
        if time.monotonic() - started > timeout:
            return None
        await asyncio.sleep(0.5)
    return time.monotonic() - started
