"""A civic command cancelled at any point leaves its change, its activity and its delivery rows all
together or none of them, and the same command afterwards succeeds (or says it is already done).

The pattern of tests/store/test_transactions.py on real instances: run the command as a task,
let it run N event-loop steps, cancel it, await it; for N = 0, 1, 2, … until it completes
before the cancel. A second real instance is the remote end, so that deliveries are queued.
"""

from __future__ import annotations

import asyncio

import pytest

from actors import remote
from tests.conftest import eventually
from wecreate_fed.civic import events, ideas
from wecreate_fed.errors import Conflict

IDEA = {"title": "Elbwiesen sauber halten", "summary": "Einmal im Monat gemeinsam sammeln.", "districts": ["mitte"]}
MAX_STEPS = 2_000  # a safety net: every command here completes within a few hundred awaits


async def run_cancelled(command, steps: int) -> bool:
    """Run `command()` until it has waited `steps` times, then cancel it there; True if it completed first.

    A step is one await at which the command was suspended (asyncio's Task._fut_waiter changes),
    so every number of steps cancels it at another of its awaits, whatever the speed of the
    database threads; counting bare event-loop turns would skip awaits that complete quickly.
    """
    task = asyncio.ensure_future(command())
    seen, waiter = 0, None
    while not task.done() and seen < steps:
        await asyncio.sleep(0)
        current = task._fut_waiter
        if current is not None and current is not waiter:
            seen, waiter = seen + 1, current
    completed = task.done()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    return completed


async def activity_rows(instance, type_: str, actor_id: int, object_ap_id: str) -> list[dict]:
    return await instance.query(
        "SELECT a.ap_id, (SELECT count(*) FROM deliveries d WHERE d.activity_id = a.id) AS deliveries "
        "FROM activities a WHERE a.type = ? AND a.actor_id = ? AND a.object_ap_id = ? ORDER BY a.id",
        (type_, actor_id, object_ap_id))


async def test_a_cancelled_support_of_a_remote_idea_leaves_the_like_and_its_delivery_with_the_support_or_nothing(
        make_instance):
    # Leipzig's workers are paused, so the deliveries it queues stay in view
    leipzig = await make_instance("leipzig", run_workers=False)
    meissen = await make_instance("meissen")
    anna = await leipzig.create_user("anna")
    jonas = await meissen.create_user("jonas")
    _, document = await ideas.publish(meissen.rt, jonas, IDEA)
    idea_id = document["id"]
    # Leipzig knows the idea and its author already: the command needs no network after this
    await ideas.find_or_fetch(leipzig.rt, idea_id)
    author = await remote.get_actor(leipzig.rt, jonas.ap_id)

    async def support():
        return await ideas.support(leipzig.rt, anna, idea_id)

    steps, completed = 0, False
    while not completed:
        assert steps < MAX_STEPS, "the support never completed"
        likes_before = len(await activity_rows(leipzig, "Like", anna.id, idea_id))
        completed = await run_cancelled(support, steps)
        supported = await leipzig.query("SELECT activity_ap_id FROM reactions WHERE actor_id = ? AND kind = 'Like' "
                                        "AND object_ap_id = ?", (anna.id, idea_id))
        likes = (await activity_rows(leipzig, "Like", anna.id, idea_id))[likes_before:]
        if supported:
            # The support, its Like and the Like's delivery to Meißen committed together
            assert [like["ap_id"] for like in likes] == [supported[0]["activity_ap_id"]], steps
            assert likes[0]["deliveries"] == 1, steps
            [delivery] = await leipzig.query(
                "SELECT d.inbox_url FROM deliveries d JOIN activities a ON a.id = d.activity_id WHERE a.ap_id = ?",
                (likes[0]["ap_id"],))
            assert delivery["inbox_url"] == author.delivery_inbox
            assert (await leipzig.query("SELECT support_count FROM ideas WHERE ap_id = ?", (idea_id,)))[0] == {
                "support_count": 1}
            # Done already: the same command says so
            with pytest.raises(Conflict, match="you already support this idea"):
                await support()
        else:
            assert likes == [], steps  # no Like (and so no delivery) without the support
            assert (await leipzig.query("SELECT support_count FROM ideas WHERE ap_id = ?", (idea_id,)))[0] == {
                "support_count": 0}
            await support()  # the same command afterwards succeeds
        # Back to the start for the next number of steps
        await ideas.withdraw_support(leipzig.rt, anna, idea_id)
        steps += 1
    assert steps > 5  # the cancellation really hit the command on its way
    assert not await leipzig.writer_in_transaction()
    assert await leipzig.query("SELECT 1 FROM incoming") == []  # nothing bounced through our own inbox


