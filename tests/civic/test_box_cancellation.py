"""A box or motion command cancelled after any number of event-loop steps leaves all of its change or none.

The command runs as a task, gets N steps (`asyncio.sleep(0)` N times) and is cancelled, for
N = 0, 1, 2, … until it completes before the cancel. After each: the change, its activity
and its delivery rows to the other instance all exist, or none of them; and the command
run again succeeds (or says it was already done, when the change had committed).
"""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import eventually
from wecreate_fed.civic import boxes, motions
from wecreate_fed.errors import Conflict

MAX_STEPS = 5000  # far more than either command takes; reaching it means the loop never ends


async def _run_cancelled(command, steps: int) -> bool:
    """Run `command()` for `steps` loop steps, then cancel it; True if it had completed by then."""
    task = asyncio.ensure_future(command())
    for _ in range(steps):
        await asyncio.sleep(0)
    if task.done():
        task.result()
        return True
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        return False
    return True  # it finished while being cancelled (the cancel came after its last await)


async def _count(instance, sql: str, params=()) -> int:
    return (await instance.query(f"SELECT count(*) AS n FROM ({sql}) AS counted", params))[0]["n"]


@pytest.fixture
async def box_with_remote_member(leipzig, meissen):
    """An open box on Leipzig (owner Anna) with Jonas on Meißen as a member."""
    anna = await leipzig.create_user("anna")
    box = await boxes.create(leipzig.rt, anna, {"name": "Elbufer", "slug": "elbufer"})
    jonas = await meissen.create_user("jonas")
    status, body = await meissen.post_outbox("jonas", {"type": "Follow", "object": box.ap_id})
    assert status == 201, body
    await eventually(lambda: meissen.query("SELECT 1 FROM follows WHERE follower_id = ? AND state = 'accepted'",
                                           (jonas.id,)), message="Jonas is a member")
    return anna, box


async def _post_state(leipzig, meissen, box, text: str) -> tuple[int, int, int]:
    """(posts, activities, deliveries to Meißen) that the post with `text` brought, checked to belong together."""
    notes = await leipzig.query("SELECT ap_id FROM objects WHERE audience = ? AND content LIKE ?",
                                (box.ap_id, f"%{text}%"))
    if not notes:
        assert await _count(leipzig, "SELECT 1 FROM activities WHERE data LIKE ?", (f"%{text}%",)) == 0
        return 0, 0, 0
    assert len(notes) == 1
    note_id = notes[0]["ap_id"]
    creates = await leipzig.query("SELECT ap_id FROM activities WHERE type = 'Create' AND object_ap_id = ?",
                                  (note_id,))
    assert len(creates) == 1, "the post without its Create"
    announces = await leipzig.query(
        "SELECT a.id FROM activities a WHERE a.type = 'Announce' AND a.actor_id = ? AND a.object_ap_id IN (?, ?)",
        (box.id, creates[0]["ap_id"], note_id))
    assert len(announces) == 2, "the post without the box's relay and boost"
    inboxes = await leipzig.query(
        f"SELECT inbox_url FROM deliveries WHERE activity_id IN ({', '.join('?' for _ in announces)})",
        [a["id"] for a in announces])
    assert [d["inbox_url"] for d in inboxes] == [meissen.shared_inbox] * 2, "the relay without its deliveries"
    return 1, 3, len(inboxes)


