"""A public announcement and a pin, cancelled after any number of event-loop steps, leave all of
their change or none: the note, its Create and the delivery to the follower on the other instance
(the pin, its Add and that delivery) exist together or not at all, and the command afterwards
succeeds (or, for a pin that had committed, says it was done already)."""

from __future__ import annotations

import pytest

from tests.civic.test_box_cancellation import MAX_STEPS, _count, _run_cancelled
from tests.conftest import eventually
from wecreate_fed.civic.orgs import pins, space
from wecreate_fed.errors import Conflict
from wecreate_fed.store import orgs as orgs_store


@pytest.fixture
async def board_with_remote_follower(leipzig, meissen):
    org = await leipzig.create_user("spd", type_="Organization", category="party", name="SPD Leipzig")
    bert = await leipzig.create_user("bert")
    async with leipzig.rt.db.transaction() as conn:
        await orgs_store.put(conn, org.id, bert.id, role="board", state="accepted")
    await meissen.create_user("mia")
    status, body = await meissen.post_outbox("mia", {"type": "Follow", "object": org.ap_id})
    assert status == 201, body
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE followee_id = ? AND state = 'accepted'",
                                           (org.id,)), message="mia follows spd")
    return org, await space.space_of(leipzig.rt, "spd", bert)


async def _announcement_state(leipzig, meissen, org, text: str) -> tuple[int, int, int]:
    notes = await leipzig.query("SELECT ap_id FROM objects WHERE actor_id = ? AND content LIKE ?",
                                (org.id, f"%{text}%"))
    if not notes:
        assert await _count(leipzig, "SELECT 1 FROM activities WHERE data LIKE ?", (f"%{text}%",)) == 0
        return 0, 0, 0
    assert len(notes) == 1
    creates = await leipzig.query("SELECT id FROM activities WHERE type = 'Create' AND object_ap_id = ?",
                                  (notes[0]["ap_id"],))
    assert len(creates) == 1, "the note without its Create"
    inboxes = await leipzig.query("SELECT inbox_url FROM deliveries WHERE activity_id = ?", (creates[0]["id"],))
    assert [d["inbox_url"] for d in inboxes] == [meissen.shared_inbox], "the Create without its delivery"
    return 1, 1, 1


async def test_a_cancelled_announcement_leaves_note_create_and_delivery_together(
        leipzig, meissen, board_with_remote_follower):
    org, board = board_with_remote_follower
    for steps in range(MAX_STEPS):
        text = f"Sommerfest Nummer {steps}"
        completed = await _run_cancelled(lambda text=text: pins.announce(leipzig.rt, board, text, "public"), steps)
        state = await _announcement_state(leipzig, meissen, org, text)
        assert state in ((0, 0, 0), (1, 1, 1)), (steps, state)
        if completed:
            assert state == (1, 1, 1)
            return
        if state == (0, 0, 0):
            await pins.announce(leipzig.rt, board, text, "public")
            assert await _announcement_state(leipzig, meissen, org, text) == (1, 1, 1)
    pytest.fail("the announcement never completed")


async def test_a_cancelled_pin_leaves_pin_add_and_delivery_together(leipzig, meissen, board_with_remote_follower):
    org, board = board_with_remote_follower
    for steps in range(MAX_STEPS):
        note = await pins.announce(leipzig.rt, board, f"Pin Nummer {steps}", "public")

        async def state(note: str = note) -> tuple[int, int]:
            pinned = await _count(leipzig, "SELECT 1 FROM org_pins p JOIN objects o ON o.id = p.object_id "
                                           "WHERE o.ap_id = ?", (note,))
            adds = await leipzig.query("SELECT id FROM activities WHERE type = 'Add' AND object_ap_id = ?", (note,))
            if adds:
                delivered = await leipzig.query("SELECT inbox_url FROM deliveries WHERE activity_id = ?",
                                                (adds[0]["id"],))
                assert [d["inbox_url"] for d in delivered] == [meissen.shared_inbox], "the Add without its delivery"
            return pinned, len(adds)

        completed = await _run_cancelled(lambda note=note: pins.set_pinned(leipzig.rt, board, note, True), steps)
        found = await state()
        assert found in ((0, 0), (1, 1)), (steps, found)
        if completed:
            assert found == (1, 1)
            return
        if found == (1, 1):
            with pytest.raises(Conflict):
                await pins.set_pinned(leipzig.rt, board, note, True)
        else:
            await pins.set_pinned(leipzig.rt, board, note, True)
            assert await state() == (1, 1)
    pytest.fail("the pin never completed")
