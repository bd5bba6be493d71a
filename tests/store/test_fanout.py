"""A fan-out to followers in bounded transactions (store/fanout.py), on the backend of this run: the
change's transaction queues one chunk, the delivery worker the rest a chunk per transaction, every
inbox exactly once, resumable at any point (a step cancelled at any await loses and repeats nothing)."""

from __future__ import annotations

import asyncio
import importlib

import aiosqlite
import asyncpg

from outbox import delivery
from tests import pg_databases
from tests.civic.test_cancellation import run_cancelled
from tests.conftest import eventually
from wecreate_fed.civic import ideas
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import fanout, social

runner = importlib.import_module("wecreate_fed.store.migrate")  # the package's `migrate` is the function

FOLLOWERS = 23
CHUNK = 5
IDEA = {"title": "Mehr Bänke am Markt", "summary": "Zum Ausruhen.", "districts": ["mitte"]}


async def _followers(instance, followee, count: int, peer_url: str) -> list[str]:
    """`count` remote followers of `followee`, each with an inbox of its own at `peer_url` (a real server)."""
    inboxes = []
    async with instance.rt.db.transaction() as conn:
        for n in range(count):
            ap_id = f"{peer_url}/users/f{n:03d}"
            follower = await actors_store.upsert_remote_actor(
                conn, document="{}", ap_id=ap_id, username=f"f{n:03d}", domain=peer_url.split("//")[1], type="Person",
                name=f"F {n}", summary="", inbox_url=f"{ap_id}/inbox", manually_approves=False, discoverable=True,
                key_id=f"{ap_id}#main-key", category="citizen")
            await social.add_follow(conn, follower.id, followee.id, f"{ap_id}/follows/1", accepted=True)
            inboxes.append(follower.inbox_url)
    return sorted(inboxes)


async def _deliveries(instance, activity_id: int) -> list[str]:
    rows = await instance.query("SELECT inbox_url FROM deliveries WHERE activity_id = ? ORDER BY inbox_url",
                                (activity_id,))
    return [r["inbox_url"] for r in rows]


async def _create_of(instance, actor) -> int:
    rows = await instance.query("SELECT id FROM activities WHERE type = 'Create' AND actor_id = ?", (actor.id,))
    assert len(rows) == 1
    return rows[0]["id"]


async def test_the_change_queues_one_chunk_and_each_step_one_more_each_inbox_once(make_instance, monkeypatch):
    monkeypatch.setattr(fanout, "CHUNK", CHUNK)
    leipzig = await make_instance("leipzig", run_workers=False)
    meissen = await make_instance("meissen")
    anna = await leipzig.create_user("anna")
    inboxes = await _followers(leipzig, anna, FOLLOWERS, meissen.base_url)
    await ideas.publish(leipzig.rt, anna, IDEA)
    create = await _create_of(leipzig, anna)
    assert await _deliveries(leipzig, create) == inboxes[:CHUNK]  # the change's transaction: one chunk
    assert await fanout.pending(leipzig.rt.db.reader) == [create]

    # Steps cancelled at every await in turn: each leaves whole chunks (never a part, never one twice).
    async def one_step():
        async with leipzig.rt.db.transaction() as conn:
            return await fanout.step(conn, create)
    steps = 0
    while await fanout.pending(leipzig.rt.db.reader):
        await run_cancelled(one_step, steps)
        queued = await _deliveries(leipzig, create)
        assert queued == inboxes[:len(queued)] and (len(queued) % CHUNK == 0 or len(queued) == FOLLOWERS), steps
        assert not await leipzig.writer_in_transaction()
        steps += 1
        assert steps < 200, "the fan-out never completed"
    assert await _deliveries(leipzig, create) == inboxes
    async with leipzig.rt.db.transaction() as conn:  # done: a step more changes nothing
        assert await fanout.step(conn, create) == 0
    assert await _deliveries(leipzig, create) == inboxes


