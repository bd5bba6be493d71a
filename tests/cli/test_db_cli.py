"""`wecreate-fed db prune` and `db vacuum` as an operator runs them: what they print and what they do."""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta

from tests import pg_databases
from tests.cli.test_cli import run_cli, write_config
from wecreate_fed import config as config_module
from wecreate_fed import store
from wecreate_fed.store import bulk, iso, utcnow


async def fill(config, *, old: int, recent: int) -> None:
    """Handled incoming rows and finished deliveries: `old` ten days old, `recent` from now."""
    db = await store.open_database(config.database_url)
    try:
        actor_id = await store.fetch_value(db.reader, "SELECT id FROM actors WHERE is_local = 1")
        async with db.transaction() as conn:
            for tag, n, at in (("old", old, iso(utcnow() - timedelta(days=10))), ("new", recent, iso())):
                await bulk.add_processed_traffic(
                    conn, actor_id=actor_id, signer_ap_id="https://social.example/users/x", body='{"type": "Create"}',
                    at=at, inbox_urls=[f"https://h{i}.example/inbox" for i in range(100)],
                    incoming_ap_ids=[f"https://social.example/{tag}/{i}" for i in range(n)],
                    activity_ap_ids=[f"{config.base_url}/{tag}/{i}" for i in range(n // 100)])
    finally:
        await db.close()


async def counts(config) -> dict[str, int]:
    db = await store.open_database(config.database_url)
    try:
        return {t: await store.fetch_value(db.reader, f"SELECT count(*) FROM {t}")
                for t in ("incoming", "deliveries", "seen_activities", "activities")}
    finally:
        await db.close()


async def test_prune_prints_its_progress_and_vacuum_gives_the_space_back(tmp_path):
    config_path = write_config(tmp_path / "etc")
    config = config_module.load(config_path)
    on_sqlite = not pg_databases.enabled()
    if on_sqlite:
        config.database_path.parent.mkdir(parents=True)
        with sqlite3.connect(config.database_path) as legacy:  # a database from before auto_vacuum was set
            legacy.execute("PRAGMA user_version = 0")
            legacy.execute("CREATE TABLE legacy_probe (x)")
            legacy.execute("DROP TABLE legacy_probe")
    assert (await run_cli("init", "--config", str(config_path)))[0] == 0
    await fill(config, old=3000, recent=1000)
    before = await counts(config)

    code, out, err = await run_cli("db", "prune", "--dry-run", "--config", str(config_path))
    assert code == 0, err
    assert "incoming: 3,000 rows would be deleted" in out and "deliveries: 3,000 rows would be deleted" in out
    assert await counts(config) == before

    code, out, err = await run_cli("db", "prune", "--config", str(config_path))
    assert code == 0, err
    assert re.search(r"incoming: 3,000 rows deleted in \d+ batches, [\d.]+ s \([\d,]+ rows/s\)", out), out
    assert re.search(r"deliveries: 3,000 rows deleted in \d+ batches", out), out
    if on_sqlite:
        assert re.search(r"^before: [\d,.]+ MB in the database .* auto_vacuum none$", out, re.M), out
        assert re.search(r"^after: [\d,.]+ MB in the database \([\d,.]+ MB of it free pages\)", out, re.M), out
        assert "wecreate-fed db vacuum" in err  # the free pages stay until then
    else:  # no file of its own, nothing to give back by hand
        for label in ("before", "after"):
            assert re.search(rf"^{label}: [\d,.]+ MB in the database \(PostgreSQL reuses freed space itself\)$",
                             out, re.M), out
        assert "auto_vacuum" not in out and "db vacuum" not in err
    assert "incoming 1,000 (was 4,000)" in out
    assert await counts(config) == {"incoming": 1000, "deliveries": 1000, "seen_activities": 3000,
                                    "activities": before["activities"]}

    size = config.database_path.stat().st_size if on_sqlite else 0
    code, out, err = await run_cli("db", "vacuum", "--config", str(config_path))
    assert code == 0, err
    if on_sqlite:
        assert re.search(r"^before: .* auto_vacuum none$", out, re.M) and re.search(
            r"^after: .* auto_vacuum incremental$", out, re.M), out
        assert config.database_path.stat().st_size < size
    else:
        assert "VACUUM (ANALYZE)" in out and "free disk space" not in out
    assert re.search(r"vacuumed in [\d.]+ s: [\d,.]+ MB -> [\d,.]+ MB", out), out
    assert (await counts(config))["incoming"] == 1000


async def test_db_commands_have_help_and_need_an_action():
    for command in (["db"], ["db", "prune"], ["db", "vacuum"]):
        code, out, _ = await run_cli(*command, "--help")
        assert code == 0 and out.startswith("usage: wecreate-fed " + " ".join(command))
    code, _, err = await run_cli("db")
    assert code == 2 and "required" in err
