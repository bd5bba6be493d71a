"""Late activities about something that has moved on since: an organiser's answer to an earlier
Join or Follow of ours (withdrawn, then sent anew), or to the same Join after a newer answer to it, a retried Update of a post after a newer one,
a box's relay of a post after its Remove. Each changes nothing; the inbox worker here takes the
rows in the order they arrived, unless a test says otherwise."""

from __future__ import annotations

import uuid

from inbox.worker import InboxWorker
from outbox import c2s
from outbox.delivery import DeliveryWorker
from tests.civic.test_events import EVENT, attendance
from tests.conftest import eventually
from tests.federation.conftest import handled
from wecreate_fed.civic import boxes, events

AS = "https://www.w3.org/ns/activitystreams"


def act(kind: str, person, obj) -> dict:
    return {"@context": AS, "id": f"{person.ap_id}/{kind.lower()}/{uuid.uuid4()}", "type": kind,
            "actor": person.ap_id, "object": obj}


async def test_an_answer_to_an_earlier_join_of_ours_leaves_the_new_one_waiting(paused, meissen):
    leipzig, anna, jonas = paused
    _, document = await events.publish(meissen.rt, jonas, {**EVENT, "capacity": None})
    event_id = document["id"]
    first = await events.attend(leipzig.rt, anna, event_id)
    await events.leave(leipzig.rt, anna, event_id)  # withdrawn while waiting: Undo(Join)
    await events.attend(leipzig.rt, anna, event_id)
    # Meißen's Reject of the first Join comes late, embedding it (so it could be matched by who and what)
    late = act("Reject", jonas, {"id": first, "type": "Join", "actor": anna.ap_id, "object": event_id})
    await handled(leipzig, (jonas, late))
    assert await attendance(leipzig, event_id) == {"anna": "pending"}
    # while an answer embedding a Join with an id of Meißen's own is matched by who joined what
    other = act("Accept", jonas, {"id": f"{jonas.ap_id}/participations/1", "type": "Join", "actor": anna.ap_id,
                                  "object": event_id})
    await handled(leipzig, (jonas, other))
    assert await attendance(leipzig, event_id) == {"anna": "accepted"}


async def test_an_answer_to_a_join_of_ours_that_we_left_leaves_the_new_one_waiting(paused, meissen):
    leipzig, anna, jonas = paused
    _, document = await events.publish(meissen.rt, jonas, {**EVENT, "capacity": None})
    event_id = document["id"]
    first = await events.attend(leipzig.rt, anna, event_id)
    join = {"id": first, "type": "Join", "actor": anna.ap_id, "object": event_id}
    await handled(leipzig, (jonas, act("Accept", jonas, join)))
    await events.leave(leipzig.rt, anna, event_id)  # attending: a Leave of the event
    await events.attend(leipzig.rt, anna, event_id)
    await handled(leipzig, (jonas, act("Reject", jonas, join)))  # a retried answer to the first Join
    assert await attendance(leipzig, event_id) == {"anna": "pending"}


async def test_an_accept_retried_after_the_reject_that_removed_us_changes_nothing(paused, meissen):
    leipzig, anna, jonas = paused
    _, document = await events.publish(meissen.rt, jonas, {**EVENT, "capacity": None})
    event_id = document["id"]
    join = {"id": await events.attend(leipzig.rt, anna, event_id), "type": "Join", "actor": anna.ap_id,
            "object": event_id}
    accept = {**act("Accept", jonas, join), "published": "2026-12-04T10:00:00Z"}
    removed = {**act("Reject", jonas, join), "published": "2026-12-04T10:30:00Z"}
    # the Accept's first try failed; its retry comes after the Reject that took Anna off the list
    await handled(leipzig, (jonas, removed), (jonas, accept))
    assert await attendance(leipzig, event_id) == {"anna": "rejected"}
    # in the same instant (written in another offset) the Reject is the later answer
    again = {**act("Accept", jonas, join), "published": "2026-12-04T11:30:00+01:00"}
    await handled(leipzig, (jonas, again))
    assert await attendance(leipzig, event_id) == {"anna": "rejected"}
    # a newer Accept lets her in again, and an older Reject that comes after it (its first try
    # failed) does not take her off
    readmitted = {**act("Accept", jonas, join), "published": "2026-12-04T11:00:00Z"}
    older = {**act("Reject", jonas, join), "published": "2026-12-04T10:45:00Z"}
    await handled(leipzig, (jonas, readmitted), (jonas, older))
    assert await attendance(leipzig, event_id) == {"anna": "accepted"}
    # an answer without a time takes effect as it comes
    await handled(leipzig, (jonas, act("Reject", jonas, join)))
    assert await attendance(leipzig, event_id) == {"anna": "rejected"}


async def test_a_new_join_of_ours_is_answered_whatever_the_last_answers_time(paused, meissen):
    leipzig, anna, jonas = paused
    _, document = await events.publish(meissen.rt, jonas, {**EVENT, "capacity": None})
    event_id = document["id"]
    first = {"id": await events.attend(leipzig.rt, anna, event_id), "type": "Join", "actor": anna.ap_id,
             "object": event_id}
    await handled(leipzig, (jonas, {**act("Reject", jonas, first), "published": "2026-12-04T12:00:00Z"}))
    second = {"id": await events.attend(leipzig.rt, anna, event_id), "type": "Join", "actor": anna.ap_id,
              "object": event_id}
    # Meißen's clock is behind the first answer's here: the time of an answer to another Join is not compared
    await handled(leipzig, (jonas, {**act("Accept", jonas, second), "published": "2026-12-04T11:00:00Z"}))
    assert await attendance(leipzig, event_id) == {"anna": "accepted"}


