"""Ownership is what we stored, not the host: another user of the same server (Mallory next to
Jonas on Meißen) cannot rewrite or re-create Jonas's ideas, events, comments, box posts,
motions or actor document on Leipzig; what Jonas deleted stays deleted."""

import uuid

import pytest

from tests.conftest import eventually, post_signed, signed_by
from wecreate_fed import ld
from wecreate_fed.civic import boxes, ideas, motions
from wecreate_fed.errors import Gone
from wecreate_fed.store import accounts as accounts_store

AS = "https://www.w3.org/ns/activitystreams"


async def deliver(instance, actor, activity: dict) -> str:
    """Post a signed activity to the shared inbox; 'done' or 'refused' once the inbox worker handled it."""
    status, body = await post_signed(instance.shared_inbox, activity, key_id=actor.key_id,
                                     private_key_pem=actor.private_key_pem)
    assert status == 202, body
    rows = await eventually(lambda: instance.query(
        "SELECT state, last_error, attempts FROM incoming WHERE activity_ap_id = ? AND state != 'pending'",
        (activity["id"],)), message=f"{activity['type']} handled")
    row = rows[0]
    if row["state"] == "done":
        return "done"
    # Refused for good: not retried, and for an ownership reason.
    assert row["state"] == "failed" and row["attempts"] == 1, row
    assert row["last_error"].startswith(("Forbidden", "Gone")), row
    return "refused"


def activity(type_: str, actor, obj, **extra) -> dict:
    addressing = {k: obj[k] for k in ("to", "cc", "audience") if isinstance(obj, dict) and k in obj}
    return {"@context": AS, "id": f"{actor.ap_id}/activities/{uuid.uuid4()}", "type": type_, "actor": actor.ap_id,
            "object": obj, **addressing, **extra}


def delete(actor, object_id: str) -> dict:
    return activity("Delete", actor, {"id": object_id, "type": "Tombstone"}, to=[ld.PUBLIC])


class Kind:
    """How one kind of object is written, and where Leipzig keeps its text."""

    def __init__(self, name, document, table, column, text_field):
        self.name, self.document, self.table, self.column, self.text_field = name, document, table, column, text_field

    def text(self, words: str) -> str:
        return f"<p>{words}</p>" if self.text_field == "content" else words

    def make(self, ap_id: str, author, words: str, world) -> dict:
        return {"id": ap_id, "attributedTo": author.ap_id, **self.document(world), self.text_field: self.text(words)}

    async def stored(self, instance, ap_id: str):
        rows = await instance.query(f"SELECT {self.column} AS text, deleted_at FROM {self.table} WHERE ap_id = ?",
                                    (ap_id,))
        return rows[0] if rows else None


def _public(world):
    return {"to": [ld.PUBLIC], "cc": [world["jonas"].followers_url]}


KINDS = {
    "idea": Kind("idea", lambda w: {"type": "Note", "civicKind": "idea", "abstract": "Kurz.", "content": "<p>Text</p>",
                                    **_public(w)}, "ideas", "title", "name"),
    "event": Kind("event", lambda w: {"type": "Event", "startTime": "2026-12-10T18:00:00+01:00",
                                      "endTime": "2026-12-10T20:00:00+01:00", **_public(w)}, "events", "title", "name"),
    "comment": Kind("comment", lambda w: {"type": "Note", "inReplyTo": w["idea_id"], **_public(w)},
                    "objects", "content", "content"),
    "box post": Kind("box post", lambda w: {"type": "Note", "audience": w["box"].ap_id, "to": [w["box"].ap_id]},
                     "objects", "content", "content"),
}


