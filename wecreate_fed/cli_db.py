"""`wecreate-fed db prune [--dry-run]`, `db vacuum`, `db backup FILE` and `db copy --from … --to …`.

prune, vacuum and backup may run while the server runs (SQLite lets one writer in at a time; prune
takes the lock for one batch at a time, vacuum for the whole rewrite, so run vacuum in a quiet
hour; backup copies in small steps). copy moves an instance from SQLite to PostgreSQL: stop the
server first (the counts are compared at the end, and a source that changed meanwhile fails them).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from wecreate_fed import retention, store
from wecreate_fed.errors import WeCreateError
from wecreate_fed.store import backup as backup_store
from wecreate_fed.store import copy as copy_store
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
    if config.database_path is None:  # no file, no auto_vacuum: the server's files, reused by itself
        print(f"{label}: {_mb(size['bytes'])} in the database (PostgreSQL reuses freed space itself)", flush=True)
        return size
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
        if config.database_path is None:
            print("vacuuming (VACUUM (ANALYZE): marks dead rows' space reusable and refreshes the planner's "
                  "statistics; writers go on meanwhile) …", flush=True)
        else:
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


async def cmd_backup(config, args) -> int:
    source = config.database_path
    if source is None:
        raise WeCreateError("the database is PostgreSQL: back it up with pg_dump (README, \"Backups\")")
    target = Path(args.file)
    if not source.exists():
        raise WeCreateError(f"there is no database at {source}")
    if target.exists():
        raise WeCreateError(f"{target} exists already: db backup writes a new file")
    partial = target.with_name(target.name + ".partial")  # renamed when complete: no half file under FILE
    partial.unlink(missing_ok=True)
    started = time.monotonic()
    printer = _Pages()
    try:
        await backup_store.backup(source, partial, progress=printer)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.rename(target)
    print(f"backed up {source} to {target}: {_mb(target.stat().st_size)} in {time.monotonic() - started:.1f} s "
          "(files uploaded to boxes and spaces live in media/ beside the database: back it up as well)",
          flush=True)
    return 0


class _Pages:
    def __init__(self):
        self.last = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        if time.monotonic() - self.last >= PROGRESS_SECONDS:
            self.last = time.monotonic()
            print(f"  {done:,} of {total:,} pages …", flush=True)


def _shown(url: str) -> str:
    """A database URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


async def cmd_copy(config, args) -> int:
    path = store.sqlite_path(args.source)
    if path is None:
        raise WeCreateError(f"--from must be a SQLite database as sqlite:///PATH, not {_shown(args.source)}")
    if not args.target.startswith(("postgresql://", "postgres://")):
        raise WeCreateError(f"--to must be a PostgreSQL database as postgresql://…, not {_shown(args.target)}")
    if not path.is_file():
        raise WeCreateError(f"there is no SQLite database at {path}")
    try:
        if await store.create_postgres_database(args.target):   # as `wecreate-fed init` does
            print(f"created the database {_shown(args.target)}", flush=True)
    except OSError as e:
        raise WeCreateError(f"cannot reach {_shown(args.target)}: {e}") from None
    source = await store.open_database(args.source)
    try:
        target = await store.open_database(args.target)   # creates or migrates its schema
        try:
            return await _copy(source, target, _shown(args.target))
        finally:
            await target.close()
    finally:
        await source.close()


