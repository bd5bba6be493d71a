"""A fan-out past this machine: the real delivery scheduler with a simulated clock and simulated hosts.

An idea is posted by an account with 1,000,000 followers on 50,000 hosts (a Zipf-shaped spread:
a few big hosts, a long tail; shared inboxes where hosts have them). The deliveries are queued
by the real `outbox.send` (resolve_recipients, queue_activity: follower inboxes in pages, shared
inboxes first) into a real SQLite database, then 1, 4 and 16 delivery "processes" (each a real
`outbox.delivery.DeliveryWorker` with its own process id, all on that database) work the queue:
claims, per-host limits, one activity of an actor at a time per host, group-committed outcomes,
back-off, 429/503 pauses, host probing and give-up are all the real code (store/queue.py).

Simulated: the clock (benchmarks/simloop.py: the event loop jumps to its next timer; the store
reads the same clock through `store.clock`), and HTTP (benchmarks/siminternet.py: `SimulatedHttp`
in place of the HttpClient): each process signs and sends at most `--send-rate` deliveries a second (its CPU;
by default 957/s, the figure benchmarks/bench.py printed for one process in the README,
"signed deliveries sent per second"), then the host answers after its latency: per-host
medians from a log-normal spread, some slow answers, transient errors (5xx, 429 with
Retry-After, timeouts, resets), a few gone inboxes (410), 1% of the hosts dead for the whole
run (refused, no DNS, hanging until the timeout, or 502 behind a proxy), 0.5% down for 1 to 12
hours at the start. Database statements take no simulated time (their real cost shows in the
real run time, printed); the database's own limit with 16 processes is not modelled.

Printed per worker count: the simulated time until 99% of the followers (and of the rows) are
delivered, the queue at its peak (rows, bytes of the deliveries table with its indexes), and
whether a healthy host waited behind a dead one: the latest first attempt of the never-down
hosts, beside the same run with no host down. `--followers`/`--hosts` for a quick check.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import simloop  # benchmarks/simloop.py
from siminternet import Host, Internet, SimulatedHttp, inboxes_of, population  # benchmarks/siminternet.py

from actors import local as local_actors
from outbox import delivery, send
from wecreate_fed import config as config_module
from wecreate_fed import ld
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Database, bulk, queue

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CHUNK = 20_000        # followers inserted per statement


def instance_config(db_path: Path, concurrency: int) -> config_module.Config:
    return config_module.from_dict({
        "instance": {"name": "WeCreate Simulation", "base_url": "https://wecreate.example"},
        "city": {"name": "Leipzig"},
        "database": {"path": str(db_path)},
        "federation": {"delivery_concurrency": concurrency},
    })


def idea_activity(actor) -> dict:
    idea = f"{actor.ap_id.rsplit('/users/', 1)[0]}/ideas/sim-1"
    text = "<p>Ein Trinkbrunnen für den Lene-Voigt-Park: frisches Wasser für alle, die dort spielen. </p>" * 12
    return {"id": f"{idea}/activity", "type": "Create", "actor": actor.ap_id, "published": "2026-03-02T08:00:00Z",
            "to": [ld.PUBLIC], "cc": [actor.followers_url],
            "object": {"id": idea, "type": "Note", "name": "Trinkbrunnen im Park", "attributedTo": actor.ap_id,
                       "content": text, "to": [ld.PUBLIC], "cc": [actor.followers_url]}}


async def prepare(db_path: Path, hosts: list[Host], say) -> dict:
    """The followers, then the idea queued the way a post queues it; the queue's size then."""
    config = instance_config(db_path, 32)
    db = await Database(db_path).open()
    try:
        async with db.transaction() as conn:
            await local_actors.ensure_instance_actor(conn, config)
            poster = await local_actors.create_account(conn, config, username="popular")
        started = time.perf_counter()
        batch: list = []
        for host in hosts:
            batch.extend((ap_id, host.name, inbox, shared) for ap_id, inbox, shared in inboxes_of(host))
            if len(batch) >= CHUNK or host is hosts[-1]:
                async with db.transaction() as conn:
                    await bulk.add_remote_followers(conn, batch)
                batch = []
        async with db.transaction() as conn:
            await bulk.follow_all(conn, poster.id)
        say(f"seeded {sum(h.followers for h in hosts):,} followers in {time.perf_counter() - started:.1f} s")
        rt = Runtime(config=config, db=db, http=SimulatedHttp(Internet(hosts, 10, 0), 1))
        activity = idea_activity(poster)
        started = time.perf_counter()
        recipients = await send.resolve_recipients(rt, poster, activity)
        async with send.outgoing(rt) as out:
            await out.queue(poster, activity, recipients)
        queued = time.perf_counter() - started
        rows = await queue.count_deliveries(db.reader, "pending")
        sizes = await bulk.queue_bytes(db.reader)
    finally:
        await db.close()
    say(f"queued {rows:,} deliveries in {queued:.1f} s (one transaction, follower inboxes in pages)")
    return {"rows": rows, "queue_seconds": queued, **sizes}


