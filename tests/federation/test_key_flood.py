"""No amplification: a flood of POSTs naming a dead or forged key costs the key's server one fetch.

The key's "server" is a real HTTP server on loopback that counts every GET it is sent.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest
from aiohttp import web

from tests.conftest import post_signed
from wecreate_fed import signatures


class KeyServer:
    """Serves one actor (/users/ghost) as `mode` says, counting every fetch of it.

    A fetch is counted at its first knock (draft-cavage, our default first scheme): on a 404 the
    signed GET is knocked once more in RFC 9421 (signatures/knock.py), which is the same fetch."""

    def __init__(self, mode: str = "actor", delay: float = 0.0):
        self.mode, self.delay = mode, delay
        self.private_key_pem, self.public_key_pem = signatures.generate_key_pair()
        self.gets = 0

    async def start(self) -> KeyServer:
        app = web.Application()
        app.router.add_get("/users/ghost", self._actor)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.actor_id = f"http://127.0.0.1:{port}/users/ghost"
        self.key_id = f"{self.actor_id}#main-key"
        return self

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def _actor(self, request: web.Request) -> web.Response:
        if "Signature-Input" not in request.headers:
            self.gets += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.mode == "404":
            return web.Response(status=404, text="no such user")
        document = {"@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                    "id": self.actor_id, "type": "Person", "preferredUsername": "ghost",
                    "inbox": f"{self.actor_id}/inbox",
                    "publicKey": {"id": self.key_id, "owner": self.actor_id, "publicKeyPem": self.public_key_pem}}
        if self.mode == "wrong":  # an actor that does not list the key the requests name
            document["publicKey"]["id"] = f"{self.actor_id}#other-key"
        return web.Response(text=json.dumps(document), content_type="application/activity+json")

    def follow(self, object_id: str) -> dict:
        return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{self.actor_id}#f/{uuid.uuid4()}",
                "type": "Follow", "actor": self.actor_id, "object": object_id}


@pytest.fixture
async def key_server():
    servers: list[KeyServer] = []

    async def make(mode: str = "actor", delay: float = 0.0) -> KeyServer:
        server = await KeyServer(mode, delay).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        await server.stop()


async def flood(instance, server: KeyServer, object_id: str, n: int = 50, *, private_key_pem: str | None = None):
    """n signed POSTs at once naming the server's key; their statuses and how long all took."""
    started = time.monotonic()
    results = await asyncio.gather(*(
        post_signed(instance.shared_inbox, server.follow(object_id), key_id=server.key_id,
                    private_key_pem=private_key_pem or server.private_key_pem) for _ in range(n)))
    return [status for status, _ in results], time.monotonic() - started


@pytest.mark.parametrize("mode", ["404", "wrong"])
async def test_a_dead_key_is_fetched_once_for_fifty_posts(make_instance, key_server, mode):
    leipzig = await make_instance("leipzig")
    anna = await leipzig.create_user("anna")
    server = await key_server(mode)
    statuses, took = await flood(leipzig, server, anna.ap_id)
    assert statuses == [401] * 50
    assert server.gets == 1, f"the key's server was asked {server.gets} times"
    # And later ones, one after the other, are answered from memory too.
    for _ in range(5):
        status, body = await post_signed(leipzig.shared_inbox, server.follow(anna.ap_id), key_id=server.key_id,
                                         private_key_pem=server.private_key_pem)
        assert status == 401 and "failed recently" in body
    assert server.gets == 1
    assert took < 10
    assert not await leipzig.query("SELECT 1 FROM incoming")


async def test_a_hanging_key_server_is_asked_once_and_every_post_gets_401_quickly(make_instance, key_server):
    leipzig = await make_instance("leipzig", fetch_timeout_seconds=0.5)
    anna = await leipzig.create_user("anna")
    server = await key_server("actor", delay=10.0)
    statuses, took = await flood(leipzig, server, anna.ap_id)
    assert statuses == [401] * 50
    assert server.gets == 1
    # None waited for the hanging server's answer (10 s): each gave up with the one fetch's 0.5 s
    # timeout. (The margin is wide on purpose: a loaded machine must not fail this.)
    assert took < 10, f"50 POSTs took {took:.1f} s (waiting for the hanging key server?)"


async def test_a_failed_key_is_fetched_again_after_key_failure_seconds(make_instance, key_server):
    leipzig = await make_instance("leipzig", key_failure_seconds=0.3)
    anna = await leipzig.create_user("anna")
    server = await key_server("404")
    await flood(leipzig, server, anna.ap_id, n=5)
    assert server.gets == 1
    await asyncio.sleep(0.4)
    # The server is back: the key is fetched again and the delivery accepted.
    server.mode = "actor"
    status, body = await post_signed(leipzig.shared_inbox, server.follow(anna.ap_id), key_id=server.key_id,
                                     private_key_pem=server.private_key_pem)
    assert status == 202, body
    assert server.gets == 2


async def test_bad_signatures_with_a_cached_key_refetch_it_at_most_once(make_instance, key_server):
    leipzig = await make_instance("leipzig")
    anna = await leipzig.create_user("anna")
    server = await key_server("actor")
    status, body = await post_signed(leipzig.shared_inbox, server.follow(anna.ap_id), key_id=server.key_id,
                                     private_key_pem=server.private_key_pem)
    assert status == 202, body
    assert server.gets == 1  # the key is now cached
    forger_key, _ = signatures.generate_key_pair()
    statuses, _ = await flood(leipzig, server, anna.ap_id, private_key_pem=forger_key)
    assert statuses == [401] * 50
    for _ in range(5):  # one after the other, too
        status, _ = await post_signed(leipzig.shared_inbox, server.follow(anna.ap_id), key_id=server.key_id,
                                      private_key_pem=forger_key)
        assert status == 401
    assert server.gets == 2, f"the key was refetched {server.gets - 1} times"
    # The real key still works.
    status, body = await post_signed(leipzig.shared_inbox, server.follow(anna.ap_id), key_id=server.key_id,
                                     private_key_pem=server.private_key_pem)
    assert status == 202, body


async def test_a_new_key_with_a_bad_signature_is_fetched_once_not_refetched(make_instance, key_server):
    leipzig = await make_instance("leipzig")
    anna = await leipzig.create_user("anna")
    server = await key_server("actor")
    forger_key, _ = signatures.generate_key_pair()
    status, _ = await post_signed(leipzig.shared_inbox, server.follow(anna.ap_id), key_id=server.key_id,
                                  private_key_pem=forger_key)
    assert status == 401
    assert server.gets == 1  # fetched for this request; refetching it at once would tell nothing new
