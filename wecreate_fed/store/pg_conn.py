"""PostgreSQL connections with the surface of aiosqlite's that the store uses.

The store's functions keep their SQL with `?` (or `:name`) placeholders and take any `conn`;
on PostgreSQL that is a `PgConnection` over one asyncpg connection (a transaction's, a batch's)
or the `PgReader` over a pool (each read on a connection of its own, in autocommit). What
differs from SQLite is made alike here, once:

- placeholders become $1, $2, … (outside string literals, quoted names and comments);
- `cursor.lastrowid`: an INSERT into a table with an integer `id` column gets `RETURNING id`
  (the table's columns are looked up once in the catalog), SQLite's rowid being that id;
- `cursor.rowcount` from the command's status (or the rows it returned);
- values are bound as text for integer, float and text parameters, so the server converts them
  as SQLite's affinities would (a str for an integer column, an int for a text one), bools as 0/1;
  numeric results (SUM of bigint, AVG) come back as int when whole and as float otherwise, as
  SQLite gives them;
- rows answer row["col"], row[0], keys() (a list) and dict(row); of two columns with one name, the
  first (as in sqlite3.Row);
- a constraint violation (or a trigger's RAISE EXCEPTION) raises a subclass of sqlite3.IntegrityError,
  other server errors a subclass of sqlite3.OperationalError, so the callers' `except sqlite3.…` hold on both.
"""

from __future__ import annotations

import re
import sqlite3
from functools import lru_cache

import asyncpg

