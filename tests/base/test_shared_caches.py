"""Caches of several processes on one database: a change made through one Runtime (another web
process, a worker process, the CLI) is seen by the other within the time the README documents.

Each test times from the commit of the change to the first moment the other Runtime shows it,
and asserts a bound well below the cache's own expiry, so only the cross-process check can pass it.
"""

from __future__ import annotations

import dataclasses
import time

import aiohttp
import pytest

from actors import local as local_actors
from actors import remote
from actors.key_cache import WATCH_SECONDS as KEY_WATCH_SECONDS
from tests.conftest import Instance, eventually, free_port, instance_config
from tests.web.conftest import Visitor
from wecreate_fed import signatures
from wecreate_fed.domainpolicy import DomainPolicy
from wecreate_fed.errors import SignatureError
from wecreate_fed.http import HttpClient
from wecreate_fed.moderation import allowlist, domains, roles
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import counters, open_database, sanctions
from wecreate_fed.web import views
from wecreate_fed.workers import Supervisor

SLACK = 2.0  # seconds for a loaded machine, on top of the documented delay


@pytest.fixture
async def two(tmp_path, database_url):
    """Two Runtimes (two processes, as far as their memory goes) on one database: a SQLite file,
    or with WECREATE_TEST_DATABASE a PostgreSQL database."""
    config = instance_config(tmp_path, "leipzig", free_port(), database_url=database_url)
    made = []
    for _ in range(2):
        db = await open_database(config.database_url)
        made.append(Runtime(config=config, db=db, http=HttpClient.from_config(config)))
        await made[-1].http.start()
    async with made[0].db.transaction() as conn:
        await local_actors.ensure_instance_actor(conn, config)
    yield made
    for rt in made:
        await rt.http.close()
        await rt.db.close()


async def _seen_within(check, bound: float, what: str) -> float:
    started = time.monotonic()
    await eventually(check, timeout=bound + 5, interval=0.02, message=what)
    took = time.monotonic() - started
    assert took <= bound, f"{what}: seen after {took:.2f} s, documented {bound} s"
    return took


async def test_the_counter_helper_counts_per_key(two):
    a, b = two
    watch = counters.Watch(counters.DOMAIN_POLICY, interval=0)
    assert await watch.moved(b.db.reader)          # the first look
    assert not await watch.moved(b.db.reader)
    async with a.db.transaction() as conn:
        assert await counters.DOMAIN_POLICY.bump(conn) == "1"
        assert await counters.DOMAIN_POLICY.bump(conn) == "2"
    assert await counters.ALLOWLIST.value(b.db.reader) is None   # another key, untouched
    assert await watch.moved(b.db.reader) and watch.seen == "2"
    slow = counters.Watch(counters.DOMAIN_POLICY, interval=3600)
    assert await slow.moved(b.db.reader)
    async with a.db.transaction() as conn:
        await counters.DOMAIN_POLICY.bump(conn)
    assert not await slow.moved(b.db.reader)       # not read again within its interval


async def test_domain_policy_and_allowlist_changed_through_one_are_in_force_in_the_other(two):
    a, b = two
    supervisor = Supervisor()
    supervisor.start(domains.DomainWorker(b))
    supervisor.start(allowlist.AllowlistWorker(b))
    try:
        await domains.load(a)
        await allowlist.load(a)
        await domains.set_policy(a, DomainPolicy("spam.example", "suspend"), by=roles.CLI)
        await _seen_within(lambda: b.domains.suspended("x.spam.example"), domains.WATCH_SECONDS + SLACK,
                           "the suspension in the other process")
        await allowlist.add(a, "friends.example", by=roles.CLI)
        await _seen_within(lambda: b.domains.allow.allows("friends.example"), allowlist.WATCH_SECONDS + SLACK,
                           "the allowlist entry in the other process")
        await domains.remove(a, "spam.example", by=roles.CLI)
        await _seen_within(lambda: not b.domains.suspended("x.spam.example"), domains.WATCH_SECONDS + SLACK,
                           "the lifted suspension in the other process")
    finally:
        await supervisor.stop()


async def test_a_cached_key_owner_is_reloaded_after_another_process_suspends_or_deletes_it(two):
    a, b = two
    _, public_pem = signatures.generate_key_pair()
    ap_id = "https://far.example/users/mallory"
    async with a.db.transaction() as conn:
        actor = await actors_store.upsert_remote_actor(
            conn, document="{}", ap_id=ap_id, username="mallory", domain="far.example", type="Person", name="",
            summary="", inbox_url=f"{ap_id}/inbox", key_id=f"{ap_id}#main-key", public_key_pem=public_pem)
    key_id = actor.key_id
    assert (await remote.get_actor_by_key_id(b, key_id)).suspended_at is None   # now in b's key cache

    async with a.db.transaction() as conn:   # a moderator's suspension, through the other process
        await sanctions.set_suspended(conn, actor.id, True)

    async def suspended_in_b() -> bool:
        return (await remote.get_actor_by_key_id(b, key_id)).suspended_at is not None
    await _seen_within(suspended_in_b, KEY_WATCH_SECONDS + SLACK, "the suspension in b's key cache")
    assert remote.key_cache(b).max_age > 60   # the entry's own expiry is far off: the counter did it

    async with a.db.transaction() as conn:   # its Delete, handled by an inbox worker process
        await sanctions.set_suspended(conn, actor.id, False)
        await actors_store.mark_remote_actor_deleted(conn, ap_id)

    async def gone_from_b() -> bool:
        cache = remote.key_cache(b)
        await cache.check(b.db.reader)   # what every verification in b does first
        return cache.get(key_id) is None
    await _seen_within(gone_from_b, KEY_WATCH_SECONDS + SLACK, "the deleted actor's key out of b's cache")
    with pytest.raises(SignatureError):  # the row has no key any more; far.example cannot be reached
        await remote.get_actor_by_key_id(b, key_id)


async def test_a_second_web_process_shows_an_idea_published_through_the_first(make_instance, monkeypatch):
    # Pages would otherwise expire by themselves after MARKETPLACE_SECONDS: only the counter can pass.
    monkeypatch.setattr(views, "MARKETPLACE_SECONDS", 3600.0)
    first = await make_instance("leipzig")
    second_port = free_port()
    second = Instance(dataclasses.replace(first.config, listen_port=second_port), run_workers=False)
    await second.start()
    anna, reader = Visitor(first.base_url), Visitor(f"http://127.0.0.1:{second_port}")

    async def listening() -> bool:  # its start() waited for base_url, the first one's address
        try:
            return (await reader.get("/.well-known/nodeinfo"))[0] == 200
        except aiohttp.ClientConnectionError:
            return False
    try:
        await eventually(listening, message="the second web process listening")
        assert await anna.register("anna") == 303
        status, page, _ = await reader.get("/")
        assert status == 200 and "Bürgerhaushalt" not in page      # cached in the second process now
        figures = await views.impact(second.rt)

        await anna.publish_idea("Bürgerhaushalt für Grünau")

        async def shown() -> bool:
            return "Bürgerhaushalt für Grünau" in (await reader.get("/"))[1]
        await _seen_within(shown, views.MARKETPLACE_WATCH_SECONDS + SLACK, "the idea on the second process")
        # The impact figures follow the store's figures_version, read at every page.
        assert (await views.impact(second.rt))["ideas"] == figures["ideas"] + 1
    finally:
        await anna.close()
        await reader.close()
        await second.stop()
