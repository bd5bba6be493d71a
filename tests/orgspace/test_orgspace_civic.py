"""Organisation spaces on two real instances: announcements and pins (the Organization's `featured`
collection holds the public pinned notes only, in Mastodon's shape, and its followers elsewhere
get Add / Remove), working groups as boxes inside the space, the directory, skills, the internal
calendar and drafts, and the space itself answering 404 to everyone but its members."""

import json

import pytest

from tests.conftest import eventually
from wecreate_fed import ld, urls
from wecreate_fed.civic import boxes, events, ideas
from wecreate_fed.civic.orgs import groups, pins, space
from wecreate_fed.errors import BadRequest, Conflict, Forbidden, NotFound
from wecreate_fed.store import boxes as box_store
from wecreate_fed.store import orgs as orgs_store


async def make_space(leipzig):
    """'spd' with an admin (anna), a board member (bert), a member (carla), a requesting person
    (emil) and an outsider (fritz)."""
    org = await leipzig.create_user("spd", type_="Organization", category="party", name="SPD Leipzig")
    people = {name: await leipzig.create_user(name, name=name.title()) for name in ("anna", "bert", "carla", "emil",
                                                                                    "fritz")}
    async with leipzig.rt.db.transaction() as conn:
        await orgs_store.put(conn, org.id, people["anna"].id, role="admin", state="accepted")
        await orgs_store.put(conn, org.id, people["bert"].id, role="board", state="accepted")
        await orgs_store.put(conn, org.id, people["carla"].id, role="member", state="accepted")
        await orgs_store.put(conn, org.id, people["emil"].id, role="member", state="requested")
    return org, people


async def activities_of(instance, actor_id: int, type_: str) -> list[dict]:
    """The actor's activities of a type, each with its deliveries' inboxes joined by commas (None: none)."""
    rows = await instance.query("SELECT a.id, a.ap_id, a.data FROM activities a "
                                "WHERE a.actor_id = ? AND a.type = ? ORDER BY a.id", (actor_id, type_))
    for row in rows:
        inboxes = await instance.query("SELECT inbox_url FROM deliveries WHERE activity_id = ? ORDER BY id",
                                       (row["id"],))
        row["inboxes"] = ",".join(d["inbox_url"] for d in inboxes) or None
    return rows


async def test_the_space_is_there_for_its_members_only(leipzig):
    rt = leipzig.rt
    org, p = await make_space(leipzig)
    for name in ("anna", "bert", "carla"):
        assert (await space.space_of(rt, "spd", p[name])).org.id == org.id
    assert (await space.space_of(rt, "spd", org)).role == "admin"  # the Organization account itself
    for who in (p["emil"], p["fritz"], None):  # requested is not a member yet; an outsider; a visitor
        with pytest.raises(NotFound):
            await space.space_of(rt, "spd", who)
    with pytest.raises(NotFound):  # a person has no space
        await space.space_of(rt, "anna", p["anna"])


