"""Ideas across two real instances: published on Leipzig, supported, shared and commented on
from Meißen and by Mastodon-shaped activities; counts agree on both sides."""

from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import eventually, free_port, instance_config, load_fixture, post_signed
from wecreate_fed.civic import ideas
from wecreate_fed.errors import BadRequest

IDEA = {
    "type": "Note",
    "civicKind": "idea",
    "name": "Trinkbrunnen am Lindenauer Markt",
    "abstract": "Ein öffentlicher Trinkbrunnen für heiße Sommer.",
    "source": {"content": "Im Sommer fehlt **Wasser**.\n\n- Standort: Markt\n- Kosten: gering", "mediaType": "text/markdown"},
    "districts": ["west"],
    "tag": [{"type": "Hashtag", "name": "#Wasser"}, {"type": "Hashtag", "name": "#Sommer"}],
}


async def idea_row(instance, ap_id):
    rows = await instance.query("SELECT * FROM ideas WHERE ap_id = ?", (ap_id,))
    return rows[0] if rows else None


async def counts(instance, ap_id):
    row = await idea_row(instance, ap_id)
    return row and (row["support_count"], row["share_count"], row["comment_count"])


@pytest.fixture
async def published(leipzig, meissen):
    """Anna on Leipzig publishes an idea; Jonas on Meißen follows her, so it reaches Meißen."""
    anna = await leipzig.create_user("anna", name="Anna Schulz")
    jonas = await meissen.create_user("jonas", name="Jonas Weber")
    await meissen.post_outbox("jonas", {"type": "Follow", "object": anna.ap_id})
    await eventually(lambda: meissen.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="follow")
    status, body = await leipzig.post_outbox("anna", IDEA)
    assert status == 201, body
    idea_id = (await leipzig.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    await eventually(lambda: idea_row(meissen, idea_id), message="idea on Meißen")
    return anna, jonas, idea_id


async def test_published_idea_is_a_note_mastodon_renders_with_our_terms(leipzig, published):
    anna, jonas, idea_id = published
    status, document = await leipzig.get_json(idea_id)
    assert status == 200
    assert document["type"] == "Note" and document["name"] == IDEA["name"]
    # Mastodon shows `content`: title, summary, text, hashtags and a link back are all there
    assert "Trinkbrunnen am Lindenauer Markt" in document["content"]
    assert "<strong>Wasser</strong>" in document["content"] and "#<span>wasser</span>" in document["content"]
    assert document["url"] in document["content"]
    # the summary never goes into `summary` (a content warning on Mastodon)
    assert "summary" not in document and document["abstract"] == IDEA["abstract"]
    assert document["civicKind"] == "idea" and document["civicStatus"] == "proposed"
    assert document["districts"] == [f"{leipzig.base_url}/districts/west"]
    assert {t["name"] for t in document["tag"]} == {"#wasser", "#sommer"}
    assert document["likes"]["totalItems"] == 0


async def test_remote_idea_is_understood_fully_on_the_other_instance(meissen, published):
    anna, jonas, idea_id = published
    row = await idea_row(meissen, idea_id)
    assert row["title"] == IDEA["name"] and row["summary"] == IDEA["abstract"]
    assert "<strong>Wasser</strong>" in row["body_html"] and row["status"] == "proposed" and not row["is_local"]
    topics = await meissen.query("SELECT topic FROM idea_topics ORDER BY topic")
    assert [t["topic"] for t in topics] == ["sommer", "wasser"]


async def test_support_share_and_comment_from_another_instance_count_on_both_sides(leipzig, meissen, published):
    anna, jonas, idea_id = published
    # Jonas supports, shares and comments through his own instance
    status, like = await meissen.post_outbox("jonas", {"type": "Like", "object": idea_id})
    assert status == 201, like
    status, _ = await meissen.post_outbox("jonas", {"type": "Announce", "object": idea_id})
    assert status == 201
    status, _ = await meissen.post_outbox("jonas", {"type": "Note", "content": "Bin dabei!", "inReplyTo": idea_id})
    assert status == 201
    await eventually(lambda: _counts_are(leipzig, idea_id, (1, 1, 1)), message="counts on Leipzig")
    # Leipzig publishes the new counts; Meißen's copy agrees
    await eventually(lambda: _counts_are(meissen, idea_id, (1, 1, 1)), timeout=15, message="counts on Meißen")
    _, likes = await leipzig.get_json(f"{idea_id}/likes")
    assert likes["totalItems"] == 1
    _, replies = await leipzig.get_json(f"{idea_id}/replies")
    assert replies["totalItems"] == 1 and len(replies["orderedItems"]) == 1

    # A second support by the same person is refused and changes nothing
    status, error = await meissen.post_outbox("jonas", {"type": "Like", "object": idea_id})
    assert status == 409 and "already" in error["message"]

    # Withdrawing the support is reflected on both sides
    status, _ = await meissen.post_outbox("jonas", {"type": "Undo", "object": like["id"]})
    assert status == 201
    await eventually(lambda: _counts_are(leipzig, idea_id, (0, 1, 1)), message="withdrawn on Leipzig")
    await eventually(lambda: _counts_are(meissen, idea_id, (0, 1, 1)), timeout=15, message="withdrawn on Meißen")


async def test_mastodon_favourite_boost_and_reply_count_as_support_share_and_comment(leipzig, meissen, published):
    anna, jonas, idea_id = published
    values = dict(actor=jonas.ap_id, object=idea_id, object_author=anna.ap_id, actor_url=f"{meissen.base_url}/@jonas")
    for name in ("like.json", "announce.json", "reply.json"):
        activity = load_fixture(f"mastodon/{name}", **values)
        status, body = await post_signed(leipzig.shared_inbox, activity, key_id=jonas.key_id,
                                         private_key_pem=jonas.private_key_pem)
        assert status == 202, (name, body)
    # The same favourite delivered again changes nothing
    status, _ = await post_signed(leipzig.shared_inbox, load_fixture("mastodon/like.json", **values),
                                  key_id=jonas.key_id, private_key_pem=jonas.private_key_pem)
    assert status == 202
    await eventually(lambda: _counts_are(leipzig, idea_id, (1, 1, 1)), message="counted")
    comment = (await leipzig.query("SELECT content FROM objects WHERE in_reply_to = ?", (idea_id,)))[0]
    assert "Gute Idee" in comment["content"] and "<script" not in comment["content"]
    # Un-favouriting withdraws the support
    status, _ = await post_signed(leipzig.shared_inbox, load_fixture("mastodon/undo_like.json", **values),
                                  key_id=jonas.key_id, private_key_pem=jonas.private_key_pem)
    assert status == 202
    await eventually(lambda: _counts_are(leipzig, idea_id, (0, 1, 1)), message="withdrawn")


async def test_a_status_change_reaches_supporters(leipzig, meissen, published):
    anna, jonas, idea_id = published
    mehmet = await leipzig.create_user("mehmet")
    await leipzig.post_outbox("mehmet", {"type": "Like", "object": idea_id})
    await meissen.post_outbox("jonas", {"type": "Like", "object": idea_id})
    await eventually(lambda: _counts_are(leipzig, idea_id, (2, 0, 0)), message="two supports")
    # When Anna moves her idea into discussion
    status, body = await leipzig.post_outbox("anna", {"type": "Update", "object": {"id": idea_id, "civicStatus": "in_discussion"}})
    assert status == 201, body
    # Then the remote supporter's instance has the new status and its history, and the local supporter a notice
    await eventually(lambda: _status_is(meissen, idea_id, "in_discussion"), message="status on Meißen")
    history = await meissen.query("SELECT status FROM idea_status_changes ORDER BY id")
    assert [h["status"] for h in history] == ["proposed", "in_discussion"]
    notes = await leipzig.query("SELECT kind, actor_id FROM notifications WHERE kind <> 'support'")
    assert notes == [{"kind": "status_changed", "actor_id": mehmet.id}]
    await eventually(lambda: meissen.query("SELECT 1 FROM notifications WHERE actor_id = ? AND kind = 'status_changed'",
                                           (jonas.id,)), message="Jonas notified on Meißen")
    # Someone else may not change it: not his, a clear 403
    status, error = await meissen.post_outbox("jonas", {"type": "Update", "object": {"id": idea_id, "civicStatus": "implemented"}})
    assert status == 403 and error["error"] == "forbidden" and anna.ap_id in error["message"]


async def test_an_update_older_than_the_copy_kept_changes_nothing(leipzig, meissen, published):
    """A retried delivery after a newer one (or two handled out of order): the newer copy stays."""
    anna, jonas, idea_id = published
    status, body = await leipzig.post_outbox("anna", {"type": "Update", "object": {"id": idea_id, "civicStatus": "in_discussion"}})
    assert status == 201, body
    await eventually(lambda: _status_is(meissen, idea_id, "in_discussion"), message="status on Meißen")
    kept = await idea_row(meissen, idea_id)
    status, document = await leipzig.get_json(idea_id)
    assert status == 200 and document["updated"] == kept["updated"]
    anna = await leipzig.actor("anna")

    async def update(serial: str, **changes) -> None:
        activity = {"@context": document["@context"], "id": f"{anna.ap_id}/updates/{serial}", "type": "Update",
                    "actor": anna.ap_id, "to": document["to"], "cc": document.get("cc", []),
                    "object": {**document, **changes}}
        delivered, text = await post_signed(meissen.shared_inbox, activity, key_id=anna.key_id,
                                            private_key_pem=anna.private_key_pem)
        assert delivered == 202, text
        await eventually(lambda: meissen.query("SELECT 1 FROM incoming WHERE activity_ap_id = ? AND state = 'done'",
                                               (activity["id"],)), message=f"update {serial} handled")

    # An older one (a minute before, with the old status and title) changes nothing, in another offset
    older = (datetime.fromisoformat(kept["updated"].replace("Z", "+00:00")) - timedelta(minutes=1))
    await update("old", updated=older.astimezone(timezone(timedelta(hours=1))).isoformat(),
                 civicStatus="proposed", name="Alter Titel")
    row = await idea_row(meissen, idea_id)
    assert (row["status"], row["title"], row["updated"]) == ("in_discussion", IDEA["name"], kept["updated"])
    # A newer one (or one of the same time, as a count's Update is) is taken
    newer = (datetime.fromisoformat(kept["updated"].replace("Z", "+00:00")) + timedelta(minutes=1))
    await update("new", updated=newer.isoformat(), name="Trinkbrunnen am Markt")
    assert (await idea_row(meissen, idea_id))["title"] == "Trinkbrunnen am Markt"


async def test_deleting_an_idea_leaves_a_tombstone_everywhere(leipzig, meissen, published):
    anna, jonas, idea_id = published
    status, _ = await leipzig.post_outbox("anna", {"type": "Delete", "object": idea_id})
    assert status == 201
    status, tombstone = await leipzig.get_json(idea_id)
    assert status == 410 and tombstone["type"] == "Tombstone"
    await eventually(lambda: meissen.query("SELECT 1 FROM ideas WHERE ap_id = ? AND deleted_at IS NOT NULL", (idea_id,)),
                     message="tombstone on Meißen")


async def test_following_a_district_brings_its_new_ideas(leipzig, meissen):
    await leipzig.create_user("anna")
    await meissen.create_user("jonas")
    west = f"{leipzig.base_url}/districts/west"
    status, actor = await meissen.get_json(west)
    assert status == 200 and actor["type"] == "Group"
    await meissen.post_outbox("jonas", {"type": "Follow", "object": west})
    await eventually(lambda: meissen.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="district follow")
    status, body = await leipzig.post_outbox("anna", IDEA)
    assert status == 201
    idea_id = (await leipzig.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    await eventually(lambda: idea_row(meissen, idea_id), message="idea announced by the district")


@pytest.mark.parametrize("change, message", [
    ({"name": ""}, "title is required"),
    ({"districts": ["atlantis"]}, "unknown district 'atlantis'"),
    ({"districts": []}, "at least one district"),
    ({"source": {"content": "x" * 20_001, "mediaType": "text/markdown"}}, "body is longer than 20000"),
    ({"civicKind": "petition"}, "kind must be one of"),
    ({"civicKind": "reform_proposal"}, "needs addressed_to"),
])
async def test_bad_ideas_are_refused_and_nothing_is_stored(leipzig, change, message):
    await leipzig.create_user("anna")
    status, error = await leipzig.post_outbox("anna", {**IDEA, **change})
    assert status == 400 and message in error["message"]
    assert await leipzig.query("SELECT 1 FROM ideas") == []
    assert await leipzig.query("SELECT 1 FROM activities") == []


def test_every_problem_of_an_idea_names_its_field_and_code(tmp_path):
    config = instance_config(tmp_path, "leipzig", free_port())
    with pytest.raises(BadRequest) as refused:
        ideas.validate(config, {"title": "", "summary": "x" * 501, "kind": "reform_proposal",
                                "districts": ["west", "atlantis"], "topics": "a b c d e f g h i j k-l",
                                "image_url": "ftp://bild"})
    assert [(p.field, p.code, p.params) for p in refused.value.problems] == [
        ("title", "required", {}), ("summary", "too_long", {"limit": 500}),
        ("districts", "district_unknown", {"slug": "atlantis"}), ("topics", "too_many_topics", {"limit": 10}),
        ("topics", "topics_words", {}), ("image_url", "url", {}), ("addressed_to", "addressee_required", {})]
    assert str(refused.value).startswith("title is required; summary is longer than 500 characters; "
                                         "unknown district 'atlantis' (known: mitte, west)")


async def test_a_reform_proposal_is_addressed_to_an_organisation(leipzig):
    await leipzig.create_user("anna")
    stadt = await leipzig.create_user("stadt", type_="Organization")
    status, body = await leipzig.post_outbox("anna", {**IDEA, "civicKind": "reform_proposal", "addressedTo": stadt.ap_id})
    assert status == 201, body
    row = (await leipzig.query("SELECT kind, addressed_to FROM ideas"))[0]
    assert row == {"kind": "reform_proposal", "addressed_to": stadt.ap_id}
    status, error = await leipzig.post_outbox("anna", {**IDEA, "civicKind": "reform_proposal",
                                                       "addressedTo": f"{leipzig.base_url}/users/anna"})
    assert status == 400 and "organisation" in error["message"]


async def _counts_are(instance, ap_id, expected):
    return await counts(instance, ap_id) == expected


async def _status_is(instance, ap_id, status):
    row = await idea_row(instance, ap_id)
    return row and row["status"] == status


async def test_a_local_support_of_a_local_idea_is_applied_directly_not_through_our_inbox(leipzig):
    await leipzig.create_user("anna")
    mehmet = await leipzig.create_user("mehmet")
    lena = await leipzig.create_user("lena")
    # Lena follows the district West here, so its boost of a new idea has a local follower
    status, _ = await leipzig.post_outbox("lena", {"type": "Follow", "object": f"{leipzig.base_url}/districts/west"})
    assert status == 201
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE follower_id = ? AND state = 'accepted'",
                                           (lena.id,)), message="district follow")
    before = len(await leipzig.query("SELECT 1 FROM incoming"))
    status, _ = await leipzig.post_outbox("anna", IDEA)
    assert status == 201
    idea_id = (await leipzig.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    # Mehmet supports it on the website and shares it through his outbox
    await ideas.support(leipzig.rt, mehmet, idea_id)
    status, _ = await leipzig.post_outbox("mehmet", {"type": "Announce", "object": idea_id})
    assert status == 201
    # Counted at once, with the Like and Announce stored, and nothing put into our own inbox queue
    assert await counts(leipzig, idea_id) == (1, 1, 0)
    assert len(await leipzig.query("SELECT 1 FROM incoming")) == before
    assert [r["type"] for r in await leipzig.query(
        "SELECT type FROM activities WHERE actor_id = ? ORDER BY id", (mehmet.id,))] == ["Like", "Announce"]
    # The district's boost is no share: the share count stays Mehmet's one
    assert await leipzig.query("SELECT 1 FROM activities WHERE type = 'Announce' AND object_ap_id = ? AND actor_id "
                               "= (SELECT id FROM actors WHERE ap_id = ?)", (idea_id, f"{leipzig.base_url}/districts/west"))
    assert await leipzig.query("SELECT count(*) AS n FROM reactions WHERE object_ap_id = ?", (idea_id,)) == [{"n": 2}]
    # Withdrawn directly too
    await ideas.withdraw_support(leipzig.rt, mehmet, idea_id)
    assert await counts(leipzig, idea_id) == (0, 1, 0)
    assert len(await leipzig.query("SELECT 1 FROM incoming")) == before
