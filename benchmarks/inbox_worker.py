"""Rows a second the inbox worker handles on its own, in-process, without HTTP.

Fills the incoming queue of a fresh database with N signed-and-verified Create(Note) rows as
the inbox stores them (from 8 cached signers; alice follows half of them, so half the notes
are kept and half are not ours), optionally on top of `--prefill` rows already processed and
as many notes stored, then times the worker draining the queue. `--profile` prints where the
time went (cProfile, 25 lines). `--database postgresql://…` (a server whose user may create
databases) runs it on a database made for the run and dropped after it; `--batches K` runs K
inbox workers side by side. Usage: `python benchmarks/inbox_worker.py [N] [--prefill M]`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

from actors import local as local_actors
from inbox.worker import InboxWorker
from wecreate_fed import config as config_module
from wecreate_fed import signatures
from wecreate_fed.http import HttpClient
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import database_for, iso, open_database, queue, social

import bench_inbox
import bench_roles as roles


async def prepare(n: int, prefill: int, database_url: str) -> dict:
    raw = roles.instance_raw_config(Path(tempfile.mkdtemp()) / "db.sqlite3", 8999, database_url=database_url)
    signers = []
    for i in range(8):
        private_pem, public_pem = signatures.generate_key_pair()
        actor_id = f"{roles.SIGNER_BASE}/users/s{i}"
        signers.append({"actor_id": actor_id, "key_id": f"{actor_id}#main-key", "private_key_pem": private_pem,
                        "public_key_pem": public_pem})
    await bench_inbox.prepare_inbox_db(raw, signers)
    config = config_module.from_dict(raw)
    db = await open_database(config.database_url)
    try:
        async with db.transaction() as conn:
            alice = await local_actors.create_account(conn, config, username="alice")
            for signer in signers[::2]:
                actor = await actors_store.get_actor_by_ap_id(conn, signer["actor_id"])
                await social.add_follow(conn, alice.id, actor.id, f"{alice.ap_id}#follows-{actor.id}", accepted=True)
        for start in range(0, prefill, 10_000):  # processed long ago: rows done, notes kept
            async with db.transaction() as conn:
                await fill_done(conn, signers, start, min(prefill, start + 10_000))
        items = [(roles.remote_create(signers[i % 8]["actor_id"], f"w-{i}"), signers[i % 8]["actor_id"], None,
                  "http-signature") for i in range(n)]
        for start in range(0, n, 5000):
            async with db.transaction() as conn:
                await queue.add_incoming_many(conn, items[start:start + 5000])
    finally:
        await db.close()
    return raw


async def fill_done(conn, signers: list[dict], start: int, end: int) -> None:
    now = iso()
    await conn.executemany(
        "INSERT INTO incoming (activity_ap_id, type, signer_ap_id, data, received_at, next_attempt_at, state, "
        "attempts) VALUES (?, 'Create', ?, ?, ?, ?, 'done', 1)",
        [(f"{roles.SIGNER_BASE}/activities/old-{i}", signers[i % 8]["actor_id"],
          json.dumps(roles.remote_create(signers[i % 8]["actor_id"], f"old-{i}")), now, now) for i in range(start, end)])
    actor_ids = [(await actors_store.get_actor_by_ap_id(conn, s["actor_id"])).id for s in signers]
    await conn.executemany(
        "INSERT INTO objects (ap_id, type, actor_id, is_local, content, is_public, data, published, created_at) "
        "VALUES (?, 'Note', ?, 0, '<p>alt</p>', 1, '{}', ?, ?)",
        [(f"{roles.SIGNER_BASE}/objects/old-{i}", actor_ids[i % 8], now, now) for i in range(start, end)])


async def drain(raw: dict, profile: bool, prefill: int, batches: int) -> tuple[int, float]:
    config = config_module.from_dict(raw)
    rt = Runtime(config=config, db=database_for(config.database_url), http=HttpClient.from_config(config))
    await rt.db.open()
    await rt.http.start()
    workers = [InboxWorker(rt) for _ in range(batches)]
    profiler = cProfile.Profile() if profile else None

    async def work(worker: InboxWorker) -> None:
        while await worker.run_once():
            pass

    try:
        started = time.monotonic()
        if profiler:
            profiler.enable()
        await asyncio.gather(*(work(worker) for worker in workers))
        if profiler:
            profiler.disable()
        took = time.monotonic() - started
        handled = await queue.count_incoming(rt.db.reader, "done") - prefill
    finally:
        await rt.http.close()
        await rt.db.close()
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return handled, took


async def main(opts) -> None:
    url = await bench_inbox.create_database(opts, "worker") if opts.database else ""
    try:
        raw = await prepare(opts.n, opts.prefill, url)
        handled, took = await drain(raw, opts.profile, opts.prefill, opts.batches)
    finally:
        if url:
            await drop(opts.database, url)
    print(f"INBOX-WORKER {'PostgreSQL' if url else 'SQLite'}, {opts.batches} worker(s): {handled} Create(Note) rows "
          f"(prefill {opts.prefill}) in {took:.2f} s: {handled / took:.0f} rows/s")


async def drop(admin_url: str, url: str) -> None:
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{urlsplit(url).path.lstrip("/")}" WITH (FORCE)')
    finally:
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int, nargs="?", default=5000)
    parser.add_argument("--prefill", type=int, default=0, help="rows already processed (and notes kept)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--database", default="", metavar="POSTGRESQL_URL",
                        help="on PostgreSQL: a server URL whose user may create databases")
    parser.add_argument("--database-prefix", default="wecreate_bench_", help="the database's name begins so")
    parser.add_argument("--batches", type=int, default=1, help="inbox workers side by side in the process")
    asyncio.run(main(parser.parse_args()))