async def test_public_pins_are_featured_members_only_ones_never(leipzig, meissen):
    rt = leipzig.rt
    org, p = await make_space(leipzig)
    await meissen.create_user("mia")
    status, body = await meissen.post_outbox("mia", {"type": "Follow", "object": org.ap_id})
    assert status == 201, body
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE followee_id = ? AND state = 'accepted'",
                                           (org.id,)), message="mia follows spd")
    board = await space.space_of(rt, "spd", p["bert"])
    public_id = await pins.announce(rt, board, "**Sommerfest** am 3. Juli, alle sind eingeladen", "public")
    internal_id = await pins.announce(rt, board, "Vorstandssitzung: Haushalt 2027 (intern)", "members")

    # The members-only note goes to the members collection and to no server; the public one to mia's.
    created = {json.loads(a["data"])["object"]["id"]: a for a in await activities_of(leipzig, org.id, "Create")}
    assert created[internal_id]["inboxes"] is None
    assert json.loads(created[internal_id]["data"])["to"] == [urls.members_collection_id(rt.config, "spd")]
    assert created[public_id]["inboxes"] == meissen.shared_inbox
    stored = await leipzig.query("SELECT ap_id, members_of, is_public FROM objects WHERE actor_id = ?", (org.id,))
    assert {r["ap_id"]: (r["members_of"], r["is_public"]) for r in stored} == {
        public_id: (None, 1), internal_id: (org.id, 0)}

    member = await space.space_of(rt, "spd", p["carla"])
    with pytest.raises(Forbidden):  # a member reads announcements, the board writes and pins them
        await pins.announce(rt, member, "Ich auch", "public")
    with pytest.raises(Forbidden):
        await pins.set_pinned(rt, member, public_id, True)
    with pytest.raises(BadRequest):
        await pins.announce(rt, board, "x", "followers")
    with pytest.raises(BadRequest):
        await pins.announce(rt, board, "   ", "members")

    await pins.set_pinned(rt, board, internal_id, True)
    await pins.set_pinned(rt, board, public_id, True)
    with pytest.raises(Conflict):
        await pins.set_pinned(rt, board, public_id, True)
    with pytest.raises(NotFound):  # only the space's own announcements
        await pins.set_pinned(rt, board, urls.id_of(rt.config, "object", "nope"), True)
    home = await space.home(rt, member)
    assert [a.ap_id for a in home["announcements"]][:2] == [public_id, internal_id]  # pinned, newest pin first
    assert all(a.pinned_at for a in home["announcements"])

    # The actor names its featured collection; it holds the public pinned note itself, nothing else.
    status, actor_doc = await meissen.get_json(org.ap_id)
    assert status == 200 and actor_doc["featured"] == urls.featured_of(org.ap_id)
    status, featured = await meissen.get_json(actor_doc["featured"])
    assert status == 200, featured
    assert featured["type"] == "OrderedCollection" and featured["totalItems"] == 1
    assert [n["id"] for n in featured["orderedItems"]] == [public_id]
    assert featured["orderedItems"][0]["type"] == "Note" and "Sommerfest" in featured["orderedItems"][0]["content"]
    assert "Haushalt" not in json.dumps(featured)
    # Mia's server was told of the pin (Add to featured), never of the members-only one.
    added = await activities_of(leipzig, org.id, "Add")
    assert len(added) == 1 and added[0]["inboxes"] == meissen.shared_inbox
    add = json.loads(added[0]["data"])
    assert add["object"] == public_id and add["target"] == urls.featured_of(org.ap_id) and ld.PUBLIC in add["to"]
    await eventually(lambda: meissen.query("SELECT 1 FROM incoming WHERE type = 'Add'"), message="Add delivered")

    await pins.set_pinned(rt, board, public_id, False)
    removed = await activities_of(leipzig, org.id, "Remove")
    assert len(removed) == 1 and json.loads(removed[0]["data"])["object"] == public_id
    status, featured = await meissen.get_json(urls.featured_of(org.ap_id))
    assert featured["totalItems"] == 0 and featured["orderedItems"] == []
    await pins.set_pinned(rt, board, internal_id, False)
    assert len(await activities_of(leipzig, org.id, "Remove")) == 1  # unpinning a members-only note tells no one
    # A person has no featured collection here.
    status, _ = await meissen.get_json(f"{p['anna'].ap_id}/collections/featured")
    assert status == 404


async def test_working_groups_are_boxes_inside_the_space(leipzig, meissen):
    rt = leipzig.rt
    org, p = await make_space(leipzig)
    board = await space.space_of(rt, "spd", p["bert"])
    with pytest.raises(Forbidden):
        await groups.create_group(rt, await space.space_of(rt, "spd", p["carla"]), {"name": "AG Verkehr"})
    group = await groups.create_group(rt, board, {"name": "AG Verkehr", "summary": "Radwege und Busse",
                                                  "purpose": "Ein Verkehrskonzept für den Kreis"})
    box, record = await boxes.local_box(rt, group.ap_id)
    assert record.org_id == org.id and record.visibility == "private"
    assert await boxes.role_of(rt, box, p["bert"]) == "owner"

    # Members of the space see it and join at once; an outsider neither sees nor joins it.
    assert await boxes.may_view(rt, box, record, p["carla"])
    assert await boxes.join(rt, p["carla"], box.ap_id) == "accepted"
    for who in (p["fritz"], p["emil"], None):
        assert not await boxes.may_view(rt, box, record, who)
    with pytest.raises(Forbidden):
        await boxes.join(rt, p["fritz"], box.ap_id)
    assert box.ap_id not in {b.ap_id for b, _ in await box_store.list_boxes(rt.db.reader,
                                                                           include_private_for=p["fritz"].id)}
    status, _ = await meissen.get_json(box.ap_id)  # another server: as if it were not there
    assert status == 404

    listed = await space.working_groups(rt, await space.space_of(rt, "spd", p["carla"]))
    assert [(g["box"].name, g["members"], g["joined"]) for g in listed] == [("AG Verkehr", 2, True)]
    directory = {e["actor"].username: e for e in await space.directory(rt, board)}
    assert set(directory) == {"anna", "bert", "carla"}
    assert directory["anna"]["role"] == "admin" and directory["bert"]["role"] == "board"
    assert [g.name for g in directory["carla"]["groups"]] == ["AG Verkehr"]
    assert directory["anna"]["groups"] == []


