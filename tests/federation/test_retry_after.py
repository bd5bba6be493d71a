"""Our delivery worker honours another server's 429/503 Retry-After for the whole host.

The receiver is a real HTTP server on loopback serving one actor who follows Anna; it
answers one POST with the status under test and a Retry-After, every other POST with 202,
and records when each POST arrived.
"""

from __future__ import annotations

import json
import time
import uuid
from email.utils import formatdate

import pytest
from aiohttp import web

from tests.conftest import eventually, post_signed
from wecreate_fed import signatures


class Receiver:
    def __init__(self):
        self.private_key_pem, self.public_key_pem = signatures.generate_key_pair()
        self.posts: list[tuple[float, int, dict]] = []  # (arrival, our answer, activity)
        # (status, Retry-After) for the next POST; "http-date" is 3 s after that POST, as an HTTP date
        self.refuse_next: tuple[int, str] | None = None

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_get("/users/peer", self._actor)
        app.router.add_post("/users/peer/inbox", self._inbox)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.actor_id = f"http://127.0.0.1:{port}/users/peer"
        self.key_id = f"{self.actor_id}#main-key"
        return self

    async def _actor(self, request: web.Request) -> web.Response:
        document = {"@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                    "id": self.actor_id, "type": "Person", "preferredUsername": "peer",
                    "inbox": f"{self.actor_id}/inbox",
                    "publicKey": {"id": self.key_id, "owner": self.actor_id, "publicKeyPem": self.public_key_pem}}
        return web.Response(text=json.dumps(document), content_type="application/activity+json")

    async def _inbox(self, request: web.Request) -> web.Response:
        activity = json.loads(await request.read())
        if self.refuse_next is not None:
            (status, retry_after), self.refuse_next = self.refuse_next, None
            if retry_after == "http-date":  # from the refusal, not from when the test set it (a loaded
                retry_after = formatdate(time.time() + 3, usegmt=True)  # machine took over a second between)
            self.posts.append((time.monotonic(), status, activity))
            return web.Response(status=status, text="slow down", headers={"Retry-After": retry_after})
        self.posts.append((time.monotonic(), 202, activity))
        return web.Response(status=202)

    def notes(self) -> list[tuple[float, int]]:
        return [(at, status) for at, status, activity in self.posts if activity.get("type") == "Create"]


@pytest.fixture
async def receiver():
    peer = await Receiver().start()
    yield peer
    await peer._runner.cleanup()


@pytest.mark.parametrize("status, retry_after", [
    (429, "2"),
    (503, "http-date"),  # Retry-After as an HTTP date, 3 s ahead (whole seconds: at least 2 s)
])
async def test_a_host_answering_retry_after_gets_nothing_before_then(make_instance, receiver, status, retry_after):
    leipzig = await make_instance("leipzig", delivery_per_host=1)
    anna = await leipzig.create_user("anna")
    follow = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{receiver.actor_id}#f/{uuid.uuid4()}",
              "type": "Follow", "actor": receiver.actor_id, "object": anna.ap_id}
    answer, body = await post_signed(leipzig.shared_inbox, follow, key_id=receiver.key_id,
                                     private_key_pem=receiver.private_key_pem)
    assert answer == 202, body
    await eventually(lambda: receiver.posts, message="the Accept")

    # The next delivery to the receiver is refused with a Retry-After; three notes are queued for it.
    receiver.refuse_next = (status, retry_after)
    for i in range(3):
        answer, _ = await leipzig.post_outbox("anna", {"type": "Note", "content": f"Mitteilung {i}"})
        assert answer == 201
    await eventually(lambda: len([s for _, s in receiver.notes() if s == 202]) == 3, timeout=15,
                     message="all three notes delivered")

    notes = receiver.notes()
    refused_at = next(at for at, s in notes if s == status)
    accepted = [at for at, s in notes if s == 202]
    assert len(notes) == 4  # one refused, then each note once
    # Not one delivery to that host before the Retry-After ran out: neither the refused note's
    # retry nor the two others queued behind it.
    assert all(at - refused_at >= 1.9 for at in accepted), [round(at - refused_at, 2) for at in accepted]
    rows = await eventually(lambda: leipzig.query(
        "SELECT count(*) AS n FROM deliveries WHERE inbox_url = ? AND state = 'done' HAVING count(*) = 4",
        (f"{receiver.actor_id}/inbox",)), message="the outcomes written")
    rows = await leipzig.query("SELECT attempts FROM deliveries WHERE inbox_url = ?", (f"{receiver.actor_id}/inbox",))
    # The Accept, the refused note (twice) and the two notes put back waiting, not counted as attempts.
    assert sorted(r["attempts"] for r in rows) == [1, 1, 1, 2]
