"""Membership of an organisation space: invite, ask and approve, answer, leave, remove, roles (never
the last admin), each with its notification; and the page /@<org>/members that does it."""

from __future__ import annotations

import pytest

from tests.web.conftest import Visitor
from wecreate_fed.civic import audience
from wecreate_fed.civic.orgs import membership
from wecreate_fed.errors import Conflict, Forbidden, NotFound

PASSWORD = "sicheres-passwort"


async def people(leipzig, *names):
    return [await leipzig.create_user(n, password=PASSWORD) for n in names]


async def kinds(leipzig, actor) -> list[str]:
    rows = await leipzig.query("SELECT kind FROM notifications WHERE actor_id = ? ORDER BY id", (actor.id,))
    return [r["kind"] for r in rows]


async def test_the_whole_membership_cycle(leipzig):
    rt = leipzig.rt
    org = await leipzig.create_user("spd", type_="Organization", category="party", name="SPD Leipzig")
    anna, bert, carla, dora = await people(leipzig, "anna", "bert", "carla", "dora")

    # The Organization account is admin of its own space: it invites anna as admin.
    assert await membership.invite(rt, org, org, anna, "admin") == "invited"
    assert await audience.role_in(rt, org, anna) is None  # not before she accepts
    await membership.answer_invitation(rt, anna, org, True)
    assert await audience.role_in(rt, org, anna) == "admin"
    assert await kinds(leipzig, anna) == ["members_invited"] and await kinds(leipzig, org) == ["members_joined"]

    # bert asks; a member cannot approve, the admin can; he is told.
    assert await membership.request(rt, bert, org) == "requested"
    assert "members_requested" in await kinds(leipzig, anna)
    with pytest.raises(Conflict):
        await membership.request(rt, bert, org)
    await membership.answer_request(rt, anna, org, bert, approve=True)
    assert await audience.role_in(rt, org, bert) == "member" and await kinds(leipzig, bert) == ["members_approved"]
    with pytest.raises(Forbidden):
        await membership.invite(rt, bert, org, carla)  # a plain member invites nobody
    with pytest.raises(Forbidden):
        await membership.change_role(rt, bert, org, bert, "admin")

    # Roles: admins only; a board member invites members but not board members; declines are gone.
    await membership.change_role(rt, anna, org, bert, "board")
    assert "members_role" in await kinds(leipzig, bert)
    with pytest.raises(Forbidden):
        await membership.invite(rt, bert, org, carla, "admin")
    await membership.invite(rt, bert, org, carla)
    with pytest.raises(Conflict):
        await membership.invite(rt, bert, org, carla)
    await membership.answer_invitation(rt, carla, org, False)
    assert await leipzig.query("SELECT 1 FROM org_members WHERE actor_id = ?", (carla.id,)) == []
    with pytest.raises(NotFound):
        await membership.answer_invitation(rt, carla, org, True)
    # A request turned down; an outstanding invitation accepted by asking.
    await membership.request(rt, dora, org)
    await membership.answer_request(rt, bert, org, dora, approve=False)
    assert "members_declined" in await kinds(leipzig, dora) and await audience.role_in(rt, org, dora) is None
    await membership.invite(rt, anna, org, dora)
    assert await membership.request(rt, dora, org) == "accepted"

    # Never the last admin: anna can neither leave nor be demoted nor removed while she is the only one.
    with pytest.raises(Conflict) as caught:
        await membership.leave(rt, anna, org)
    assert caught.value.code == "members_last_admin"
    with pytest.raises(Conflict):
        await membership.change_role(rt, org, org, anna, "member")
    with pytest.raises(Conflict):
        await membership.remove(rt, org, org, anna)
    with pytest.raises(Forbidden):
        await membership.remove(rt, bert, org, anna)  # the board does not remove admins
    await membership.change_role(rt, anna, org, bert, "admin")
    await membership.change_role(rt, bert, org, anna, "member")  # now there is another admin
    assert await audience.role_in(rt, org, anna) == "member"
    await membership.remove(rt, bert, org, dora)
    assert "members_removed" in await kinds(leipzig, dora) and await audience.role_in(rt, org, dora) is None
    await membership.leave(rt, anna, org)
    assert await audience.role_in(rt, org, anna) is None and "members_left" in await kinds(leipzig, bert)
    # Only local accounts of this instance; a space is only an Organization.
    with pytest.raises(NotFound):
        await membership.space(rt, "anna")


async def test_the_members_page(leipzig):
    org = await leipzig.create_user("spd", type_="Organization", category="party", name="SPD Leipzig",
                                    password=PASSWORD)
    await people(leipzig, "anna", "bert")
    spd, anna, bert, visitor = (Visitor(leipzig.base_url) for _ in range(4))
    try:
        for browser, name in ((spd, "spd"), (anna, "anna"), (bert, "bert")):
            assert await browser.login(name) == 303
        status, text, _ = await visitor.get("/@spd/members")
        assert status == 200 and "Anmelden, um Mitglied zu werden" in text
        status, text, _ = await visitor.get("/@anna/members")
        assert status == 404  # a person has no space
        status, text, _ = await spd.get("/@spd")
        assert "/@spd/members" in text  # the profile links the page
        # The Organization invites anna as admin; anna accepts on the page.
        await spd.get("/@spd/members")
        status, _, _ = await spd.post("/@spd/members/invite", {"username": "anna", "role": "admin"})
        assert status == 303
        status, text, _ = await anna.get("/@spd/members")
        assert "Du bist eingeladen" in text
        assert (await anna.post("/@spd/members/answer", {"accept": "yes"}))[0] == 303
        status, text, _ = await anna.get("/@spd/members")
        assert "Du bist hier: Admin." in text and "Mitglieder importieren" in text
        # bert asks, anna approves, bert sees the list but no managing.
        await bert.get("/@spd/members")
        await bert.post("/@spd/members/request", {})
        status, text, _ = await anna.get("/@spd/members")
        assert "1 Anfrage" in text and "@bert" in text
        await anna.post("/@spd/members/requests", {"username": "bert", "approve": "yes"})
        status, text, _ = await bert.get("/@spd/members")
        assert "Du bist hier: Mitglied." in text and "@anna" in text and "Jemanden einladen" not in text
        # A step that is not allowed says so on the page and changes nothing.
        await bert.post("/@spd/members/remove", {"username": "anna"})
        status, text, _ = await bert.get("/@spd/members")
        assert "Das dürfen nur der Vorstand" in text and "@anna" in text
        # The last admin cannot leave.
        await anna.post("/@spd/members/leave", {})
        status, text, _ = await anna.get("/@spd/members")
        assert "mindestens eine Admin-Person" in text and "Du bist hier: Admin." in text
        await anna.post("/@spd/members/role", {"username": "bert", "role": "board"})
        rows = await leipzig.query("SELECT role FROM org_members WHERE org_id = ? AND actor_id = "
                                   "(SELECT id FROM actors WHERE username = 'bert')", (org.id,))
        assert rows == [{"role": "board"}]
    finally:
        for browser in (spd, anna, bert, visitor):
            await browser.close()
