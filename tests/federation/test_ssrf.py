"""SSRF end to end: an instance with allow_private_addresses = false reaches no private address.

Everything here lives on loopback, so one peer (the "public" server) is let through by the
explicit `federation.allowed_private_targets` exception for its address:port; a second server
on 127.0.0.1 (another port) plays the internal service nobody may reach. Every outgoing kind
of request (key, actor, WebFinger, remote interaction, instance follow, delivery) is tried
against it, directly, by a name resolving to it, by another spelling and through a redirect
from the allowed peer, and the internal server must never hear a thing.
"""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from actors import remote
from tests.conftest import Instance, free_port, instance_config, post_signed
from tests.federation.test_identity import Host, actor_document, note_by
from wecreate_fed import signatures
from wecreate_fed.civic import instances
from wecreate_fed.errors import BadRequest, FetchError, RefusedAddress
from wecreate_fed.web import interaction


@pytest.fixture
async def setting(tmp_path):
    """(strict Leipzig, Anna, the allowed peer, the internal server)."""
    peer, internal = await Host().start(), await Host().start()
    peer_port = int(peer.base_url.rsplit(":", 1)[1])
    # The guard as in production, but for the peer's exact address and port
    config = dataclasses.replace(instance_config(tmp_path, "leipzig", free_port()), allow_private_addresses=False,
                                 allowed_private_targets=frozenset({("127.0.0.1", peer_port)}))
    leipzig = await Instance(config).start()
    anna = await leipzig.create_user("anna")
    yield leipzig, anna, peer, internal
    await leipzig.stop()
    for host in (peer, internal):
        await host.runner.cleanup()


def internal_spellings(internal: Host) -> list[str]:
    port = internal.base_url.rsplit(":", 1)[1]
    return [f"http://127.0.0.1:{port}", f"http://localhost:{port}", f"http://127.1:{port}",
            f"http://[::ffff:127.0.0.1]:{port}", f"http://[64:ff9b::7f00:1]:{port}", f"http://[2002:7f00:1::]:{port}"]


async def test_a_key_on_the_allowed_peer_verifies_and_no_other_address_is_fetched(setting):
    leipzig, anna, peer, internal = setting
    private, public = signatures.generate_key_pair()
    # The control: an actor on the allowed peer delivers, its key is fetched
    someone = f"{peer.base_url}/users/someone"
    peer.put("/users/someone", actor_document(someone, f"{someone}#main-key", public))
    status, body = await post_signed(leipzig.shared_inbox, note_by(someone, anna.ap_id, "Hi"),
                                     key_id=f"{someone}#main-key", private_key_pem=private)
    assert status == 202, body
    # A keyId on the internal server, however spelled, or behind a redirect on the peer: refused unfetched
    for base in internal_spellings(internal):
        internal.put("/users/x", actor_document(f"{base}/users/x", f"{base}/users/x#main-key", public))
        for key_id in (f"{base}/users/x#main-key", f"{peer.base_url}/redirect?to={base}/users/x"):
            status, body = await post_signed(leipzig.shared_inbox, note_by(f"{base}/users/x", anna.ap_id),
                                             key_id=key_id, private_key_pem=private)
            assert status == 401 and "not a public address" in body, (key_id, body)
    assert internal.hits == []


async def test_actor_webfinger_interaction_follow_and_delivery_never_reach_a_private_address(setting):
    leipzig, _, peer, internal = setting
    rt = leipzig.rt
    authority = internal.base_url.removeprefix("http://")
    for base in internal_spellings(internal):
        with pytest.raises(RefusedAddress):
            await remote.get_actor(rt, f"{base}/users/x")                   # actor
        with pytest.raises(RefusedAddress):
            await remote.fetch_document(rt, f"{peer.base_url}/redirect?to={base}/notes/1")  # any object, by redirect
        with pytest.raises(RefusedAddress):
            await interaction.describe(rt, f"{base}/ideas/{uuid.uuid4()}")  # remote interaction
        with pytest.raises(BadRequest, match="not a public address"):
            await instances.follow(rt, base)                                # instance follow
        with pytest.raises(RefusedAddress):
            await rt.http.post(f"{base}/inbox", b"{}", {"Content-Type": "application/activity+json"})  # delivery
    with pytest.raises(FetchError, match="not a public address"):
        await remote.resolve_handle(rt, f"x@{authority}")                   # WebFinger (https on a literal)
    with pytest.raises(FetchError, match="not a public address"):
        await remote.resolve_handle(rt, f"x@localhost:{authority.rsplit(':', 1)[1]}")
    assert internal.hits == []
