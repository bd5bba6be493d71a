"""bench.py's fan-out benchmark: signed deliveries sent per second when one local actor posts to
followers on many hosts, through send() and the DeliveryWorker, against a plain sign + POST loop
to the same inboxes with the same concurrency; and the sending process's memory at two audience
sizes. On SQLite (the rows are copied from a template database for every round), and with
`--database` on PostgreSQL too (every round on a database made from a template, dropped after it)."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import asyncpg

from actors import local as local_actors
from actors import remote
from wecreate_fed import config as config_module
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import open_database, social

from bench_children import Child, report
from bench_inbox import create_database, database_url_named
from bench_roles import free_port, instance_raw_config, remote_actor_document


async def prepare_fanout_db(raw_config: dict, followers: int, ports: list[int]) -> str:
    """alice with `followers` accepted remote followers spread over the hosts; returns her private key."""
    config = config_module.from_dict(raw_config)
    db = await open_database(config.database_url)
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


async def fanout_ours_round(template: Path, tmp: Path, tag: str, opts, hosts: int, pg_template: str = "") -> dict:
    """One round of ours: on a copy of the SQLite template, or with `pg_template` on a PostgreSQL
    database made from that template database."""
    db_path = tmp / f"fanout-{tag}.sqlite3"
    url = ""
    if pg_template:
        url = database_url_named(opts.database, f"{pg_template}_{tag}")
        await _admin(opts, f'CREATE DATABASE "{pg_template}_{tag}" TEMPLATE "{pg_template}"')
    else:
        copy_database(template, db_path)
    raw = instance_raw_config(db_path, free_port(), database_url=url, delivery_concurrency=opts.fanout_concurrency)
    child = await Child.start("fanout-ours", config=raw, posts=opts.posts, inboxes=hosts,
                              timeout=opts.timeout, loop=opts.loop)
    result = await child.read()
    await child.proc.wait()
    if pg_template:
        await _admin(opts, f'DROP DATABASE IF EXISTS "{pg_template}_{tag}" WITH (FORCE)')
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    if result["sent"] < result["total"]:
        print(f"  WARNING: ours delivered {result['sent']} of {result['total']} within {opts.timeout} s", flush=True)
    result["rate"] = result["sent"] / result["seconds"]
    result["cpu_per_request"] = result["cpu"] / max(1, result["sent"])
    return result


async def _admin(opts, statement: str) -> None:
    admin = await asyncpg.connect(opts.database)
    try:
        await admin.execute(statement)
    finally:
        await admin.close()


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
    pg_template = ""
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
        if opts.database:  # the same followers on PostgreSQL: a template database, copied every round
            url = await create_database(opts, "fanout")
            pg_template = url.rsplit("/", 1)[1]
            await prepare_fanout_db(instance_raw_config(tmp / "pg.sqlite3", free_port(), database_url=url),
                                    opts.followers, ports)
        print(f"  (set-up: {time.monotonic() - started:.0f} s to store the followers)", flush=True)
        template, private_key_pem = templates[opts.followers]
        rounds = []
        names = ("floor", "ours", "pg") if pg_template else ("floor", "ours")
        for r in range(opts.rounds):
            parts = {}
            for name in (names if r % 2 == 0 else names[::-1]):
                if name == "floor":
                    parts[name] = await fanout_floor_round(ports, private_key_pem, opts)
                else:
                    parts[name] = await fanout_ours_round(template, tmp, f"r{r}", opts, opts.hosts,
                                                          pg_template if name == "pg" else "")
            rounds.append(parts)
            print(f"  round {r + 1} floor: {parts['floor']['rate']:6.0f} deliveries/s, "
                  f"{parts['floor']['cpu_per_request'] * 1e6:4.0f} us CPU each   "
                  f"ours: {parts['ours']['rate']:6.0f} deliveries/s, "
                  f"{parts['ours']['cpu_per_request'] * 1e6:4.0f} us CPU each (send() stored the rows in "
                  f"{parts['ours']['send_seconds'] * 1000:.0f} ms)   ratio "
                  f"{parts['ours']['rate'] / parts['floor']['rate']:.0%}", flush=True)
            if "pg" in parts:
                print(f"          PostgreSQL, 1 process: {parts['pg']['rate']:6.0f} deliveries/s, "
                      f"{parts['pg']['cpu_per_request'] * 1e6:4.0f} us CPU each (send() stored the rows in "
                      f"{parts['pg']['send_seconds'] * 1000:.0f} ms)   ratio "
                      f"{parts['pg']['rate'] / parts['floor']['rate']:.0%}", flush=True)
        small = await fanout_ours_round(templates[opts.small_followers][0], tmp, "small", opts, opts.hosts)
        receivers_child.go()
        received = (await receivers_child.read())["received"]
    finally:
        await receivers_child.stop()
        if pg_template:
            await _admin(opts, f'DROP DATABASE IF EXISTS "{pg_template}" WITH (FORCE)')
    expected = opts.rounds * (len(names)) * total + total
    print(f"  the receivers counted {received} POSTs (expected {expected})", flush=True)
    report("FAN-OUT ", "deliveries/s", "sign + POST, no queue", rounds, floor="floor")
    if pg_template:
        report("FAN-OUT  PostgreSQL, 1 process:", "deliveries/s", "sign + POST, no queue", rounds, floor="floor",
               ours="pg")
    big = max((p["ours"] for p in rounds), key=lambda p: p["peak_kib"])
    for followers, result in ((opts.small_followers, small), (opts.followers, big)):
        print(f"MEMORY   {followers:6d} followers: RSS before posting {result['baseline_kib'] / 1024:6.1f} MiB, "
              f"peak during fan-out {result['peak_kib'] / 1024:6.1f} MiB "
              f"(+{(result['peak_kib'] - result['baseline_kib']) / 1024:.1f} MiB; sampled every 100 ms)", flush=True)