@pytest.fixture
async def world(leipzig, meissen):
    """Anna on Leipzig follows Jonas (the author) and Mallory (the attacker), both on Meißen, who are
    both members of Anna's box; Anna has an idea to comment on."""
    anna = await leipzig.create_user("anna")
    jonas = await meissen.create_user("jonas")
    mallory = await meissen.create_user("mallory")
    box = await boxes.create(leipzig.rt, anna, {"name": "Nachbarschaft", "slug": "nachbarn"})
    for person in (jonas, mallory):
        status, body = await leipzig.post_outbox("anna", {"type": "Follow", "object": person.ap_id})
        assert status == 201, body
        status, body = await meissen.post_outbox(person.username, {"type": "Follow", "object": box.ap_id})
        assert status == 201, body
    await eventually(lambda: _count(leipzig, "SELECT count(*) AS n FROM follows WHERE state = 'accepted' "
                                             "AND follower_id = ?", 2, (anna.id,)), message="Anna follows both")
    await eventually(lambda: _count(leipzig, "SELECT count(*) AS n FROM box_members WHERE state = 'accepted'", 3),
                     message="both in the box")
    status, body = await leipzig.post_outbox("anna", {"type": "Note", "civicKind": "idea", "name": "Bänke",
                                                      "source": {"content": "Mehr Bänke", "mediaType": "text/markdown"},
                                                      "districts": ["west"]})
    assert status == 201, body
    idea_id = (await leipzig.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    return dict(leipzig=leipzig, meissen=meissen, anna=anna, jonas=jonas, mallory=mallory, box=box, idea_id=idea_id)


async def _count(instance, sql: str, expected: int, params=()) -> bool:
    return (await instance.query(sql, params))[0]["n"] == expected


@pytest.mark.parametrize("kind_name", list(KINDS))
async def test_only_the_stored_author_changes_an_object_and_a_deleted_one_stays_deleted(world, kind_name):
    kind = KINDS[kind_name]
    leipzig, jonas, mallory = world["leipzig"], world["jonas"], world["mallory"]
    ap_id = f"{jonas.ap_id}/{kind_name.replace(' ', '_')}/{uuid.uuid4()}"
    seen = {}

    async def step(name: str, actor, act: dict) -> None:
        outcome = await deliver(leipzig, actor, act)
        row = await kind.stored(leipzig, ap_id)
        seen[name] = (outcome, row and row["text"], row is not None and row["deleted_at"] is not None)

    await step("author creates", jonas, activity("Create", jonas, kind.make(ap_id, jonas, "Original", world)))
    await step("attacker updates", mallory, activity("Update", mallory, kind.make(ap_id, mallory, "Gekapert", world)))
    await step("attacker creates the same id", mallory,
               activity("Create", mallory, kind.make(ap_id, mallory, "Gekapert", world)))
    await step("author updates", jonas, activity("Update", jonas, kind.make(ap_id, jonas, "Verbessert", world)))
    await step("attacker deletes", mallory, delete(mallory, ap_id))
    await step("author deletes", jonas, delete(jonas, ap_id))
    await step("author creates it again", jonas, activity("Create", jonas, kind.make(ap_id, jonas, "Zurück", world)))
    await step("attacker creates it again", mallory,
               activity("Create", mallory, kind.make(ap_id, mallory, "Zurück", world)))
    await step("author updates the deleted", jonas, activity("Update", jonas, kind.make(ap_id, jonas, "Zurück", world)))

    text = kind.text
    deleted_text = "" if kind.table == "objects" else text("Verbessert")  # a post's content goes with it
    assert seen == {
        "author creates": ("done", text("Original"), False),
        "attacker updates": ("refused", text("Original"), False),
        "attacker creates the same id": ("refused", text("Original"), False),
        "author updates": ("done", text("Verbessert"), False),
        "attacker deletes": ("refused", text("Verbessert"), False),
        "author deletes": ("done", deleted_text, True),
        "author creates it again": ("refused", deleted_text, True),
        "attacker creates it again": ("refused", deleted_text, True),
        "author updates the deleted": ("refused", deleted_text, True),
    }


@pytest.mark.parametrize("kind_name", ["idea", "comment"])
async def test_a_delete_that_overtook_its_create_keeps_the_object_out(world, kind_name):
    """The Delete arrives first (we never had the object): the late Create does not bring it in."""
    kind = KINDS[kind_name]
    leipzig, jonas = world["leipzig"], world["jonas"]
    ap_id = f"{jonas.ap_id}/{kind_name}/{uuid.uuid4()}"
    assert await deliver(leipzig, jonas, delete(jonas, ap_id)) == "done"
    assert await deliver(leipzig, jonas, activity("Create", jonas, kind.make(ap_id, jonas, "Spät", world))) == "refused"
    assert await kind.stored(leipzig, ap_id) is None


async def test_a_neighbour_cannot_update_someone_elses_actor_document(world):
    leipzig, jonas, mallory = world["leipzig"], world["jonas"], world["mallory"]
    before = (await leipzig.query("SELECT name, inbox_url, document FROM actors WHERE ap_id = ?", (jonas.ap_id,)))[0]
    forged = {"id": jonas.ap_id, "type": "Person", "name": "Gekapert", "inbox": f"{mallory.ap_id}/inbox"}
    assert await deliver(leipzig, mallory, activity("Update", mallory, forged, to=[ld.PUBLIC])) == "refused"
    assert (await leipzig.query("SELECT name, inbox_url, document FROM actors WHERE ap_id = ?", (jonas.ap_id,)))[0] == before
    # Jonas updating himself still works (the handler refetches his document)
    own = {"id": jonas.ap_id, "type": "Person", "name": "Jonas"}
    assert await deliver(leipzig, jonas, activity("Update", jonas, own, to=[ld.PUBLIC])) == "done"


async def test_a_neighbour_cannot_update_or_offer_again_a_motion_of_another_box(leipzig, meissen):
    # A box on Meißen sends a motion to a council on Leipzig; Mallory, also on Meißen, tries to rewrite it.
    council = await leipzig.create_user("beirat", type_="Organization", category="administration")
    jonas = await meissen.create_user("jonas")
    mallory = await meissen.create_user("mallory")
    box = await boxes.create(meissen.rt, jonas, {"name": "Laternen", "slug": "laternen"})
    motion_id = await motions.draft(meissen.rt, jonas, "laternen", {
        "title": "Beleuchtung Elbufer", "request": "Laternen am Elbufer", "district": "west",
        "council": council.ap_id, "required_cosigners": 0})
    await motions.submit(meissen.rt, jonas, motion_id)
    await eventually(lambda: leipzig.query("SELECT 1 FROM motions WHERE ap_id = ?", (motion_id,)), message="motion")
    forged = {"id": motion_id, "type": "Note", "civicKind": "motion", "name": "Gekapert",
              "attributedTo": mallory.ap_id, "source": {"content": "Gekapert", "mediaType": "text/markdown"}}
    assert await deliver(leipzig, mallory, activity("Update", mallory, forged, to=[council.ap_id])) == "refused"
    assert await deliver(leipzig, mallory, activity("Offer", mallory, forged, to=[council.ap_id],
                                                    target=council.ap_id)) == "refused"
    rows = await leipzig.query("SELECT title, box_ap_id, created_by FROM motions WHERE ap_id = ?", (motion_id,))
    assert rows == [{"title": "Beleuchtung Elbufer", "box_ap_id": box.ap_id, "created_by": box.ap_id}]


async def test_a_deleted_remote_idea_is_not_fetched_back(leipzig, meissen):
    # Jonas's idea is still served by Meißen, but Leipzig got his Delete (before ever having it):
    # looking it up later (a visitor's remote interaction, a boost) must not bring it in.
    jonas = await meissen.create_user("jonas")
    status, body = await meissen.post_outbox("jonas", {"type": "Note", "civicKind": "idea", "name": "Brunnen",
                                                       "abstract": "Wasser", "districts": ["west"]})
    assert status == 201, body
    idea_id = (await meissen.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    assert await deliver(leipzig, jonas, delete(jonas, idea_id)) == "done"
    with pytest.raises(Gone):
        await ideas.find_or_fetch(leipzig.rt, idea_id)
    assert await leipzig.query("SELECT 1 FROM ideas WHERE ap_id = ?", (idea_id,)) == []


async def test_the_client_outbox_refuses_changing_what_is_not_ones_own(leipzig):
    anna = await leipzig.create_user("anna")
    await leipzig.create_user("mehmet")
    status, body = await leipzig.post_outbox("anna", {"type": "Note", "content": "Meins", "to": [ld.PUBLIC]})
    assert status == 201, body
    note_id = (await leipzig.query("SELECT ap_id FROM objects WHERE actor_id = ?", (anna.id,)))[0]["ap_id"]
    status, body = await leipzig.post_outbox("anna", {"type": "Note", "civicKind": "idea", "name": "Bänke",
                                                      "districts": ["west"]})
    assert status == 201, body
    idea_id = (await leipzig.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    for object_id, change in ((note_id, {"content": "Gekapert"}), (idea_id, {"name": "Gekapert"})):
        status, error = await leipzig.post_outbox("mehmet", {"type": "Update", "object": {"id": object_id, **change}})
        assert status == 403 and error["error"] == "forbidden" and anna.ap_id in error["message"], error
        status, error = await leipzig.post_outbox("mehmet", {"type": "Delete", "object": object_id})
        assert status == 403, error
    assert (await leipzig.query("SELECT content FROM objects WHERE ap_id = ?", (note_id,)))[0]["content"] == "Meins"
    assert (await leipzig.query("SELECT title FROM ideas WHERE ap_id = ?", (idea_id,)))[0]["title"] == "Bänke"
    # Once Anna deleted her note, it answers 410 with a Tombstone, and even she cannot change it again
    status, body = await leipzig.post_outbox("anna", {"type": "Delete", "object": note_id})
    assert status == 201, body
    status, document = await leipzig.get_json(note_id)
    assert status == 410 and document["type"] == "Tombstone"
    status, error = await leipzig.post_outbox("anna", {"type": "Update", "object": {"id": note_id, "content": "Wieder"}})
    assert status == 410 and error["error"] == "gone", error


async def test_a_deleted_local_actor_answers_410_with_a_tombstone(leipzig):
    anna = await leipzig.create_user("anna")
    async with leipzig.rt.db.transaction() as conn:
        await accounts_store.mark_local_actor_deleted(conn, anna.id)  # what deleting one's account does
    status, document = await leipzig.get_json(anna.ap_id)
    assert status == 410
    assert document["type"] == "Tombstone" and document["id"] == anna.ap_id and document["formerType"] == "Person"
    status, _ = await leipzig.get_json(f"{leipzig.base_url}/users/nobody")
    assert status == 404


async def test_a_box_relaying_a_members_change_is_held_to_the_same_rule(leipzig, meissen):
    # A box on Meißen that Anna (Leipzig) belongs to relays its members' activities (FEP-1b12).
    anna = await leipzig.create_user("anna")
    jonas = await meissen.create_user("jonas")
    mallory = await meissen.create_user("mallory")
    box = await boxes.create(meissen.rt, jonas, {"name": "Elbe", "slug": "elbe"})
    status, body = await leipzig.post_outbox("anna", {"type": "Follow", "object": box.ap_id})
    assert status == 201, body
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE follower_id = ? AND state = 'accepted'",
                                           (anna.id,)), message="Anna in the box")
    post_id = f"{jonas.ap_id}/posts/{uuid.uuid4()}"

    async def relayed(type_: str, member, words: str) -> dict:
        """The box's Announce of a member's activity, which carries that member's real proof."""
        post = {"id": post_id, "type": "Note", "attributedTo": member.ap_id, "content": f"<p>{words}</p>",
                "audience": box.ap_id, "to": [box.ap_id]}
        inner = await signed_by(meissen, member, activity(type_, member, post))
        return activity("Announce", box, inner, to=[ld.PUBLIC])

    async def content():
        return (await leipzig.query("SELECT content FROM objects WHERE ap_id = ?", (post_id,)))[0]["content"]

    assert await deliver(leipzig, box, await relayed("Create", jonas, "Treffen")) == "done"
    assert await content() == "<p>Treffen</p>"
    assert await deliver(leipzig, box, await relayed("Update", mallory, "Gekapert")) == "refused"
    assert await deliver(leipzig, box, await relayed("Create", mallory, "Gekapert")) == "refused"
    assert await content() == "<p>Treffen</p>"
    assert await deliver(leipzig, jonas, delete(jonas, post_id)) == "done"
    assert await deliver(leipzig, box, await relayed("Create", jonas, "Wieder da")) == "refused"
    assert await content() == ""
