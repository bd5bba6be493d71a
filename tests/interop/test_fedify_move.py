"""Moving accounts with Fedify on the other side (Move, alsoKnownAs, movedTo).

The peer (fedify_peer.mjs) acts on a Move as Mastodon does: it fetches the target, checks that it
lists the old account in alsoKnownAs, follows the target and undoes its Follow of the old one. It
also serves `alsoKnownAs` for its actor ada, and can move ada itself.
"""

from __future__ import annotations

import pytest

from tests.conftest import eventually
from tests.interop.test_fedify import FedifyPeer, fedify  # noqa: F401  (the peer fixture)
from wecreate_fed.civic import moving
from wecreate_fed.errors import BadRequest

pytestmark = pytest.mark.interop

PASSWORD = "umzug-nach-leipzig"
TIMEOUT = 15.0


async def accepted(instance, follower_ap_id: str, followee_ap_id: str) -> bool:
    return bool(await instance.query(
        "SELECT 1 FROM follows f JOIN actors a ON a.id = f.follower_id JOIN actors b ON b.id = f.followee_id "
        "WHERE a.ap_id = ? AND b.ap_id = ? AND f.state = 'accepted'", (follower_ap_id, followee_ap_id)))


async def peer_follows(peer: FedifyPeer, ap_id: str) -> bool:
    return (await peer.state())["following"].get(ap_id, {}).get("state") == "accepted"


async def test_a_fedify_follower_of_the_old_account_follows_the_new_one(meissen, leipzig, fedify):  # noqa: F811
    old = await meissen.create_user("anna", password=PASSWORD)
    new = await leipzig.create_user("anna")
    await fedify.control("POST", "follow", {"target": old.ap_id})
    await eventually(lambda: peer_follows(fedify, old.ap_id), timeout=TIMEOUT, message="ada follows the old Anna")
    assert await accepted(meissen, fedify.actor_id, old.ap_id)

    await moving.add_alias(leipzig.rt, new, old.ap_id)
    await moving.move_account(meissen.rt, old, new.ap_id, PASSWORD)

    # Fedify got the Move (its HTTP signature verified by Fedify), checked it and followed the new account
    moves = await eventually(lambda: _moves(fedify), timeout=TIMEOUT, message="the Move at the peer")
    assert moves == [{"id": moves[0]["id"], "from": old.ap_id, "to": new.ap_id, "outcome": "followed the target"}]
    await eventually(lambda: peer_follows(fedify, new.ap_id), timeout=TIMEOUT, message="ada's Follow accepted")
    assert await accepted(leipzig, fedify.actor_id, new.ap_id)
    # …and left the old one, on both sides
    assert old.ap_id not in (await fedify.state())["following"]
    await eventually(lambda: _not_following(meissen, fedify.actor_id, old.ap_id), timeout=TIMEOUT,
                     message="ada's Undo on Meißen")
    _, followers = await leipzig.get_json(f"{new.ap_id}/followers")
    assert followers["totalItems"] == 1


async def test_our_account_moves_to_fedify_which_answers_alsoknownas(meissen, leipzig, fedify):  # noqa: F811
    """The target is Fedify's ada: its actor document lists our account in alsoKnownAs (and must)."""
    old = await leipzig.create_user("anna", password=PASSWORD)
    await meissen.create_user("jonas")
    status, body = await meissen.post_outbox("jonas", {"type": "Follow", "object": old.ap_id})
    assert status == 201, body
    jonas = await meissen.actor("jonas")
    await eventually(lambda: accepted(meissen, jonas.ap_id, old.ap_id), message="Jonas follows Anna")
    # Not yet listed by ada: refused
    with pytest.raises(BadRequest) as refused:
        await moving.move_account(leipzig.rt, old, fedify.actor_id, PASSWORD)
    assert refused.value.code == "move_alias_missing"
    await fedify.control("POST", "aliases", {"aliases": [old.ap_id]})
    await moving.move_account(leipzig.rt, old, fedify.actor_id, PASSWORD)
    # Meißen checked ada's alsoKnownAs and Jonas now follows ada on Fedify
    await eventually(lambda: _has_follower(fedify, jonas.ap_id), timeout=TIMEOUT, message="Jonas follows ada")
    await eventually(lambda: accepted(meissen, jonas.ap_id, fedify.actor_id), timeout=TIMEOUT,
                     message="ada's Accept on Meißen")
    await eventually(lambda: _not_following(leipzig, jonas.ap_id, old.ap_id), timeout=TIMEOUT,
                     message="Jonas left the old Anna")


async def test_ada_moves_from_fedify_to_us_and_her_follower_here_follows_the_new_account(leipzig, fedify):  # noqa: F811
    """A Move signed by Fedify: verified here, and checked against the new account's aliases."""
    await leipzig.create_user("lena")
    new = await leipzig.create_user("ada")
    status, body = await leipzig.post_outbox("lena", {"type": "Follow", "object": fedify.actor_id})
    assert status == 201, body
    lena = await leipzig.actor("lena")
    await eventually(lambda: accepted(leipzig, lena.ap_id, fedify.actor_id), timeout=TIMEOUT,
                     message="Lena follows ada")
    await moving.add_alias(leipzig.rt, new, fedify.actor_id)
    answer = await fedify.control("POST", "move", {"target": new.ap_id})
    await eventually(lambda: accepted(leipzig, lena.ap_id, new.ap_id), timeout=TIMEOUT,
                     message="Lena follows the new ada")
    rows = await leipzig.query("SELECT state FROM incoming WHERE activity_ap_id = ?", (answer["id"],))
    assert rows == [{"state": "done"}]
    await eventually(lambda: _no_follower(fedify, lena.ap_id), timeout=TIMEOUT, message="Lena's Undo at Fedify")
    assert await leipzig.query("SELECT moved_to FROM actors WHERE ap_id = ?", (fedify.actor_id,)) == [
        {"moved_to": new.ap_id}]


async def _moves(peer: FedifyPeer) -> list:
    return (await peer.state())["moves"]


async def _has_follower(peer: FedifyPeer, ap_id: str) -> bool:
    return ap_id in (await peer.state())["followers"]


async def _no_follower(peer: FedifyPeer, ap_id: str) -> bool:
    return ap_id not in (await peer.state())["followers"]


async def _not_following(instance, follower_ap_id: str, followee_ap_id: str) -> bool:
    return not await instance.query(
        "SELECT 1 FROM follows f JOIN actors a ON a.id = f.follower_id JOIN actors b ON b.id = f.followee_id "
        "WHERE a.ap_id = ? AND b.ap_id = ?", (follower_ap_id, followee_ap_id))
