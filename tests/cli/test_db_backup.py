"""`wecreate-fed db backup FILE`: SQLite's online backup, taken while another process writes; on
PostgreSQL it refuses, pointing to pg_dump."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from tests import pg_databases
from tests.cli.test_cli import assert_one_line_error, run_cli, write_config
from tests.cli.test_db_cli import fill
from wecreate_fed import config as config_module
from wecreate_fed.store import Database, iso


@pytest.mark.sqlite_only  # SQLite's online backup API and the file it writes
@pytest.mark.timeout(300)  # three CLI runs, each a fresh interpreter
async def test_a_backup_taken_while_the_database_is_written_is_whole_and_refuses_an_existing_file(tmp_path):
    config_path = write_config(tmp_path / "etc")
    config = config_module.load(config_path)
    assert (await run_cli("init", "--config", str(config_path)))[0] == 0
    await fill(config, old=0, recent=5_000)
    target = tmp_path / "backups" / "leipzig.sqlite3"
    target.parent.mkdir()

    db = await Database(config.database_path).open()
    written = 0
    stop = asyncio.Event()

    async def writer() -> None:   # the running server, meanwhile
        nonlocal written
        while not stop.is_set():
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO settings (key, value, created_at) VALUES (?, 'x', ?)",
                                   (f"probe.{written}", iso()))
            written += 1
            await asyncio.sleep(0.005)
    task = asyncio.create_task(writer())
    try:
        code, out, err = await run_cli("db", "backup", str(target), "--config", str(config_path))
    finally:
        stop.set()
        await task
        await db.close()
    assert code == 0, err
    assert f"backed up {config.database_path} to {target}" in out and "media/" in out
    assert written > 0
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"   # one file, no WAL beside it
        assert copy.execute("SELECT count(*) FROM incoming").fetchone()[0] == 5_000
        probes = copy.execute("SELECT count(*) FROM settings WHERE key LIKE 'probe.%'").fetchone()[0]
        migrations = copy.execute("SELECT count(*) FROM schema_migrations").fetchone()[0]
    assert probes <= written and migrations > 30
    assert not (target.parent / "leipzig.sqlite3.partial").exists()

    # The copy is a database the server opens as it is.
    restored = await Database(target).open()
    await restored.close()

    before = target.stat().st_mtime_ns
    line = assert_one_line_error(*await run_cli("db", "backup", str(target), "--config", str(config_path)))
    assert line == f"wecreate-fed: {target} exists already: db backup writes a new file"
    assert target.stat().st_mtime_ns == before


@pytest.mark.skipif(not pg_databases.enabled(), reason="the PostgreSQL run's (WECREATE_TEST_DATABASE)")
async def test_a_backup_of_a_postgresql_database_is_refused_in_one_line(tmp_path):
    config_path = write_config(tmp_path / "etc")
    assert (await run_cli("init", "--config", str(config_path)))[0] == 0
    target = tmp_path / "leipzig.sqlite3"
    line = assert_one_line_error(*await run_cli("db", "backup", str(target), "--config", str(config_path)))
    assert line == 'wecreate-fed: the database is PostgreSQL: back it up with pg_dump (README, "Backups")'
    assert not target.exists() and not (tmp_path / "leipzig.sqlite3.partial").exists()
