"""Moving an account between real instances (Move, alsoKnownAs, movedTo; FEP-7628).

Anna moves from Meißen to Leipzig: her followers on Meißen, on Leipzig and on a third instance
(Dresden) follow her new account and leave the old one; her supports stay counted; the old
account posts no more and its profile points to the new one. A Move the target does not confirm
(no alsoKnownAs), a target that moved itself, a second Move within the cool-down and a Move whose
target withdrew its alias before the worker ran are refused without effect.
"""

from __future__ import annotations

import json
import uuid

import aiohttp
import pytest

from actors import remote
from inbox import worker as inbox_worker
from tests.conftest import eventually, post_signed
from wecreate_fed.civic import ideas, moving
from wecreate_fed.errors import BadRequest, Forbidden
from wecreate_fed.store import social

PASSWORD = "umzug-nach-leipzig"
IDEA = {"type": "Note", "civicKind": "idea", "name": "Trinkbrunnen am Lindenauer Markt",
        "abstract": "Ein öffentlicher Trinkbrunnen.", "source": {"content": "Wasser im Sommer.",
                                                                   "mediaType": "text/markdown"},
        "districts": ["west"]}


def handle(instance, username: str) -> str:
    return f"{username}@{instance.config.host}"


async def follows(instance, follower_ap_id: str, followee_ap_id: str) -> list[dict]:
    return await instance.query(
        "SELECT f.state FROM follows f JOIN actors a ON a.id = f.follower_id JOIN actors b ON b.id = f.followee_id "
        "WHERE a.ap_id = ? AND b.ap_id = ?", (follower_ap_id, followee_ap_id))


async def accepted(instance, follower_ap_id: str, followee_ap_id: str) -> bool:
    return await follows(instance, follower_ap_id, followee_ap_id) == [{"state": "accepted"}]


async def follow(instance, username: str, ap_id: str, *, where) -> None:
    """`username` on `instance` follows `ap_id`; waits until `where` (the followee's instance) accepted it."""
    status, body = await instance.post_outbox(username, {"type": "Follow", "object": ap_id})
    assert status == 201, body
    follower = (await instance.actor(username)).ap_id
    await eventually(lambda: accepted(instance, follower, ap_id), message=f"{username} follows {ap_id}")
    assert await accepted(where, follower, ap_id)


def move_activity(origin_ap_id: str, target: str, **changes) -> dict:
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{origin_ap_id}#moves/{uuid.uuid4()}",
            "type": "Move", "actor": origin_ap_id, "object": origin_ap_id, "target": target, **changes}


async def deliver_move(instance, actor, activity: dict) -> tuple[int, dict]:
    """`activity` signed with the real key of `actor` (a local actor of another instance), to `instance`."""
    status, text = await post_signed(instance.shared_inbox, activity, key_id=actor.key_id,
                                     private_key_pem=actor.private_key_pem)
    return status, json.loads(text) if text else {}


@pytest.fixture
async def dresden(make_instance):
    return await make_instance("dresden")