async def test_a_cancelled_post_to_a_box_leaves_post_relay_and_deliveries_together(
        leipzig, meissen, box_with_remote_member):
    anna, box = box_with_remote_member
    totals = "SELECT (SELECT count(*) FROM activities) AS a, (SELECT count(*) FROM deliveries) AS d"
    for steps in range(MAX_STEPS):
        before = (await leipzig.query(totals))[0]
        text = f"Abgebrochen nach {steps} Schritten"
        completed = await _run_cancelled(lambda t=text: boxes.post(leipzig.rt, anna, box.ap_id, t), steps)
        posts, activities, deliveries = await _post_state(leipzig, meissen, box, text)
        after = (await leipzig.query(totals))[0]
        assert (after["a"] - before["a"], after["d"] - before["d"]) == (activities, deliveries), steps
        assert posts == 1 or not completed, steps
        # The same command afterwards goes through whole.
        again = f"Nochmal nach {steps} Schritten"
        await boxes.post(leipzig.rt, anna, box.ap_id, again)
        assert await _post_state(leipzig, meissen, box, again) == (1, 3, 2)
        if completed:
            break
    else:
        pytest.fail(f"the post did not complete within {MAX_STEPS} steps")
    assert steps > 0  # some runs were cut short on the way


@pytest.fixture
async def motion_for_council_elsewhere(leipzig, meissen):
    """A box on Leipzig, and a council on Meißen its motions go to."""
    anna = await leipzig.create_user("anna")
    await boxes.create(leipzig.rt, anna, {"name": "Laternen", "slug": "laternen"})
    council = await meissen.create_user("beirat", type_="Organization", category="administration",
                                        name="Stadtbezirksbeirat Altstadt")

    async def new_motion(title: str) -> str:
        return await motions.draft(leipzig.rt, anna, "laternen", {"title": title, "request": "Laternen am Ufer",
                                                                  "council": council.ap_id})
    return anna, new_motion


async def _submission_state(leipzig, meissen, motion_id: str) -> bool:
    """Whether the motion was submitted: its state, its Offer and the Offer's delivery agree."""
    state = (await leipzig.query("SELECT state, offer_ap_id FROM motions WHERE ap_id = ?", (motion_id,)))[0]
    offers = await leipzig.query("SELECT id, ap_id FROM activities WHERE type = 'Offer' AND object_ap_id = ?",
                                 (motion_id,))
    if state["state"] == "draft":
        assert offers == [] and state["offer_ap_id"] is None, "an Offer of a motion still in draft"
        return False
    assert len(offers) == 1 and offers[0]["ap_id"] == state["offer_ap_id"], "submitted without its Offer"
    inboxes = await leipzig.query("SELECT inbox_url FROM deliveries WHERE activity_id = ?", (offers[0]["id"],))
    assert [d["inbox_url"] for d in inboxes] == [meissen.shared_inbox], "the Offer without its delivery"
    return True


async def test_a_cancelled_submission_leaves_state_offer_and_delivery_together(
        leipzig, meissen, motion_for_council_elsewhere):
    anna, new_motion = motion_for_council_elsewhere
    for steps in range(MAX_STEPS):
        motion_id = await new_motion(f"Antrag {steps}")
        completed = await _run_cancelled(lambda m=motion_id: motions.submit(leipzig.rt, anna, m), steps)
        submitted = await _submission_state(leipzig, meissen, motion_id)
        assert submitted or not completed, steps
        # Submitting again goes through, or says clearly that it already went.
        if submitted:
            with pytest.raises(Conflict, match="already submitted"):
                await motions.submit(leipzig.rt, anna, motion_id)
        else:
            await motions.submit(leipzig.rt, anna, motion_id)
            assert await _submission_state(leipzig, meissen, motion_id)
        assert await _count(leipzig, "SELECT 1 FROM activities WHERE type = 'Offer' AND object_ap_id = ?",
                            (motion_id,)) == 1
        if completed:
            break
    else:
        pytest.fail(f"the submission did not complete within {MAX_STEPS} steps")
    assert steps > 0
    # The council on Meißen got each motion once and confirmed it.
    await eventually(lambda: _all_received(leipzig), message="every motion received")
    assert await _count(meissen, "SELECT 1 FROM motions") == steps + 1


async def _all_received(leipzig) -> bool:
    return await _count(leipzig, "SELECT 1 FROM motions WHERE state != 'received'") == 0