async def describe(db_path: Path) -> dict:
    """The queue as `prepare` left it (migrated to the current schema once, so the runs' copies need not be)."""
    db = await Database(db_path).open()
    try:
        return {"rows": await queue.count_deliveries(db.reader, "pending"), "queue_seconds": None,
                **await bulk.queue_bytes(db.reader)}
    finally:
        await db.close()


async def simulate(db_path: Path, internet: Internet, opts, workers: int, to_the_end: bool) -> dict:
    """The workers deliver until every row that can end has ended (or the horizon); not `to_the_end`:
    until the hosts never down are done and 99% of the followers reached."""
    loop = asyncio.get_running_loop()
    config = instance_config(db_path, opts.concurrency)
    db = await Database(db_path).open()
    claims: list[float] = []
    real_claim = queue.claim_deliveries

    async def timed_claim(*args, **kwargs):
        began = time.perf_counter()
        try:
            return await real_claim(*args, **kwargs)
        finally:
            claims.append(time.perf_counter() - began)

    queue.claim_deliveries = timed_claim  # measured only: the claim is the store's
    ending = sum(1 for h in internet.hosts.values() if h.down_until != math.inf
                 for _ in ([0] if h.shared else range(h.followers)))
    procs = [delivery.DeliveryWorker(Runtime(config=config, db=db, http=SimulatedHttp(internet, opts.send_rate)))
             for _ in range(workers)]
    tasks = [asyncio.create_task(p.run()) for p in procs]
    began, shown = time.perf_counter(), 0.0
    try:
        while len(internet.ended) < ending and loop.time() < opts.horizon_hours * 3600 and (
                to_the_end or internet.healthy_ended < internet.healthy_rows or 0.99 not in internet.reached_at):
            await asyncio.sleep(5.0)
            if opts.progress and loop.time() >= shown + (600 if shown < 3600 else 3600):
                shown = loop.time()
                print(f"    [{workers} workers] simulated {hms(shown)}, real {time.perf_counter() - began:.0f} s: "
                      f"{len(internet.ended):,} of {ending:,} ended, {internet.attempts:,} attempts, "
                      f"{len(claims):,} claims", file=sys.stderr, flush=True)
    finally:
        for p in procs:
            p.stopping.set()
            p.rt.delivery_wakeup.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        for p in procs:
            await p.release()
        queue.claim_deliveries = real_claim
    states = {s: await queue.count_deliveries(db.reader, s) for s in ("pending", "done", "gone", "failed")}
    sizes = await bulk.queue_bytes(db.reader)
    await db.close()
    return {"ended_at": loop.time(), "states": states, "claims": claims, "sizes": sizes,
            "to_the_end": len(internet.ended) >= ending}


def first_attempts(internet: Internet) -> list[float]:
    return sorted(h.first_attempt for h in internet.hosts.values() if h.healthy and h.first_attempt is not None)


def run_case(template: Path, tmp: Path, hosts: list[Host], opts, workers: int, *, nobody_down: bool,
             to_the_end: bool = True) -> dict:
    db_path = tmp / f"run-{workers}-{int(nobody_down)}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{template}{suffix}").exists():
            shutil.copyfile(f"{template}{suffix}", f"{db_path}{suffix}")
    fresh = [Host(h.name, h.rank, h.followers, h.shared, h.latency, h.error_rate, h.down_until, h.dead_mode)
             for h in hosts]
    internet = Internet(fresh, opts.timeout, opts.seed, nobody_down=nobody_down)
    random.seed(opts.seed)  # the back-off's jitter (wecreate_fed.retry)
    began = time.perf_counter()
    result = simloop.run(simulate(db_path, internet, opts, workers, to_the_end), start=START, quantum=opts.quantum)
    result.update(real_seconds=time.perf_counter() - began, internet=internet, first=first_attempts(internet))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    return result


