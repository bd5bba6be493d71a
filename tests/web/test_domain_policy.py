"""Domain policy between real instances over HTTP: a suspension refuses, purges and stops
deliveries; a limit keeps a domain off the marketplace but keeps its follows; both apply
without a restart (also when another process changed the database)."""

from __future__ import annotations

import asyncio
import dataclasses
from urllib.parse import quote

import pytest

from actors import remote
from tests.conftest import Instance, eventually, free_port, instance_config, post_signed
from wecreate_fed.domainpolicy import DomainPolicy
from wecreate_fed.errors import BadRequest, BlockedDomain, Conflict
from wecreate_fed.http import HttpClient
from wecreate_fed.moderation import domains, roles
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import audit, database_for, queue

IDEA = {"type": "Note", "civicKind": "idea", "name": "Trinkbrunnen am Markt", "abstract": "Wasser für alle.",
        "source": {"content": "Im Sommer fehlt Wasser.", "mediaType": "text/markdown"}, "districts": ["west"]}


@pytest.fixture
async def make_localhost(tmp_path):
    """Instances whose base URL names `localhost` (served on 127.0.0.1 too), so that a policy on the
    domain "localhost" leaves the instances on 127.0.0.1 alone."""
    started: list[Instance] = []

    async def make(name: str, **federation) -> Instance:
        config = instance_config(tmp_path, name, free_port(), **federation)
        config = dataclasses.replace(config, base_url=config.base_url.replace("127.0.0.1", "localhost"))
        instance = await Instance(config).start()
        started.append(instance)
        return instance
    yield make
    for instance in started:
        await instance.stop()


async def ideas_listed(instance, query: str = "") -> list[str]:
    status, data = await instance.get_json(f"{instance.base_url}/api/marketplace?per_page=100{query}")
    assert status == 200, data
    return sorted(item["title"] for item in data["items"])


async def publish(instance, username: str, title: str) -> str:
    status, body = await instance.post_outbox(username, {**IDEA, "name": title})
    assert status == 201, body
    return (await instance.query("SELECT ap_id FROM ideas WHERE title = ?", (title,)))[0]["ap_id"]


async def befriend(leipzig, meissen):
    """anna (Leipzig) and jonas (Meißen) follow each other."""
    anna = await leipzig.create_user("anna")
    jonas = await meissen.create_user("jonas")
    assert (await meissen.post_outbox("jonas", {"type": "Follow", "object": anna.ap_id}))[0] == 201
    assert (await leipzig.post_outbox("anna", {"type": "Follow", "object": jonas.ap_id}))[0] == 201
    for side in (leipzig, meissen):
        await eventually(lambda side=side: _accepted(side, 2), message="both follows accepted")
    return anna, jonas


async def _accepted(instance, n: int) -> bool:
    return len(await instance.query("SELECT 1 FROM follows WHERE state = 'accepted'")) == n


async def on(instance, ap_id: str) -> bool:
    return bool(await instance.query("SELECT 1 FROM ideas WHERE ap_id = ?", (ap_id,)))