async def _copy(source, target, shown: str) -> int:
    if await copy_store.migration_versions(source.reader) != await copy_store.migration_versions(target.reader):
        raise WeCreateError("the source and the target are at different migrations; run `wecreate-fed init` "
                            "with this version on both")
    tables = await copy_store.source_tables(source.reader)
    types = await copy_store.target_columns(target.reader)
    holding = await copy_store.holding_rows(target.reader, sorted(types))
    if holding:
        listed = ", ".join(f"{t} {n:,}" for t, n in sorted(holding.items())[:5])
        raise WeCreateError(f"the target {shown} is not empty ({listed}{', …' if len(holding) > 5 else ''} rows): "
                            "db copy writes only into an empty database")
    for table in tables:
        missing = [c for c in table.columns if c not in types.get(table.name, {})]
        if missing:
            raise WeCreateError(f"the target has no {'table' if table.name not in types else 'column'} "
                                f"{table.name}{'' if table.name not in types else '.' + ', '.join(missing)}")
    started = time.monotonic()
    print(f"copying {len(tables)} tables to {shown} …", flush=True)
    async with target.transaction() as conn:   # all or nothing: a failed copy leaves the target empty
        await copy_store.clear_seeded(conn)
        for table in tables:
            async for rows in copy_store.batches(source.reader, table):
                await copy_store.insert(conn, table, types[table.name], rows)
        await copy_store.clear_triggered(conn)
        sequences = await copy_store.reset_sequences(conn)
        wrong = []
        for table in tables:
            have, copied = await copy_store.count(source.reader, table.name), await copy_store.count(conn, table.name)
            print(f"  {table.name}: {copied:,} rows" + ("" if have == copied else f" (the source has {have:,})"),
                  flush=True)
            if have != copied:
                wrong.append(table.name)
        if wrong:
            raise WeCreateError(f"the counts differ in {', '.join(wrong)} (was the server still running?); "
                                "nothing was copied")
    total = sum([await copy_store.count(target.reader, t.name) for t in tables])
    print(f"copied {total:,} rows in {len(tables)} tables in {time.monotonic() - started:.1f} s; "
          f"{len(sequences)} sequences set past their highest keys. Next: [database] url = \"{shown}\" "
          "in the config, then start the server", flush=True)
    return 0


def add_commands(commands, common) -> None:
    """`wecreate-fed db prune|vacuum` (a CLI_MODULES group)."""
    db = commands.add_parser("db", help="the database: prune old rows, vacuum, back up, copy to PostgreSQL",
                             description="Prune what [retention] lets go, give the file's free space back, "
                                         "back the SQLite file up, or copy it into PostgreSQL.")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    prune = db_commands.add_parser(
        "prune", parents=[common], help="delete what [retention] lets go, in small batches, with progress",
        description="Delete handled incoming rows, finished deliveries, old seen and undone activity ids, "
                    "old last Joins and Leaves of remote actors, old removals by remote boxes, and cached remote "
                    "content nobody here needs, as the server's retention worker does. Safe while the server runs (one batch at a time).")
    prune.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
    vacuum = db_commands.add_parser(
        "vacuum", parents=[common], help="rewrite the file to give free space back (locks writes meanwhile)",
        description="VACUUM the database (and switch it to auto_vacuum = INCREMENTAL, so that the server "
                    "gives pages freed by pruning back by itself from then on). Needs free disk space of "
                    "about the database's size; writers wait until it is done.")
    backup = db_commands.add_parser(
        "backup", parents=[common], help="a consistent copy of the SQLite database in a new file, while it runs",
        description="Copy the SQLite database with SQLite's online backup API into FILE (which must not "
                    "exist): the database at one moment, taken in small steps while the server goes on. "
                    "For PostgreSQL use pg_dump.")
    backup.add_argument("file", metavar="FILE")
    copy = db_commands.add_parser(
        "copy", parents=[common], help="copy an instance from SQLite into an empty PostgreSQL database",
        description="Copy every table of a SQLite database (keys included) into a PostgreSQL database, which "
                    "is migrated first and must hold no data; sets the identity sequences and compares the "
                    "row counts of every table. Stop the server first. One transaction: a failed copy "
                    "leaves the target empty.")
    copy.add_argument("--from", dest="source", required=True, metavar="sqlite:///PATH")
    copy.add_argument("--to", dest="target", required=True, metavar="postgresql://…")
    prune.set_defaults(handler=cmd_prune)
    vacuum.set_defaults(handler=cmd_vacuum)
    backup.set_defaults(handler=cmd_backup)
    copy.set_defaults(handler=cmd_copy, needs_config=False)
