"""The marketplace query with many ideas: the filtered, sorted first page, as the JSON API serves it.

Seeds N ideas (default 100,000; through the same store seeding as benchmarks/pages.py), then
times `store.marketplace.query_marketplace` (one query for the page, one for the total) for the
filters and sorts people use, in-process, R rounds each after a warm-up, and prints the median
and the 90th percentile per query. Then serves the instance (Hypercorn, one process) and loads
`/api/marketplace` with the same filters for requests/s. Usage: `python benchmarks/marketplace.py --help`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pages  # benchmarks/pages.py: config, seeding, server start and the load generator

from wecreate_fed import config as config_module
from wecreate_fed.civic import marketplace
from wecreate_fed.store import Database
from wecreate_fed.store import marketplace as marketplace_store

QUERIES = {
    "newest, all districts": "sort=newest",
    "district west, newest": "district=west&sort=newest",
    "district west, most supported": "district=west&sort=supported",
    "district west + status, supported": "district=west&status=proposed&sort=supported",
    "topic wasser, newest": "topic=wasser&sort=newest",
    "author citizen, kind idea, newest": "author=citizen&kind=idea&sort=newest",
    "trending (supports of 7 days)": "sort=trending",
}


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


async def time_queries(config, rounds: int) -> None:
    db = await Database(config.database_path).open()
    try:
        print(f"{'query (first page of 20)':40} {'median ms':>10} {'p90 ms':>8} {'total matching':>15}")
        for label, query in QUERIES.items():
            parsed = marketplace.parse_query(config, Args(query))
            timings = []
            for i in range(rounds + 2):
                started = time.perf_counter()
                rows, total = await marketplace_store.query_marketplace(db.reader, parsed)
                if i >= 2:  # two warm-up rounds
                    timings.append((time.perf_counter() - started) * 1000)
            timings.sort()
            p90 = timings[int(len(timings) * 0.9) - 1]
            print(f"{label:40} {statistics.median(timings):10.2f} {p90:8.2f} {total:15,}")
    finally:
        await db.close()


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


async def _analyze(config) -> None:
    db = await Database(config.database_path).open()
    await db.close()  # closing runs PRAGMA optimize


async def main_async(args) -> None:
    folder = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="wecreate-market-"))
    folder.mkdir(parents=True, exist_ok=True)
    config_path = pages.write_config(folder, args.port)
    config = config_module.load(config_path)
    started = time.perf_counter()
    await pages.seed(config, args.ideas)
    await _analyze(config)  # what a running instance's PRAGMA optimize keeps up to date
    print(f"seeded {args.ideas:,} ideas in {time.perf_counter() - started:.1f} s ({config.database_path})\n")
    await time_queries(config, args.rounds)
    if not args.no_http:
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
    parser.add_argument("--dir", help="where to keep the config and database (default: a new temporary folder)")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