_INSERT = re.compile(r'^\s*INSERT\s+(?:OR\s+\w+\s+)?INTO\s+"?(\w+)"?', re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_ROWS_FIRST = ("SELECT", "WITH", "VALUES", "SHOW", "EXPLAIN", "TABLE")


class PgRow(asyncpg.Record):
    """asyncpg's row, with keys() as a list like sqlite3.Row's."""

    def keys(self):
        return list(super().keys())


class FirstNameRow:
    """A row whose result has two columns of one name (o.published beside the author's a.published):
    row["name"] and dict(row) give the first, as sqlite3.Row does (asyncpg's Record gives the last)."""

    __slots__ = ("_values", "_names", "_index")

    def __init__(self, record: asyncpg.Record, names: list[str], index: dict[str, int]):
        self._values, self._names, self._index = tuple(record.values()), names, index

    def __getitem__(self, key):
        return self._values[self._index[key]] if isinstance(key, str) else self._values[key]

    def get(self, key: str, default=None):
        return self._values[self._index[key]] if key in self._index else default

    def keys(self) -> list[str]:
        return list(self._names)

    def values(self):
        return iter(self._values)

    def items(self):
        return zip(self._names, self._values, strict=True)

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def _first_names(rows: list) -> list:
    """The rows as they are, or as FirstNameRows when a column name repeats (checked once per result)."""
    if not rows:
        return rows
    names = list(rows[0].keys())
    if len(set(names)) == len(names):
        return rows
    index: dict[str, int] = {}
    for position, name in enumerate(names):
        index.setdefault(name, position)
    return [FirstNameRow(row, names, index) for row in rows]


class IntegrityError(sqlite3.IntegrityError):
    """A PostgreSQL constraint violation (SQLSTATE class 23); `sqlstate` and `constraint` tell which."""

    sqlstate: str = ""
    constraint: str | None = None


class OperationalError(sqlite3.OperationalError):
    """Any other error the PostgreSQL server answered; `sqlstate` tells which."""

    sqlstate: str = ""
    constraint: str | None = None


def translated(error: asyncpg.PostgresError) -> sqlite3.Error:
    sqlstate = getattr(error, "sqlstate", "") or ""
    # A trigger's RAISE EXCEPTION (P0001) refuses a change as SQLite's RAISE(ABORT) does: an integrity error there.
    refused = sqlstate.startswith("23") or sqlstate == "P0001"
    kind: type[IntegrityError] | type[OperationalError] = IntegrityError if refused else OperationalError
    translated: IntegrityError | OperationalError = kind(f"{error.__class__.__name__}: {error}")
    translated.sqlstate = sqlstate
    translated.constraint = getattr(error, "constraint_name", None)
    return translated


@lru_cache(maxsize=4096)
def translate(sql: str) -> tuple[str, tuple[str, ...] | int]:
    """SQL with `?` or `:name` placeholders → ($n SQL, names in order or the number of `?`)."""
    out, names, count = [], [], 0
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in ("'", '"'):  # a literal or a quoted name, '' and "" included, copied as it is
            end = sql.find(c, i + 1)
            while end != -1 and end + 1 < n and sql[end + 1] == c:
                end = sql.find(c, end + 2)
            end = n - 1 if end == -1 else end
            out.append(sql[i:end + 1])
            i = end + 1
        elif c == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end == -1 else end
            out.append(sql[i:end])
            i = end
        elif c == "/" and sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end == -1 else end + 2
            out.append(sql[i:end])
            i = end
        elif c == "?":
            count += 1
            out.append(f"${count}")
            i += 1
        elif c == ":" and i + 1 < n and (sql[i + 1].isalpha() or sql[i + 1] == "_") and (i == 0 or sql[i - 1] != ":"):
            j = i + 1
            while j < n and (sql[j].isalnum() or sql[j] == "_"):
                j += 1
            name = sql[i + 1:j]
            if name not in names:
                names.append(name)
            out.append(f"${names.index(name) + 1}")
            i = j
        else:
            out.append(c)
            i += 1
    if names and count:
        raise ValueError("SQL mixes ? and :name placeholders")
    return "".join(out), (tuple(names) if names else count)


def _arguments(params, shape) -> list:
    if isinstance(params, dict):
        values = [params[name] for name in shape] if isinstance(shape, tuple) else []
    else:
        values = list(params or ())
    return [int(v) if isinstance(v, bool) else v for v in values]


# Bound and read as text: the server converts a parameter to its column's type the way SQLite's
# affinity would accept it (asyncpg's binary codecs refuse a str for an integer and the reverse).
def _int_text(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(text: str):
    return float(text) if any(c in text for c in ".eEnN") else int(text)


async def setup(raw: asyncpg.Connection) -> None:
    """Codecs of one new connection (the pools' `init`)."""
    for name in ("int2", "int4", "int8"):
        await raw.set_type_codec(name, schema="pg_catalog", encoder=_int_text, decoder=int, format="text")
    for name in ("float4", "float8"):
        await raw.set_type_codec(name, schema="pg_catalog", encoder=str, decoder=float, format="text")
    await raw.set_type_codec("numeric", schema="pg_catalog", encoder=str, decoder=_number, format="text")
    for name in ("text", "varchar"):
        await raw.set_type_codec(name, schema="pg_catalog", encoder=str, decoder=str, format="text")


async def keep(raw: asyncpg.Connection) -> None:
    """The pools' `reset` on release: nothing to send. asyncpg's own sends `pg_advisory_unlock_all();
    CLOSE ALL; UNLISTEN *; RESET ALL` after every statement of a reader and every transaction, one
    more round trip each; the store leaves nothing of that on a pooled connection (no SET, no
    LISTEN (a connection of its own), advisory locks only for a transaction, no cursor outside
    one), and an open transaction is still rolled back by the pool before this is called."""


class Cursor:
    """The result of one statement, fetched whole (rows, rowcount, lastrowid)."""

    def __init__(self, rows: list, rowcount: int, lastrowid: int | None):
        self._rows, self._next = rows, 0
        self.rowcount, self.lastrowid = rowcount, lastrowid
        self.description = None
        if rows:
            self.description = tuple((name, None, None, None, None, None, None) for name in rows[0].keys())

    async def fetchone(self):
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    async def fetchmany(self, size: int = 1) -> list:
        rows = self._rows[self._next:self._next + size]
        self._next += len(rows)
        return rows

    async def fetchall(self) -> list:
        rows = self._rows[self._next:]
        self._next = len(self._rows)
        return rows

    async def close(self) -> None:
        pass

    def __aiter__(self):
        return self

    async def __anext__(self):
        row = await self.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *exc) -> None:
        pass


class _Pending:
    """What execute() returns: awaitable (a cursor) and an async context manager, as in aiosqlite."""

    def __init__(self, run):
        self._run = run

    def __await__(self):
        return self._run().__await__()

    async def __aenter__(self) -> Cursor:
        self._cursor = await self._run()
        return self._cursor

    async def __aexit__(self, *exc) -> None:
        pass


class Catalog:
    """Which tables have an integer `id` column (for lastrowid), looked up once per table."""

    def __init__(self):
        self._has_id: dict[str, bool] = {}

    async def has_id(self, raw: asyncpg.Connection, table: str) -> bool:
        table = table.lower()
        known = self._has_id.get(table)
        if known is None:
            known = self._has_id[table] = bool(await raw.fetchval(
                "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = $1 AND column_name = 'id' AND data_type IN ('smallint', 'integer', 'bigint')",
                table))
        return known

    def forget(self) -> None:
        self._has_id.clear()


async def run(raw: asyncpg.Connection, catalog: Catalog, sql: str, params) -> Cursor:
    """One statement on `raw`, with the results aiosqlite's cursor would give."""
    text, shape = translate(sql)
    args = _arguments(params, shape)
    head = text.lstrip()[:8].upper()
    try:
        if head.startswith(_ROWS_FIRST):
            rows = _first_names(await raw.fetch(text, *args))
            return Cursor(rows, -1, None)
        if head.startswith("INSERT") and not _RETURNING.search(text):
            match = _INSERT.match(text)
            if match and await catalog.has_id(raw, match.group(1)):
                rows = await raw.fetch(text.rstrip().rstrip(";") + " RETURNING id", *args)
                return Cursor([], len(rows), rows[-1][0] if rows else None)
        if _RETURNING.search(text):
            rows = _first_names(await raw.fetch(text, *args))
            return Cursor(rows, len(rows), None)
        if head.startswith(("CREATE", "ALTER", "DROP")):
            catalog.forget()
        status = await raw.execute(text, *args)
    except asyncpg.PostgresError as error:
        raise translated(error) from error
    last = status.rsplit(" ", 1)[-1]
    return Cursor([], int(last) if last.isdigit() else -1, None)


async def run_many(raw: asyncpg.Connection, sql: str, seq) -> Cursor:
    text, shape = translate(sql)
    arguments = [_arguments(params, shape) for params in seq]
    if not arguments:  # asyncpg would still wait for a round trip to run it on nothing
        return Cursor([], -1, None)
    try:
        await raw.executemany(text, arguments)
    except asyncpg.PostgresError as error:
        raise translated(error) from error
    return Cursor([], -1, None)


class PgConnection:
    """One asyncpg connection (inside a transaction, a batch, or `alone`) as the store sees it."""

    dialect = "postgresql"

    def __init__(self, raw: asyncpg.Connection, catalog: Catalog):
        self.raw = raw
        self._catalog = catalog

    @property
    def in_transaction(self) -> bool:
        return self.raw.is_in_transaction()

    def execute(self, sql: str, params=()) -> _Pending:
        return _Pending(lambda: run(self.raw, self._catalog, sql, params))

    async def execute_fetchall(self, sql: str, params=()) -> list:
        return (await run(self.raw, self._catalog, sql, params))._rows

    async def executemany(self, sql: str, seq) -> Cursor:
        return await run_many(self.raw, sql, seq)

    async def executescript(self, sql: str) -> None:
        try:
            await self.raw.execute(sql)
        except asyncpg.PostgresError as error:
            raise translated(error) from error


class PgReader:
    """Reads outside a transaction: each statement on a pooled connection of its own (autocommit)."""

    dialect = "postgresql"
    in_transaction = False

    def __init__(self, pool: asyncpg.Pool, catalog: Catalog):
        self._pool = pool
        self._catalog = catalog

    async def _run(self, sql: str, params) -> Cursor:
        async with self._pool.acquire() as raw:
            return await run(raw, self._catalog, sql, params)

    def execute(self, sql: str, params=()) -> _Pending:
        return _Pending(lambda: self._run(sql, params))

    async def execute_fetchall(self, sql: str, params=()) -> list:
        return (await self._run(sql, params))._rows

    async def executemany(self, sql: str, seq) -> Cursor:
        async with self._pool.acquire() as raw:
            return await run_many(raw, sql, seq)
