"""Proof under faults: the instance as an operator runs it (`wecreate-fed serve`), hurt on purpose.

crash   kill -9 of `serve` in the middle of a fan-out (default 10 posts x 1,000 hosts =
        10,000 deliveries; --followers spreads more followers over the same hosts' shared
        inboxes); after the restart every host must have every activity. Hosts count by
        activity id, as real servers do; the POSTs a host got twice (sent before the kill,
        their outcome not yet written) may be at most the deliveries in flight
        (delivery_concurrency), and the restarted server must be done within 60 s.
outage  three actors post every (simulated) hour; one host is down for three days and then
        back, another never comes back. The first must receive everything queued for it, in
        order per actor; the second's deliveries end as given up once older than the give-up
        window, and the log says so. Days pass in seconds: each step moves every time the
        delivery queue keeps an hour into the past (store.queue.move_queue_clock_back).
soak    ten minutes of signed deliveries at 80% of the maximum inbox rate measured just before
        on the same server: per minute the rates accepted and worked off, p50/p99 answer times,
        the inbox queue's depth and the server's RSS; no 5xx, the queue flat, drained within
        60 s of the end. With --prefill 1000000 on a database
        holding a million handled rows, pruned during the soak (benchmarks/prefill.py): sizes
        before and after and the prune's rate.

Everything listens on 127.0.0.1. Usage: `python benchmarks/faults.py SCENARIO --help`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import tomllib
from collections import Counter
from pathlib import Path

import aiohttp

from actors import local as local_actors
from actors import remote
from outbox import activities
from outbox.send import send
from wecreate_fed import config as config_module
from wecreate_fed import ld, signatures
from wecreate_fed.http import HttpClient
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Database, queue, social
from wecreate_fed.store import actors as actors_store

import bench_fanout
import bench_inbox
import bench_roles as roles
import prefill
from bench_children import Child, toml_text, wait_listening

FAULT_ROLES = Path(__file__).resolve().with_name("fault_roles.py")
WECREATE = Path(sys.executable).with_name("wecreate-fed")


# --- the instance under test, as its own `wecreate-fed serve` process ------------------

class Server:
    def __init__(self, raw: dict, directory: Path):
        self.raw = raw
        self.port = raw["server"]["port"]
        self.config_path = directory / "config.toml"
        self.config_path.write_text(toml_text(raw))
        self.log_path = directory / "serve.log"
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        log = self.log_path.open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            str(WECREATE), "serve", "--config", str(self.config_path), stdout=log, stderr=log)
        log.close()
        await wait_listening(self.port)

    async def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self) -> None:
        if self.proc and self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                await self.kill()

    def log_lines(self, needle: str) -> list[str]:
        return [line for line in self.log_path.read_text(errors="replace").splitlines() if needle in line]


def with_settings(raw: dict, settings: list[str]) -> dict:
    """--set section.key=value, for limits a run must raise (values are read as TOML)."""
    for item in settings:
        key, _, text = item.partition("=")
        table, _, name = key.partition(".")
        raw.setdefault(table, {})[name] = tomllib.loads(f"v = {text}")["v"]
    return raw


async def opened(raw: dict) -> Runtime:
    config = config_module.from_dict(raw)
    rt = Runtime(config=config, db=Database(config.database_path), http=HttpClient.from_config(config))
    await rt.db.open()
    await rt.http.start()
    return rt


async def closed(rt: Runtime) -> None:
    await rt.http.close()
    await rt.db.close()


async def ledger_count(child: Child) -> dict:
    child.proc.stdin.write(b"count\n")
    return await child.read()


async def ledger_full(child: Child) -> dict[str, list[str]]:
    child.proc.stdin.write(b"full\n")
    return (await child.read())["arrived"]


# --- crash: kill -9 in the middle of a fan-out ----------------------------------------

DRAIN_TARGET = 60.0  # seconds from the restart until every delivery is done

async def crash(opts, tmp: Path) -> None:
    total = opts.posts * opts.hosts
    followers = opts.followers or opts.hosts
    print(f"CRASH: {opts.posts} posts to {followers} followers on {opts.hosts} hosts = {total} deliveries; kill -9 "
          f"of `serve` once {opts.kill_at:.0%} have arrived, then a restart", flush=True)
    hosts = await Child.start("ledger", script=FAULT_ROLES, hosts=opts.hosts, loop=opts.loop)
    try:
        ports = (await hosts.read())["ports"]
        raw = with_settings(roles.instance_raw_config(tmp / "crash.sqlite3", roles.free_port(),
                                                      delivery_concurrency=opts.concurrency), opts.set)
        await bench_fanout.prepare_fanout_db(raw, followers, ports)
        rt = await opened(raw)
        alice = await actors_store.get_local_actor(rt.db.reader, "alice")
        for i in range(opts.posts):
            note = activities.note(rt.config, alice, f"<p>Beitrag {i}</p>", to=[ld.PUBLIC], cc=[alice.followers_url])
            await send(rt, alice, activities.create(rt.config, alice, note))
        await closed(rt)
        server = Server(raw, tmp)
        started = time.monotonic()
        await server.start()
        while (seen := await ledger_count(hosts))["distinct"] < opts.kill_at * total:
            await asyncio.sleep(0.05)
        await server.kill()
        at_kill = await ledger_count(hosts)
        recorded = (await delivery_states(raw)).get("done", 0)
        print(f"  killed after {time.monotonic() - started:.1f} s: {seen['distinct']} delivered when the kill "
              f"was decided, {at_kill['distinct']} by the time it was dead, {recorded} of them recorded as done",
              flush=True)
        restarted = time.monotonic()
        await server.start()
        first_in = None
        # Done when the queue says so: a host may have seen an activity whose outcome the kill lost.
        while time.monotonic() - restarted < opts.timeout:
            if first_in is None and (await ledger_count(hosts))["distinct"] > at_kill["distinct"]:
                first_in = time.monotonic() - restarted
            if (await delivery_states(raw)).get("done") == total:
                break
            await asyncio.sleep(0.25)
        seen = await ledger_count(hosts)
        done_in = time.monotonic() - restarted
        await server.stop()
        arrived = await ledger_full(hosts)
    finally:
        await hosts.stop()
    missing = sum(opts.posts - len(set(arrived.get(str(p), []))) for p in ports)
    twice = sum(len(ids) - len(set(ids)) for ids in arrived.values())
    states = await delivery_states(raw)
    released = server.log_lines("claimed before a restart")
    print(f"  restart: {released[-1].split(': ', 1)[-1] if released else 'no leases left to release'}; "
          f"first new arrival {first_in if first_in is None else round(first_in, 1)} s after it", flush=True)
    print(f"  expected {total}, received {seen['distinct']}, duplicates {twice} (in flight at most "
          f"{opts.concurrency}), missing {missing}, drained {done_in:.1f} s after the restart", flush=True)
    print(f"  deliveries table: {states}", flush=True)
    ok = missing == 0 and states.get("done") == total and twice <= opts.concurrency and done_in <= DRAIN_TARGET
    print(f"CRASH    {'PASS' if ok else 'FAIL'}: every host has every activity after kill -9 and restart; "
          f"{twice} repeated POSTs (at most delivery_concurrency = {opts.concurrency}, each counted once by "
          f"activity id); drained {done_in:.1f} s after the restart (target {DRAIN_TARGET:.0f} s)", flush=True)


async def delivery_states(raw: dict) -> dict[str, int]:
    db = await Database(config_module.from_dict(raw).database_path).open()
    try:
        return {s: n for s in ("pending", "done", "failed", "gone")
                if (n := await queue.count_deliveries(db.reader, s))}
    finally:
        await db.close()


# --- outage: a host down for three days, another for good ------------------------------

ACTORS = ("alice", "bob", "carol")


async def prepare_outage_db(raw: dict, ports: list[int]) -> dict[str, str]:
    """Three local actors, each followed by one remote actor on every host; returns their tokens."""
    rt = await opened(raw)
    try:
        async with rt.db.transaction() as conn:
            await local_actors.ensure_instance_actor(conn, rt.config)
            people = [await local_actors.create_account(conn, rt.config, username=name) for name in ACTORS]
            for port in ports:
                ap_id = f"http://127.0.0.1:{port}/users/reader"
                document = roles.remote_actor_document(ap_id, shared_inbox=f"http://127.0.0.1:{port}/inbox")
                values = remote.parse_actor_document(document, fetched_from=ap_id)
                reader = await actors_store.upsert_remote_actor(conn, document=json.dumps(document), **values)
                for person in people:
                    await social.add_follow(conn, reader.id, person.id, f"{ap_id}#follows-{person.username}",
                                            accepted=True)
            return {name: await local_actors.issue_token(conn, name, "faults") for name in ACTORS}
    finally:
        await closed(rt)


async def move_clock(raw: dict, seconds: float) -> None:
    db = await Database(config_module.from_dict(raw).database_path).open()
    try:
        async with db.transaction() as conn:
            await queue.move_queue_clock_back(conn, seconds)
    finally:
        await db.close()


async def post_hour(session: aiohttp.ClientSession, base: str, tokens: dict[str, str], hour: int,
                    posted: dict[str, tuple[str, int]]) -> None:
    for name, token in tokens.items():
        note = {"type": "Note", "content": f"Stunde {hour}", "to": [ld.PUBLIC], "cc": [f"{base}/users/{name}/followers"]}
        async with session.post(f"{base}/users/{name}/outbox", json=note,
                                headers={"Authorization": f"Bearer {token}"}) as response:
            if response.status != 201:
                raise RuntimeError(f"posting as {name} answered {response.status}: {await response.text()}")
            posted[response.headers["Location"]] = (name, hour)


def inversions(ids: list[str], posted: dict[str, tuple[str, int]]) -> int:
    """Activities that arrived after a later one of the same actor (first arrivals only)."""
    latest: dict[str, int] = {}
    late = 0
    for activity_id in dict.fromkeys(ids):
        name, hour = posted[activity_id]
        if hour < latest.get(name, -1):
            late += 1
        latest[name] = max(hour, latest.get(name, -1))
    return late


async def outage(opts, tmp: Path) -> None:
    print(f"OUTAGE: {len(ACTORS)} actors post every simulated hour to followers on {opts.hosts} hosts that stay up, "
          f"one down for {opts.down_hours} h, one never back (give-up window {opts.give_up_days} days); "
          f"{opts.step_seconds} s per simulated hour", flush=True)
    up = await Child.start("ledger", script=FAULT_ROLES, hosts=opts.hosts, loop=opts.loop)
    back: Child | None = None
    back_port, never_port = roles.free_port(), roles.free_port()  # nothing listens there: refused
    try:
        up_ports = (await up.read())["ports"]
        port = roles.free_port()
        raw = with_settings(roles.instance_raw_config(tmp / "outage.sqlite3", port,
                                                      delivery_give_up_days=opts.give_up_days), opts.set)
        tokens = await prepare_outage_db(raw, up_ports + [back_port, never_port])
        server = Server(raw, tmp)
        await server.start()
        posted: dict[str, tuple[str, int]] = {}
        started = time.monotonic()
        async with aiohttp.ClientSession() as session:
            for hour in range(opts.down_hours + opts.after_hours):
                if hour == opts.down_hours:
                    back = await Child.start("ledger", script=FAULT_ROLES, ports=[back_port], loop=opts.loop)
                    await back.read()
                    print(f"  hour {hour}: the host that was down is back", flush=True)
                await post_hour(session, server.raw["instance"]["base_url"], tokens, hour, posted)
                await asyncio.sleep(opts.step_seconds)
                await move_clock(raw, 3600)
            # Time goes on without new posts until the returning host has everything (or a day).
            for _ in range(24):
                if back and (await ledger_count(back))["distinct"] >= len(posted):
                    break
                await asyncio.sleep(opts.step_seconds)
                await move_clock(raw, 3600)
        print(f"  simulated {hour + 1} hours in {time.monotonic() - started:.0f} s", flush=True)
        await server.stop()
        at_back = (await ledger_full(back)).get(str(back_port), []) if back else []
        at_up = await ledger_full(up)
    finally:
        for child in (up, back):
            if child:
                await child.stop()
    got = len(set(at_back) & posted.keys())
    print(f"  returning host: {got} of {len(posted)} activities, {len(at_back) - len(set(at_back))} twice, "
          f"{inversions(at_back, posted)} out of order per actor", flush=True)
    up_missing = sum(len(posted.keys() - set(ids)) for ids in at_up.values()) + (opts.hosts - len(at_up)) * len(posted)
    up_late = sum(inversions(ids, posted) for ids in at_up.values())
    print(f"  hosts that stayed up: {up_missing} missing, {up_late} out of order", flush=True)
    never = await never_host_states(raw, f"127.0.0.1:{never_port}")
    reported = server.log_lines(f"127.0.0.1:{never_port}")
    print(f"  host never back: deliveries {never}; log lines naming it: {len(reported)}", flush=True)
    for line in reported[:3]:
        print(f"    {line}", flush=True)
    verdict = ("PASS" if got == len(posted) and not inversions(at_back, posted) and not up_missing
               and never.get("failed") and not never.get("done") and reported else "FAIL")
    print(f"OUTAGE   {verdict}: the returning host has everything in order per actor; the lost one is given up "
          f"and reported", flush=True)


async def never_host_states(raw: dict, host: str) -> dict[str, int]:
    db = await Database(config_module.from_dict(raw).database_path).open()
    try:
        return await queue.count_deliveries_to(db.reader, host)
    finally:
        await db.close()


# --- soak: ten minutes at 80% of the maximum inbox rate -------------------------------

async def soak(opts, tmp: Path) -> None:
    signers = []
    for i in range(opts.signers):
        private_pem, public_pem = signatures.generate_key_pair()
        actor_id = f"{roles.SIGNER_BASE}/users/signer{i}"
        signers.append({"actor_id": actor_id, "key_id": f"{actor_id}#main-key",
                        "private_key_pem": private_pem, "public_key_pem": public_pem})
    port = roles.free_port()
    raw = with_settings(roles.instance_raw_config(tmp / "soak.sqlite3", port), opts.set)
    await bench_inbox.prepare_inbox_db(raw, signers)
    if opts.prefill:
        if opts.prune_by == "cli":  # the server's own pruning off: `db prune` runs at --prune-at
            raw.setdefault("retention", {})["enabled"] = False
        filled = await prefill.prefill(config_module.from_dict(raw), opts.prefill, say=lambda line: None)
        print(f"SOAK pre-fill: {opts.prefill:,} handled incoming rows and as many finished deliveries, 8 days old, "
              f"in {filled['seconds']:.0f} s; database {prefill.mb(filled['bytes'])}", flush=True)
    server = Server(raw, tmp)
    await server.start()
    url = f"http://127.0.0.1:{port}/inbox"
    try:
        probe = [await Child.start("inbox-client", url=url, signers=signers, prefix=f"probe{i}",
                                   n=opts.probe_requests // opts.clients, concurrency=32 // opts.clients,
                                   loop=opts.loop) for i in range(opts.clients)]
        for child in probe:
            await child.read()
        for child in probe:
            child.go()
        results = [await child.read() for child in probe]
        wall = max(r["end"] for r in results) - min(r["start"] for r in results)
        maximum = sum(r["statuses"].get("202", 0) for r in results) / wall
        rate = opts.share * maximum
        print(f"SOAK: maximum inbox rate of `serve` (workers running) {maximum:.0f}/s; now {opts.seconds} s at "
              f"{opts.share:.0%} = {rate:.0f}/s from {opts.clients} paced clients", flush=True)
        await drained(raw, opts.drain_timeout)
        clients = [await Child.start("paced-client", script=FAULT_ROLES, url=url, signers=signers,
                                     prefix=f"soak{i}", rate=rate / opts.clients, seconds=opts.seconds,
                                     concurrency=64, loop=opts.loop) for i in range(opts.clients)]
        for child in clients:
            await child.read()
        rss: list[tuple[float, int]] = []
        depth: list[tuple[float, int]] = [(0.0, await pending_incoming(raw))]
        started = time.monotonic()
        for child in clients:
            child.go()
        waiting = [asyncio.create_task(child.read(timeout=opts.seconds + 300)) for child in clients]
        pruning: asyncio.Task | None = None
        probe_stop = asyncio.Event()
        probe = asyncio.create_task(prefill.probe_latency(url, signers[0], probe_stop)) if opts.prefill else None
        if opts.prefill and opts.prune_by == "worker":  # its first pass comes 30 s after start-up
            pruning = asyncio.create_task(prefill.watch_prune(config_module.from_dict(raw), filled["last_id"],
                                                              probe_stop))
        while not all(task.done() for task in waiting):
            rss.append((time.monotonic() - started, roles.rss_kib(server.proc.pid)))
            if opts.prefill and opts.prune_by == "cli" and pruning is None and time.monotonic() - started >= opts.prune_at:
                pruning = asyncio.create_task(prefill.prune_now(server.config_path))
            await asyncio.wait(waiting, timeout=5)
            depth.append((time.monotonic() - started, await pending_incoming(raw)))
        reports = [task.result() for task in waiting]
        backlog = await pending_incoming(raw)
        drain = await drained(raw, opts.drain_timeout)
        if pruning is not None and probe is not None:
            if opts.prune_by == "worker":
                probe_stop.set()
                window = await pruning
                began, ended, prune_output = (*window, []) if window else (0.0, 0.0, ["the worker did not finish"])
            else:
                began, ended, prune_output = await pruning
                probe_stop.set()
            after = await prefill.size_of(config_module.from_dict(raw))
            if began or ended:
                print(f"  pruning by the {opts.prune_by} from second {began - started:.0f} of the soak took "
                      f"{ended - began:.0f} s ({2 * opts.prefill / max(ended - began, 1e-9):,.0f} rows/s with its "
                      f"pauses); database now {prefill.mb(after['bytes'])}", flush=True)
                print(f"  inbox latency probe: {prefill.latency_report(await probe, began, ended)}", flush=True)
            else:  # still pruning when the soak ended: no window to report
                print(f"  pruning by the {opts.prune_by} had not finished when the soak ended; database now "
                      f"{prefill.mb(after['bytes'])}", flush=True)
                await probe
            for line in prune_output:
                if not line.endswith("…"):
                    print(f"    {line}", flush=True)
    finally:
        await server.stop()
    minutes: list[Counter] = []
    for report in reports:
        for i, minute in enumerate(report["minutes"]):
            while len(minutes) <= i:
                minutes.append(Counter())
            minutes[i].update(minute)
    latencies = merged(reports, "latency_ms")
    depths = [sample_at(depth, 60 * (i + 1)) for i in range(len(minutes))]
    for i, minute in enumerate(minutes):
        accepted = sum(v for k, v in minute.items() if k.startswith("2"))
        handled = accepted - (depths[i] - (depths[i - 1] if i else depth[0][1]))
        print(f"  minute {i + 1:2d}: accepted {accepted / 60:4.0f}/s, worker {handled / 60:4.0f}/s, "
              f"p50 {quantile(latencies[i], 0.5)} ms, p99 {quantile(latencies[i], 0.99)} ms, "
              f"queue {depths[i]}, RSS {sample_at(rss, 60 * (i + 1)) / 1024:.1f} MiB; "
              f"{dict(sorted(minute.items()))}", flush=True)
    statuses = sum(minutes, Counter())
    errors = {k: v for k, v in statuses.items() if not k.startswith("2")}
    at_1 = next((kib for t, kib in rss if t >= 60), rss[-1][1])
    print(f"  sent {sum(r['sent'] for r in reports)}, waited for a free slot {sum(r['late'] for r in reports)} times; "
          f"not 2xx: {errors or 'none'}", flush=True)
    print(f"  server RSS: minute 1 {at_1 / 1024:.1f} MiB, end {rss[-1][1] / 1024:.1f} MiB, "
          f"peak {max(k for _, k in rss) / 1024:.1f} MiB", flush=True)
    print(f"  inbox queue: {backlog} pending when the load stopped, drained in "
          + (f"{drain:.0f} s" if drain is not None else f"more than {opts.drain_timeout} s"), flush=True)
    five = sum(v for k, v in statuses.items() if k.startswith("5"))
    # Flat: the queue at the end no deeper than twice its depth after the first minute (or 1,000).
    flat = depths[-1] <= max(1000, 2 * depths[0])
    verdict = "PASS" if not five and flat and drain is not None and drain <= 60 else "FAIL"
    print(f"SOAK     {verdict}: {five} answers 5xx in {opts.seconds} s at {rate:.0f}/s; queue "
          f"{'flat' if flat else 'growing'} ({depths[0]} after minute 1, {depths[-1]} at the end); drained in "
          + (f"{drain:.0f} s" if drain is not None else "more than the timeout"), flush=True)


def merged(reports: list[dict], key: str) -> list[Counter]:
    """The clients' per-minute histograms added up."""
    minutes: list[Counter] = []
    for report in reports:
        for i, minute in enumerate(report[key]):
            while len(minutes) <= i:
                minutes.append(Counter())
            minutes[i].update({int(k): v for k, v in minute.items()})
    return minutes


