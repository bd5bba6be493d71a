"""Late activities about something that has moved on since: an organiser's answer to an earlier
Join or Follow of ours (withdrawn, then sent anew) and a retried Update of a post after a newer
one. Each changes nothing; the inbox worker here takes the rows in the order they arrived."""

from __future__ import annotations

import uuid

from outbox import c2s
from tests.civic.test_events import EVENT, attendance
from tests.federation.conftest import handled
from wecreate_fed.civic import events

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
    second = await events.attend(leipzig.rt, anna, event_id)
    # Meißen's Reject of the first Join comes late, embedding it (so it could be matched by who and what)
    late = act("Reject", jonas, {"id": first, "type": "Join", "actor": anna.ap_id, "object": event_id})
    await handled(leipzig, (jonas, late))
    assert await attendance(leipzig, event_id) == {"anna": "pending"}
    # while an answer embedding a Join with an id of Meißen's own is matched by who joined what
    other = act("Accept", jonas, {"id": f"{jonas.ap_id}/participations/1", "type": "Join", "actor": anna.ap_id,
                                  "object": event_id})
    await handled(leipzig, (jonas, other))
    assert await attendance(leipzig, event_id) == {"anna": "accepted"}
    assert second != first


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
