"""`wecreate-fed db copy`: the demo's Leipzig moved from SQLite to PostgreSQL serves the same pages
and goes on federating with Meißen (which stays on SQLite).

Needs a PostgreSQL server: WECREATE_TEST_DATABASE (any database on it; this test makes its own
and drops it). Skipped without it.
"""

from __future__ import annotations

import dataclasses
import os
import re
import secrets
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg
import pytest

from tests.cli.test_cli import assert_one_line_error, run_cli
from tests.conftest import Instance, eventually, free_port
from wecreate_fed import config as config_module
from wecreate_fed import demo

SERVER = os.environ.get("WECREATE_TEST_DATABASE", "")
pytestmark = pytest.mark.skipif(not SERVER.startswith("postgresql://"),
                                reason="db copy needs a PostgreSQL server: set WECREATE_TEST_DATABASE")


@pytest.fixture
async def empty_pg():
    """A fresh PostgreSQL database on the test server (URL), dropped afterwards."""
    name = f"copycache_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(SERVER)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(SERVER)._replace(path=f"/{name}"))
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _get(url: str, **headers) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers=headers) as r:
            return r.status, await r.text()


async def _titles(base: str, *, polling: bool = False, **filters: str) -> list[str]:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/api/marketplace", params={"sort": "newest", "per_page": "50", **filters}) as r:
            if polling and r.status == 429:  # asked faster than the API's rate limit allows: not yet
                return []
            assert r.status == 200
            return [item["title"] for item in (await r.json())["items"]]


async def _post(base: str, token: str, user: str, document: dict) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{base}/users/{user}/outbox", json=document,
                                headers={"Authorization": f"Bearer {token}"}) as r:
            assert r.status == 201, await r.text()


async def _settled(instance: Instance) -> bool:
    """Nothing waits to go out or to be handled: deliveries, incoming, and the civic worker's count
    Updates (sent SETTLE_SECONDS after a Like; its flag clears in the transaction that queues them)."""
    rows = await instance.query("SELECT (SELECT count(*) FROM deliveries WHERE state = 'pending') AS d, "
                                "(SELECT count(*) FROM incoming WHERE state = 'pending') AS i, "
                                "(SELECT count(*) FROM ideas WHERE counts_changed_at IS NOT NULL "
                                "AND deleted_at IS NULL) AS c")
    return rows[0]["d"] == 0 and rows[0]["i"] == 0 and rows[0]["c"] == 0


async def _all_settled(instances: list[Instance]) -> bool:
    """Every instance settled, each looked at after the others: what one delivered just before it
    was seen idle is pending at the next one (an instance seen idle sends nothing new unprompted)."""
    for instance in instances + instances[:1]:
        if not await _settled(instance):
            return False
    return True


async def _page_facts(base: str, fountain: str) -> dict:
    """What a visitor and another server see of Leipzig: the pages compared before and after."""
    status, home = await _get(f"{base}/", Accept="text/html")
    assert status == 200
    status, anna = await _get(f"{base}/users/anna", Accept="application/activity+json")
    # A search beside a district: on PostgreSQL by the arrays the copy's inserts fill (0037).
    return {"titles": sorted(await _titles(base)), "searched": await _titles(base, q="Trinkbrunnen", district="west"),
            "home": sorted(re.findall(r"Trinkbrunnen[^<\"]*", home)),
            "anna": status, "box": (await _get(f"{base}/boxes/trinkbrunnen_west", Accept="text/html"))[0],
            "fountain": (await _get(fountain, Accept="text/html"))[0]}


@pytest.mark.timeout(600)  # the demo's federation, two copies, three starts
async def test_the_demo_copied_to_postgresql_serves_the_same_pages_and_federates(tmp_path, empty_pg):
    ports = {"leipzig": free_port(), "meissen": free_port()}
    configs, tokens, bases, running = {}, {}, {}, {}
    for city in demo.CITIES:   # the demo as `wecreate-fed demo` fills it, in this process
        config = config_module.load(demo.write_config(tmp_path, city, ports[city.slug]))
        configs[city.slug], bases[city.slug] = config, config.base_url
        tokens[city.slug] = await demo.create_people(config, city)
    try:
        for slug, config in configs.items():
            running[slug] = await Instance(config).start()
        fountain = await demo.federate(bases, tokens)
        await demo.create_box(configs["leipzig"], fountain, tokens, bases)
        # Settled before Leipzig stops: an Update Meißen sent it while stopped would fail, and Meißen
        # would hold its next deliveries to the failing host behind that one's retry (a minute or more).
        await eventually(lambda: _all_settled(list(running.values())), timeout=30, message="queues empty")
        before = await _page_facts(bases["leipzig"], fountain)
        assert "Elbwiesen sauber halten" in before["titles"] and before["box"] == 200 and before["anna"] == 200
        assert before["searched"] == ["Trinkbrunnen am Lindenauer Markt"]
        await running.pop("leipzig").stop()

        source = f"sqlite:///{configs['leipzig'].database_path}"
        code, out, err = await run_cli("db", "copy", "--from", source, "--to", empty_pg)
        assert code == 0, err
        assert re.search(r"^  actors: \d+ rows$", out, re.M) and re.search(r"^  ideas: \d+ rows$", out, re.M), out
        assert "the source has" not in out and "sequences set past their highest keys" in out

        # Once filled, the target is refused, in one line, and left as it is.
        line = assert_one_line_error(*await run_cli("db", "copy", "--from", source, "--to", empty_pg))
        assert "is not empty" in line and "db copy writes only into an empty database" in line

        on_pg = dataclasses.replace(configs["leipzig"], database_url=empty_pg, database_path=None)
        running["leipzig"] = await Instance(on_pg).start()
        assert running["leipzig"].rt.db.dialect == "postgresql"
        assert await _page_facts(bases["leipzig"], fountain) == before

        # Federation goes on both ways, with the copied keys; new rows take new keys (the sequences).
        await _post(bases["meissen"], tokens["meissen"]["jonas"], "jonas", {
            "type": "Note", "civicKind": "idea", "name": "Fährverbindung nach Leipzig", "districts": ["coelln"],
            "source": {"mediaType": "text/markdown", "content": "Mit dem Schiff zur Partnerstadt."}})
        await eventually(lambda: _has(bases["leipzig"], "Fährverbindung nach Leipzig"), timeout=30, interval=0.5,
                         message="Meißen's new idea on Leipzig (PostgreSQL)")
        await _post(bases["leipzig"], tokens["leipzig"]["anna"], "anna", {
            "type": "Note", "civicKind": "idea", "name": "Wasserspielplatz in Lindenau", "districts": ["west"],
            "source": {"mediaType": "text/markdown", "content": "Für heiße Tage."}})
        await eventually(lambda: _has(bases["meissen"], "Wasserspielplatz in Lindenau"), timeout=30, interval=0.5,
                         message="Leipzig's new idea (from PostgreSQL) on Meißen")
        assert not running["leipzig"].crashes
    finally:
        for instance in running.values():
            await instance.stop()


async def _has(base: str, title: str) -> bool:
    return title in await _titles(base, polling=True)