def quantile(histogram: Counter, q: float) -> int | None:
    """The q-quantile of a histogram of whole milliseconds."""
    total, seen = sum(histogram.values()), 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= q * total:
            return value
    return None


def sample_at(samples: list[tuple[float, int]], t: float) -> int:
    """The last sample taken by `t` seconds (the first one if none was yet)."""
    return next((value for at, value in reversed(samples) if at <= t), samples[0][1])


async def pending_incoming(raw: dict) -> int:
    db = await Database(config_module.from_dict(raw).database_path).open()
    try:
        return await queue.count_incoming(db.reader, "pending")
    finally:
        await db.close()


async def drained(raw: dict, timeout: float) -> float | None:
    """Seconds until no incoming row is pending, or None after `timeout`."""
    started = time.monotonic()
    while await pending_incoming(raw):
        if time.monotonic() - started > timeout:
            return None
        await asyncio.sleep(1)
    return time.monotonic() - started


# --- entry point ----------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Fault benchmarks of WeCreate Fed (see the module's docstring).",
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--loop", choices=("asyncio", "uvloop") if roles.uvloop else ("asyncio",),
                        default=roles.default_loop(), help="event loop of the helper processes")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="a config setting of the instance under test (TOML value), e.g. to raise a rate limit")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (database, serve.log)")
    scenarios = parser.add_subparsers(dest="scenario", required=True)
    c = scenarios.add_parser("crash", help="kill -9 in the middle of a fan-out",
                             formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    c.add_argument("--hosts", type=int, default=1000)
    c.add_argument("--posts", type=int, default=10)
    c.add_argument("--followers", type=int, default=0,
                   help="alice's followers, spread over the hosts' shared inboxes (0: one per host)")
    c.add_argument("--concurrency", type=int, default=32, help="federation.delivery_concurrency")
    c.add_argument("--kill-at", type=float, default=0.4, help="share of the deliveries arrived when killed")
    c.add_argument("--timeout", type=float, default=600, help="seconds the restarted server may take")
    o = scenarios.add_parser("outage", help="a host down for days, another for good",
                             formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    o.add_argument("--hosts", type=int, default=20, help="hosts that stay up")
    o.add_argument("--down-hours", type=int, default=72)
    o.add_argument("--after-hours", type=int, default=24, help="simulated hours of posting after the return")
    o.add_argument("--give-up-days", type=float, default=3.0, help="federation.delivery_give_up_days")
    o.add_argument("--step-seconds", type=float, default=1.0, help="real seconds per simulated hour")
    s = scenarios.add_parser("soak", help="minutes at a share of the maximum inbox rate",
                             formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    s.add_argument("--seconds", type=int, default=600)
    s.add_argument("--share", type=float, default=0.8, help="share of the measured maximum rate")
    s.add_argument("--probe-requests", type=int, default=4000, help="requests measuring the maximum")
    s.add_argument("--clients", type=int, default=2)
    s.add_argument("--signers", type=int, default=8)
    s.add_argument("--drain-timeout", type=float, default=1200)
    s.add_argument("--prefill", type=int, default=0, metavar="ROWS",
                   help="first fill the database with this many handled incoming rows and finished deliveries "
                        "(8 days old), and run `wecreate-fed db prune` during the soak")
    s.add_argument("--prune-at", type=float, default=60, help="seconds into the soak when `db prune` starts")
    s.add_argument("--prune-by", choices=("worker", "cli"), default="worker",
                   help="the server's retention worker (its first pass 30 s after start) or `db prune` beside it")
    return parser.parse_args(argv)


async def main(opts) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="wecreate-faults-"))
    print(f"WeCreate Fed fault benchmark '{opts.scenario}': {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.2f}", flush=True)
    try:
        await {"crash": crash, "outage": outage, "soak": soak}[opts.scenario](opts, tmp)
    finally:
        if opts.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
