"""The migrations make the same schema on SQLite and on PostgreSQL.

A fresh SQLite file migrated by the store and a fresh PostgreSQL database migrated with the same
numbered files (store/migrations/postgresql/NNNN_name.sql in place of NNNN_name.sql where it
exists) must have the same tables, columns (in order, with their types, nullability and defaults),
primary keys, unique keys, foreign keys, checks, indexes (by columns, uniqueness and condition) and
triggers. `db copy` and every store query rely on that.
"""

from __future__ import annotations

import os
import re
import sqlite3
from importlib import resources

import asyncpg
import pytest

from wecreate_fed.store import Database, marketplace, open_database

PG_URL = os.environ.get("WECREATE_TEST_DATABASE", "")
needs_pg = pytest.mark.skipif(
    not PG_URL.startswith("postgresql"),
    reason="WECREATE_TEST_DATABASE is unset: set it to postgresql://… to compare the schema with PostgreSQL",
)

MIGRATIONS = resources.files("wecreate_fed.store") / "migrations"
# SQLite's declared type -> PostgreSQL's (INTEGER is BIGINT there: times in ms and sizes exceed 2^31).
TYPES = {"INTEGER": "bigint", "TEXT": "text", "REAL": "double precision", "BLOB": "bytea"}
# Made by the migration runner, not by a migration file.
RUNNER_TABLES = {"schema_migrations"}
# Search (0032) is each engine's own: SQLite's FTS5 table (and its shadow tables) with its triggers,
# PostgreSQL's generated tsvector columns with their GIN indexes; tests/civic/test_search.py covers both.
SEARCH_PREFIX, SEARCH_COLUMN, SEARCH_INDEX_SUFFIX = "search_", "search_doc", "_search"
# PostgreSQL's own for a search beside a filter (0037): an idea's districts and topics as arrays
# beside its tsvector, their GIN index and the triggers that keep them equal to idea_districts and
# idea_topics; tests/civic/test_search.py and tests/store/test_marketplace_paths.py cover them.
PG_ONLY_COLUMNS = {("ideas", "districts"), ("ideas", "topics")}
PG_ONLY_INDEXES = {"ideas_listed_filters"}
PG_ONLY_TRIGGERS = {"ideas_districts_added", "ideas_districts_removed", "ideas_topics_added", "ideas_topics_removed"}


def test_every_postgresql_file_replaces_a_migration():
    """A file in postgresql/ that matches no migration (a typo in its name) would never be applied."""
    shared = {entry.name for entry in MIGRATIONS.iterdir() if entry.name.endswith(".sql")}
    own = {entry.name for entry in (MIGRATIONS / "postgresql").iterdir() if entry.name.endswith(".sql")}
    assert own, "no PostgreSQL migrations found"
    assert own <= shared, f"PostgreSQL migrations without a migration of that number and name: {own - shared}"


def _norm(text: str | None) -> str | None:
    """An SQL fragment (default, index condition, index column) in one spelling for both dialects."""
    if text is None:
        return None
    text = re.sub(r"::[a-z ]+", "", text.lower())  # PostgreSQL's casts: ''::text, 0::bigint
    text = re.sub(r"[()\s\"]", "", text)  # PostgreSQL adds parentheses around conditions, quotes to names
    return text.replace("public.", "")


def _split_columns(sql: str) -> list[str]:
    """The indexed columns or expressions of a CREATE INDEX statement."""
    start = sql.index("(", sql.upper().index(" ON "))
    depth, part, parts = 0, "", []
    for char in sql[start + 1:]:
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                break
            depth -= 1
        if char == "," and depth == 0:
            parts.append(part)
            part = ""
        else:
            part += char
    return [*parts, part]