async def test_a_late_reject_of_an_earlier_follow_of_ours_leaves_the_new_follow(paused):
    leipzig, anna, jonas = paused
    first = await c2s.follow(leipzig.rt, anna, {"type": "Follow", "object": jonas.ap_id})
    await c2s.undo(leipzig.rt, anna, {"type": "Undo", "object": first})
    second = await c2s.follow(leipzig.rt, anna, {"type": "Follow", "object": jonas.ap_id})
    accepted = act("Accept", jonas, {"id": second, "type": "Follow", "actor": anna.ap_id, "object": jonas.ap_id})
    late = act("Reject", jonas, {"id": first, "type": "Follow", "actor": anna.ap_id, "object": jonas.ap_id})
    await handled(leipzig, (jonas, accepted), (jonas, late))
    assert await leipzig.query("SELECT follow_ap_id, state FROM follows") == [
        {"follow_ap_id": second, "state": "accepted"}]


async def test_an_accept_of_the_first_of_two_follows_of_ours_accepts(paused):
    # Asked twice while waiting, a server that keeps the first request answers that one
    leipzig, anna, jonas = paused
    first = await c2s.follow(leipzig.rt, anna, {"type": "Follow", "object": jonas.ap_id})
    await c2s.follow(leipzig.rt, anna, {"type": "Follow", "object": jonas.ap_id})
    accepted = act("Accept", jonas, {"id": first, "type": "Follow", "actor": anna.ap_id, "object": jonas.ap_id})
    await handled(leipzig, (jonas, accepted))
    assert [r["state"] for r in await leipzig.query("SELECT state FROM follows")] == ["accepted"]


async def test_a_retried_update_of_a_post_leaves_the_newer_copy(paused):
    leipzig, anna, jonas = paused
    note = {"id": f"{jonas.ap_id}/notes/{uuid.uuid4()}", "type": "Note", "attributedTo": jonas.ap_id,
            "to": [anna.ap_id], "content": "<p>erste Fassung</p>", "published": "2026-12-04T09:00:00Z"}
    newer = act("Update", jonas, {**note, "content": "<p>dritte Fassung</p>", "updated": "2026-12-04T11:00:00Z"})
    older = act("Update", jonas, {**note, "content": "<p>zweite Fassung</p>", "updated": "2026-12-04T12:00:00+02:00"})
    await handled(leipzig, (jonas, act("Create", jonas, note)), (jonas, newer), (jonas, older))
    rows = await leipzig.query("SELECT content FROM objects WHERE ap_id = ?", (note["id"],))
    assert rows == [{"content": "<p>dritte Fassung</p>"}]
    # an Update without a time, or a newer one, still changes it
    await handled(leipzig, (jonas, act("Update", jonas, {**note, "content": "<p>vierte Fassung</p>"})))
    rows = await leipzig.query("SELECT content FROM objects WHERE ap_id = ?", (note["id"],))
    assert rows == [{"content": "<p>vierte Fassung</p>"}]


async def test_a_boxs_relay_handled_after_its_remove_stores_nothing(paused, meissen):
    leipzig, anna, jonas = paused
    box = await boxes.create(meissen.rt, jonas, {"name": "Altstadt", "slug": "altstadt", "visibility": "open"})
    assert await boxes.join(leipzig.rt, anna, box.ap_id) == "pending"
    await DeliveryWorker(leipzig.rt).run_once()  # the Follow goes out; Meißen's Accept comes back
    await eventually(lambda: leipzig.query("SELECT 1 FROM incoming WHERE type = 'Accept'"), message="Accept")
    await InboxWorker(leipzig.rt).run_once()
    assert await leipzig.query("SELECT state FROM follows") == [{"state": "accepted"}]
    await boxes.post(meissen.rt, jonas, box.ap_id, "Treffen am Markt")
    await eventually(lambda: leipzig.query("SELECT 1 FROM incoming WHERE type = 'Announce'"), message="relayed")
    [post] = await meissen.query("SELECT ap_id FROM objects WHERE audience = ?", (box.ap_id,))
    await boxes.remove_post(meissen.rt, jonas, "altstadt", post["ap_id"])
    await eventually(lambda: leipzig.query("SELECT 1 FROM incoming WHERE type = 'Remove'"), message="removed")
    # the relay (an Announce of the Create, and one of the post) is handled after the Remove, as
    # when its first try failed
    await due(leipzig, "Announce", "9999-01-01T00:00:00.000000Z")
    assert await InboxWorker(leipzig.rt).run_once() == 1
    await due(leipzig, "Announce", "2000-01-01T00:00:00.000000Z")
    assert await InboxWorker(leipzig.rt).run_once() == 2
    assert await leipzig.query("SELECT state, last_error FROM incoming WHERE type = 'Announce'") == [
        {"state": "done", "last_error": None}] * 2
    assert await leipzig.query("SELECT 1 FROM objects WHERE ap_id = ? AND deleted_at IS NULL", (post["ap_id"],)) == []


async def due(instance, kind: str, at: str) -> None:
    async with instance.rt.db.transaction() as conn:
        await conn.execute("UPDATE incoming SET next_attempt_at = ? WHERE type = ?", (at, kind))
