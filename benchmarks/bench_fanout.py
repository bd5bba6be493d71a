"""bench.py's fan-out benchmark: signed deliveries sent per second when one local actor posts to
followers on many hosts, through send() and the DeliveryWorker, against a plain sign + POST loop
to the same inboxes with the same concurrency; and the sending process's memory at two audience
sizes. On SQLite (the rows are copied from a template database for every round)."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from actors import local as local_actors
from actors import remote
from wecreate_fed import config as config_module
from wecreate_fed.store import Database, social
from wecreate_fed.store import actors as actors_store

from bench_children import Child, report
from bench_roles import free_port, instance_raw_config, remote_actor_document


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