async def test_a_suspended_domain_is_refused_purged_and_sent_nothing(make_instance, make_localhost, visitor_for):
    leipzig = await make_instance("leipzig")
    meissen = await make_localhost("meissen")
    await leipzig.create_user("ada", password="sicheres-passwort", role="admin")
    anna, jonas = await befriend(leipzig, meissen)
    anna_idea = await publish(leipzig, "anna", "Idee aus Leipzig")
    jonas_idea = await publish(meissen, "jonas", "Idee aus Meißen")
    await eventually(lambda: on(meissen, anna_idea), message="Leipzig's idea on Meißen")
    await eventually(lambda: on(leipzig, jonas_idea), message="Meißen's idea on Leipzig")
    assert (await meissen.post_outbox("jonas", {"type": "Like", "object": anna_idea}))[0] == 201

    async def supports() -> int:
        return (await leipzig.query("SELECT support_count FROM ideas WHERE ap_id = ?", (anna_idea,)))[0]["support_count"]
    await eventually(lambda: _equals(supports(), 1), message="Jonas' support counted")
    assert await ideas_listed(leipzig) == ["Idee aus Leipzig", "Idee aus Meißen"]

    # Meißen is down: what Anna publishes now waits for it in the queue.
    await meissen.stop()
    await publish(leipzig, "anna", "Zweite Idee")
    meissen_host = meissen.config.host

    async def pending_to_meissen() -> list:
        return await leipzig.query("SELECT id FROM deliveries WHERE host = ? AND state = 'pending'", (meissen_host,))
    await eventually(pending_to_meissen, message="a delivery waiting for Meißen")

    # The admin suspends the domain in the website; no restart follows.
    admin = visitor_for(leipzig)
    await admin.login("ada")
    await admin.get("/admin/domains")
    status, text, headers = await admin.post("/admin/domains", {"domain": "LocalHost.", "severity": "suspend",
                                                                "public_comment": "Spam", "private_comment": "Ticket 7"})
    assert status == 303 and headers["Location"].endswith("/admin/domains"), text

    async def purged() -> bool:
        return not await leipzig.query("SELECT 1 FROM actors WHERE domain = ?", (meissen_host,))
    await eventually(purged, message="Meißen's actors purged")
    assert not await leipzig.query("SELECT 1 FROM ideas WHERE ap_id = ?", (jonas_idea,))
    assert not await leipzig.query("SELECT 1 FROM reactions")
    assert not await leipzig.query("SELECT 1 FROM follows")
    assert await supports() == 0  # no longer counted
    assert await ideas_listed(leipzig) == ["Idee aus Leipzig", "Zweite Idee"]
    given_up = await leipzig.query("SELECT state, last_error FROM deliveries WHERE host = ?", (meissen_host,))
    assert {row["state"] for row in given_up} <= {"done", "failed"}
    assert any("suspended" in (row["last_error"] or "") for row in given_up)
    assert not await pending_to_meissen()

    # Meißen is back: nothing of Leipzig's reaches it, nothing is fetched from it.
    await meissen.start()
    requests_before = sum(meissen.statuses.values())
    await publish(leipzig, "anna", "Dritte Idee")
    with pytest.raises(BlockedDomain):
        await remote.get_actor(leipzig.rt, jonas.ap_id)
    # Its signed deliveries are refused before anything is stored.
    activity = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{jonas.ap_id}#likes/2", "type": "Like",
                "actor": jonas.ap_id, "object": anna_idea}
    status, body = await post_signed(leipzig.shared_inbox, activity, key_id=jonas.key_id,
                                     private_key_pem=jonas.private_key_pem)
    assert status == 403 and "blocked" in body
    assert not await leipzig.query("SELECT 1 FROM incoming WHERE activity_ap_id = ?", (activity["id"],))
    assert not await leipzig.query("SELECT 1 FROM incoming WHERE signer_ap_id = ? AND state = 'pending'",
                                   (jonas.ap_id,))
    await asyncio.sleep(1.0)  # the delivery worker had its chance
    assert sum(meissen.statuses.values()) == requests_before, meissen.statuses
    # The change is in the audit log, by the admin, with the private note.
    entries = await audit.entries(leipzig.rt.db.reader, action_prefix="domain.")
    assert [(e["action"], e["target"], e["by_name"]) for e in entries] == [("domain.suspend", "localhost", "ada")]
    assert entries[0]["before"] is None and entries[0]["after"]["private_comment"] == "Ticket 7"
    assert not leipzig.crashes


async def _equals(value, expected) -> bool:
    return (await value) == expected


