"""Clients that hang up mid-request, over real HTTP: nothing half-done, nothing lost, no 5xx.

A client that closes its connection makes Quart cancel the request's handler wherever it is
awaiting (reading the body, waiting for the write lock, inside a transaction, between the
civic change and the activity announcing it). Whatever point the cancellation hits, the
support must then be either wholly done (the change, its Like and the delivery to the
idea's instance, committed together) or not at all, so that retrying answers 201 or 409 and
the idea's own instance ends up counting every support exactly once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import urlsplit

import aiohttp

from tests.conftest import eventually

PEOPLE = 40
IDEA = {
    "type": "Note", "civicKind": "idea", "name": "Sitzbänke an der Elbe",
    "abstract": "Mehr Bänke am Elberadweg.", "source": {"content": "Zum Ausruhen.", "mediaType": "text/markdown"},
    "districts": ["mitte"],
}


async def hang_up(base_url: str, username: str, token: str, document: dict, index: int) -> None:
    """Send the outbox POST on a raw socket and close it after 0-375 ms, without reading an answer.

    The delay and the way of closing vary with `index`: most write the whole request and close
    (FIN) or reset (RST) the connection; every fifth closes halfway through the body.
    """
    address = urlsplit(base_url)
    body = json.dumps(document).encode()
    head = (f"POST /users/{username}/outbox HTTP/1.1\r\nHost: {address.netloc}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/activity+json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    reader, writer = await asyncio.open_connection(address.hostname, address.port)
    writer.write(head + (body[: len(body) // 2] if index % 5 == 4 else body))
    await writer.drain()
    # (0 to 375 ms: the early ones land before the support's commit, the late ones after it, on a
    # fast machine and on a slow one alike)
    await asyncio.sleep((index % 16) * 0.025)
    if index % 2:
        writer.transport.abort()
    else:
        writer.close()
    try:
        await writer.wait_closed()
    except ConnectionError:
        pass


async def like(session: aiohttp.ClientSession, base_url: str, username: str, token: str,
               document: dict) -> tuple[int, dict]:
    async with session.post(f"{base_url}/users/{username}/outbox", json=document,
                            headers={"Authorization": f"Bearer {token}"}) as r:
        return r.status, await r.json(content_type=None)


async def test_supports_sent_by_clients_that_hang_up_count_exactly_once(leipzig, meissen, caplog):
    caplog.set_level(logging.ERROR)
    # Given an idea on Leipzig that Meißen knows (Jonas follows its author), and 40 people on Meißen
    anna = await leipzig.create_user("anna")
    await meissen.create_user("jonas")
    await meissen.post_outbox("jonas", {"type": "Follow", "object": anna.ap_id})
    await eventually(lambda: meissen.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="follow")
    status, body = await leipzig.post_outbox("anna", IDEA)
    assert status == 201, body
    idea_id = (await leipzig.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    await eventually(lambda: meissen.query("SELECT 1 FROM ideas WHERE ap_id = ?", (idea_id,)), message="idea on Meißen")
    people = [f"p{i:02d}" for i in range(PEOPLE)]
    tokens = {}
    for name in people:
        await meissen.create_user(name)
        tokens[name] = await meissen.token(name)
    support = {"type": "Like", "object": idea_id}

    # When each of them sends the support on a connection they close early, then sends it again
    async def attempt(index: int, name: str) -> tuple[int, dict]:
        await hang_up(meissen.base_url, name, tokens[name], support, index)
        async with aiohttp.ClientSession() as session:
            return await like(session, meissen.base_url, name, tokens[name], support)

    # Half of them one at a time, so that the hang-ups fall all along a lone request's way (before,
    # in and after its transaction); the others four at a time, so that some fall while waiting
    # for the write lock held by another. (All forty at once queue behind each other, and every
    # hang-up then lands before its handler has begun.)
    answers = [await attempt(i, name) for i, name in enumerate(people[:PEOPLE // 2])]
    room = asyncio.Semaphore(4)

    async def in_group(index: int, name: str) -> tuple[int, dict]:
        async with room:
            return await attempt(index, name)
    answers += await asyncio.gather(*(in_group(i, name) for i, name in enumerate(people) if i >= PEOPLE // 2))

    # Then every retry is answered 201 (the first attempt left nothing) or 409 (it was done whole)
    for name, (status, body) in zip(people, answers, strict=True):
        assert status == 201 or (status == 409 and "already support" in body["message"]), (name, status, body)
    statuses = [status for status, _ in answers]
    print(f"retries answered 201: {statuses.count(201)}, 409: {statuses.count(409)}")  # shown if it fails
    # (and the hang-ups did fall on both sides of the commit, or this test proved nothing)
    assert 201 in statuses and 409 in statuses, statuses
    # And Meißen sent exactly one Like per person, and Leipzig counts every one of them once
    # (read through Meißen's shared reader connection, which must see its latest commits, however
    # many reads the hang-ups cancelled)
    sent = await meissen.query("SELECT a.username, count(*) AS n FROM activities act JOIN actors a "
                               "ON a.id = act.actor_id WHERE act.type = 'Like' GROUP BY a.username")
    sent = {row["username"]: row["n"] for row in sent}
    assert not [n for n in people if n not in sent], "supports counted whose Like was never sent: " + \
        ", ".join(n for n in people if n not in sent)
    assert sent == {name: 1 for name in people}


    async def counted_on_leipzig():
        rows = await leipzig.query("SELECT support_count FROM ideas WHERE ap_id = ?", (idea_id,))
        return rows[0]["support_count"] == PEOPLE
    await eventually(counted_on_leipzig, timeout=30, message=f"{PEOPLE} supports counted on Leipzig")
    likes = await leipzig.query("SELECT a.ap_id FROM reactions r JOIN actors a ON a.id = r.actor_id "
                                "WHERE r.kind = 'Like' AND r.object_ap_id = ?", (idea_id,))
    assert sorted(row["ap_id"] for row in likes) == sorted(f"{meissen.base_url}/users/{n}" for n in people)
    _, collection = await leipzig.get_json(f"{idea_id}/likes")
    assert collection["totalItems"] == PEOPLE

    async def counted_on_meissen():  # its own count, until Leipzig's published counts confirm it
        rows = await meissen.query("SELECT support_count FROM ideas WHERE ap_id = ?", (idea_id,))
        return rows[0]["support_count"] == PEOPLE
    await eventually(counted_on_meissen, timeout=15, message=f"{PEOPLE} supports counted on Meißen")

    # And Meißen still serves normally, and never answered or crashed with a 5xx
    status, body = await meissen.post_outbox("jonas", support)
    assert status == 201, body
    assert not [code for code in meissen.statuses if code >= 500], meissen.statuses
    assert not meissen.crashes and not leipzig.crashes
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
