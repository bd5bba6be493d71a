"""A Leave that overtakes its Join (the Join's delivery failed and came again after the Leave's,
as a sender's retries do): the late Join changes nothing, since its own `published` is older than
the Leave's. The sender's clock decides, not the order of arrival; the inbox worker here takes
the rows in the order they arrived."""

from __future__ import annotations

import uuid

from tests.civic.test_events import EVENT, attendance
from tests.federation.conftest import handled
from wecreate_fed.civic import boxes, events

AS = "https://www.w3.org/ns/activitystreams"


def said(kind: str, person, object_id: str, published: str | None) -> dict:
    activity = {"@context": AS, "id": f"{person.ap_id}/{kind.lower()}/{uuid.uuid4()}", "type": kind,
                "actor": person.ap_id, "object": object_id}
    return activity if published is None else {**activity, "published": published}


async def test_a_join_older_than_the_leave_before_it_attends_nothing(paused):
    leipzig, anna, jonas = paused
    _, document = await events.publish(leipzig.rt, anna, EVENT)
    event_id = document["id"]
    join = said("Join", jonas, event_id, "2026-12-04T10:00:00Z")
    # the same instant, written in another offset: a Leave wins a tie
    leave = said("Leave", jonas, event_id, "2026-12-04T12:00:00+02:00")
    await handled(leipzig, (jonas, leave), (jonas, join))
    assert await attendance(leipzig, event_id) == {}
    assert await leipzig.query("SELECT 1 FROM activities WHERE type IN ('Accept', 'Reject')") == []
    # a Join he sends after the Leave counts
    await handled(leipzig, (jonas, said("Join", jonas, event_id, "2026-12-04T10:05:00Z")))
    assert await attendance(leipzig, event_id) == {"jonas@remote": "accepted"}
    # and a Leave older than that Join, arriving after it, leaves him attending
    await handled(leipzig, (jonas, said("Leave", jonas, event_id, "2026-12-04T10:01:00Z")))
    assert await attendance(leipzig, event_id) == {"jonas@remote": "accepted"}
    [kept] = await leipzig.query("SELECT kind, said_at FROM join_leave_times")
    assert kept == {"kind": "Join", "said_at": "2026-12-04T10:05:00.000000Z"}


async def test_a_join_or_leave_without_a_readable_time_takes_effect_as_it_comes(paused):
    leipzig, anna, jonas = paused
    _, document = await events.publish(leipzig.rt, anna, EVENT)
    event_id = document["id"]
    await handled(leipzig, (jonas, said("Leave", jonas, event_id, "2026-12-04T10:00:00Z")),
                  (jonas, said("Join", jonas, event_id, None)))
    assert await attendance(leipzig, event_id) == {"jonas@remote": "accepted"}
    await handled(leipzig, (jonas, said("Leave", jonas, event_id, "gestern")))
    assert await attendance(leipzig, event_id) == {}
    # a time far ahead (a broken clock) is not read either: it would keep him from ever leaving
    await handled(leipzig, (jonas, said("Join", jonas, event_id, "9000-01-01T00:00:00Z")))
    await handled(leipzig, (jonas, said("Leave", jonas, event_id, "2026-12-04T10:30:00Z")))
    assert await attendance(leipzig, event_id) == {}


async def test_someone_elses_leave_keeps_no_one_out(paused, meissen):
    leipzig, anna, jonas = paused
    lena = await meissen.create_user("lena")
    _, document = await events.publish(leipzig.rt, anna, EVENT)
    event_id = document["id"]
    await handled(leipzig, (lena, said("Leave", lena, event_id, "2026-12-04T11:00:00Z")),
                  (jonas, said("Join", jonas, event_id, "2026-12-04T10:00:00Z")))
    assert await attendance(leipzig, event_id) == {"jonas@remote": "accepted"}


async def test_a_box_join_older_than_the_leave_before_it_makes_no_member(paused):
    leipzig, anna, jonas = paused
    box = await boxes.create(leipzig.rt, anna, {"name": "Trinkbrunnen West", "visibility": "open"})
    await handled(leipzig, (jonas, said("Leave", jonas, box.ap_id, "2026-12-04T10:00:01Z")),
                  (jonas, said("Join", jonas, box.ap_id, "2026-12-04T10:00:00Z")))
    members = "SELECT a.ap_id FROM box_members m JOIN actors a ON a.id = m.actor_id WHERE a.ap_id = ?"
    assert await leipzig.query(members, (jonas.ap_id,)) == []
    await handled(leipzig, (jonas, said("Join", jonas, box.ap_id, "2026-12-04T10:00:02Z")))
    assert await leipzig.query(members, (jonas.ap_id,)) == [{"ap_id": jonas.ap_id}]