async def test_anna_moves_from_meissen_to_leipzig_and_her_followers_everywhere_come_along(meissen, leipzig, dresden):
    old = await meissen.create_user("anna", name="Anna Schulz", password=PASSWORD)
    new = await leipzig.create_user("anna", name="Anna Schulz")
    await meissen.create_user("paul")       # follows her on her own instance
    await leipzig.create_user("lena")       # follows her from the instance she moves to
    await dresden.create_user("jonas")      # follows her from a third one
    mehmet = await leipzig.create_user("mehmet")
    for instance, name in ((meissen, "paul"), (leipzig, "lena"), (dresden, "jonas")):
        await follow(instance, name, old.ap_id, where=meissen)
    # Anna supports Mehmet's idea in Leipzig before she moves
    status, body = await leipzig.post_outbox("mehmet", IDEA)
    assert status == 201, body
    idea_id = (await leipzig.query("SELECT ap_id FROM ideas WHERE author_id = ?", (mehmet.id,)))[0]["ap_id"]
    status, body = await meissen.post_outbox("anna", {"type": "Like", "object": idea_id})
    assert status == 201, body
    await eventually(lambda: leipzig.query("SELECT 1 FROM ideas WHERE support_count = 1"), message="support")

    # Moving before the new account names the old one is refused, and changes nothing
    with pytest.raises(BadRequest) as refused:
        await moving.move_account(meissen.rt, old, handle(leipzig, "anna"), PASSWORD)
    assert refused.value.code == "move_alias_missing" and refused.value.field == "move_target"
    with pytest.raises(BadRequest) as wrong:
        await moving.move_account(meissen.rt, old, handle(leipzig, "anna"), "not her password")
    assert wrong.value.code == "password_wrong"
    assert (await meissen.actor("anna")).moved_to is None

    # The new account names the old one (by its handle, through WebFinger): alsoKnownAs
    await moving.add_alias(leipzig.rt, new, handle(meissen, "anna"))
    _, document = await leipzig.get_json(new.ap_id)
    assert document["alsoKnownAs"] == [old.ap_id]
    # Then Anna moves
    target = await moving.move_account(meissen.rt, old, handle(leipzig, "anna"), PASSWORD)
    assert target.ap_id == new.ap_id
    _, document = await meissen.get_json(old.ap_id)
    assert document["movedTo"] == new.ap_id

    # Every follower, on all three instances, follows the new account and no longer the old one
    for instance, name in ((meissen, "paul"), (leipzig, "lena"), (dresden, "jonas")):
        follower = (await instance.actor(name)).ap_id
        await eventually(lambda f=follower: accepted(leipzig, f, new.ap_id), message=f"{name} follows the new account")
        await eventually(lambda i=instance, f=follower: accepted(i, f, new.ap_id), message=f"{name}'s Accept")
        await eventually(lambda i=instance, f=follower: _none(i, f, old.ap_id), message=f"{name} left on their side")
        await eventually(lambda f=follower: _none(meissen, f, old.ap_id), message=f"{name} left on Meißen")
    for instance in (leipzig, dresden):  # the old account is known there as moved
        assert await instance.query("SELECT moved_to FROM actors WHERE ap_id = ?", (old.ap_id,)) == [
            {"moved_to": new.ap_id}]
    moves = await dresden.query("SELECT target_ap_id, followers_moved FROM moves")
    assert moves == [{"target_ap_id": new.ap_id, "followers_moved": 1}]

    # Her support stays counted on the idea she gave it to
    assert await leipzig.query("SELECT support_count FROM ideas WHERE ap_id = ?", (idea_id,)) == [{"support_count": 1}]
    # The old account posts and supports no more
    status, body = await meissen.post_outbox("anna", {"type": "Note", "content": "Noch da?"})
    assert status == 403 and body["error"] == "account_moved"
    moved = await meissen.actor("anna")
    status, body = await meissen.post_outbox("paul", IDEA)
    assert status == 201, body
    pauls = (await meissen.query("SELECT ap_id FROM ideas WHERE is_local = 1"))[0]["ap_id"]
    with pytest.raises(Forbidden) as refused_support:
        await ideas.support(meissen.rt, moved, pauls)
    assert refused_support.value.code == "account_moved"
    assert await meissen.query("SELECT support_count FROM ideas WHERE ap_id = ?", (pauls,)) == [{"support_count": 0}]
    # Its profile page says where she went, with a link
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{meissen.base_url}/users/anna", headers={"Accept": "text/html"}) as r:
            page = await r.text()
    assert r.status == 200 and "ist umgezogen nach" in page and new.url in page
    # Moving again at once: refused (already there; and the cool-down)
    with pytest.raises(BadRequest) as again:
        await moving.move_account(meissen.rt, moved, handle(leipzig, "anna"), PASSWORD)
    assert again.value.code == "move_already"


