"""The marketplace query with many ideas: the filtered, sorted first page, as the JSON API serves it.

Seeds N ideas (default 100,000, by four authors of three categories, over the districts, topics
and statuses, with varied titles) and supports over 12 weeks, through store/bulk.py, then times
`store.marketplace.query_marketplace` (one query for the page, one for the total) for every filter
and sort (and the search field's words, where the store has store/search.py), in-process, R
rounds each after a warm-up, and prints the median and the 90th percentile per query. `--database
postgresql://…` seeds and times an (empty) PostgreSQL database instead of the SQLite file. Then,
on SQLite, serves the instance (Hypercorn, one process) and loads `/api/marketplace` with some
filters for requests/s. Usage: `python benchmarks/marketplace.py --help`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pages  # benchmarks/pages.py: config, seeding, server start and the load generator

from actors import local as local_actors
from wecreate_fed import config as config_module
from wecreate_fed import store, urls
from wecreate_fed.civic import districts, marketplace
from wecreate_fed.store import Database, bulk, iso
from wecreate_fed.store import marketplace as marketplace_store

FILTERS = {
    "all": "",
    "district west": "district=west",
    "kind reform_proposal": "kind=reform_proposal",
    "status proposed": "status=proposed",
    "author party": "author=party",
    "topic wasser": "topic=wasser",
    "local only": "local=1",
    "district west + status proposed": "district=west&status=proposed",
}
SORTS = ("newest", "supported", "trending")
QUERIES = {f"{label}, {sort}": "&".join(p for p in (query, f"sort={sort}") if p)
           for label, query in FILTERS.items() for sort in SORTS}
# Words in the titles: one in every idea, one in about a tenth, one in about a thousandth.
VOCABULARY = ["Spielplatz", "Radweg", "Sitzbank", "Laterne", "Bücherschrank", "Hochbeet", "Zebrastreifen",
              "Trinkwasser", "Baumscheibe", "Stadtteilfest"]
SEARCHES = {
    "search 'Idee' (every idea), newest": "q=Idee&sort=newest",
    "search 'Radweg' (a tenth), newest": "q=Radweg&sort=newest",
    "search 'Radweg', district west, supported": "q=Radweg&district=west&sort=supported",
    "search 'Idee', district west, newest": "q=Idee&district=west&sort=newest",
    "search 'Idee', status proposed, newest": "q=Idee&status=proposed&sort=newest",
    "search 'Fahrradstraße' (a thousandth), newest": "q=Fahrradstraße&sort=newest",
    "search 'Radweg Sitzbank' (both words), newest": "q=Radweg+Sitzbank&sort=newest",
}
CATEGORIES = ("citizen", "citizen", "party", "administration")  # the authors' categories, in turn

class Args(dict):
    """Query arguments as the routes see them (get / getlist)."""

    def __init__(self, query: str):
        super().__init__()
        self.lists: dict[str, list[str]] = {}
        for part in query.split("&"):
            key, _, value = part.partition("=")
            self.lists.setdefault(key, []).append(value)
            self[key] = value

    def getlist(self, key):
        return self.lists.get(key, [])


async def open_db(config, url: str | None):
    """The database at `url` (PostgreSQL too, once the store has open_database), else the config's SQLite file."""
    if url and hasattr(store, "open_database"):
        return await store.open_database(url)
    if url and not url.startswith("sqlite"):
        raise SystemExit("--database postgresql://… needs the store's open_database (branch pgcore)")
    return await Database(config.database_path).open()


async def seed(db, config, count: int, supports: int) -> None:
    """`count` ideas by four authors (citizens, a party, the administration) over the districts, topics and
    statuses, with a varied title (see VOCABULARY), and `supports` supports over the last 12 weeks."""
    async with db.transaction() as conn:
        await local_actors.ensure_instance_actor(conn, config)
        await districts.ensure_districts(conn, config)
        authors = [await local_actors.create_account(
            conn, config, username=f"author{n}", category=category,
            type_="Person" if category == "citizen" else "Organization") for n, category in enumerate(CATEGORIES)]
    rng = random.Random(7)
    start = datetime.now(UTC) - timedelta(days=365)
    body = "<p>" + "Im Sommer fehlt Wasser am Lindenauer Markt. " * 6 + "</p>"
    made, ideas = 0, []
    while made < count:
        rows = []
        for i in range(made, min(count, made + pages.BATCH)):
            key = urls.new_key()
            rare = " und eine Fahrradstraße" if i % 1000 == 7 else ""
            rows.append({
                "ap_id": urls.idea_id(config, key), "url": urls.page_of(config, "idea", key),
                "author_id": authors[i % len(authors)].id,
                "title": f"Idee Nummer {i}: {VOCABULARY[i % 10]} und {VOCABULARY[(i // 10 + 3) % 10]}{rare}",
                "summary": "Mehr Wasser und Schatten für alle.",
                "body_html": body, "kind": "idea" if i % 10 else "reform_proposal", "status": rng.choice(pages.STATUSES),
                "published": iso(start + timedelta(seconds=i * 300)),
                "district_ap_id": districts.district_ap_id(config, pages.DISTRICTS[i % len(pages.DISTRICTS)]),
                "topic": pages.TOPICS[i % len(pages.TOPICS)], "support_count": rng.randint(0, 500),
            })
        async with db.transaction() as conn:
            await bulk.add_local_ideas(conn, rows)
        ideas.extend(r["ap_id"] for r in rows[::50])
        made += len(rows)
    await pages.seed_admin_view(db, authors[0].id, ideas, 0, supports, rng)


