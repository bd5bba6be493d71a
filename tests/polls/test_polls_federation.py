"""Polls between two real instances: votes sent as Mastodon sends them (a Create of a Note named after
the option, in reply to the Question) counted once per actor, late votes refused, the totals told
back in one Update per burst, and members-only polls shown and delivered to no server."""

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

from tests.conftest import eventually, post_signed
from wecreate_fed.civic import polls
from wecreate_fed.store import orgs as orgs_store


async def following(leipzig, meissen, follower: str, followee):
    """`follower` on meissen follows `followee` on leipzig, accepted."""
    status, body = await meissen.post_outbox(follower, {"type": "Follow", "object": followee.ap_id})
    assert status == 201, body
    await eventually(lambda: meissen.query("SELECT 1 FROM follows WHERE state = 'accepted'"),
                     message="the follow accepted")


def vote_of(voter, poll_ap_id: str, name: str, *, author_ap_id: str) -> dict:
    """A vote as Mastodon sends it (one per chosen option)."""
    vote_id = f"{voter.ap_id}#votes/{uuid.uuid4()}"
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{vote_id}/activity", "type": "Create",
            "actor": voter.ap_id, "to": author_ap_id,
            "object": {"id": vote_id, "type": "Note", "name": name, "inReplyTo": poll_ap_id,
                       "attributedTo": voter.ap_id, "to": author_ap_id}}


async def send(instance, voter, activity: dict) -> None:
    status, body = await post_signed(instance.shared_inbox, activity, key_id=voter.key_id,
                                     private_key_pem=voter.private_key_pem)
    assert status == 202, body


async def handled(instance, activity_id: str) -> dict:
    async def done():
        rows = await instance.query("SELECT state, last_error, data FROM incoming WHERE activity_ap_id = ?",
                                    (activity_id,))
        return rows[0] if rows and rows[0]["state"] in ("done", "failed") else None
    return await eventually(done, message=f"{activity_id} handled")


async def test_remote_votes_counted_once_and_the_totals_told_back_in_one_update(leipzig, meissen):
    anna = await leipzig.create_user("anna")
    bob = await meissen.create_user("bob")
    carl = await meissen.create_user("carl")
    await following(leipzig, meissen, "bob", anna)
    ap_id = await polls.create(leipzig.rt, anna, {"question": "Wohin mit dem Geld?", "live_results": True,
                                                  "options": ["Brunnen", "Bänke", "Bügel"]})
    # The Question reaches bob's server as Mastodon would read it.
    stored = await eventually(lambda: meissen.query("SELECT type, data FROM objects WHERE ap_id = ?", (ap_id,)),
                              message="the Question at meissen")
    question = json.loads(stored[0]["data"])
    assert stored[0]["type"] == "Question" and [o["name"] for o in question["oneOf"]] == ["Brunnen", "Bänke", "Bügel"]
    status, fetched = await meissen.get_json(ap_id)
    assert status == 200 and fetched["votersCount"] == 0

    first = vote_of(bob, ap_id, "Bänke", author_ap_id=anna.ap_id)
    await send(leipzig, bob, first)
    assert (await handled(leipzig, first["id"]))["state"] == "done"
    again = vote_of(bob, ap_id, "Bänke", author_ap_id=anna.ap_id)  # a new message, the same voter
    other = vote_of(bob, ap_id, "Brunnen", author_ap_id=anna.ap_id)
    unknown = vote_of(carl, ap_id, "Kiosk", author_ap_id=anna.ap_id)
    for activity in (again, other, unknown):
        await send(leipzig, bob if activity is not unknown else carl, activity)
    for activity, code in ((again, "voted in this poll already"), (other, "voted in this poll already"),
                           (unknown, "the poll has no option 'Kiosk'")):
        row = await handled(leipzig, activity["id"])
        assert row["state"] == "failed" and code in row["last_error"], row
    await send(leipzig, bob, first)  # the same message again: taken once
    carls = vote_of(carl, ap_id, "Brunnen", author_ap_id=anna.ap_id)
    await send(leipzig, carl, carls)
    await handled(leipzig, carls["id"])
    await polls.vote(leipzig.rt, anna, ap_id, [1])

    poll = await polls.poll_by_id(leipzig.rt, ap_id)
    assert poll.voters_count == 3
    assert [o["votes_count"] for o in (await polls.summary(leipzig.rt, poll, None))["options"]] == [1, 2, 0]
    # Bob's server hears of the totals: one Update for the burst, to the followers and the voters.
    async def updated():
        rows = await meissen.query("SELECT data FROM objects WHERE ap_id = ?", (ap_id,))
        data = json.loads(rows[0]["data"])
        return data if data.get("votersCount") == 3 else None
    data = await eventually(updated, timeout=15, message="the Update with the totals at meissen")
    assert [o["replies"]["totalItems"] for o in data["oneOf"]] == [1, 2, 0]
    updates = await leipzig.query("SELECT data FROM activities WHERE type = 'Update'")
    assert len(updates) <= 2  # batched: not one per vote
    sent = json.loads(updates[-1]["data"])
    assert sent["object"]["id"] == ap_id and sent["to"] == ["https://www.w3.org/ns/activitystreams#Public"]


