"""A busy instance's past in seconds: handled incoming rows and finished deliveries, days old.

`faults.py soak --prefill 1000000` fills the database with this before the soak, runs
`wecreate-fed db prune` against the serving instance at `--prune-at` seconds into the soak, and
prints the database's size before and after, the prune's rate and its output, and the latency of
a light probe (one signed POST every 0.2 s beside the soak's load) before, during and after it. Also runs on its own:
`python benchmarks/prefill.py CONFIG.toml --rows 1000000` (then `wecreate-fed db prune`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from datetime import timedelta
from pathlib import Path

import aiohttp

from actors import local as local_actors
from wecreate_fed import config as config_module
from wecreate_fed import signatures
from wecreate_fed.store import Database, bulk, iso, utcnow
from wecreate_fed.store import retention as retention_store

import bench_roles as roles

CHUNK = 50_000          # rows per transaction
PER_ACTIVITY = 1_000    # finished deliveries per local activity (its followers' inboxes)
SIGNER = "http://127.0.0.1:9/users/prefill"
WECREATE = Path(sys.executable).with_name("wecreate-fed")


def body_of(i: int) -> str:
    """An activity of about the size Mastodon sends (a Create of a short public Note, ~1 KB)."""
    note = {"id": f"{SIGNER}/statuses/{i}", "type": "Note", "attributedTo": SIGNER,
            "content": "<p>" + "Ein ganz gewöhnlicher Beitrag aus dem Fediverse. " * 8 + "</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [f"{SIGNER}/followers"],
            "published": "2026-01-01T00:00:00Z", "tag": [], "attachment": []}
    return json.dumps({"@context": "https://www.w3.org/ns/activitystreams", "id": f"{SIGNER}/statuses/{i}/activity",
                       "type": "Create", "actor": SIGNER, "to": note["to"], "cc": note["cc"], "object": note})


async def prefill(config, rows: int, *, days_old: float = 8.0, say=print) -> dict:
    """`rows` handled incoming rows and as many finished deliveries, `days_old` days old."""
    db = await Database(config.database_path).open()
    try:
        async with db.transaction() as conn:
            actor = await local_actors.ensure_instance_actor(conn, config)
        at = iso(utcnow() - timedelta(days=days_old))
        inboxes = [f"https://host{i}.example/inbox" for i in range(PER_ACTIVITY)]
        body = body_of(0)
        started, done = time.monotonic(), 0
        while done < rows:
            n = min(CHUNK, rows - done)
            async with db.transaction() as conn:
                await bulk.add_processed_traffic(
                    conn, actor_id=actor.id, signer_ap_id=SIGNER, body=body, at=at, inbox_urls=inboxes,
                    incoming_ap_ids=[f"{SIGNER}/statuses/{done + i}/activity" for i in range(n)],
                    activity_ap_ids=[f"{config.base_url}/prefill/{(done + i) // PER_ACTIVITY}"
                                     for i in range(0, n, PER_ACTIVITY)])
            done += n
            say(f"  pre-fill: {done:,} incoming rows and {done:,} deliveries "
                f"({done / (time.monotonic() - started):,.0f} rows/s each)")
        size = await retention_store.size(db.reader)
        last = {t: await bulk.last_id(db.reader, t) for t in ("incoming", "deliveries")}
    finally:
        await db.close()
    return {"seconds": time.monotonic() - started, "bytes": size["bytes"], "last_id": last}


async def size_of(config) -> dict:
    db = await Database(config.database_path).open()
    try:
        return await retention_store.size(db.reader)
    finally:
        await db.close()


async def prune_now(config_path: Path) -> tuple[float, float, list[str]]:
    """`wecreate-fed db prune` as its own process (beside the running server): when it began and
    ended (monotonic) and its output."""
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(str(WECREATE), "db", "prune", "--config", str(config_path),
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await process.communicate()
    return started, time.monotonic(), out.decode(errors="replace").splitlines()


async def watch_prune(config, last_id: dict[str, int], stop: asyncio.Event) -> tuple[float, float] | None:
    """When the server's retention worker began and finished deleting the pre-filled rows (monotonic
    times, polled each second), or None if it did not finish before `stop`."""
    db = await Database(config.database_path).open()
    began = None
    try:
        while not stop.is_set():
            left = sum([await bulk.count_rows_up_to(db.reader, t, n) for t, n in last_id.items()])
            now = time.monotonic()
            if began is None and left < sum(last_id.values()):
                began = now
            if left == 0:
                return (began or now), now
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
        return None
    finally:
        await db.close()


async def probe_latency(url: str, signer: dict, stop: asyncio.Event, *, every: float = 0.2) -> list[tuple[float, float]]:
    """One signed POST to the inbox every `every` seconds until `stop`: (monotonic time sent, seconds
    to the answer), beside the soak's load, to see what a prune running meanwhile costs."""
    samples: list[tuple[float, float]] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        i = 0
        while not stop.is_set():
            body = json.dumps(roles.remote_create(signer["actor_id"], f"latency-{i}")).encode()
            headers = signatures.sign_request("POST", url, key_id=signer["key_id"],
                                              private_key_pem=signer["private_key_pem"], body=body)
            sent = time.monotonic()
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    samples.append((sent, time.monotonic() - sent))
            i += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, every - (time.monotonic() - sent)))
    return samples


def latency_report(samples: list[tuple[float, float]], began: float, ended: float) -> str:
    """p50 / p99 of the probe's answers before, during and after the prune (milliseconds)."""
    def summary(name: str, values: list[float]) -> str:
        if not values:
            return f"{name}: -"
        values = sorted(values)
        return (f"{name}: p50 {1000 * values[len(values) // 2]:.0f} ms, "
                f"p99 {1000 * values[min(len(values) - 1, int(len(values) * 0.99))]:.0f} ms (n={len(values)})")
    return "; ".join([summary("before the prune", [d for t, d in samples if t < began]),
                      summary("during", [d for t, d in samples if began <= t < ended]),
                      summary("after", [d for t, d in samples if t >= ended])])


def mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--days-old", type=float, default=8.0)
    opts = parser.parse_args()
    result = await prefill(config_module.load(opts.config), opts.rows, days_old=opts.days_old)
    print(f"pre-filled in {result['seconds']:.0f} s; database {mb(result['bytes'])}")


if __name__ == "__main__":
    asyncio.run(main())
