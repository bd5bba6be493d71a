"""Two changes of one motion at once on PostgreSQL: a council's answers handled side by side (two
inbox batches in one process, or two worker processes) never move it back ("on the agenda" stored
after "decided" leaves it decided), and a submit clicked twice sends one Offer. SQLite has one
writer, which runs such transactions one after the other."""

from __future__ import annotations

import asyncio

import pytest

from tests import pg_databases
from wecreate_fed.civic import boxes, motions
from wecreate_fed.civic.boxes import motion_answers
from wecreate_fed.civic.boxes.motion_documents import CouncilAnswer
from wecreate_fed.errors import Conflict
from wecreate_fed.store import motions as motion_store


async def submitted_to_a_local_council(leipzig):
    """Anna's motion from her box "Laternen", cosigned and submitted to a council on Leipzig
    itself (so it is received at once): (anna, council, the motion's id)."""
    rt = leipzig.rt
    anna = await leipzig.create_user("anna")
    council = await leipzig.create_user("beirat", type_="Organization", category="administration",
                                        name="Stadtbezirksbeirat West")
    await boxes.create(rt, anna, {"name": "Laternen", "slug": "laternen"})
    motion_id = await motions.draft(rt, anna, "laternen", {
        "title": "Beleuchtung Elbufer", "request": "Laternen am Elbufer.", "council": council.ap_id,
        "required_cosigners": 1})
    await motions.cosign(rt, anna, motion_id)
    await motions.submit(rt, anna, motion_id)
    return anna, council, motion_id


@pytest.mark.skipif(not pg_databases.enabled(),
                    reason="needs two transactions at once (PostgreSQL; WECREATE_TEST_DATABASE)")
async def test_an_older_answer_stored_beside_a_newer_one_leaves_the_motion_at_the_newer(leipzig, monkeypatch):
    rt = leipzig.rt
    anna, council, motion_id = await submitted_to_a_local_council(leipzig)
    motion = await motion_store.get_motion(rt.db.reader, motion_id)
    assert motion is not None and motion.state == "received"
    on_agenda = CouncilAnswer(activity_ap_id=f"{council.ap_id}/answers/1", kind="on_agenda",
                              agenda_date="2026-12-10T18:00", decision=None, text="Sitzung Dezember",
                              refs=(motion_id,))
    decided = CouncilAnswer(activity_ap_id=f"{council.ap_id}/answers/2", kind="decided", agenda_date=None,
                            decision="accepted", text="Einstimmig.", refs=(motion_id,))

    # "On the agenda" is about to set the state when "decided" is stored and committed beside it
    about_to_set, decision_stored = asyncio.Event(), asyncio.Event()
    set_state = motion_store.set_motion_state

    async def set_state_after_the_decision(conn, motion_id, state, **kwargs):
        if state == "on_agenda":
            about_to_set.set()
            await decision_stored.wait()
        return await set_state(conn, motion_id, state, **kwargs)

    monkeypatch.setattr(motion_store, "set_motion_state", set_state_after_the_decision)

    async def decide() -> None:
        await about_to_set.wait()
        await motion_answers.answer_received(rt, council, motion, decided)
        decision_stored.set()

    await asyncio.wait_for(asyncio.gather(motion_answers.answer_received(rt, council, motion, on_agenda), decide()),
                           timeout=30)
    row = (await leipzig.query("SELECT state, decision, decision_text FROM motions WHERE ap_id = ?", (motion_id,)))[0]
    assert (row["state"], row["decision"], row["decision_text"]) == ("decided", "accepted", "Einstimmig.")
    # both answers are kept, and the box's members were told of both
    kinds = await leipzig.query("SELECT kind FROM motion_answers WHERE motion_id = ? ORDER BY kind", (motion.id,))
    assert [k["kind"] for k in kinds] == ["decided", "on_agenda", "received"]
    told = await leipzig.query("SELECT kind FROM notifications WHERE actor_id = ? AND kind LIKE 'motion_%'", (anna.id,))
    assert {t["kind"] for t in told} >= {"motion_on_agenda", "motion_decided"}


@pytest.mark.skipif(not pg_databases.enabled(),
                    reason="needs two transactions at once (PostgreSQL; WECREATE_TEST_DATABASE)")
async def test_a_submit_clicked_twice_sends_one_offer(leipzig, meissen):
    rt = leipzig.rt
    anna = await leipzig.create_user("anna")
    council = await meissen.create_user("beirat", type_="Organization", category="administration")
    await boxes.create(rt, anna, {"name": "Bänke", "slug": "baenke"})
    motion_id = await motions.draft(rt, anna, "baenke", {
        "title": "Bänke am Markt", "request": "Zwei Bänke.", "council": council.ap_id, "required_cosigners": 1})
    await motions.cosign(rt, anna, motion_id)
    outcomes = await asyncio.wait_for(asyncio.gather(
        *(motions.submit(rt, anna, motion_id) for _ in range(3)), return_exceptions=True), timeout=30)
    offers = [o for o in outcomes if isinstance(o, str)]
    assert len(offers) == 1 and all(isinstance(o, Conflict) for o in outcomes if o not in offers), outcomes
    sent = await leipzig.query("SELECT ap_id FROM activities WHERE type = 'Offer'")
    assert [r["ap_id"] for r in sent] == offers


async def test_a_decided_motion_is_put_on_no_agenda_again(leipzig):
    rt = leipzig.rt
    _, council, motion_id = await submitted_to_a_local_council(leipzig)
    await motions.put_on_agenda(rt, council, motion_id, "2026-12-10T18:00", "Sitzung Dezember")
    await motions.put_on_agenda(rt, council, motion_id, "2027-01-14T18:00", "Sitzung Januar")  # moved: taken
    await motions.decide(rt, council, motion_id, accepted=True, text="Einstimmig.")
    with pytest.raises(Conflict, match="already decided"):
        await motions.put_on_agenda(rt, council, motion_id, "2027-02-11T18:00", "Sitzung Februar")
    row = (await leipzig.query("SELECT state, agenda_date FROM motions WHERE ap_id = ?", (motion_id,)))[0]
    assert (row["state"], row["agenda_date"]) == ("decided", "2027-01-14T18:00")
    kinds = await leipzig.query("SELECT kind FROM motion_answers ORDER BY id")
    assert [k["kind"] for k in kinds] == ["received", "on_agenda", "on_agenda", "decided"]
