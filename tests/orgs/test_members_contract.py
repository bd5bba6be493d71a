"""The members contract (civic/audience.py, store/orgs.py, urls.members_collection_id) on a real
instance: who may see a members-only item, roles, the form value → members_of, the `to` address."""

import pytest

from wecreate_fed import urls
from wecreate_fed.civic import audience
from wecreate_fed.errors import BadRequest, NotFound
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import orgs as orgs_store
from wecreate_fed.store import schema


async def space(leipzig):
    """An Organization 'spd' with an admin (anna), a board member (bert), a member (carla), an
    invited (dora) and a requesting (emil) person, and an outsider (fritz)."""
    org = await leipzig.create_user("spd", type_="Organization", category="party", name="SPD Leipzig")
    people = {name: await leipzig.create_user(name) for name in ("anna", "bert", "carla", "dora", "emil", "fritz")}
    async with leipzig.rt.db.transaction() as conn:
        await orgs_store.put(conn, org.id, people["anna"].id, role="admin", state="accepted")
        await orgs_store.put(conn, org.id, people["bert"].id, role="board", state="accepted")
        await orgs_store.put(conn, org.id, people["carla"].id, role="member", state="accepted")
        await orgs_store.put(conn, org.id, people["dora"].id, role="member", state="invited",
                             invited_by=people["anna"].id)
        await orgs_store.put(conn, org.id, people["emil"].id, role="member", state="requested")
    return org, people


async def test_may_see_and_roles(leipzig, meissen):
    rt = leipzig.rt
    org, p = await space(leipzig)
    assert await audience.may_see(rt, None, None)  # the public audience: everyone
    assert await audience.may_see(rt, p["fritz"], None)
    for name in ("anna", "bert", "carla"):
        assert await audience.may_see(rt, p[name], org.id), name
    assert await audience.may_see(rt, org, org.id)  # the Organization account itself
    for name in ("dora", "emil", "fritz"):  # invited and requested are not members yet
        assert not await audience.may_see(rt, p[name], org.id), name
    assert not await audience.may_see(rt, None, org.id)
    # A remote actor (cached here) is never in an audience, even with the same username as a member.
    remote_anna = await meissen.create_user("anna")
    async with rt.db.transaction() as conn:
        cached = await actors_store.upsert_remote_actor(
            conn, document="{}", ap_id=remote_anna.ap_id, username="anna", domain=remote_anna.domain,
            type="Person", name="", summary="", inbox_url=remote_anna.inbox_url, category="citizen")
    assert not await audience.may_see(rt, cached, org.id)
    # An id that names no space (a person, a box) shows to no one rather than to everyone.
    assert not await audience.may_see(rt, p["anna"], p["anna"].id)
    # The instance actor's audience: every local account, no visitor.
    instance = await actors_store.get_instance_actor(rt.db.reader)
    assert await audience.may_see(rt, p["fritz"], instance.id)
    assert not await audience.may_see(rt, None, instance.id)

    assert await audience.role_in(rt, org, p["anna"]) == "admin"
    assert await audience.role_in(rt, org, p["bert"]) == "board"
    assert await audience.role_in(rt, org, p["carla"]) == "member"
    assert await audience.role_in(rt, org, org) == "admin"
    for name in ("dora", "emil", "fritz"):
        assert await audience.role_in(rt, org, p[name]) is None
    assert await audience.role_in(rt, org, None) is None
    assert await audience.role_in(rt, p["anna"], p["anna"]) is None  # a Person has no space

    await audience.require_see(rt, p["carla"], org.id, "idea")
    with pytest.raises(NotFound) as caught:
        await audience.require_see(rt, p["fritz"], org.id, "idea")
    assert caught.value.status == 404

    assert [o.username for o in await audience.organisations_of(rt, p["carla"])] == ["spd"]
    assert await audience.organisations_of(rt, p["dora"]) == []
    assert [o.username for o in await audience.organisations_of(rt, org)] == ["spd"]


async def test_members_of_choice(leipzig):
    rt = leipzig.rt
    org, p = await space(leipzig)
    assert await audience.members_of_choice(rt, p["carla"], None) is None
    assert await audience.members_of_choice(rt, p["carla"], "") is None
    assert await audience.members_of_choice(rt, p["carla"], "spd") == org.id
    assert await audience.members_of_choice(rt, p["carla"], "@SPD") == org.id
    assert await audience.members_of_choice(rt, org, "spd") == org.id
    for who, value in (("fritz", "spd"), ("dora", "spd"), ("carla", "nobody"), ("carla", "anna"),
                       ("carla", "instance")):  # "instance" only on a private instance
        with pytest.raises(BadRequest) as caught:
            await audience.members_of_choice(rt, p[who], value)
        assert (caught.value.field, caught.value.code) == ("members_of", "invalid_choice"), (who, value)
    with pytest.raises(BadRequest):
        await audience.members_of_choice(rt, p["carla"], 7)  # type: ignore[arg-type]


async def test_audience_collection(leipzig):
    org, _ = await space(leipzig)
    config = leipzig.config
    to = audience.audience_collection(config, org)
    assert to == urls.members_collection_id(config, "spd") == f"{org.ap_id}/members"
    assert urls.parse(config, to) == urls.Local("user", "spd", "members")
    instance = await actors_store.get_instance_actor(leipzig.rt.db.reader)
    assert audience.audience_collection(config, instance) == f"{config.base_url}/actor/members"
    assert await audience.audience_actor(leipzig.rt, org.id) == org
    assert await audience.audience_actor(leipzig.rt, None) is None


async def test_store_membership_rows(leipzig):
    org, p = await space(leipzig)
    conn = leipzig.rt.db.reader
    members = await orgs_store.list_members(conn, org.id)
    assert [(a.username, m.role) for a, m in members] == [("anna", "admin"), ("bert", "board"), ("carla", "member")]
    assert [a.username for a, _ in await orgs_store.list_members(conn, org.id, state="requested")] == ["emil"]
    assert await orgs_store.count_admins(conn, org.id) == 1
    assert sorted(await orgs_store.managers(conn, org.id)) == sorted([org.id, p["anna"].id, p["bert"].id])
    assert [o.username for o in await orgs_store.pending_of(conn, p["dora"].id, "invited")] == ["spd"]
    async with leipzig.rt.db.transaction() as wconn:
        await orgs_store.put(wconn, org.id, p["dora"].id, role="member", state="accepted")  # accepts
        assert await orgs_store.set_role(wconn, org.id, p["carla"].id, "board")
        assert await orgs_store.remove(wconn, org.id, p["bert"].id)
    conn = leipzig.rt.db.reader
    assert (await orgs_store.get(conn, org.id, p["dora"].id)).accepted_at is not None
    assert await orgs_store.accepted_role(conn, org.id, p["carla"].id) == "board"
    assert await orgs_store.get(conn, org.id, p["bert"].id) is None
    with pytest.raises(ValueError):
        async with leipzig.rt.db.transaction() as wconn:
            await orgs_store.put(wconn, org.id, p["fritz"].id, role="king", state="accepted")


async def test_audience_columns(leipzig):
    for table in ("ideas", "events", "objects"):
        columns = await schema.columns(leipzig.rt.db.reader, table)
        assert "members_of" in columns and not columns["members_of"], table  # present, and nullable