async def test_a_cancelled_comment_leaves_the_comment_its_create_and_the_deliveries_to_followers_or_nothing(
        make_instance):
    leipzig = await make_instance("leipzig")
    meissen = await make_instance("meissen")
    anna = await leipzig.create_user("anna")
    await meissen.create_user("jonas")
    # Jonas on Meißen follows Anna, so her comments are delivered to Meißen
    await meissen.post_outbox("jonas", {"type": "Follow", "object": anna.ap_id})
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="follow")
    _, document = await ideas.publish(leipzig.rt, anna, IDEA)
    idea_id = document["id"]
    comments_made = 0

    async def comment():
        return await ideas.comment(leipzig.rt, anna, idea_id, "Ich bringe Handschuhe mit.")

    steps, completed = 0, False
    while not completed:
        assert steps < MAX_STEPS, "the comment never completed"
        completed = await run_cancelled(comment, steps)
        notes = await leipzig.query("SELECT ap_id FROM objects WHERE in_reply_to = ? ORDER BY id", (idea_id,))
        creates = await leipzig.query(
            "SELECT a.object_ap_id, (SELECT count(*) FROM deliveries d WHERE d.activity_id = a.id) AS deliveries "
            "FROM activities a WHERE a.type = 'Create' AND a.actor_id = ? AND a.object_ap_id != ? ORDER BY a.id",
            (anna.id, idea_id))
        # Every comment has its Create, delivered to the follower's instance; no Create without its comment
        assert [c["object_ap_id"] for c in creates] == [n["ap_id"] for n in notes], steps
        assert all(c["deliveries"] == 1 for c in creates), steps
        assert len(notes) in (comments_made, comments_made + 1), steps
        comments_made = len(notes)
        counted = (await leipzig.query("SELECT comment_count FROM ideas WHERE ap_id = ?", (idea_id,)))[0]
        assert counted == {"comment_count": comments_made}, steps
        await comment()  # the same command afterwards succeeds
        comments_made += 1
        steps += 1
    assert steps > 5
    assert not await leipzig.writer_in_transaction()
    # The comments reach Meißen
    await eventually(lambda: _count_is(meissen, "SELECT count(*) AS n FROM objects WHERE in_reply_to = ?",
                                       (idea_id,), comments_made), timeout=20, message="comments on Meißen")


async def _count_is(instance, sql, params, expected) -> bool:
    return (await instance.query(sql, params))[0]["n"] == expected


async def test_a_cancelled_publish_leaves_the_idea_its_create_and_the_districts_boosts_or_nothing(make_instance):
    leipzig = await make_instance("leipzig")
    meissen = await make_instance("meissen")
    anna = await leipzig.create_user("anna")
    await meissen.create_user("jonas")
    await meissen.post_outbox("jonas", {"type": "Follow", "object": anna.ap_id})
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="follow")
    announcers = sorted([f"{leipzig.base_url}/actor", f"{leipzig.base_url}/districts/mitte"])
    published = 0

    async def publish():
        return await ideas.publish(leipzig.rt, anna, IDEA)

    steps, completed = 0, False
    while not completed:
        assert steps < MAX_STEPS, "the publish never completed"
        completed = await run_cancelled(publish, steps)
        made = [r["ap_id"] for r in await leipzig.query("SELECT ap_id FROM ideas ORDER BY id")]
        assert len(made) in (published, published + 1), steps
        published = len(made)
        for idea_id in made:
            # Each idea has its status history, its Create delivered to Anna's follower, and both boosts
            assert await leipzig.query("SELECT s.status FROM idea_status_changes s JOIN ideas i ON i.id = s.idea_id "
                                       "WHERE i.ap_id = ?", (idea_id,)) == [{"status": "proposed"}], steps
            assert [c["deliveries"] for c in await activity_rows(leipzig, "Create", anna.id, idea_id)] == [1], steps
            boosts = await leipzig.query("SELECT a.ap_id FROM activities x JOIN actors a ON a.id = x.actor_id "
                                         "WHERE x.type = 'Announce' AND x.object_ap_id = ? ORDER BY a.ap_id",
                                         (idea_id,))
            assert [b["ap_id"] for b in boosts] == announcers, steps
        # No Create or boost of an idea that is not there
        assert not await leipzig.query("SELECT 1 FROM activities WHERE type IN ('Create', 'Announce') "
                                       "AND object_ap_id LIKE '%/ideas/%' AND object_ap_id NOT IN "
                                       "(SELECT ap_id FROM ideas)"), steps
        await publish()  # the same command afterwards succeeds
        published += 1
        steps += 1
    assert steps > 5


async def test_a_cancelled_answer_to_a_join_leaves_the_attendance_and_its_accept_or_nothing(make_instance):
    leipzig = await make_instance("leipzig", run_workers=False)
    meissen = await make_instance("meissen")
    anna = await leipzig.create_user("anna")
    jonas = await meissen.create_user("jonas")
    _, document = await events.publish(leipzig.rt, anna, {
        "title": "Putzaktion", "starts_at": "2031-05-01T10:00", "ends_at": "2031-05-01T12:00",
        "place_name": "Elbwiesen", "district": "mitte"})
    event_id = document["id"]
    signer = await remote.get_actor(leipzig.rt, jonas.ap_id)
    number = 0

    def join() -> events.Join:
        return events.join_of({"id": f"{meissen.base_url}/activities/join-{number}", "type": "Join",
                               "actor": jonas.ap_id, "object": event_id})

    async def answer():
        return await events.join_received(leipzig.rt, signer, join())

    steps, completed = 0, False
    while not completed:
        assert steps < MAX_STEPS, "the answer never completed"
        number += 1
        completed = await run_cancelled(answer, steps)
        attending = await leipzig.query("SELECT state, join_ap_id FROM event_attendees")
        accepts = await leipzig.query(
            "SELECT a.data, (SELECT count(*) FROM deliveries d WHERE d.activity_id = a.id) AS deliveries "
            "FROM activities a WHERE a.type = 'Accept' AND a.data LIKE ?", (f"%{join().id}\"%",))
        if attending:
            # The attendance, the Accept of this Join and its delivery to Meißen committed together
            assert attending == [{"state": "accepted", "join_ap_id": join().id}], steps
            assert [a["deliveries"] for a in accepts] == [1], steps
            assert (await leipzig.query("SELECT attendee_count FROM events"))[0]["attendee_count"] == 1
        else:
            assert accepts == [], steps
        assert await answer() is True  # the same Join again: answered (again), as a peer may have missed it
        assert await leipzig.query("SELECT state FROM event_attendees") == [{"state": "accepted"}]
        await events.leave_received(leipzig.rt, signer, event_ap_id=event_id)  # back to the start
        steps += 1
    assert steps > 5