def searchable() -> bool:
    return "words" in marketplace_store.MarketplaceQuery.__dataclass_fields__


async def time_queries(db, config, rounds: int) -> None:
    queries = {**QUERIES, **(SEARCHES if searchable() else {})}
    print(f"{'query (first page of 20), ' + getattr(db, 'dialect', 'sqlite'):46} {'median ms':>10} {'p90 ms':>8} "
          f"{'total matching':>15}")
    for label, query in queries.items():
        parsed = marketplace.parse_query(config, Args(query))
        timings = []
        for i in range(rounds + 2):
            started = time.perf_counter()
            rows, total = await marketplace_store.query_marketplace(db.reader, parsed)
            if i >= 2:  # two warm-up rounds
                timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        p90 = timings[int(len(timings) * 0.9) - 1]
        print(f"{label:46} {statistics.median(timings):10.2f} {p90:8.2f} {total:15,}", flush=True)
    if not searchable():
        print("(no search: the store has no store/search.py yet)")


async def serve_and_load(config, config_path: Path, args) -> None:
    server = subprocess.Popen([sys.executable, "-m", "wecreate_fed.cli", "serve", "--config", str(config_path)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        await pages.wait_until_serving(config.base_url, server)
        print(f"\n{'GET /api/marketplace?…':40} {'req/s':>10} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
        for label, query in list(QUERIES.items())[:4]:
            result = await pages.load(f"{config.base_url}/api/marketplace?{query}", seconds=args.seconds,
                                      connections=args.connections, warmup=args.warmup)
            print(f"{label:40} {result['per_second']:10.0f} {result['median_ms']:8.1f} {result['p95_ms']:8.1f} "
                  f"{result['errors']:7}")
    finally:
        server.terminate()
        server.wait(timeout=10)


async def main_async(args) -> None:
    folder = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="wecreate-market-"))
    folder.mkdir(parents=True, exist_ok=True)
    config_path = pages.write_config(folder, args.port)
    config = config_module.load(config_path)
    db = await open_db(config, args.database)
    try:
        if not args.reuse:
            started = time.perf_counter()
            await seed(db, config, args.ideas, args.supports)
            print(f"seeded {args.ideas:,} ideas and {args.supports:,} supports in {time.perf_counter() - started:.1f} s "
                  f"({args.database or config.database_path})\n")
        # The planner's statistics, as a running instance keeps them: SQLite's PRAGMA optimize at
        # close, PostgreSQL's VACUUM (ANALYZE) (Database.vacuum; autovacuum would do it later).
        if getattr(db, "dialect", "sqlite") == "sqlite":
            await db.close()
            db = await open_db(config, args.database)
        else:
            await db.vacuum()
        await time_queries(db, config, args.rounds)
    finally:
        await db.close()
    if not args.no_http and not args.database:
        await serve_and_load(config, config_path, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ideas", type=int, default=100_000, help="ideas to seed (default 100000)")
    parser.add_argument("--rounds", type=int, default=30, help="timed rounds per query (default 30)")
    parser.add_argument("--seconds", type=float, default=5.0, help="HTTP load per query in seconds (default 5)")
    parser.add_argument("--warmup", type=float, default=1.0, help="HTTP warm-up per query (default 1)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent HTTP connections (default 16)")
    parser.add_argument("--port", type=int, default=8766, help="port on 127.0.0.1 (default 8766)")
    parser.add_argument("--no-http", action="store_true", help="time the queries only")
    parser.add_argument("--supports", type=int, default=20_000, help="supports over 12 weeks (default 20000)")
    parser.add_argument("--database", help="postgresql://… (an empty database) or sqlite:///…; default: SQLite in --dir "
                                           "(the HTTP load runs on that default only)")
    parser.add_argument("--reuse", action="store_true", help="the database is seeded already: time the queries only")
    parser.add_argument("--dir", help="where to keep the config and database (default: a new temporary folder)")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