def hms(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"


def report(workers: int, result: dict, control: dict | None, opts) -> dict:
    net: Internet = result["internet"]
    first = result["first"]
    duplicates = sum(n - 1 for n in net.arrived.values())
    most = max(net.hosts.values(), key=lambda h: h.most_in_flight)
    claims = sorted(result["claims"])
    line = {
        "workers": workers, "99% of followers": hms(net.reached_at.get(0.99)),
        "99% of the rows that can arrive": hms(net.rows_at.get(0.99)), "90% of followers": hms(net.reached_at.get(0.9)),
        "all that can arrive": hms(result["ended_at"]) if result["to_the_end"] else "(not waited for)",
        "simulated seconds": round(result["ended_at"]), "attempts": net.attempts, "duplicates": duplicates,
        "claims": len(claims),
        "rows on dead hosts": sum(1 if h.shared else h.followers for h in net.hosts.values() if h.down_until == math.inf),
        "states": result["states"], "most in flight to one host": f"{most.most_in_flight} ({most.name})",
        "claim ms p50/max (real)": f"{1000 * statistics.median(claims):.1f}/{1000 * claims[-1]:.1f}" if claims else "-",
        "healthy hosts' last first attempt": hms(first[-1] if first else None),
        "p99 first attempt": hms(first[int(len(first) * 0.99) - 1] if first else None),
        "bytes at the end (deliveries, hosts)": f"{result['sizes']['deliveries']:,}, {result['sizes']['hosts']:,}",
        "real seconds": round(result["real_seconds"], 1),
    }
    if control is not None:
        c_first = control["first"]
        line["same, nobody down"] = hms(c_first[-1] if c_first else None)
        line["p99 first attempt, nobody down"] = hms(c_first[int(len(c_first) * 0.99) - 1] if c_first else None)
        line["99% of followers, nobody down"] = hms(control["internet"].reached_at.get(0.99))
        slack = max(opts.quantum * 10, 0.1 * c_first[-1]) if c_first else 0
        line["healthy hosts wait behind dead ones"] = bool(first and c_first and first[-1] > c_first[-1] + slack)
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--followers", type=int, default=1_000_000)
    parser.add_argument("--hosts", type=int, default=50_000)
    parser.add_argument("--workers", default="1,4,16", help="delivery processes to simulate, comma-separated")
    parser.add_argument("--send-rate", type=float, default=957.0,
                        help="deliveries one process signs and sends per second (default: the README's bench.py figure)")
    parser.add_argument("--concurrency", type=int, default=32, help="federation.delivery_concurrency (default 32)")
    parser.add_argument("--timeout", type=float, default=10.0, help="federation.fetch_timeout_seconds (default 10)")
    parser.add_argument("--quantum", type=float, default=0.05, help="simulated seconds the clock jumps by at least")
    parser.add_argument("--horizon-hours", type=float, default=24.0, help="simulated hours at most (default 24)")
    parser.add_argument("--all-to-the-end", action="store_true",
                        help="every run until all that can arrive has (default: the first; the others until the "
                             "hosts never down are done and 99%% of the followers reached)")
    parser.add_argument("--no-tail", action="store_true", help="the first run too stops when the hosts never down are done")
    parser.add_argument("--no-control", action="store_true", help="skip the runs with no host down")
    parser.add_argument("--control", default="1,4,16",
                        help="worker counts that also run with no host down, for the comparison (default 1,4,16)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--progress", action="store_true", help="a line every 10 simulated minutes (to stderr)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON lines")
    parser.add_argument("--dir", help="where to keep the databases (default: a new temporary folder)")
    opts = parser.parse_args()
    shm = Path("/dev/shm")  # the databases in memory where there is a tmpfs: the real run time is the CPU's
    tmp = Path(opts.dir or tempfile.mkdtemp(prefix="wecreate-sim-", dir=shm if shm.is_dir() else None))
    tmp.mkdir(parents=True, exist_ok=True)
    say = (lambda s: print(s, file=sys.stderr)) if opts.json else print
    hosts = population(opts.followers, opts.hosts, opts.seed)
    dead = [h for h in hosts if h.down_until == math.inf]
    say(f"{opts.followers:,} followers on {opts.hosts:,} hosts (largest {hosts[0].followers:,}, "
        f"{sum(1 for h in hosts if h.followers == 1):,} with one), {sum(1 for h in hosts if not h.shared):,} "
        f"hosts without a shared inbox; {len(dead)} dead ({sum(h.followers for h in dead):,} followers), "
        f"{sum(1 for h in hosts if 0 < h.down_until < math.inf)} down for hours")
    template = tmp / "template.sqlite3"
    if template.exists():  # kept by an earlier run with --dir and the same --followers, --hosts, --seed
        say(f"the followers and the queued idea from {template}")
        queued = simloop.run(describe(template), start=START, quantum=opts.quantum)
    else:
        queued = simloop.run(prepare(template, hosts, say), start=START, quantum=opts.quantum)
    say(f"queue at its peak (at queue time): {queued['rows']:,} rows, deliveries table + indexes "
        f"{queued['deliveries'] / 2**20:.1f} MiB ({queued['deliveries'] / max(1, queued['rows']):.0f} B a row), "
        f"the activity {queued['activities'] / 1024:.0f} KiB once")
    for n, workers in enumerate(int(w) for w in opts.workers.split(",")):
        # The hosts down for hours come back within a day: waited for in the first run only.
        to_the_end = (n == 0 and not opts.no_tail) or opts.all_to_the_end
        result = run_case(template, tmp, hosts, opts, workers, nobody_down=False, to_the_end=to_the_end)
        control = None if opts.no_control or str(workers) not in opts.control.split(",") else run_case(
            template, tmp, hosts, opts, workers, nobody_down=True)
        line = report(workers, result, control, opts)
        line["queue peak rows"], line["queue peak bytes"] = queued["rows"], queued["deliveries"]
        print(json.dumps(line) if opts.json else "\n".join(f"  {k:38} {v}" for k, v in line.items()) + "\n",
              flush=True)
    if not opts.dir:  # with --dir the template stays for the next run
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