async def test_anyof_counts_each_option_once_per_actor_and_closing_time_refuses_late_votes(leipzig, meissen):
    anna = await leipzig.create_user("anna")
    bob = await meissen.create_user("bob")
    soon = (datetime.now(UTC) + timedelta(seconds=3)).isoformat()
    ap_id = await polls.create(leipzig.rt, anna, {"question": "Welche Tage?", "options": ["Mo", "Di", "Mi"],
                                                  "multiple": True, "end_time": soon})
    votes = [vote_of(bob, ap_id, name, author_ap_id=anna.ap_id) for name in ("Mo", "Mi", "Mo")]
    for activity in votes:
        await send(leipzig, bob, activity)
    outcomes = [await handled(leipzig, a["id"]) for a in votes]
    # Mi counts, and one vote for Mo: the one handled first (on PostgreSQL a process handles its
    # inbox in two batches side by side, so the two may be taken in either order).
    states = [o["state"] for o in outcomes]
    assert states[1] == "done" and sorted([states[0], states[2]]) == ["done", "failed"]
    poll = await polls.poll_by_id(leipzig.rt, ap_id)
    assert poll.voters_count == 1
    choices = await leipzig.query("SELECT position FROM poll_choices ORDER BY position")
    assert [c["position"] for c in choices] == [0, 2]

    async def closed():
        return (await polls.poll_by_id(leipzig.rt, ap_id)).is_closed()
    await eventually(closed, timeout=6, message="the closing time")
    late = vote_of(bob, ap_id, "Di", author_ap_id=anna.ap_id)
    await send(leipzig, bob, late)
    row = await handled(leipzig, late["id"])
    assert row["state"] == "failed" and "is closed" in row["last_error"]
    # The closing goes out by itself, with the final totals (shown now).
    async def closing_update():
        for row in await leipzig.query("SELECT data FROM activities WHERE type = 'Update'"):
            document = json.loads(row["data"])["object"]
            if document.get("closed"):
                return document
        return None
    document = await eventually(closing_update, timeout=35, message="the Update saying the poll closed")
    assert [o["replies"]["totalItems"] for o in document["anyOf"]] == [1, 0, 1]
    status, fetched = await meissen.get_json(ap_id)
    assert status == 200 and fetched["closed"]
    # Someone else's Delete of the poll is refused: only its author deletes it.
    delete = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{bob.ap_id}#delete/{uuid.uuid4()}",
              "type": "Delete", "actor": bob.ap_id, "object": ap_id}
    status, body = await post_signed(leipzig.shared_inbox, delete, key_id=bob.key_id,
                                     private_key_pem=bob.private_key_pem)
    assert status == 400 and "does not live on the actor's host" in body
    assert await leipzig.query("SELECT count(*) AS n FROM tombstones") == [{"n": 0}]
    assert (await polls.poll_by_id(leipzig.rt, ap_id)).deleted_at is None