async def test_lena_moves_from_leipzig_to_meissen_and_her_meissen_follower_follows_her_there(leipzig, meissen):
    old = await leipzig.create_user("lena", password=PASSWORD)
    new = await meissen.create_user("lena")
    await meissen.create_user("jonas")
    await follow(meissen, "jonas", old.ap_id, where=leipzig)
    jonas = await meissen.actor("jonas")
    await moving.add_alias(meissen.rt, new, old.ap_id)  # by its id this time
    await moving.move_account(leipzig.rt, old, new.ap_id, PASSWORD)
    # On Meißen the new account is local: Jonas follows it at once, and Leipzig hears his Undo
    await eventually(lambda: accepted(meissen, jonas.ap_id, new.ap_id), message="Jonas follows the new Lena")
    await eventually(lambda: _none(leipzig, jonas.ap_id, old.ap_id), message="the old follow gone on Leipzig")
    assert await _none(meissen, jonas.ap_id, old.ap_id)
    _, followers = await meissen.get_json(f"{new.ap_id}/followers")
    assert followers["totalItems"] == 1


async def test_a_move_the_target_does_not_confirm_is_refused_at_the_inbox(meissen, leipzig, dresden):
    old = await meissen.create_user("anna")
    new = await leipzig.create_user("anna")
    elsewhere = await dresden.create_user("anna")
    await leipzig.create_user("lena")
    await follow(leipzig, "lena", old.ap_id, where=meissen)
    lena = await leipzig.actor("lena")
    before = await leipzig.query("SELECT count(*) AS n FROM incoming")
    # A local target that does not list her: 403, nothing stored
    status, body = await deliver_move(leipzig, old, move_activity(old.ap_id, new.ap_id))
    assert status == 403 and body["error"] == "move_alias_missing", body
    # A remote target that does not list her: fetched fresh, 403
    status, body = await deliver_move(leipzig, old, move_activity(old.ap_id, elsewhere.ap_id))
    assert status == 403 and body["error"] == "move_alias_missing", body
    # Moving someone else, or to nowhere: 400
    status, body = await deliver_move(leipzig, old, move_activity(old.ap_id, new.ap_id, object=lena.ap_id))
    assert status == 400 and body["field"] == "object", body
    status, body = await deliver_move(leipzig, old, move_activity(old.ap_id, "not a url"))
    assert status == 400 and body["field"] == "target", body
    assert await leipzig.query("SELECT count(*) AS n FROM incoming") == before
    assert await accepted(leipzig, lena.ap_id, old.ap_id) and await _none(leipzig, lena.ap_id, new.ap_id)
    assert await leipzig.query("SELECT moved_to FROM actors WHERE ap_id = ?", (old.ap_id,)) == [{"moved_to": None}]


async def test_loops_and_repeated_moves_are_refused(meissen, leipzig, dresden):
    old = await meissen.create_user("anna", password=PASSWORD)
    new = await leipzig.create_user("anna")
    third = await dresden.create_user("anna")
    await dresden.create_user("jonas")
    await follow(dresden, "jonas", old.ap_id, where=meissen)
    await moving.add_alias(leipzig.rt, new, old.ap_id)
    await moving.move_account(meissen.rt, old, new.ap_id, PASSWORD)
    await eventually(lambda: dresden.query("SELECT 1 FROM actors WHERE ap_id = ? AND moved_to = ?",
                                           (old.ap_id, new.ap_id)), message="the Move on Dresden")
    # Back again (Leipzig → Meißen, both naming each other): the target moved itself, refused
    await moving.add_alias(meissen.rt, await meissen.actor("anna"), new.ap_id)
    new = await leipzig.actor("anna")
    status, body = await deliver_move(dresden, new, move_activity(new.ap_id, old.ap_id))
    assert status == 403 and body["error"] == "move_target_moved", body
    # The old account redirecting its followers once more, elsewhere, within the week: refused
    await moving.add_alias(dresden.rt, third, old.ap_id)
    status, body = await deliver_move(dresden, old, move_activity(old.ap_id, third.ap_id))
    assert status == 403 and body["error"] == "move_cooldown", body
    assert await dresden.query("SELECT count(*) AS n FROM moves") == [{"n": 1}]
    # The same Move again (another id): taken, and it changes nothing more
    again = move_activity(old.ap_id, new.ap_id)
    status, body = await deliver_move(dresden, old, again)
    assert status == 202, body
    await eventually(lambda: dresden.query("SELECT 1 FROM incoming WHERE activity_ap_id = ? AND state = 'done'",
                                           (again["id"],)), message="the repeated Move handled")
    assert await dresden.query("SELECT followers_moved FROM moves ORDER BY id") == [
        {"followers_moved": 1}, {"followers_moved": 0}]
    jonas = await dresden.actor("jonas")
    assert await accepted(dresden, jonas.ap_id, new.ap_id) or await follows(dresden, jonas.ap_id, new.ap_id)


