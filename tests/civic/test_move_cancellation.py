"""A move cancelled at any point leaves all of it or nothing: the account's movedTo, its move record,
the Update and the Move with their deliveries to the followers' servers, and its local followers'
new Follow (with its delivery) in place of the old follow. The same move afterwards succeeds, or
says it is done already. (The pattern of tests/civic/test_cancellation.py.)"""

from __future__ import annotations

import pytest

from actors import remote
from tests.civic.test_cancellation import run_cancelled
from wecreate_fed.civic import moving
from wecreate_fed.errors import BadRequest
from wecreate_fed.store import social

PASSWORD = "umzug-nach-meissen"
MAX_STEPS = 500  # a safety net: a move completes within some 40 awaits


@pytest.mark.timeout(900)  # a fresh pair of accounts (keys, password) for each of some 40 cancellations
async def test_a_cancelled_move_leaves_everything_of_it_or_nothing(make_instance):
    # Leipzig's workers are paused, so the deliveries it queues stay in view
    leipzig = await make_instance("leipzig", run_workers=False)
    meissen = await make_instance("meissen")
    jonas = await meissen.create_user("jonas")
    paul = await leipzig.create_user("paul")
    jonas_here = await remote.get_actor(leipzig.rt, jonas.ap_id)
    steps, completed = 0, False
    while not completed:
        assert steps < MAX_STEPS, "the move never completed"
        # A fresh pair of accounts each time: a move that committed cannot be taken back
        old = await leipzig.create_user(f"anna{steps}", password=PASSWORD)
        new = await meissen.create_user(f"anna{steps}")
        await moving.add_alias(meissen.rt, new, old.ap_id)
        async with leipzig.rt.db.transaction() as conn:  # Jonas (Meißen) and Paul (Leipzig) follow her
            await social.add_follow(conn, jonas_here.id, old.id, f"{jonas.ap_id}#follows/{steps}", accepted=True)
            await social.add_follow(conn, paul.id, old.id, f"{paul.ap_id}#follows/{steps}", accepted=True)

        async def move(old=old, new=new):
            return await moving.move_account(leipzig.rt, old, new.ap_id, PASSWORD)

        completed = await run_cancelled(move, steps)
        moved = (await leipzig.actor(old.username)).moved_to
        sent = await leipzig.query("SELECT a.id, a.type FROM activities a WHERE a.actor_id = ? ORDER BY a.id", (old.id,))
        for s in sent:  # the delivery inboxes joined by commas, None for none (group_concat is SQLite's)
            inboxes = await leipzig.query("SELECT inbox_url FROM deliveries WHERE activity_id = ? ORDER BY id",
                                          (s.pop("id"),))
            s["inboxes"] = ",".join(d["inbox_url"] for d in inboxes) or None
        new_here = await leipzig.query("SELECT id FROM actors WHERE ap_id = ?", (new.ap_id,))
        pauls = await leipzig.query(
            "SELECT a.type, (SELECT count(*) FROM deliveries d WHERE d.activity_id = a.id) AS deliveries "
            "FROM activities a WHERE a.actor_id = ? AND a.object_ap_id = ?", (paul.id, new.ap_id))
        follows_old = await leipzig.query("SELECT follower_id FROM follows WHERE followee_id = ? ORDER BY follower_id",
                                          (old.id,))
        if moved:
            # All of it committed together
            assert moved == new.ap_id, steps
            assert [(s["type"], s["inboxes"]) for s in sent] == [
                ("Update", jonas_here.delivery_inbox), ("Move", jonas_here.delivery_inbox)], steps
            assert pauls == [{"type": "Follow", "deliveries": 1}], steps
            assert await leipzig.query("SELECT state FROM follows WHERE follower_id = ? AND followee_id = ?",
                                       (paul.id, new_here[0]["id"])) == [{"state": "pending"}], steps
            assert follows_old == [{"follower_id": jonas_here.id}], steps  # Paul left; Jonas's server moves him
            assert len(await leipzig.query("SELECT 1 FROM moves WHERE actor_id = ?", (old.id,))) == 1, steps
            with pytest.raises(BadRequest) as again:  # done already: the same command says so
                await move()
            assert again.value.code == "move_already"
        else:
            assert sent == [] and pauls == [], steps
            assert follows_old == sorted([{"follower_id": jonas_here.id}, {"follower_id": paul.id}],
                                         key=lambda r: r["follower_id"]), steps
            assert await leipzig.query("SELECT 1 FROM moves WHERE actor_id = ?", (old.id,)) == [], steps
            await move()  # the same command afterwards succeeds
            assert (await leipzig.actor(old.username)).moved_to == new.ap_id
        steps += 1
    assert steps > 20  # the cancellation really hit the command on its way
    assert not await leipzig.writer_in_transaction()