def sqlite_schema(path) -> dict:
    db = sqlite3.connect(path)
    schema = {}
    tables = [row[0] for row in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    for table in tables:
        if table in RUNNER_TABLES or table.startswith(SEARCH_PREFIX):
            continue
        info = db.execute(f"PRAGMA table_info({table})").fetchall()
        columns = [(name, TYPES[decl.upper()], bool(notnull or pk), _norm(default) if default is not None else None)
                   for _cid, name, decl, notnull, default, pk in info]
        primary = tuple(name for *_, pk, name in sorted((pk, name) for _c, name, _d, _n, _df, pk in info if pk))
        uniques, indexes = set(), {}
        for _seq, name, unique, origin, partial in db.execute(f"PRAGMA index_list({table})"):
            if origin == "pk":  # compared as the primary key
                continue
            cols = [row[2] for row in db.execute(f"PRAGMA index_xinfo({name})") if row[5]]
            sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0] or ""
            if None in cols:  # an expression: read it from the statement
                cols = _split_columns(sql)
            cols = tuple(_norm(col) for col in cols)
            if origin == "u":
                uniques.add(cols)
            elif origin == "c":
                where = _norm(sql[sql.upper().index(" WHERE ") + 7:]) if partial else None
                indexes[name] = (cols, bool(unique), where)
        foreign = {(tuple([row[3]]), row[2], tuple([row[4] or "id"]), row[6].upper())
                   for row in db.execute(f"PRAGMA foreign_key_list({table})")}
        table_sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        schema[table] = {"columns": columns, "primary": primary, "unique": uniques, "indexes": indexes,
                         "foreign": foreign, "checks": len(re.findall(r"\bCHECK\s*\(", table_sql, re.I))}
    triggers = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                if not row[0].startswith(SEARCH_PREFIX)}
    db.close()
    return {"tables": schema, "triggers": triggers}


PG_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


async def pg_schema(conn) -> dict:
    schema = {}
    tables = [row["table_name"] for row in await conn.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
        "AND table_type = 'BASE TABLE' ORDER BY table_name")]
    for table in tables:
        if table in RUNNER_TABLES:
            continue
        columns = []
        for row in await conn.fetch(
                "SELECT column_name, data_type, is_nullable, column_default, is_identity "
                "FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 "
                "ORDER BY ordinal_position", table):
            if row["column_name"] == SEARCH_COLUMN or (table, row["column_name"]) in PG_ONLY_COLUMNS:
                continue
            columns.append((row["column_name"], row["data_type"], row["is_nullable"] == "NO",
                            _norm(row["column_default"])))
        constraint_indexes = set()
        primary, uniques, foreign, checks = (), set(), set(), 0
        for row in await conn.fetch(
                "SELECT c.contype::text AS contype, c.conindid, c.confdeltype::text AS confdeltype, f.relname AS target, "
                "ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i) "
                "      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS cols, "
                "ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i) "
                "      JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) AS fcols "
                "FROM pg_constraint c LEFT JOIN pg_class f ON f.oid = c.confrelid "
                "WHERE c.conrelid = $1::regclass", table):
            cols = tuple(row["cols"])
            if row["contype"] == "p":
                primary = cols
                constraint_indexes.add(row["conindid"])
            elif row["contype"] == "u":
                uniques.add(cols)
                constraint_indexes.add(row["conindid"])
            elif row["contype"] == "f":
                foreign.add((cols, row["target"], tuple(row["fcols"]), PG_ACTIONS[row["confdeltype"]]))
            elif row["contype"] == "c":
                checks += 1
        indexes = {}
        for row in await conn.fetch(
                "SELECT i.indexrelid, c.relname, i.indisunique, i.indnatts, pg_get_expr(i.indpred, i.indrelid) AS pred "
                "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::regclass", table):
            if (row["indexrelid"] in constraint_indexes or row["relname"].endswith(SEARCH_INDEX_SUFFIX)
                    or row["relname"] in PG_ONLY_INDEXES):
                continue
            cols = tuple([_norm(await conn.fetchval("SELECT pg_get_indexdef($1, $2, true)", row["indexrelid"], k))
                          for k in range(1, row["indnatts"] + 1)])
            indexes[row["relname"]] = (cols, row["indisunique"], _norm(row["pred"]))
        schema[table] = {"columns": columns, "primary": primary, "unique": uniques, "indexes": indexes,
                         "foreign": foreign, "checks": checks}
    triggers = {row["tgname"] for row in await conn.fetch(
        "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")}
    # A TRUNCATE has no SQLite counterpart; the audit log refuses it too on PostgreSQL.
    return {"tables": schema, "triggers": triggers - {"audit_log_no_truncate"} - PG_ONLY_TRIGGERS}


@pytest.fixture
async def pg(database_url):
    """A fresh PostgreSQL database migrated by the store's runner (tests/conftest.py), as a raw connection."""
    conn = await asyncpg.connect(database_url)
    yield conn
    await conn.close()


@pytest.fixture
async def sqlite_path(tmp_path):
    path = tmp_path / "parity.db"
    await (await Database(path).open()).close()
    return path


@needs_pg
async def test_same_schema_on_both(pg, sqlite_path):
    lite, post = sqlite_schema(sqlite_path), await pg_schema(pg)
    assert sorted(post["tables"]) == sorted(lite["tables"])
    for table, want in lite["tables"].items():
        got = post["tables"][table]
        for part in ("columns", "primary", "unique", "indexes", "foreign", "checks"):
            assert got[part] == want[part], f"{table}: {part} differ"
    assert post["triggers"] == lite["triggers"]


