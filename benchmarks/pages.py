"""Page speed of the website: requests per second for served HTML with many ideas.

Seeds an instance with N ideas (default 100,000) straight into the database through the
store (one executemany per batch; no activities are sent), starts `wecreate-fed serve`
(Hypercorn, one process) as a subprocess on 127.0.0.1, and loads each page with a bounded
aiohttp load generator: C connections for S seconds after a warm-up, counting only
200 answers. Prints requests/s and latencies per page. The admin dashboard and a remote
instance's page are measured as a logged-in admin, over Q delivery and Q inbox queue rows
(default 1,000,000 each; a tenth of them pending), and optionally supports over the last 12
weeks (`--supports`; default none, since the marketplace's impact figures slow down with many). Usage: `python benchmarks/pages.py --help`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from actors import local as local_actors
from wecreate_fed import config as config_module
from wecreate_fed import urls
from wecreate_fed.civic import districts
from wecreate_fed.store import Database, bulk, iso

DISTRICTS = ["mitte", "nordost", "ost", "suedost", "sued", "suedwest", "west", "alt-west", "nordwest", "nord"]
TOPICS = ["wasser", "radverkehr", "schule", "gruen", "sport", "kultur", "wohnen", "laerm", "spielplatz", "bus"]
STATUSES = ["proposed"] * 6 + ["in_discussion"] * 2 + ["being_implemented", "implemented", "declined"]
BATCH = 5_000


def write_config(folder: Path, port: int) -> Path:
    lines = ["[instance]", 'name = "WeCreate Leipzig (Benchmark)"', f'base_url = "http://127.0.0.1:{port}"',
             'registration = "open"', "[city]", 'name = "Leipzig"']
    for slug in DISTRICTS:
        lines += ["[[city.districts]]", f'slug = "{slug}"', f'name = "{slug.title()}"', "population = 60000"]
    lines += ["[database]", 'path = "bench.sqlite3"', "[server]", 'host = "127.0.0.1"', f"port = {port}",
              "[federation]", "allow_private_addresses = true",
              # The load generator is one client address asking for listings: measure the pages, not the limiter.
              "[rate_limits]", "enabled = false"]
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


ADMIN_PASSWORD = "benchmark-passwort"
REMOTE_HOSTS = [f"host{n}.example" for n in range(50)]


async def seed(config, count: int, queue_rows: int, supports: int) -> str:
    """N ideas by one author over the districts, topics and statuses, an admin, remote people and the
    queues' rows (see seed_admin_view); returns one idea's page path."""
    db = await Database(config.database_path).open()
    try:
        async with db.transaction() as conn:
            await local_actors.ensure_instance_actor(conn, config)
            await districts.ensure_districts(conn, config)
            author = await local_actors.create_account(conn, config, username="anna", name="Anna Schulz")
            await local_actors.create_account(conn, config, username="ada", password=ADMIN_PASSWORD, role="admin")
        rng = random.Random(7)
        start = datetime.now(UTC) - timedelta(days=365)
        body = "<p>" + "Im Sommer fehlt Wasser am Lindenauer Markt. " * 6 + "</p>"
        made = 0
        while made < count:
            rows = []
            for i in range(made, min(count, made + BATCH)):
                key = urls.new_key()
                rows.append({
                    "ap_id": urls.idea_id(config, key), "url": urls.page_of(config, "idea", key), "author_id": author.id,
                    "title": f"Idee Nummer {i}: Trinkbrunnen und Bänke", "summary": "Mehr Wasser und Schatten für alle.",
                    "body_html": body, "kind": "idea" if i % 10 else "reform_proposal", "status": rng.choice(STATUSES),
                    "published": iso(start + timedelta(seconds=i * 300)),
                    "district_ap_id": districts.district_ap_id(config, DISTRICTS[i % len(DISTRICTS)]),
                    "topic": TOPICS[i % len(TOPICS)], "support_count": rng.randint(0, 500),
                })
            async with db.transaction() as conn:
                await bulk.add_local_ideas(conn, rows)
            made += len(rows)
        await seed_admin_view(db, author.id, [r["ap_id"] for r in rows], queue_rows, supports, rng)
        return rows[-1]["url"].removeprefix(config.base_url)
    finally:
        await db.close()


async def seed_admin_view(db, author_id: int, ideas: list[str], queue_rows: int, supports: int, rng) -> None:
    """What the admin's view counts: 1,000 remote people on 50 hosts, `supports` supports over the last
    12 weeks, `queue_rows` deliveries and as many inbox rows (one in ten pending)."""
    async with db.transaction() as conn:
        people = await bulk.add_remote_people(conn, REMOTE_HOSTS, 20)
    now = datetime.now(UTC)
    for start in range(0, supports, BATCH):
        async with db.transaction() as conn:
            await bulk.add_supports(conn, [(people[n % len(people)], ideas[(n // len(people)) % len(ideas)],
                                            iso(now - timedelta(seconds=rng.randint(0, 84 * 86400))))
                                           for n in range(start, min(supports, start + BATCH))])
    per_activity = 1_000
    later = iso(now + timedelta(days=30))  # backed off: the workers leave them alone while we measure
    for n in range(0, queue_rows, per_activity):
        async with db.transaction() as conn:
            await bulk.add_queue_rows(conn, actor_id=author_id, activity_key=f"urn:bench:activity:{n}",
                                      hosts=REMOTE_HOSTS, inboxes=min(per_activity, queue_rows - n), pending_every=10,
                                      due=later)
    for start in range(0, queue_rows, BATCH * 4):
        async with db.transaction() as conn:
            await bulk.add_incoming_rows(conn, [
                (f"urn:bench:incoming:{n}", f"https://{REMOTE_HOSTS[n % 50]}/users/u{n % 20}",
                 "pending" if n % 10 == 0 else "failed" if n % 1000 == 1 else "done")
                for n in range(start, min(queue_rows, start + BATCH * 4))], due=later)


async def admin_cookies(base_url: str) -> dict:
    """The session cookie of the admin, logged in through the login form."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.get(base_url + "/login") as r:
            token = re.search(r'name="csrf_token" value="([^"]+)"', await r.text()).group(1)
        async with session.post(base_url + "/login", data={"username": "ada", "password": ADMIN_PASSWORD,
                                                            "csrf_token": token},
                                headers={"Referer": base_url + "/"}, allow_redirects=False) as r:
            assert r.status == 303, r.status
        return {cookie.key: cookie.value for cookie in session.cookie_jar}