async def test_skills_are_each_members_own(leipzig):
    rt = leipzig.rt
    org, p = await make_space(leipzig)
    carla = await space.space_of(rt, "spd", p["carla"])
    assert await space.set_own_skills(rt, carla, "  Plakate kleben, <b>Kasse</b> prüfen ") == "Plakate kleben, Kasse prüfen"
    with pytest.raises(BadRequest) as too_long:
        await space.set_own_skills(rt, carla, "x" * (space.SKILLS_MAX + 1))
    assert too_long.value.field == "skills"
    directory = {e["actor"].username: e["skills"] for e in await space.directory(rt, carla)}
    assert directory == {"anna": "", "bert": "", "carla": "Plakate kleben, Kasse prüfen"}
    with pytest.raises(Forbidden):  # the Organization account is no row of its own directory
        await space.set_own_skills(rt, await space.space_of(rt, "spd", org), "alles")


async def test_calendar_and_drafts_hold_the_spaces_members_only_items(leipzig):
    rt = leipzig.rt
    org, p = await make_space(leipzig)

    def event(title: str) -> dict:
        return {"title": title, "description": "", "starts_at": "2030-05-01T18:00", "ends_at": "2030-05-01T20:00",
                "timezone": "Europe/Berlin", "place_name": "Geschäftsstelle"}

    _, internal = await ideas.publish(rt, p["anna"], {"title": "Entwurf Wahlprogramm", "summary": "intern",
                                                     "districts": ["west"]})
    _, public = await ideas.publish(rt, p["anna"], {"title": "Mehr Bänke", "summary": "öffentlich",
                                                   "districts": ["west"]})
    _, meeting = await events.publish(rt, p["anna"], event("Mitgliederversammlung"))
    _, open_event = await events.publish(rt, p["anna"], event("Infostand"))
    _, ag_meeting = await events.publish(rt, p["bert"], event("Treffen AG Verkehr"))
    async with rt.db.transaction() as conn:  # what the members part's forms store for "Nur Mitglieder"
        await conn.execute("UPDATE ideas SET members_of = ? WHERE ap_id = ?", (org.id, internal["id"]))
        await conn.execute("UPDATE events SET members_of = ? WHERE ap_id = ?", (org.id, meeting["id"]))
    board = await space.space_of(rt, "spd", p["bert"])
    await groups.create_group(rt, board, {"name": "AG Verkehr", "slug": "ag_verkehr"})
    await boxes.edit_profile(rt, p["bert"], "ag_verkehr", {"meeting_event_ap_id": ag_meeting["id"]})

    member = await space.space_of(rt, "spd", p["carla"])
    assert [i.ap_id for i, _ in await space.drafts(rt, member)] == [internal["id"]]
    assert [e.title for e in await space.calendar(rt, member)] == ["Mitgliederversammlung", "Treffen AG Verkehr"]
    home = await space.home(rt, member)
    assert [i.title for i, author in home["drafts"]] == ["Entwurf Wahlprogramm"]
    assert home["drafts"][0][1].username == "anna"
    assert {e.title for e in home["events"]} == {"Mitgliederversammlung", "Treffen AG Verkehr"}
    assert public["id"] not in {i.ap_id for i, _ in home["drafts"]} and open_event["id"]