async def test_the_delivery_workers_finish_a_fan_out_together_each_inbox_once(make_instance, monkeypatch):
    monkeypatch.setattr(fanout, "CHUNK", CHUNK)
    leipzig = await make_instance("leipzig", run_workers=False)
    meissen = await make_instance("meissen")
    anna = await leipzig.create_user("anna")
    inboxes = await _followers(leipzig, anna, FOLLOWERS, meissen.base_url)
    await ideas.publish(leipzig.rt, anna, IDEA)
    create = await _create_of(leipzig, anna)
    # Several rounds at once (the workers of several processes on one database) step it side by side.
    while await fanout.pending(leipzig.rt.db.reader):
        await asyncio.gather(*(delivery.continue_fanouts(leipzig.rt) for _ in range(3)))
    assert await _deliveries(leipzig, create) == inboxes


async def test_a_running_instance_delivers_to_every_follower_beyond_the_first_chunk(make_instance, monkeypatch):
    monkeypatch.setattr(fanout, "CHUNK", CHUNK)
    leipzig = await make_instance("leipzig")
    meissen = await make_instance("meissen")
    anna = await leipzig.create_user("anna")
    inboxes = await _followers(leipzig, anna, FOLLOWERS, meissen.base_url)
    await ideas.publish(leipzig.rt, anna, IDEA)
    create = await _create_of(leipzig, anna)

    async def attempted():  # each inbox answered once (meissen knows none of these people: 404, gone)
        rows = await leipzig.query("SELECT inbox_url, state FROM deliveries WHERE activity_id = ? "
                                   "AND state != 'pending' ORDER BY inbox_url", (create,))
        return rows if len(rows) == FOLLOWERS else None
    rows = await eventually(attempted, timeout=60, message="every follower's inbox attempted")
    assert [r["inbox_url"] for r in rows] == inboxes
    assert await fanout.pending(leipzig.rt.db.reader) == []


async def test_migration_0035_moves_the_cursors_of_fanouts_under_way_out_of_settings(tmp_path, monkeypatch):
    """Fan-outs under way when the instance is upgraded go on where they were; the cursor of an
    activity purged meanwhile goes, and no `fanout.` row stays among the settings."""
    rows = [
        "INSERT INTO actors (id, ap_id, domain, type, inbox_url, created_at) VALUES "
        "(1, 'https://a.example/users/anna', 'a.example', 'Person', 'https://a.example/inbox', '2026-01-01')",
        "INSERT INTO activities (id, ap_id, actor_id, type, data, created_at) VALUES "
        "(7, 'https://a.example/activities/7', 1, 'Create', '{}', '2026-01-01')",
        "INSERT INTO settings (key, value, created_at) VALUES "
        "('fanout.7', 'https://f.example/users/f099/inbox', '2026-01-02'), "
        "('fanout.8', 'https://f.example/users/f001/inbox', '2026-01-02'), "
        "('instance.name', 'Leipzig', '2026-01-01')",
    ]
    every = {dialect: runner.migrations(dialect) for dialect in ("sqlite", "postgresql")}
    before = lambda dialect="sqlite": [m for m in every[dialect] if m[0] < 35]  # noqa: E731
    if pg_databases.enabled():
        url = await pg_databases.empty()
        raw = await asyncpg.connect(url)
        try:
            monkeypatch.setattr(runner, "migrations", before)
            await runner.migrate_postgres(raw)
            for statement in rows:
                await raw.execute(statement)
            monkeypatch.setattr(runner, "migrations", lambda dialect="sqlite": every[dialect])
            await runner.migrate_postgres(raw)
            fanouts = [tuple(r) for r in await raw.fetch("SELECT activity_id, after_inbox FROM fanouts")]
            left = [r["key"] for r in await raw.fetch("SELECT key FROM settings ORDER BY key")]
        finally:
            await raw.close()
            await pg_databases.drop([url])
    else:
        conn = await aiosqlite.connect(tmp_path / "old.db")
        try:
            monkeypatch.setattr(runner, "migrations", before)
            await runner.migrate(conn)
            for statement in rows:
                await conn.execute(statement)
            await conn.commit()
            monkeypatch.setattr(runner, "migrations", lambda dialect="sqlite": every[dialect])
            await runner.migrate(conn)
            fanouts = list(await conn.execute_fetchall("SELECT activity_id, after_inbox FROM fanouts"))
            left = [r[0] for r in await conn.execute_fetchall("SELECT key FROM settings ORDER BY key")]
        finally:
            await conn.close()
    assert fanouts == [(7, "https://f.example/users/f099/inbox")]
    assert left == ["instance.name"]
