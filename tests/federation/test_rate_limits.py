"""Rate limits over real HTTP: 429 with Retry-After per client address and per signing host.

Each test sets low limits in its instance's [rate_limits]; the defaults are checked not to
refuse a busy server's burst.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import aiohttp

from tests.conftest import post_signed
from tests.federation.test_key_flood import KeyServer
from wecreate_fed import ratelimit, signatures

LOW_INBOX_ADDRESS = {"inbox_per_address_per_minute": 6, "inbox_per_address_burst": 5}


def follow(actor_id: str, object_id: str) -> dict:
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{actor_id}#f/{uuid.uuid4()}",
            "type": "Follow", "actor": actor_id, "object": object_id}


async def test_inbox_posts_past_the_address_budget_get_429_before_any_signature_work(make_instance):
    leipzig = await make_instance("leipzig", rate_limits=LOW_INBOX_ADDRESS)
    anna = await leipzig.create_user("anna")
    # The budget's clock stands still: a token comes back every 10 s, and on a loaded machine the ten
    # POSTs below took longer than that, so the last one found a token again.
    frozen = time.monotonic()
    ratelimit.limits(leipzig.rt).inbox_address.clock = lambda: frozen
    # Ten POSTs, each naming another key on a server that counts its GETs.
    servers = [await KeyServer("404").start() for _ in range(10)]
    try:
        answers = []
        async with aiohttp.ClientSession() as session:
            for server in servers:
                status, _ = await post_signed(leipzig.shared_inbox, follow(server.actor_id, anna.ap_id),
                                              key_id=server.key_id, private_key_pem=server.private_key_pem)
                answers.append(status)
            async with session.post(leipzig.shared_inbox, data=b"{}") as r:
                body, retry_after = await r.json(), r.headers.get("Retry-After")
                last = r.status
        assert answers == [401] * 5 + [429] * 5
        # The refused ones cost nothing: their keys were never fetched.
        assert [s.gets for s in servers] == [1] * 5 + [0] * 5
        assert last == 429 and body["error"] == "rate_limited" and "try again" in body["message"]
        assert retry_after is not None and 1 <= int(retry_after) <= 10
    finally:
        for server in servers:
            await server.stop()


async def test_the_per_address_budget_covers_every_inbox(make_instance):
    leipzig = await make_instance("leipzig", rate_limits=LOW_INBOX_ADDRESS)
    await leipzig.create_user("anna")
    statuses = []
    async with aiohttp.ClientSession() as session:
        for path in ["/inbox", "/users/anna/inbox", "/actor/inbox"] * 3:
            async with session.post(leipzig.base_url + path, data=b"{}") as r:
                statuses.append(r.status)
    assert 429 not in statuses[:5]
    assert statuses[5:] == [429] * 4


async def test_a_signing_host_past_its_budget_gets_429_others_and_forgers_do_not_count(make_instance):
    leipzig = await make_instance("leipzig", rate_limits={"inbox_per_host_per_minute": 6, "inbox_per_host_burst": 3})
    meissen = await make_instance("meissen")
    anna = await leipzig.create_user("anna")
    jonas = await meissen.create_user("jonas")
    # A forger names Jonas's key twenty times: 401 each, and Meißen's budget is untouched.
    forger_key, _ = signatures.generate_key_pair()
    for _ in range(20):
        status, _ = await post_signed(leipzig.shared_inbox, follow(jonas.ap_id, anna.ap_id), key_id=jonas.key_id,
                                      private_key_pem=forger_key)
        assert status == 401
    statuses = []
    for _ in range(5):
        status, _ = await post_signed(leipzig.shared_inbox, follow(jonas.ap_id, anna.ap_id), key_id=jonas.key_id,
                                      private_key_pem=jonas.private_key_pem)
        statuses.append(status)
    assert statuses == [202, 202, 202, 429, 429]
    # Another host has a budget of its own.
    other = await KeyServer("actor").start()
    try:
        status, body = await post_signed(leipzig.shared_inbox, follow(other.actor_id, anna.ap_id),
                                         key_id=other.key_id, private_key_pem=other.private_key_pem)
        assert status == 202, body
    finally:
        await other.stop()
    assert len(await leipzig.query("SELECT 1 FROM incoming")) == 4


async def test_default_limits_take_a_busy_servers_burst(make_instance):
    # A large instance delivering a burst of a few hundred activities at once, from one address.
    leipzig = await make_instance("leipzig")
    meissen = await make_instance("meissen")
    anna = await leipzig.create_user("anna")
    jonas = await meissen.create_user("jonas")
    results = await asyncio.gather(*(
        post_signed(leipzig.shared_inbox, follow(jonas.ap_id, anna.ap_id), key_id=jonas.key_id,
                    private_key_pem=jonas.private_key_pem) for _ in range(300)))
    assert [status for status, _ in results] == [202] * 300


async def get(url: str, **headers) -> tuple[int, str, str | None]:
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers=headers) as r:
            return r.status, await r.text(), r.headers.get("Retry-After")


async def test_expensive_gets_past_the_address_budget_get_429_json_or_a_german_page(make_instance):
    leipzig = await make_instance("leipzig", rate_limits={"expensive_per_address_per_minute": 6,
                                                          "expensive_per_address_burst": 3})
    await leipzig.create_user("anna")
    api = [await get(f"{leipzig.base_url}/api/marketplace") for _ in range(3)]
    assert [status for status, _, _ in api] == [200] * 3
    status, body, retry_after = await get(f"{leipzig.base_url}/api/marketplace")
    assert status == 429 and '"rate_limited"' in body and retry_after and int(retry_after) >= 1
    # The same budget for the website's pages: the error page, in German.
    status, page, retry_after = await get(f"{leipzig.base_url}/", Accept="text/html")
    assert status == 429 and "Zu viele Anfragen" in page and retry_after
    # Collections too; cheap documents are not counted.
    status, _, _ = await get(f"{leipzig.base_url}/users/anna/followers", Accept="application/activity+json")
    assert status == 429
    for _ in range(10):
        status, _, _ = await get(f"{leipzig.base_url}/users/anna", Accept="application/activity+json")
        assert status == 200
        status, _, _ = await get(f"{leipzig.base_url}/.well-known/webfinger?resource=acct:anna@{leipzig.config.host}")
        assert status == 200


async def test_x_forwarded_for_counts_only_from_a_trusted_proxy(make_instance):
    limits = {"expensive_per_address_per_minute": 6, "expensive_per_address_burst": 2}
    behind_proxy = await make_instance("leipzig", rate_limits=limits)  # default: loopback is the proxy
    url = f"{behind_proxy.base_url}/api/marketplace"
    first = [(await get(url, **{"X-Forwarded-For": "203.0.113.7"}))[0] for _ in range(3)]
    second = [(await get(url, **{"X-Forwarded-For": "203.0.113.8"}))[0] for _ in range(2)]
    assert first == [200, 200, 429] and second == [200, 200]
    # Without a trusted proxy the header is the client's own word: changing it buys nothing.
    direct = await make_instance("meissen", rate_limits=limits, trusted_proxies=[])
    url = f"{direct.base_url}/api/marketplace"
    spoofed = [(await get(url, **{"X-Forwarded-For": f"203.0.113.{i}"}))[0] for i in range(3)]
    assert spoofed == [200, 200, 429]


async def test_rate_limits_can_be_switched_off(make_instance):
    leipzig = await make_instance("leipzig", rate_limits={"enabled": False, "expensive_per_address_burst": 1})
    statuses = [(await get(f"{leipzig.base_url}/api/marketplace"))[0] for _ in range(5)]
    assert statuses == [200] * 5