@needs_pg
async def test_row_ids_are_identity_columns_that_take_explicit_values(pg):
    """The store inserts without an id; `db copy` inserts the SQLite ids and moves the sequence after."""
    now = "2026-01-01T00:00:00.000000Z"
    await pg.execute("INSERT INTO settings (key, value, created_at) VALUES ('k', 'v', $1)", now)
    await pg.execute("INSERT INTO login_failures (id, scope, key, at) VALUES (41, 'ip', 'x', $1)", now)
    await pg.execute("SELECT setval(pg_get_serial_sequence('login_failures', 'id'), 41)")
    new = await pg.fetchval("INSERT INTO login_failures (scope, key, at) VALUES ('ip', 'y', $1) RETURNING id", now)
    assert new == 42
    # Sizes and times in ms pass 2^31.
    await pg.execute("INSERT INTO instances (host, users, first_seen) VALUES ('big.example', $1, $2)", 2**40, now)
    assert await pg.fetchval("SELECT users FROM instances") == 2**40


@needs_pg
async def test_the_audit_log_refuses_changes(pg):
    await pg.execute("INSERT INTO audit_log (at, by_name, action) VALUES ('2026-01-01', 'cli', 'role.set')")
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await pg.execute(statement)
    assert await pg.fetchval("SELECT count(*) FROM audit_log") == 1


@needs_pg
async def test_figures_version_moves_with_the_figures(pg):
    now = "2026-01-01T00:00:00.000000Z"

    async def version():   # as store.marketplace.figures_version reads it on PostgreSQL
        return await pg.fetchval("SELECT version + (SELECT count(*) FROM figures_changes) FROM figures_version")

    before = await version()
    await pg.execute("INSERT INTO actors (ap_id, domain, type, inbox_url, created_at) "
                     "VALUES ('https://a.example/u/a', 'a.example', 'Person', 'https://a.example/inbox', $1)", now)
    assert await version() == before  # a new actor alone changes no figure
    await pg.execute("UPDATE actors SET name = 'A'")
    assert await version() == before
    await pg.execute("UPDATE actors SET deleted_at = $1", now)
    assert await version() == before + 1
    await pg.execute("INSERT INTO reactions (kind, actor_id, object_ap_id, activity_ap_id, created_at) "
                     "SELECT 'Like', id, 'https://x.example/o/' || n, 'https://a.example/l/' || n, $1 "
                     "FROM actors, generate_series(1, 3) n", now)
    assert await version() == before + 2  # once per transaction, however many rows it changed
    await pg.execute("INSERT INTO reactions (kind, actor_id, object_ap_id, activity_ap_id, created_at) "
                     "SELECT 'Like', id, 'https://x.example/o/1', 'https://a.example/l/1', $1 FROM actors "
                     "ON CONFLICT DO NOTHING", now)
    assert await version() == before + 2  # nothing inserted, nothing bumped


@needs_pg
async def test_two_writers_of_figures_do_not_wait_for_each_other(pg, database_url):
    """0022's triggers updated one counter row, held to the commit: a second transaction changing
    another idea's supports waited for the first. With 0034 neither waits, both move the version,
    and folding the rows into the counter keeps it."""
    now = "2026-01-01T00:00:00.000000Z"
    await pg.execute("INSERT INTO actors (ap_id, domain, type, inbox_url, created_at) "
                     "VALUES ('https://a.example/u/a', 'a.example', 'Person', 'https://a.example/inbox', $1)", now)
    like = ("INSERT INTO reactions (kind, actor_id, object_ap_id, activity_ap_id, created_at) "
            "SELECT 'Like', id, $1, $2, $3 FROM actors")
    db = await open_database(database_url)
    try:
        before = await marketplace.figures_version(db.reader)
        other = await asyncpg.connect(database_url)
        try:
            async with pg.transaction():
                await pg.execute(like, "https://x.example/o/1", "https://a.example/l/1", now)
                await other.execute("SET lock_timeout = '2s'")
                async with other.transaction():   # would raise LockNotAvailableError behind the first
                    await other.execute(like, "https://x.example/o/2", "https://a.example/l/2", now)
        finally:
            await other.close()
        assert await marketplace.figures_version(db.reader) == before + 2
        async with db.transaction() as conn:
            assert await marketplace.fold_figures_changes(conn) >= 2
        assert await pg.fetchval("SELECT count(*) FROM figures_changes") == 0
        assert await marketplace.figures_version(db.reader) == before + 2
    finally:
        await db.close()
