"""Asking a poll and voting, cancelled at every await: the poll, its Create and the Create's delivery
to a remote follower exist together or not at all; a vote's voter row and its total together or not
at all, and voting again afterwards counts once or says it was counted (the civic pattern of
tests/civic/test_cancellation.py)."""

from __future__ import annotations

from tests.civic.test_cancellation import MAX_STEPS, run_cancelled
from tests.conftest import eventually
from wecreate_fed.civic import polls
from wecreate_fed.errors import Conflict

POLL = {"question": "Wohin mit dem Geld?", "options": ["Brunnen", "Bänke"]}


async def test_a_cancelled_poll_leaves_the_poll_its_create_and_delivery_together_or_nothing(leipzig, meissen):
    anna = await leipzig.create_user("anna")
    await meissen.create_user("bob")
    status, body = await meissen.post_outbox("bob", {"type": "Follow", "object": anna.ap_id})
    assert status == 201, body
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="follower")

    async def ask():
        return await polls.create(leipzig.rt, anna, POLL)

    steps, completed = 0, False
    while not completed:
        assert steps < MAX_STEPS, "asking never completed"
        before = {r["ap_id"] for r in await leipzig.query("SELECT ap_id FROM polls")}
        completed = await run_cancelled(ask, steps)
        new = [r["ap_id"] for r in await leipzig.query("SELECT ap_id FROM polls") if r["ap_id"] not in before]
        assert len(new) <= 1, steps
        for ap_id in new:
            rows = await leipzig.query(
                "SELECT (SELECT count(*) FROM deliveries d WHERE d.activity_id = a.id) AS deliveries "
                "FROM activities a WHERE a.type = 'Create' AND a.object_ap_id = ?", (ap_id,))
            assert rows == [{"deliveries": 1}], (steps, rows)
            options = await leipzig.query("SELECT count(*) AS n FROM poll_options p JOIN polls q ON q.id = p.poll_id "
                                          "WHERE q.ap_id = ?", (ap_id,))
            assert options == [{"n": 2}], steps
        orphans = await leipzig.query("SELECT count(*) AS n FROM activities a WHERE a.type = 'Create' "
                                      "AND a.object_ap_id NOT IN (SELECT ap_id FROM polls) "
                                      "AND a.object_ap_id LIKE '%/polls/%'")
        assert orphans == [{"n": 0}], steps
        steps += 1


async def test_a_cancelled_vote_counts_fully_or_not_at_all(leipzig):
    anna = await leipzig.create_user("anna")
    voters = [await leipzig.create_user(f"voter{n}") for n in range(60)]
    ap_id = await polls.create(leipzig.rt, anna, {**POLL, "secret": True})
    poll = await polls.poll_by_id(leipzig.rt, ap_id)
    steps, counted = 0, 0
    for voter in voters:
        completed = await run_cancelled(lambda voter=voter: polls.vote(leipzig.rt, voter, ap_id, [1]), steps)
        voted = await leipzig.query("SELECT 1 FROM poll_voters WHERE poll_id = ? AND actor_id = ?", (poll.id, voter.id))
        totals = await leipzig.query("SELECT votes FROM poll_options WHERE poll_id = ? AND position = 1", (poll.id,))
        counted += bool(voted)
        assert totals == [{"votes": counted}], steps  # the voter and the total together
        try:
            await polls.vote(leipzig.rt, voter, ap_id, [1])
            counted += 1
            assert not voted, steps
        except Conflict as e:
            assert voted and e.code == "polls_voted", steps
        assert (await polls.poll_by_id(leipzig.rt, ap_id)).voters_count == counted
        if completed:
            break
        steps += 1
    assert completed, "voting never completed within the voters at hand"