async def test_a_limited_domain_leaves_the_marketplace_but_keeps_its_follows(make_instance, make_localhost,
                                                                            visitor_for):
    leipzig = await make_instance("leipzig")
    meissen = await make_localhost("meissen")
    anna, jonas = await befriend(leipzig, meissen)
    first = await publish(meissen, "jonas", "Idee aus Meißen")
    await eventually(lambda: on(leipzig, first), message="Meißen's idea on Leipzig")
    assert await ideas_listed(leipzig) == ["Idee aus Meißen"]

    # Another process (the CLI, a second server) limits the domain in the shared database: this
    # server takes it up within a second, without a restart.
    other = Runtime(config=leipzig.config, db=await database_for(leipzig.config.database_url).open(),
                    http=HttpClient.from_config(leipzig.config))
    try:
        await domains.load(other)
        await domains.set_policy(other, domains.make_policy("localhost", "limit", public_comment="Zu viel Werbung"),
                                 by=roles.CLI)
    finally:
        await other.db.close()
    await eventually(lambda: leipzig.rt.domains.limited(meissen.config.host), timeout=5, message="policy reloaded")
    assert await ideas_listed(leipzig) == []

    # The follows stay; what Jonas publishes still reaches Anna and is shown on its page.
    second = await publish(meissen, "jonas", "Noch eine Idee")
    await eventually(lambda: on(leipzig, second), message="the limited domain's new idea still received")
    assert await _accepted(leipzig, 2)
    status, page, _ = await visitor_for(leipzig).get(f"/idea?id={quote(second, safe='')}")
    assert status == 200 and "Noch eine Idee" in page
    assert await ideas_listed(leipzig) == []
    # Nor is the domain refused: its deliveries are taken (202), unlike a suspended one's.
    assert not await leipzig.query("SELECT 1 FROM incoming WHERE state = 'failed'")

    await domains.remove(leipzig.rt, "localhost", by=roles.CLI)
    assert await ideas_listed(leipzig) == ["Idee aus Meißen", "Noch eine Idee"]
    actions = [e["action"] for e in await audit.entries(leipzig.rt.db.reader, action_prefix="domain.")]
    assert actions == ["domain.remove", "domain.limit"]


async def test_pending_incoming_rows_of_a_suspended_domain_are_purged(make_instance):
    leipzig = await make_instance("leipzig", run_workers=False)  # the rows stay pending
    async with leipzig.rt.db.transaction() as conn:
        for n, actor in enumerate(("https://a.spam.example/users/x", "https://spam.example/users/y",
                                   "https://fine.example/users/z")):
            await queue.add_incoming(conn, activity={"id": f"{actor}#n{n}", "type": "Like", "actor": actor},
                                     signer_ap_id=actor, recipient_username=None)
    await domains.set_policy(leipzig.rt, DomainPolicy("spam.example", "suspend"), by=roles.CLI)

    async def left() -> list[str]:
        return [r["signer_ap_id"] for r in await leipzig.query("SELECT signer_ap_id FROM incoming")]
    await eventually(lambda: _equals(left(), ["https://fine.example/users/z"]), message="rows purged")


async def test_policies_cover_subdomains_and_the_config_list_stays_suspended(make_instance):
    leipzig = await make_instance("leipzig", blocked_domains=["conf.example"])
    rt = leipzig.rt
    await domains.set_policy(rt, domains.make_policy("Example.ORG.", "limit", reject_media=True), by=roles.CLI)
    await domains.set_policy(rt, domains.make_policy("bad.example.org", "suspend"), by=roles.CLI)
    assert domains.policy_of(rt, "www.example.org").severity == "limit"
    assert domains.policy_of(rt, "x.bad.example.org:8443").severity == "suspend"
    assert domains.policy_of(rt, "notexample.org") is None
    assert domains.rejects_media(rt, "cdn.example.org") and not domains.rejects_reports(rt, "example.org")
    assert domains.rejects_reports(rt, "a.conf.example") and domains.policy_of(rt, "conf.example").from_config
    with pytest.raises(BlockedDomain):
        rt.http.check_url("https://x.bad.example.org/users/a")
    with pytest.raises(Conflict):
        await domains.set_policy(rt, domains.make_policy("conf.example", "limit"), by=roles.CLI)
    with pytest.raises(BadRequest) as caught:
        domains.make_policy("https://evil.example/x", "ban")
    assert {p.field for p in caught.value.problems} == {"domain", "severity"}
