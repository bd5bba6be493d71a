"""A busy instance's past in seconds: handled incoming rows and finished deliveries, days old.

`faults.py soak --prefill 1000000` fills the database with this before the soak, runs
`wecreate-fed db prune` against the serving instance at `--prune-at` seconds into the soak, and
prints the database's size before and after, the prune's rate and its output; the soak's per-minute
latencies show what pruning costs the inbox meanwhile. Also runs on its own:
`python benchmarks/prefill.py CONFIG.toml --rows 1000000` (then `wecreate-fed db prune`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import timedelta
from pathlib import Path

from actors import local as local_actors
from wecreate_fed import config as config_module
from wecreate_fed.store import Database, bulk, iso, utcnow
from wecreate_fed.store import retention as retention_store

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


async def prune_now(config_path: Path) -> tuple[float, list[str]]:
    """`wecreate-fed db prune` as its own process (beside the running server): seconds and its output."""
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(str(WECREATE), "db", "prune", "--config", str(config_path),
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await process.communicate()
    return time.monotonic() - started, out.decode(errors="replace").splitlines()


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
