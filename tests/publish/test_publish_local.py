"""An organisation space's internal draft published on the same (public) instance: the board's
public idea on the marketplace, nothing internal in it, the draft and its comments still internal;
who may publish; once only, also when two board members press at once or the command is cancelled."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.civic.test_cancellation import MAX_STEPS, run_cancelled
from tests.conftest import eventually
from tests.publish.publish_spaces import DRAFT, internal_draft, party_space
from wecreate_fed import ld
from wecreate_fed.civic import ideas
from wecreate_fed.civic.orgs import publishing
from wecreate_fed.errors import Conflict, Forbidden, NotFound

INTERNAL_COMMENT = "Intern: erst nach der Haushaltsklausur ankündigen."


async def idea_row(instance, ap_id):
    rows = await instance.query("SELECT * FROM ideas WHERE ap_id = ?", (ap_id,))
    return rows[0] if rows else None


async def test_a_board_member_publishes_the_draft_as_the_organisations_public_idea(leipzig):
    rt = leipzig.rt
    org, p = await party_space(leipzig)
    draft = await internal_draft(leipzig, org, p["carla"])
    await ideas.comment(rt, p["carla"], draft, INTERNAL_COMMENT)
    await ideas.support(rt, p["anna"], draft)

    # A member sees the draft but may not publish it; an outsider learns nothing of it.
    with pytest.raises(Forbidden):
        await publishing.publish(rt, p["carla"], draft)
    with pytest.raises(NotFound):
        await publishing.publish(rt, p["fritz"], draft)
    assert await leipzig.query("SELECT 1 FROM ideas WHERE author_id = ?", (org.id,)) == []

    published = await publishing.publish(rt, p["bert"], draft)
    public = await idea_row(leipzig, published.idea_ap_id)
    source = await idea_row(leipzig, draft)
    assert public["author_id"] == org.id and public["members_of"] is None and public["is_local"]
    for column in ("title", "summary", "body_source", "body_html", "kind", "language"):
        assert public[column] == source[column], column
    assert (public["support_count"], public["share_count"], public["comment_count"]) == (0, 0, 0)
    districts = await leipzig.query("SELECT district_ap_id FROM idea_districts WHERE idea_id = ?", (public["id"],))
    assert [d["district_ap_id"] for d in districts] == [f"{leipzig.base_url}/districts/west"]
    assert published.published_by == p["bert"].id and published.org_id == org.id

    # The public idea's document names nothing internal: no draft, no members collection, no comment.
    status, document = await leipzig.get_json(published.idea_ap_id)
    assert status == 200 and document["attributedTo"] == org.ap_id and document["to"] == [ld.PUBLIC]
    assert document["name"] == DRAFT["title"] and document["civicKind"] == "idea"
    text = json.dumps(document)
    assert draft not in text and draft.rsplit("/", 1)[1] not in text
    assert "/members" not in text and "Haushaltsklausur" not in text
    assert document["likes"]["totalItems"] == 0 and document["replies"]["totalItems"] == 0
    status, replies = await leipzig.get_json(f"{published.idea_ap_id}/replies")
    assert status == 200 and replies["totalItems"] == 0

    # On the marketplace with the party badge's category; the draft is not.
    status, market = await leipzig.get_json(f"{leipzig.base_url}/api/marketplace")
    assert status == 200
    listed = {item["id"]: item for item in market["items"]}
    assert listed[published.idea_ap_id]["author"]["category"] == "party"
    assert draft not in listed

    # The draft and its comments are not reachable from outside (signed or not).
    assert (await leipzig.get_json(draft))[0] == 404
    [comment] = await leipzig.query("SELECT ap_id FROM objects WHERE in_reply_to = ?", (draft,))
    assert (await leipzig.get_json(comment["ap_id"]))[0] == 404

    # Once only; and only a draft.
    with pytest.raises(Conflict) as again:
        await publishing.publish(rt, p["anna"], draft)
    assert again.value.code == "publish_already"
    with pytest.raises(Conflict) as public_one:
        await publishing.publish(rt, p["anna"], published.idea_ap_id)
    assert public_one.value.code == "publish_not_draft"
    # The draft says where it went, to the space's members.
    view = await publishing.view(rt, p["carla"], draft)
    assert view.publication == published and not view.may_publish and view.cities == []


async def test_two_board_members_at_once_publish_one_idea(leipzig):
    rt = leipzig.rt
    org, p = await party_space(leipzig)
    draft = await internal_draft(leipzig, org, p["carla"])
    results = await asyncio.gather(publishing.publish(rt, p["anna"], draft), publishing.publish(rt, p["bert"], draft),
                                   return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Publication"]
    assert len(await leipzig.query("SELECT 1 FROM ideas WHERE author_id = ?", (org.id,))) == 1
    assert len(await leipzig.query("SELECT 1 FROM activities WHERE actor_id = ? AND type = 'Create'",
                                   (org.id,))) == 1


async def test_a_cancelled_publication_leaves_the_idea_its_create_its_deliveries_and_the_record_or_nothing(
        make_instance):
    leipzig = await make_instance("leipzig")
    meissen = await make_instance("meissen")
    org, p = await party_space(leipzig)
    # Jonas on Meißen follows the party, so its public ideas are delivered to Meißen
    await meissen.create_user("jonas")
    await meissen.post_outbox("jonas", {"type": "Follow", "object": org.ap_id})
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="follow")
    # From here Leipzig's workers are paused, so the deliveries it queues stay in view
    await leipzig.stop()
    leipzig.run_workers = False
    await leipzig.start()

    steps, completed = 0, False
    while not completed:
        assert steps < MAX_STEPS, "the publication never completed"
        draft = await internal_draft(leipzig, org, p["carla"], title=f"Entwurf {steps}")

        async def publish(draft=draft):
            return await publishing.publish(leipzig.rt, p["bert"], draft)

        completed = await run_cancelled(publish, steps)
        record = await leipzig.query("SELECT p.*, i.ap_id FROM publications p JOIN ideas i ON i.id = p.idea_id "
                                     "WHERE p.draft_id = (SELECT id FROM ideas WHERE ap_id = ?)", (draft,))
        created = await leipzig.query(
            "SELECT a.object_ap_id, (SELECT count(*) FROM deliveries d WHERE d.activity_id = a.id) AS deliveries "
            "FROM activities a WHERE a.type = 'Create' AND a.actor_id = ? AND a.object_ap_id IN "
            "(SELECT ap_id FROM ideas WHERE title = ? AND author_id = ?)", (org.id, f"Entwurf {steps}", org.id))
        if record:
            # The idea, its Create, the Create's delivery to Meißen and the record committed together
            assert [c["object_ap_id"] for c in created] == [record[0]["ap_id"]], steps
            assert created[0]["deliveries"] == 1, steps
            with pytest.raises(Conflict, match="published already"):
                await publish()
        else:
            assert created == [], steps
            assert await leipzig.query("SELECT 1 FROM ideas WHERE title = ? AND author_id = ?",
                                       (f"Entwurf {steps}", org.id)) == [], steps
            await publish()  # the same command afterwards succeeds
        steps += 1
    assert steps > 5  # the cancellation really hit the command on its way
    assert not await leipzig.writer_in_transaction()


async def test_a_reform_proposal_keeps_its_kind_and_addressee(leipzig):
    org, p = await party_space(leipzig)
    council = await leipzig.create_user("stadtrat", type_="Organization", category="administration", name="Stadtrat")
    draft = await internal_draft(leipzig, org, p["carla"], kind="reform_proposal", addressed_to=council.ap_id)
    published = await publishing.publish(leipzig.rt, p["anna"], draft)
    status, document = await leipzig.get_json(published.idea_ap_id)
    assert status == 200 and document["civicKind"] == "reform_proposal"
    assert document["addressedTo"] == council.ap_id and document["attributedTo"] == org.ap_id
