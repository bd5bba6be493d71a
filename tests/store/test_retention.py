"""Retention on real instances: what is pruned, what is kept, and duplicates after pruning.

Rows are aged by moving the times retention looks at into the past (store.retention.move_clock_back),
as the fault benchmarks live through days of an outage in minutes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid

import pytest

from inbox import worker as inbox_worker
from outbox.delivery import DeliveryWorker
from tests.civic.test_events import EVENT
from tests.conftest import eventually, post_signed
from wecreate_fed import ld, retention
from wecreate_fed.civic import events, ideas
from wecreate_fed.store import Database, bulk, lookup
from wecreate_fed.store import retention as retention_store

DAY = 86_400.0


async def age(instance, days: float, tables=tuple(retention_store.RETENTION_CLOCKS)) -> None:
    async with instance.rt.db.transaction() as conn:
        await retention_store.move_clock_back(conn, days * DAY, tables)


async def prune(instance) -> dict[str, int]:
    steps = await retention.Pruner(instance.rt.db, instance.rt.config).run()
    return {step.table: step.rows for step in steps}


async def signed_to(instance, actor, activity: dict) -> int:
    status, body = await post_signed(instance.shared_inbox, activity, key_id=actor.key_id,
                                     private_key_pem=actor.private_key_pem)
    assert status in (202, 200), body
    return status


def like(actor, object_id: str) -> dict:
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{actor.ap_id}#likes/{uuid.uuid4()}",
            "type": "Like", "actor": actor.ap_id, "object": object_id}


async def count(instance, sql: str, expected: int) -> bool:
    return (await instance.query(sql))[0]["n"] == expected


async def ids(instance, sql: str, params=()) -> set:
    return {next(iter(row.values())) for row in await instance.query(sql, params)}


async def test_handled_rows_go_pending_and_recent_ones_stay_and_a_repeat_is_still_refused(make_instance):
    leipzig = await make_instance("leipzig", run_workers=False)
    meissen = await make_instance("meissen")
    alice = await leipzig.create_user("alice")
    bert = await meissen.create_user("bert")
    await meissen.post_outbox("bert", {"type": "Follow", "object": alice.ap_id})
    await eventually(lambda: leipzig.query("SELECT 1 FROM incoming"), message="the Follow at Leipzig")
    await inbox_worker.run_once(leipzig.rt)
    status, _ = await leipzig.post_outbox("alice", {"type": "Note", "content": "Hallo", "to": [ld.PUBLIC],
                                                    "cc": [alice.followers_url]})
    assert status == 201
    await DeliveryWorker(leipzig.rt).run_once()  # the Accept and the note: done
    note_id = (await leipzig.query("SELECT ap_id FROM objects"))[0]["ap_id"]
    first = like(bert, note_id)
    await signed_to(leipzig, bert, first)
    await inbox_worker.run_once(leipzig.rt)
    assert len(await leipzig.query("SELECT 1 FROM reactions")) == 1
    waiting = like(bert, f"{leipzig.base_url}/nothing/here")  # stays pending: no worker runs
    await signed_to(leipzig, bert, waiting)
    await leipzig.post_outbox("alice", {"type": "Note", "content": "Noch eins", "to": [ld.PUBLIC],
                                        "cc": [alice.followers_url]})  # its delivery stays pending
    states = {r["state"]: r["n"] for r in await leipzig.query("SELECT state, count(*) AS n FROM deliveries GROUP BY state")}
    assert states == {"done": 2, "pending": 1}
    activities_before = await ids(leipzig, "SELECT ap_id FROM activities")
    await age(leipzig, 8)

    assert await prune(leipzig) == {"incoming": 2, "deliveries": 2, "seen_activities": 0, "undone_activities": 0,
                                    "join_leave_times": 0, "box_removals": 0, "ideas": 0, "events": 0, "objects": 0}
    assert await ids(leipzig, "SELECT activity_ap_id FROM incoming") == {waiting["id"]}
    assert await ids(leipzig, "SELECT state FROM deliveries") == {"pending"}
    assert await ids(leipzig, "SELECT ap_id FROM activities") == activities_before  # the outbox is kept
    assert len(await leipzig.query("SELECT 1 FROM seen_activities")) == 2

    # The same Like again (a retry, a relay): accepted, not stored, not handled a second time.
    await signed_to(leipzig, bert, first)
    assert await ids(leipzig, "SELECT activity_ap_id FROM incoming") == {waiting["id"]}

    # Handled now, but due since eight days (retention counts from when a row was last due): it goes
    # at once, its id kept like the others. A row handled recently stays.
    await inbox_worker.run_once(leipzig.rt)
    recent = like(bert, f"{leipzig.base_url}/nothing/there")
    await signed_to(leipzig, bert, recent)
    await inbox_worker.run_once(leipzig.rt)
    assert (await prune(leipzig))["incoming"] == 1
    assert await ids(leipzig, "SELECT activity_ap_id FROM incoming") == {recent["id"]}

    # Past seen_days the id is forgotten: the repeat is stored again, and handled without a second reaction.
    await age(leipzig, 31, ("seen_activities",))
    assert (await prune(leipzig))["seen_activities"] == 3
    await signed_to(leipzig, bert, first)
    assert first["id"] in await ids(leipzig, "SELECT activity_ap_id FROM incoming")
    await inbox_worker.run_once(leipzig.rt)
    assert len(await leipzig.query("SELECT 1 FROM reactions")) == 1


async def test_undone_ids_last_joins_or_leaves_and_box_removals_are_kept_as_long_as_seen_ids(make_instance):
    leipzig = await make_instance("leipzig", run_workers=False)
    meissen = await make_instance("meissen")
    bert = await meissen.create_user("bert")
    undone = like(bert, f"{leipzig.base_url}/nothing/here")
    kept = ("undone_activities", "join_leave_times", "box_removals")
    await signed_to(leipzig, bert, {"@context": "https://www.w3.org/ns/activitystreams", "type": "Undo",
                                    "id": f"{bert.ap_id}#undo/{uuid.uuid4()}", "actor": bert.ap_id, "object": undone})
    await signed_to(leipzig, bert, {"@context": "https://www.w3.org/ns/activitystreams", "type": "Leave",
                                    "id": f"{bert.ap_id}#leave/{uuid.uuid4()}", "actor": bert.ap_id,
                                    "object": f"{leipzig.base_url}/nothing/here", "published": "2026-12-04T10:00:00Z"})
    await inbox_worker.run_once(leipzig.rt)
    async with leipzig.rt.db.transaction() as conn:  # as a box's Remove leaves it (tests/federation/test_late_answers.py)
        await lookup.mark_removed_from_box(conn, f"{bert.ap_id}/posts/1", f"{meissen.base_url}/boxes/altstadt")
    assert await ids(leipzig, "SELECT ap_id FROM undone_activities") == {undone["id"]}
    assert await ids(leipzig, "SELECT actor_ap_id FROM join_leave_times") == {bert.ap_id}
    await age(leipzig, 29, kept)
    assert {table: rows for table, rows in (await prune(leipzig)).items() if table in kept} == dict.fromkeys(kept, 0)
    assert await retention.Pruner(leipzig.rt.db, leipzig.rt.config).dry_run() == {
        "incoming": 0, "deliveries": 0, "seen_activities": 0, "undone_activities": 0, "join_leave_times": 0,
        "box_removals": 0, "ideas": 0, "events": 0, "objects": 0}
    await age(leipzig, 2, kept)  # 31 days: past seen_days (30)
    dry_run = await retention.Pruner(leipzig.rt.db, leipzig.rt.config).dry_run()
    assert {table: dry_run[table] for table in kept} == dict.fromkeys(kept, 1)
    assert {table: rows for table, rows in (await prune(leipzig)).items() if table in kept} == dict.fromkeys(kept, 1)
    assert await leipzig.query("SELECT 1 FROM undone_activities") == []
    assert await leipzig.query("SELECT 1 FROM join_leave_times") == []
    assert await leipzig.query("SELECT 1 FROM box_removals") == []


def note(author, text: str, *, to: str, in_reply_to: str | None = None) -> dict:
    obj = {"id": f"{author.ap_id}/posts/{uuid.uuid4()}", "type": "Note", "attributedTo": author.ap_id,
           "content": f"<p>{text}</p>", "to": [to], "published": "2026-01-01T00:00:00Z"}
    if in_reply_to:
        obj["inReplyTo"] = in_reply_to
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{obj['id']}/create", "type": "Create",
            "actor": author.ap_id, "to": [to], "object": obj}


async def test_cached_remote_content_expires_unless_something_here_needs_it(make_instance):
    leipzig = await make_instance("leipzig")
    meissen = await make_instance("meissen")
    alice = await leipzig.create_user("alice")
    bert, carl, dora = [await meissen.create_user(name) for name in ("bert", "carl", "dora")]
    await leipzig.post_outbox("alice", {"type": "Follow", "object": bert.ap_id})
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="follow")
    status, body = await leipzig.post_outbox("alice", {"type": "Note", "content": "Meins", "to": [ld.PUBLIC]})
    assert status == 201
    ours = (await leipzig.query("SELECT ap_id FROM objects WHERE is_local = 1"))[0]["ap_id"]

    posts = {
        "by_followed": note(bert, "von Bert", to=alice.ap_id),
        "plain": note(carl, "einfach so", to=alice.ap_id),
        "liked": note(carl, "gemocht", to=alice.ap_id),
        "answered": note(carl, "beantwortet", to=alice.ap_id),
        "on_ours": note(carl, "Antwort auf Alice", to=alice.ap_id, in_reply_to=ours),
        "root": note(carl, "Anfang", to=alice.ap_id),
        "context": note(carl, "Zusammenhang", to=alice.ap_id),
    }
    posts["child"] = note(dora, "Antwort", to=alice.ap_id, in_reply_to=posts["root"]["object"]["id"])
    posts["liked_child"] = note(dora, "gemochte Antwort", to=alice.ap_id, in_reply_to=posts["context"]["object"]["id"])
    for activity in posts.values():
        author = {bert.ap_id: bert, carl.ap_id: carl, dora.ap_id: dora}[activity["actor"]]
        await signed_to(leipzig, author, activity)
    post_id = {name: activity["object"]["id"] for name, activity in posts.items()}
    await eventually(lambda: count(leipzig, "SELECT count(*) AS n FROM objects WHERE is_local = 0", len(posts)),
                     message="the remote posts at Leipzig")
    for name in ("liked", "liked_child"):
        assert (await leipzig.post_outbox("alice", {"type": "Like", "object": post_id[name]}))[0] == 201
    assert (await leipzig.post_outbox("alice", {"type": "Note", "content": "Antwort", "to": [ld.PUBLIC],
                                                "inReplyTo": post_id["answered"]}))[0] == 201

    # Ideas and events of Meißen, fetched here: one supported, one attended, the others not.
    idea_ids = []
    for title in ("Bank am Markt", "Baum am Markt"):
        _, document = await ideas.publish(meissen.rt, carl, {"title": title, "summary": "Für alle.", "districts": ["mitte"]})
        idea_ids.append((await ideas.find_or_fetch(leipzig.rt, document["id"])).ap_id)
    await ideas.support(leipzig.rt, alice, idea_ids[1])
    event_ids = []
    for title in ("Markttag", "Flohmarkt"):
        _, document = await events.publish(meissen.rt, carl, {**EVENT, "title": title})
        event_ids.append((await events.find_or_fetch(leipzig.rt, document["id"])).ap_id)
    await events.attend(leipzig.rt, alice, event_ids[1])
    await eventually(lambda: count(leipzig, "SELECT count(*) AS n FROM incoming WHERE state = 'pending'", 0),
                     message="Leipzig's inbox handled")
    await age(leipzig, 101)  # the events end ten days after they were made; they expire 90 days after that
    recent = note(carl, "neu", to=alice.ap_id)
    await signed_to(leipzig, carl, recent)
    await eventually(lambda: leipzig.query("SELECT 1 FROM objects WHERE ap_id = ?", (recent["object"]["id"],)),
                     message="the recent post")
    reactions_before = await leipzig.query("SELECT kind, actor_id, object_ap_id FROM reactions ORDER BY id")

    pruned = await prune(leipzig)

    remote_posts = await ids(leipzig, "SELECT ap_id FROM objects WHERE is_local = 0")
    expired = {post_id[name] for name in ("plain", "root", "child")}
    assert remote_posts == (set(post_id.values()) - expired) | {recent["object"]["id"]}
    assert pruned["objects"] == 3
    assert await ids(leipzig, "SELECT ap_id FROM ideas") == {idea_ids[1]}
    assert await ids(leipzig, "SELECT ap_id FROM events") == {event_ids[1]}
    assert not await leipzig.query("SELECT 1 FROM idea_districts d LEFT JOIN ideas i ON i.id = d.idea_id "
                                   "WHERE i.id IS NULL")  # their districts went with them
    assert await leipzig.query("SELECT kind, actor_id, object_ap_id FROM reactions ORDER BY id") == reactions_before
    assert len(await leipzig.query("SELECT 1 FROM objects WHERE is_local = 1")) == 2  # ours are never touched

    # Nothing left to expire: a second pass deletes nothing.
    again = await prune(leipzig)
    assert again["objects"] == again["ideas"] == again["events"] == 0


async def test_pruning_while_the_inbox_accepts_loses_nothing(make_instance):
    leipzig = await make_instance("leipzig")
    meissen = await make_instance("meissen")
    alice = await leipzig.create_user("alice")
    bert = await meissen.create_user("bert")
    instance_actor = (await leipzig.query("SELECT id FROM actors WHERE type = 'Application' AND is_local = 1"))[0]["id"]
    async with leipzig.rt.db.transaction() as conn:  # 20,000 handled rows and deliveries, ten days old
        for chunk in range(4):
            await bulk.add_processed_traffic(
                conn, actor_id=instance_actor, activity_ap_ids=[f"{leipzig.base_url}/old/{chunk}/{i}" for i in range(50)],
                inbox_urls=[f"https://h{i}.example/inbox" for i in range(100)], signer_ap_id=bert.ap_id,
                incoming_ap_ids=[f"{bert.ap_id}#old/{chunk}/{i}" for i in range(5000)], body='{"type": "Create"}',
                at="2026-01-01T00:00:00.000000Z")
    fresh = [like(bert, f"{alice.ap_id}#nothing/{i}") for i in range(200)]
    limit = asyncio.Semaphore(16)

    async def deliver(activity):
        async with limit:
            return await signed_to(leipzig, bert, activity)

    for worker in leipzig.app.supervisor.workers:  # the instance's own first pass (30 s after start, which a
        if isinstance(worker, retention.RetentionWorker):  # loaded machine reaches by now) would share the rows
            worker.stopping.set()
    small = dataclasses.replace(leipzig.rt.config, retention_batch_size=200, retention_pause_seconds=0)
    pruning = asyncio.create_task(retention.Pruner(leipzig.rt.db, small).run())
    statuses = await asyncio.gather(*(deliver(a) for a in fresh))
    steps = {step.table: step for step in await pruning}

    assert set(statuses) == {202}
    assert steps["incoming"].rows == 20_000 and steps["deliveries"].rows == 20_000
    assert steps["incoming"].batches >= 100  # in small transactions, not one long one
    stored = await ids(leipzig, "SELECT activity_ap_id FROM incoming")
    assert {a["id"] for a in fresh} <= stored
    assert not any("#old/" in ap_id for ap_id in stored)
    assert leipzig.statuses[500] == 0 and not leipzig.crashes


async def test_the_server_runs_a_retention_worker(make_instance):
    leipzig = await make_instance("leipzig")
    assert any(isinstance(w, retention.RetentionWorker) for w in leipzig.app.supervisor.workers)


@pytest.mark.sqlite_only  # SQLite's query plans (EXPLAIN QUERY PLAN)
async def test_no_retention_query_reads_a_table_that_grows_with_traffic(tmp_path):
    # On the migrated schema without statistics, as the planner sees any table ANALYZE has not
    # counted. Not a fresh instance's: its start-up ANALYZE counts the one or two rows its actors
    # table has at that moment, and with those figures the planner finds a scan as cheap as a
    # search (1 run in 6 here), which says nothing about a grown instance.
    db = await Database(tmp_path / "plans.sqlite3").open()
    try:
        plans = await retention_store.query_plans(db.reader)
    finally:
        await db.close()
    assert set(plans) == {"incoming", "deliveries", "seen", "ideas", "events", "objects"}
    for name, details in plans.items():
        # Only the local boxes are scanned (one row per box of this instance); the windowed table is
        # read by its id range, everything else through an index.
        scans = [d for d in details if d.startswith("SCAN") and d != "SCAN boxes"]
        assert not scans, (name, details)
        assert any(f"SEARCH {alias}" in d for d in details for alias in ("incoming", "deliveries", "seen_activities",
                                                                        "i", "e", "o")), (name, details)