async def test_two_moves_to_two_accounts_handled_side_by_side_move_the_followers_once(meissen, leipzig, dresden):
    """Both verified against the account as their batch read it (not moved yet); the second one to
    write finds it moved elsewhere meanwhile, by the statement's own condition."""
    old = await meissen.create_user("anna")
    new = await leipzig.create_user("anna")
    third = await dresden.create_user("anna")
    origin = await remote.get_actor(dresden.rt, old.ap_id)
    assert origin.moved_to is None
    await moving.move_received(dresden.rt, origin, await remote.get_actor(dresden.rt, new.ap_id),
                               f"{old.ap_id}#moves/{uuid.uuid4()}")
    with pytest.raises(Forbidden, match="meanwhile") as refused:
        await moving.move_received(dresden.rt, origin, third, f"{old.ap_id}#moves/{uuid.uuid4()}")
    assert refused.value.code == "move_cooldown" and refused.value.params == {"n": 7}
    assert await dresden.query("SELECT moved_to FROM actors WHERE ap_id = ?", (old.ap_id,)) == [{"moved_to": new.ap_id}]
    assert await dresden.query("SELECT target_ap_id FROM moves") == [{"target_ap_id": new.ap_id}]


async def test_a_target_that_withdraws_its_alias_before_the_worker_runs_changes_nothing(meissen, leipzig,
                                                                                       make_instance):
    """The worker fetches the target fresh again: what the inbox saw is not trusted later."""
    dresden = await make_instance("dresden", run_workers=False)
    old = await meissen.create_user("anna")
    new = await leipzig.create_user("anna")
    jonas = await dresden.create_user("jonas")
    known = await remote.get_actor(dresden.rt, old.ap_id)
    async with dresden.rt.db.transaction() as conn:  # Jonas follows her (the paused instance sends nothing)
        await social.add_follow(conn, jonas.id, known.id, f"{jonas.ap_id}#follows/1", accepted=True)
    await moving.add_alias(leipzig.rt, new, old.ap_id)
    status, body = await deliver_move(dresden, old, move_activity(old.ap_id, new.ap_id))
    assert status == 202, body
    await moving.remove_alias(leipzig.rt, new, old.ap_id)
    assert await inbox_worker.run_once(dresden.rt) == 1
    rows = await dresden.query("SELECT state, last_error FROM incoming WHERE type = 'Move'")
    assert rows[0]["state"] == "failed" and "alsoKnownAs" in rows[0]["last_error"]
    assert await accepted(dresden, jonas.ap_id, old.ap_id) and await _none(dresden, jonas.ap_id, new.ap_id)
    assert await dresden.query("SELECT moved_to FROM actors WHERE ap_id = ?", (old.ap_id,)) == [{"moved_to": None}]
    assert await dresden.query("SELECT count(*) AS n FROM deliveries") == [{"n": 0}]


async def _none(instance, follower_ap_id: str, followee_ap_id: str) -> bool:
    return not await follows(instance, follower_ap_id, followee_ap_id)
