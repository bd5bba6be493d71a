"""Amendment commands cancelled after any number of event-loop steps leave all of their change or
none: the amendment and its notification to the motion's author together, a decision and the
notifications to the proposer together; the command run again then succeeds, or says clearly
that it was already done. (Drafts federate nothing, so there is no activity to check beside them.)"""

from __future__ import annotations

import pytest

from tests.civic.test_cancellation import run_cancelled
from wecreate_fed.civic import boxes, motions
from wecreate_fed.civic.boxes import amendments
from wecreate_fed.errors import Conflict

MAX_STEPS = 5000  # far more than either command takes; reaching it means the loop never ends
TEXT = "Erstens: Radwege.\nZweitens: Bänke.\nDrittens: Bäume.\nViertens: Brunnen."


async def _count(instance, sql: str, params=()) -> int:
    return (await instance.query(f"SELECT count(*) AS n FROM ({sql}) AS counted", params))[0]["n"]


@pytest.fixture
async def motion(leipzig):
    anna = await leipzig.create_user("anna", name="Anna")
    mehmet = await leipzig.create_user("mehmet", name="Mehmet")
    box = await boxes.create(leipzig.rt, anna, {"name": "Ortsverband", "slug": "ov"})
    await boxes.join(leipzig.rt, mehmet, box.ap_id)
    return anna, mehmet, await motions.draft(leipzig.rt, anna, "ov", {"title": "Stadtgrün", "request": TEXT})


async def test_a_cancelled_proposal_leaves_the_amendment_and_its_notification_together(leipzig, motion):
    anna, mehmet, motion_id = motion
    for steps in range(MAX_STEPS):
        data = {"first_line": "2", "replacement": f"Zweitens: {steps} Bänke.", "reason": "Mehr."}
        completed = await run_cancelled(lambda d=data: amendments.propose(leipzig.rt, mehmet, motion_id, d), steps)
        kept = await _count(leipzig, "SELECT 1 FROM amendments WHERE replacement = ?", (data["replacement"],))
        told = await _count(leipzig, "SELECT 1 FROM notifications WHERE kind = 'amendment_proposed'")
        assert told == await _count(leipzig, "SELECT 1 FROM amendments"), steps  # never one without the other
        assert kept or not completed, steps
        if not kept:
            await amendments.propose(leipzig.rt, mehmet, motion_id, data)
        if completed:
            break
    else:
        pytest.fail(f"proposing did not complete within {MAX_STEPS} steps")
    assert steps > 0
    numbers = [r["number"] for r in await leipzig.query("SELECT number FROM amendments ORDER BY number")]
    assert numbers == list(range(1, steps + 2))  # one per round, numbered without gaps


async def test_a_cancelled_decision_leaves_its_state_and_notification_together(leipzig, motion):
    anna, mehmet, motion_id = motion
    for steps in range(MAX_STEPS):
        amendment = await amendments.propose(leipzig.rt, mehmet, motion_id, {
            "first_line": "3", "replacement": f"Drittens: {steps} Bäume.", "reason": "Schatten."})
        completed = await run_cancelled(
            lambda a=amendment: amendments.decide(leipzig.rt, anna, a.ap_id, adopt=False), steps)
        state = (await leipzig.query("SELECT state FROM amendments WHERE id = ?", (amendment.id,)))[0]["state"]
        told = await _count(leipzig, "SELECT 1 FROM notifications WHERE kind = 'amendment_rejected' AND "
                                     "object_ap_id = ?", (amendment.ap_id,))
        assert (state, told) in (("proposed", 0), ("rejected", 1)), steps
        assert state == "rejected" or not completed, steps
        if state == "rejected":
            with pytest.raises(Conflict) as caught:
                await amendments.decide(leipzig.rt, anna, amendment.ap_id, adopt=False)
            assert caught.value.code == "amendment_decided"
        else:
            await amendments.decide(leipzig.rt, anna, amendment.ap_id, adopt=False)
        if completed:
            break
    else:
        pytest.fail(f"deciding did not complete within {MAX_STEPS} steps")
    assert steps > 0
