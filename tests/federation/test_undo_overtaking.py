"""An Undo that overtakes what it undoes (the Like's delivery failed and came again after the
Undo's, as a sender's retries do): the late activity changes nothing, and only its own actor's
Undo counts. The inbox worker here takes both rows in the order they arrived."""

from __future__ import annotations

import uuid

from tests.civic.test_events import EVENT, attendance
from tests.federation.conftest import handled
from wecreate_fed.civic import boxes, events

AS = "https://www.w3.org/ns/activitystreams"
IDEA = {"type": "Note", "civicKind": "idea", "name": "Trinkbrunnen am Lindenauer Markt",
        "source": {"content": "Im Sommer fehlt Wasser.", "mediaType": "text/markdown"}, "districts": ["west"]}


async def annas_idea(leipzig) -> str:
    status, _ = await leipzig.post_outbox("anna", IDEA)
    assert status == 201
    return (await leipzig.query("SELECT ap_id FROM ideas"))[0]["ap_id"]


def like(person, idea_id: str) -> dict:
    return {"@context": AS, "id": f"{person.ap_id}/likes/{uuid.uuid4()}", "type": "Like", "actor": person.ap_id,
            "object": idea_id}


def undo(person, activity: dict | str) -> dict:
    return {"@context": AS, "id": f"{person.ap_id}/undo/{uuid.uuid4()}", "type": "Undo", "actor": person.ap_id,
            "object": activity}


async def supports(leipzig, idea_id: str) -> int:
    return (await leipzig.query("SELECT support_count FROM ideas WHERE ap_id = ?", (idea_id,)))[0]["support_count"]


async def test_a_like_that_arrives_after_its_undo_is_no_support(paused):
    leipzig, anna, jonas = paused
    idea_id = await annas_idea(leipzig)
    support = like(jonas, idea_id)
    await handled(leipzig, (jonas, undo(jonas, support)), (jonas, support))
    assert await supports(leipzig, idea_id) == 0
    assert await leipzig.query("SELECT 1 FROM reactions") == []
    # a new support (a new Like, with its own id) counts again
    await handled(leipzig, (jonas, like(jonas, idea_id)))
    assert await supports(leipzig, idea_id) == 1


async def test_an_undo_by_someone_else_leaves_the_like(paused, meissen):
    leipzig, anna, jonas = paused
    lena = await meissen.create_user("lena")
    idea_id = await annas_idea(leipzig)
    support = like(jonas, idea_id)
    # Lena names Jonas's Like by its id only (embedded, it would be refused as someone else's)
    await handled(leipzig, (lena, undo(lena, support["id"])), (jonas, support))
    assert await supports(leipzig, idea_id) == 1


async def test_a_follow_that_arrives_after_its_undo_follows_no_one(paused):
    leipzig, anna, jonas = paused
    follow = {"@context": AS, "id": f"{jonas.ap_id}/follows/{uuid.uuid4()}", "type": "Follow",
              "actor": jonas.ap_id, "object": anna.ap_id}
    await handled(leipzig, (jonas, undo(jonas, follow)), (jonas, follow))
    assert await leipzig.query("SELECT 1 FROM follows") == []
    undone = await leipzig.query("SELECT ap_id, undone_by FROM undone_activities")
    assert undone == [{"ap_id": follow["id"], "undone_by": jonas.ap_id}]


async def test_an_undo_by_someone_else_first_does_not_keep_the_actors_own_undo_out(paused, meissen):
    leipzig, anna, jonas = paused
    lena = await meissen.create_user("lena")
    idea_id = await annas_idea(leipzig)
    support = like(jonas, idea_id)
    await handled(leipzig, (lena, undo(lena, support["id"])), (jonas, undo(jonas, support)), (jonas, support))
    assert await supports(leipzig, idea_id) == 0


# --- an Undo that comes after a newer activity of the same kind took its place ---------------

def follow(person, object_id: str) -> dict:
    return {"@context": AS, "id": f"{person.ap_id}/follows/{uuid.uuid4()}", "type": "Follow",
            "actor": person.ap_id, "object": object_id}


async def test_a_late_undo_of_an_earlier_follow_leaves_the_newer_one(paused):
    leipzig, anna, jonas = paused
    first, second = follow(jonas, anna.ap_id), follow(jonas, anna.ap_id)
    await handled(leipzig, (jonas, first), (jonas, second), (jonas, undo(jonas, first)))
    assert await leipzig.query("SELECT follow_ap_id FROM follows") == [{"follow_ap_id": second["id"]}]
    # the Undo of the newer one, or one with an id never seen here (as some servers send), still unfollows
    fresh = follow(jonas, anna.ap_id)
    await handled(leipzig, (jonas, undo(jonas, fresh)))
    assert await leipzig.query("SELECT 1 FROM follows") == []


async def test_a_late_undo_of_an_earlier_like_leaves_the_support(paused):
    leipzig, anna, jonas = paused
    idea_id = await annas_idea(leipzig)
    first, second = like(jonas, idea_id), like(jonas, idea_id)
    await handled(leipzig, (jonas, first), (jonas, second), (jonas, undo(jonas, first)))
    assert await supports(leipzig, idea_id) == 1
    await handled(leipzig, (jonas, undo(jonas, second)))
    assert await supports(leipzig, idea_id) == 0


async def test_a_late_undo_of_an_earlier_join_leaves_the_attendance_and_the_membership(paused):
    leipzig, anna, jonas = paused
    _, document = await events.publish(leipzig.rt, anna, EVENT)
    event_id = document["id"]
    box = await boxes.create(leipzig.rt, anna, {"name": "Trinkbrunnen West", "visibility": "open"})
    for object_id in (event_id, box.ap_id):
        first, second = follow(jonas, object_id), follow(jonas, object_id)
        first["type"] = second["type"] = "Join"
        await handled(leipzig, (jonas, first), (jonas, second), (jonas, undo(jonas, first)))
    members = "SELECT m.state FROM box_members m JOIN actors a ON a.id = m.actor_id WHERE a.ap_id = ?"
    assert await leipzig.query(members, (jonas.ap_id,)) == [{"state": "accepted"}]
    assert await attendance(leipzig, event_id) == {"jonas@remote": "accepted"}
