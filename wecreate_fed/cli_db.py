"""`wecreate-fed db prune [--dry-run]` and `wecreate-fed db vacuum`: retention by hand, with progress.

Both may run while the server runs (SQLite lets one writer in at a time; prune takes the lock for
one batch at a time, vacuum for the whole rewrite, so run vacuum in a quiet hour).
"""

from __future__ import annotations

import sys
import time

from wecreate_fed import retention, store
from wecreate_fed.store import retention as retention_store

PROGRESS_SECONDS = 2.0
AUTO_VACUUM = {0: "none", 1: "full", 2: "incremental"}


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


def _files(config) -> int:
    """Bytes on disk: the database and its write-ahead log."""
    path = config.database_path
    if path is None:  # PostgreSQL: its files are the server's
        return 0
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())


async def _describe(db, config, label: str) -> dict:
    size = await retention_store.size(db.reader)
    print(f"{label}: {_mb(size['bytes'])} in the database ({_mb(size['free_bytes'])} of it free pages), "
          f"{_mb(_files(config))} on disk with the WAL; auto_vacuum {AUTO_VACUUM.get(size['auto_vacuum'], '?')}",
          flush=True)
    return size


class _Printer:
    """One line per table when it is done, and one every PROGRESS_SECONDS while it runs."""

    def __init__(self):
        self.last = time.monotonic()

    def __call__(self, step: retention.Step, finished: bool) -> None:
        if not finished and time.monotonic() - self.last < PROGRESS_SECONDS:
            return
        self.last = time.monotonic()
        if step.table == "free pages":
            print(f"  free pages: {_mb(step.rows)} given back to the file system in {step.batches:,} steps, "
                  f"{step.seconds:.1f} s{'' if finished else ' …'}", flush=True)
            return
        print(f"  {step.table}: {step.rows:,} rows deleted in {step.batches:,} batches, {step.seconds:.1f} s "
              f"({step.rate:,.0f} rows/s){'' if finished else ' …'}", flush=True)


async def cmd_prune(config, args) -> int:
    db = await store.open_database(config.database_url)
    try:
        when = retention.cutoffs(config)
        print(f"retention of {config.database_path or config.database_url.rsplit('@', 1)[-1]}: "
              + ", ".join(f"{t} before {c[:16]}" if c else f"{t} kept" for t, c in when.items()), flush=True)
        pruner = retention.Pruner(db, config, progress=_Printer())
        if args.dry_run:
            for table, n in (await pruner.dry_run()).items():
                print(f"  {table}: {n:,} rows would be deleted", flush=True)
            await _describe(db, config, "size")
            return 0
        before = await _describe(db, config, "before")
        counts = await retention_store.table_counts(db.reader)
        started = time.monotonic()
        steps = await pruner.run()
        total = sum(s.rows for s in steps)
        after = await _describe(db, config, "after")
        left = await retention_store.table_counts(db.reader)
        print("rows kept: " + ", ".join(f"{t} {left[t]:,} (was {counts[t]:,})" for t in left), flush=True)
        print(f"pruned {total:,} rows in {time.monotonic() - started:.1f} s; the database shrank by "
              f"{_mb(before['bytes'] - after['bytes'])}", flush=True)
        if after["free_bytes"] and after["auto_vacuum"] != 2:
            print("the free pages stay in the file until `wecreate-fed db vacuum`", file=sys.stderr)
        return 0
    finally:
        await db.close()


async def cmd_vacuum(config, args) -> int:
    db = await store.open_database(config.database_url)
    try:
        before = await _describe(db, config, "before")
        print(f"vacuuming (needs about {_mb(before['bytes'] - before['free_bytes'])} of free disk space; "
              "writers wait until it is done) …", flush=True)
        started = time.monotonic()
        await db.vacuum()
        after = await _describe(db, config, "after")
        print(f"vacuumed in {time.monotonic() - started:.1f} s: {_mb(before['bytes'])} -> {_mb(after['bytes'])}",
              flush=True)
        return 0
    finally:
        await db.close()


def add_commands(commands, common) -> None:
    """`wecreate-fed db prune|vacuum` (a CLI_MODULES group)."""
    db = commands.add_parser("db", help="database retention: prune old rows, vacuum the file",
                             description="Prune what [retention] lets go, or give the file's free space back.")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    prune = db_commands.add_parser(
        "prune", parents=[common], help="delete what [retention] lets go, in small batches, with progress",
        description="Delete handled incoming rows, finished deliveries, old seen activity ids and cached "
                    "remote content nobody here needs, as the server's retention worker does. Safe while the "
                    "server runs (one batch at a time).")
    prune.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
    vacuum = db_commands.add_parser(
        "vacuum", parents=[common], help="rewrite the file to give free space back (locks writes meanwhile)",
        description="VACUUM the database (and switch it to auto_vacuum = INCREMENTAL, so that the server "
                    "gives pages freed by pruning back by itself from then on). Needs free disk space of "
                    "about the database's size; writers wait until it is done.")
    prune.set_defaults(handler=cmd_prune)
    vacuum.set_defaults(handler=cmd_vacuum)