async def test_a_secret_ballots_remote_vote_is_counted_and_its_message_forgotten(leipzig, meissen):
    anna = await leipzig.create_user("anna")
    bob = await meissen.create_user("bob")
    ap_id = await polls.create(leipzig.rt, anna, {"question": "Wer?", "options": ["Frieda", "Gisela"],
                                                  "secret": "on"})
    first, second = (vote_of(bob, ap_id, name, author_ap_id=anna.ap_id) for name in ("Gisela", "Frieda"))
    await send(leipzig, bob, first)
    await handled(leipzig, first["id"])
    await send(leipzig, bob, second)  # a second vote: not counted, and forgotten all the same
    await handled(leipzig, second["id"])
    rows = await leipzig.query("SELECT data FROM incoming WHERE signer_ap_id = ?", (bob.ap_id,))
    assert rows and all("Gisela" not in r["data"] and "Frieda" not in r["data"] for r in rows)
    await polls.close(leipzig.rt, anna, ap_id)
    closed = await polls.summary(leipzig.rt, await polls.poll_by_id(leipzig.rt, ap_id), None)
    assert [o["votes_count"] for o in closed["options"]] == [0, 1] and closed["voters_count"] == 1
    assert await leipzig.query("SELECT count(*) AS n FROM poll_choices") == [{"n": 0}]


async def deliveries_of(instance, object_ap_id: str) -> int:
    rows = await instance.query("SELECT count(*) AS n FROM deliveries d JOIN activities a ON a.id = d.activity_id "
                                "WHERE a.object_ap_id = ?", (object_ap_id,))
    return rows[0]["n"]


async def test_a_members_only_poll_is_for_the_members_and_no_server(leipzig, meissen):
    org = await leipzig.create_user("spd", type_="Organization", category="party", name="SPD Leipzig")
    anna, carla, fritz = [await leipzig.create_user(n) for n in ("anna", "carla", "fritz")]
    bob = await meissen.create_user("bob")
    async with leipzig.rt.db.transaction() as conn:
        for person in (anna, carla):
            await orgs_store.put(conn, org.id, person.id, role="member", state="accepted")
    await following(leipzig, meissen, "bob", anna)
    ap_id = await polls.create(leipzig.rt, anna, {"question": "Intern: Wer kandidiert?", "options": ["A", "B"],
                                                  "members_of": "spd", "live_results": True})
    poll = await polls.poll_by_id(leipzig.rt, ap_id)
    assert poll.members_of == org.id
    document = await polls.question_document(leipzig.rt, poll)
    assert document["to"] == [f"{org.ap_id}/members"] and document["cc"] == []
    assert await deliveries_of(leipzig, ap_id) == 0
    await polls.vote(leipzig.rt, carla, ap_id, [0])
    # An outsider here, a remote server signed, a visitor: not there.
    assert not await polls.may_see(leipzig.rt, poll, fritz) and not await polls.may_see(leipzig.rt, poll, None)
    status, _ = await meissen.get_json(ap_id)
    assert status == 404
    vote = vote_of(bob, ap_id, "B", author_ap_id=anna.ap_id)
    await send(leipzig, bob, vote)
    row = await handled(leipzig, vote["id"])
    assert row["state"] == "failed" and "may not vote" in row["last_error"]
    assert (await polls.poll_by_id(leipzig.rt, ap_id)).voters_count == 1
    await asyncio.sleep(polls.SETTLE_SECONDS + 0.5)  # when an Update would have gone out
    assert await leipzig.query("SELECT update_due_at FROM polls") == [{"update_due_at": None}]
    assert await deliveries_of(leipzig, ap_id) == 0  # no Update went anywhere
    assert len(await leipzig.query("SELECT 1 FROM activities WHERE object_ap_id = ?", (ap_id,))) == 1  # its Create
