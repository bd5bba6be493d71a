"""Throughput of WeCreate Fed next to floors measured in the same run.

1. Inbox (bench_inbox.py): signed deliveries accepted per second by `wecreate-fed serve`, against
   a bare Quart app that reads the same body and answers 202 on the same HTTP server, and
   Fedify's inbox beside them; then a burst at 80% of the maximum rate with the workers running
   and the time the queue takes to drain after it. SQLite in one process, and with --database
   postgresql://… PostgreSQL in one process and with 2 web processes + 2 workers.
2. Fan-out (bench_fanout.py): signed deliveries sent per second when one local actor posts to
   followers on many hosts, against a plain sign + POST loop; the sender's memory.

Every server, load generator and sender runs as its own process (bench_roles.py), so none
shares an event loop with another. Everything listens on 127.0.0.1. The machine these run on
is shared, so the sides of a ratio alternate round by round and medians are compared.
Usage: `python benchmarks/bench.py --help`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
from pathlib import Path

import bench_roles as roles
from bench_children import FEDIFY_NODE, INTEROP
from bench_fanout import bench_fanout
from bench_inbox import bench_inbox

# --- entry point ----------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark WeCreate Fed's inbox and fan-out against floors measured in the same run.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--only", choices=("inbox", "fanout"), help="run one benchmark only")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per side; medians are compared")
    parser.add_argument("--loop", choices=("asyncio", "uvloop") if roles.uvloop else ("asyncio",), default=roles.default_loop(),
                        help="event loop of every process (servers, clients, senders alike)")
    parser.add_argument("--server", "--engine", dest="server", choices=("hypercorn", "uvicorn"), default="hypercorn",
                        help="the HTTP server of our inbox (serve --engine) and of its floor; uvicorn needs the "
                             "'speed' extra")
    parser.add_argument("--database", metavar="POSTGRESQL_URL", default="",
                        help="also PostgreSQL (the inbox in 1 process and with 2 web + 2 workers, the fan-out in 1 "
                             "process): a server URL whose user may create databases (they are made for the run and "
                             "dropped after it)")
    parser.add_argument("--database-prefix", default="wecreate_bench_", help="the names of those databases begin so")
    inbox = parser.add_argument_group("inbox")
    inbox.add_argument("--inbox-requests", type=int, default=4000, help="signed requests per round")
    inbox.add_argument("--inbox-concurrency", type=int, default=64, help="requests in flight, all clients together")
    inbox.add_argument("--clients", type=int, default=2, help="load generator processes")
    inbox.add_argument("--signers", type=int, default=8, help="distinct remote actors signing")
    inbox.add_argument("--fedify-requests", type=int, default=1000,
                       help="signed requests per round for Fedify (several times slower: fewer keep rounds short)")
    inbox.add_argument("--no-fedify", dest="fedify", action="store_false",
                       help="leave out Fedify's inbox (tests/interop's install) beside ours")
    inbox.add_argument("--inbox-workers", action="store_true",
                       help="also run our inbox and delivery workers in the server (default: measure acceptance only)")
    inbox.add_argument("--burst-seconds", type=int, default=60,
                       help="the burst at --burst-share of the maximum, workers running (the issue's: 600); 0: none")
    inbox.add_argument("--burst-share", type=float, default=0.80, help="the burst's rate, a share of the maximum")
    inbox.add_argument("--drain-timeout", type=float, default=300, help="seconds the queue may take to drain")
    fanout = parser.add_argument_group("fan-out")
    fanout.add_argument("--followers", type=int, default=10_000, help="remote followers of the posting actor")
    fanout.add_argument("--small-followers", type=int, default=1_000, help="the smaller audience for the memory figure")
    fanout.add_argument("--hosts", type=int, default=1_000, help="distinct hosts (ports on 127.0.0.1)")
    fanout.add_argument("--posts", type=int, default=5, help="posts per round (each reaches every host once)")
    fanout.add_argument("--fanout-concurrency", type=int, default=32,
                        help="deliveries in flight (our federation.delivery_concurrency and the floor's)")
    fanout.add_argument("--timeout", type=float, default=300, help="seconds a fan-out round may take")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory with the databases")
    opts = parser.parse_args(argv)
    if opts.inbox_requests < opts.clients or opts.inbox_concurrency < opts.clients:
        parser.error("--inbox-requests and --inbox-concurrency must be at least --clients")
    if opts.database and not opts.database.startswith(("postgresql://", "postgres://")):
        parser.error("--database takes a postgresql:// URL")
    if opts.server == "uvicorn" and roles.uvicorn is None:
        parser.error("--server uvicorn needs uvicorn and httptools installed")
    if opts.fedify and not (FEDIFY_NODE.exists() and (INTEROP / "node_modules" / "@fedify" / "fedify").exists()):
        parser.error("Fedify is not installed: run tests/interop/setup.sh, or pass --no-fedify")
    if opts.followers < opts.hosts or opts.small_followers < opts.hosts:
        parser.error("every host needs at least one follower: --followers and --small-followers >= --hosts")
    return opts


async def main(opts) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="wecreate-bench-"))
    print(f"WeCreate Fed benchmarks: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
          f"event loop {opts.loop}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    try:
        if opts.only in (None, "inbox"):
            await bench_inbox(opts, tmp)
        if opts.only in (None, "fanout"):
            await bench_fanout(opts, tmp)
    finally:
        if opts.keep:
            print(f"databases kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