async def wait_until_serving(base_url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError(f"the server exited with {server.returncode}")
            try:
                async with session.get(base_url + "/.well-known/nodeinfo") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError(f"{base_url} did not start within {timeout} s")


async def load(url, *, seconds: float, connections: int, warmup: float, cookies: dict | None = None) -> dict:
    """GET `url` (or `url(n)` for the n-th request) from `connections` loops for `seconds` after `warmup`."""
    latencies: list[float] = []
    errors = 0
    sent = 0
    target = url if callable(url) else (lambda n: url)
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector, headers={"Accept": "text/html", **(
            {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {})}) as session:
        async def one_loop(until: float, record: bool) -> None:
            nonlocal errors, sent
            while time.monotonic() < until:
                began = time.monotonic()
                sent += 1
                async with session.get(target(sent)) as r:
                    await r.read()
                    ok = r.status == 200
                if record:
                    if ok:
                        latencies.append(time.monotonic() - began)
                    else:
                        errors += 1
        await asyncio.gather(*(one_loop(time.monotonic() + warmup, False) for _ in range(connections)))
        started = time.monotonic()
        await asyncio.gather(*(one_loop(started + seconds, True) for _ in range(connections)))
        elapsed = time.monotonic() - started
    latencies.sort()
    return {"requests": len(latencies), "errors": errors, "per_second": len(latencies) / elapsed,
            "median_ms": 1000 * statistics.median(latencies) if latencies else None,
            "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else None}


async def measure(args) -> None:
    folder = Path(args.dir or tempfile.mkdtemp(prefix="wecreate-pages-"))
    folder.mkdir(parents=True, exist_ok=True)
    port = args.port
    config = config_module.load(write_config(folder, port))
    began = time.monotonic()
    idea_path = await seed(config, args.ideas, args.queue_rows, args.supports)
    print(f"seeded {args.ideas:,} ideas, {args.queue_rows:,} deliveries and as many inbox rows in "
          f"{time.monotonic() - began:.1f} s ({folder})", flush=True)
    command = [sys.executable, "-m", "wecreate_fed.cli", "serve", "--config", str(config.source_path)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        await wait_until_serving(config.base_url, server)
        pages = [("marketplace (newest)", "/"),
                 ("marketplace (district, most supported)", "/?district=west&sort=supported"),
                 ("marketplace (topic, page 50)", "/?topic=wasser&page=50"),
                 # every request another page number, so none is answered from the 5-second page cache
                 ("marketplace, uncached (page n of 5,000)", lambda n: f"/?page={1 + n % 5000}"),
                 ("idea page", idea_path),
                 ("admin dashboard (logged in)", "/admin"),
                 ("remote instance page (logged in)", f"/admin/instances/{REMOTE_HOSTS[0]}")]
        cookies = await admin_cookies(config.base_url)
        print(f"{'page':42} {'req/s':>8} {'median ms':>10} {'p95 ms':>8} {'requests':>9} {'errors':>7}")
        for name, path in pages:
            url = (lambda n, p=path: config.base_url + p(n)) if callable(path) else config.base_url + path
            result = await load(url, seconds=args.seconds, connections=args.connections,
                                warmup=args.warmup, cookies=cookies if "(logged in)" in name else None)
            print(f"{name:42} {result['per_second']:8.1f} {result['median_ms']:10.1f} {result['p95_ms']:8.1f} "
                  f"{result['requests']:9d} {result['errors']:7d}", flush=True)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ideas", type=int, default=100_000, help="ideas to seed (default 100000)")
    parser.add_argument("--queue-rows", type=int, default=1_000_000,
                        help="delivery rows and inbox rows to seed, each (default 1000000)")
    parser.add_argument("--supports", type=int, default=0, help="supports to seed over 12 weeks (default 0)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measuring time per page (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up per page, not counted (default 2)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765)")
    parser.add_argument("--dir", help="where to keep the config and database (default: a new temporary folder)")
    args = parser.parse_args()
    if args.ideas < 1 or args.seconds <= 0 or args.connections < 1:
        parser.error("--ideas, --seconds and --connections must be positive")
    asyncio.run(measure(args))


if __name__ == "__main__":
    main()
