"""SQL of `wecreate-fed db copy`: every table of a SQLite database into an empty PostgreSQL one.

The source is read in foreign-key order (a table after every table it references), each table in
its primary key's order, in batches; the target, migrated to the same version first, takes the
rows with their keys as they are (OVERRIDING SYSTEM VALUE for identity columns), and afterwards
each identity sequence is set past the highest key, so the next insert does not collide. The
caller runs the writes in one transaction: a failed copy leaves the target as empty as it was.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from . import Connection, fetch_all, fetch_value

BATCH = 1000
# The target's own: its migrations wrote it, with the same numbers (checked beforehand).
SKIPPED = frozenset({"schema_migrations"})
# Rows a migration inserts (0022's figures_version counter): the target's are replaced by the source's.
SEEDED = frozenset({"figures_version"})
# Rows the target's triggers write while the copy inserts (PostgreSQL's figures_changes, 0034):
# not copied, not counted, and removed before the commit; the copied figures_version stands.
TRIGGERED = frozenset({"figures_changes"})


class CopyError(Exception):
    """The copy cannot go on; the message says why, in one line."""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    order_by: str        # the primary key's columns (or rowid), so batches come in a stable order


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- the SQLite source --------------------------------------------------------------------

async def source_tables(conn: Connection) -> list[Table]:
    """Every table of the source in foreign-key order (full-text indexes and their shadow tables
    are left out: the target's own triggers or indexes build its index from the copied rows)."""
    rows = await fetch_all(conn, "SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                                 "AND name NOT LIKE 'sqlite_%' ORDER BY name")
    virtual = [r["name"] for r in rows if (r["sql"] or "").upper().startswith("CREATE VIRTUAL TABLE")]
    names = [r["name"] for r in rows if r["name"] not in SKIPPED | TRIGGERED and r["name"] not in virtual
             and not any(r["name"].startswith(v + "_") for v in virtual)]
    tables, references = {}, {}
    for name in names:
        info = await fetch_all(conn, f"PRAGMA table_info({_q(name)})")
        keys = [r["name"] for r in sorted((r for r in info if r["pk"]), key=lambda r: r["pk"])]
        tables[name] = Table(name, tuple(r["name"] for r in info),
                             ", ".join(_q(k) for k in keys) if keys else "rowid")
        references[name] = {r["table"] for r in await fetch_all(conn, f"PRAGMA foreign_key_list({_q(name)})")
                            } - {name}
    return [tables[n] for n in _in_order(references)]


def _in_order(references: dict[str, set[str]]) -> list[str]:
    """Names such that each comes after those it references (alphabetical among equals)."""
    done: list[str] = []
    left = dict(references)
    while left:
        ready = sorted(n for n, refs in left.items() if not (refs & left.keys()))
        if not ready:
            raise CopyError(f"the foreign keys of {', '.join(sorted(left))} form a cycle")
        done += ready
        for n in ready:
            del left[n]
    return done


async def batches(conn: Connection, table: Table, size: int = BATCH) -> AsyncIterator[list[tuple]]:
    columns = ", ".join(_q(c) for c in table.columns)
    async with conn.execute(f"SELECT {columns} FROM {_q(table.name)} ORDER BY {table.order_by}") as cursor:
        while rows := await cursor.fetchmany(size):
            yield [tuple(row) for row in rows]


async def migration_versions(conn: Connection) -> list[str]:
    """The migrations a database has (either dialect), in order."""
    return [str(r[0]) for r in await fetch_all(conn, "SELECT version FROM schema_migrations ORDER BY version")]


async def count(conn: Connection, table: str) -> int:
    return int(await fetch_value(conn, f"SELECT count(*) FROM {_q(table)}"))


# --- the PostgreSQL target ----------------------------------------------------------------

async def target_columns(conn: Connection) -> dict[str, dict[str, str]]:
    """table -> column -> data type, of every table of the target's schema."""
    rows = await fetch_all(conn, "SELECT table_name, column_name, data_type FROM information_schema.columns "
                                 "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position")
    columns: dict[str, dict[str, str]] = {}
    for r in rows:
        columns.setdefault(r["table_name"], {})[r["column_name"]] = r["data_type"]
    return columns


async def holding_rows(conn: Connection, tables: list[str]) -> dict[str, int]:
    """The target's tables that hold rows a fresh migration does not leave (table -> rows)."""
    found = {}
    for name in tables:
        if name in SKIPPED or name in SEEDED or name in TRIGGERED:
            continue
        if await fetch_value(conn, f"SELECT 1 FROM {_q(name)} LIMIT 1") is not None:
            found[name] = await count(conn, name)
    return found


async def clear_seeded(conn: Connection) -> None:
    for name in sorted(SEEDED):
        await conn.execute(f"DELETE FROM {_q(name)}")


async def clear_triggered(conn: Connection) -> None:
    for name in sorted(TRIGGERED):
        await conn.execute(f"DELETE FROM {_q(name)}")


def _converter(data_type: str):
    """How a SQLite value (typed per value) becomes what the PostgreSQL column takes."""
    if data_type in ("integer", "bigint", "smallint"):
        return lambda v: v if v is None else int(v)
    if data_type in ("double precision", "real", "numeric"):
        return lambda v: v if v is None else float(v)
    if data_type == "boolean":
        return lambda v: v if v is None else bool(v)
    if data_type == "bytea":
        return lambda v: v.encode() if isinstance(v, str) else v
    if data_type.startswith("timestamp"):
        return lambda v: datetime.fromisoformat(v.replace("Z", "+00:00")) if isinstance(v, str) else v
    return lambda v: v if v is None or isinstance(v, str) else (v.decode() if isinstance(v, bytes) else str(v))


async def insert(conn: Connection, table: Table, types: dict[str, str], rows: list[tuple]) -> None:
    """One batch into the target, keys as they are."""
    convert = [_converter(types[c]) for c in table.columns]
    columns = ", ".join(_q(c) for c in table.columns)
    marks = ", ".join("?" for _ in table.columns)
    await conn.executemany(f"INSERT INTO {_q(table.name)} ({columns}) OVERRIDING SYSTEM VALUE VALUES ({marks})",
                           [tuple(f(v) for f, v in zip(convert, row, strict=True)) for row in rows])


async def reset_sequences(conn: Connection) -> list[tuple[str, str, int]]:
    """Every identity or serial column's sequence set past its table's highest key:
    (table, column, the next value)."""
    rows = await fetch_all(conn, "SELECT table_name, column_name FROM information_schema.columns "
                                 "WHERE table_schema = current_schema() AND (is_identity = 'YES' "
                                 "OR column_default LIKE 'nextval(%') ORDER BY table_name")
    done = []
    for r in rows:
        table, column = r["table_name"], r["column_name"]
        highest = await fetch_value(conn, f"SELECT COALESCE(MAX({_q(column)}), 0) FROM {_q(table)}")
        await conn.execute("SELECT setval(pg_get_serial_sequence(?, ?), ?, false)",
                           (_q(table), column, int(highest) + 1))
        done.append((table, column, int(highest) + 1))
    return done
