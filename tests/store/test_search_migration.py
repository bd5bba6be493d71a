"""Migration 0032 indexes what is there already (SQLite's FTS5 table; PostgreSQL's generated
columns are computed by ADD COLUMN itself), and its triggers keep the index true."""

from __future__ import annotations

import importlib
import sqlite3

import aiosqlite
import pytest

from wecreate_fed import store
from wecreate_fed.store import fetch_all

runner = importlib.import_module("wecreate_fed.store.migrate")  # the package's `migrate` is the function

NOW = "2026-01-01T00:00:00.000000Z"


@pytest.mark.sqlite_only  # the FTS5 table and its triggers; PostgreSQL's generated columns need neither
async def test_rows_from_before_the_migration_are_found(tmp_path, monkeypatch):
    conn = await aiosqlite.connect(tmp_path / "old.db")
    conn.row_factory = sqlite3.Row
    every = runner.migrations("sqlite")
    monkeypatch.setattr(runner, "migrations", lambda dialect="sqlite": [m for m in every if m[0] < 32])
    await store.migrate(conn)
    await conn.executescript(f"""
        INSERT INTO actors (id, ap_id, domain, type, name, summary, inbox_url, created_at)
        VALUES (1, 'https://a.example/users/anna', 'a.example', 'Person', 'Anna Gärtner', '<p>Imkerin</p>',
                'https://a.example/inbox', '{NOW}'),
               (2, 'https://a.example/boxes/bienen', 'a.example', 'Group', 'Bienenfreunde', '',
                'https://a.example/inbox', '{NOW}');
        INSERT INTO ideas (id, ap_id, author_id, kind, title, summary, status, published, created_at)
        VALUES (1, 'https://a.example/ideas/1', 1, 'idea', 'Blühwiesen am Auwald', 'Für Bienen', 'proposed',
                '{NOW}', '{NOW}'),
               (2, 'https://a.example/ideas/2', 1, 'idea', 'Gelöschte Blühwiese', '', 'proposed', '{NOW}', '{NOW}');
        UPDATE ideas SET deleted_at = '{NOW}' WHERE id = 2;
        INSERT INTO events (id, ap_id, organizer_id, title, starts_at, ends_at, timezone, published, created_at)
        VALUES (1, 'https://a.example/events/1', 1, 'Honigfest', '{NOW}', '{NOW}', 'Europe/Berlin', '{NOW}', '{NOW}');
        INSERT INTO boxes (actor_id, visibility, purpose, created_at) VALUES (2, 'open', 'Nisthilfen bauen', '{NOW}');
    """)
    await conn.commit()
    monkeypatch.undo()
    assert (await store.migrate(conn))[0] == "0032_search.sql"  # and the migrations after it

    async def rowids(query: str) -> set[int]:
        rows = await fetch_all(conn, "SELECT rowid FROM search_index WHERE search_index MATCH ?", (query,))
        return {r[0] for r in rows}

    assert await rowids('"bluhwiese"*') == {1 * 4}           # the deleted idea is not indexed
    assert await rowids('"honig"*') == {1 * 4 + 1}
    assert await rowids('"nisthilfen"* "bienenfreunde"*') == {2 * 4 + 2}
    assert await rowids('"gartner"*') == {1 * 4 + 3}
    # the triggers from now on: a new name replaces the old one, a deletion empties the row
    await conn.execute("UPDATE actors SET name = 'Anna Imker' WHERE id = 1")
    await conn.execute("UPDATE actors SET name = 'Wildbienen' WHERE id = 2")
    await conn.execute("DELETE FROM events WHERE id = 1")
    await conn.commit()
    assert await rowids('"gartner"*') == set() and await rowids('"imker"*') == {1 * 4 + 3}
    assert await rowids('"wildbienen"*') == {2 * 4 + 2} and await rowids('"bienenfreunde"*') == set()
    assert await rowids('"honig"*') == set()
    await conn.close()
