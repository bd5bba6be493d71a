"""`wecreate-fed serve` on each HTTP server it can run on ([server] engine: Hypercorn, uvicorn), as a
real process: it answers pages, ActivityPub and the inbox (the thin front), federates both ways
with another instance, and stops cleanly at SIGTERM (a request still waiting on another server is
answered 503, the workers give back what they claimed, exit 0)."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tests import processes
from tests.cli.test_cli import assert_one_line_error, run_cli
from tests.conftest import eventually


def engine_config(tmp_path, database_url: str, engine: str):
    # The fetch of a hanging server must outlast the request grace at SIGTERM (app.REQUEST_GRACE).
    path = processes.write_config(tmp_path / "a", database=database_url if database_url.startswith("postgresql")
                                  else "data/a.sqlite3", fetch_timeout_seconds=30.0)
    path.write_text(path.read_text().replace("[server]\n", f'[server]\nengine = "{engine}"\n'), encoding="utf-8")
    return path


async def test_an_unknown_engine_is_a_one_line_config_error(tmp_path):
    config = engine_config(tmp_path, "", "nginx")
    line = assert_one_line_error(*await run_cli("serve", "--config", str(config)))
    assert "server.engine must be one of hypercorn, uvicorn" in line


@pytest.mark.timeout(240)
@pytest.mark.parametrize("engine", ["uvicorn", "hypercorn"])
async def test_serve_answers_federates_and_stops_cleanly(tmp_path, make_instance, hanging_peer, database_url, engine):
    config_path = engine_config(tmp_path, database_url, engine)
    assert (await run_cli("init", "--config", str(config_path)))[0] == 0
    code, _, err = await run_cli("user", "add", "anna", "--config", str(config_path))
    assert code == 0, err
    code, token, err = await run_cli("user", "token", "anna", "--config", str(config_path))
    assert code == 0, err
    token = token.strip()
    a = await processes.Process("serve", "--config", str(config_path)).start()
    try:
        found = await a.wait_for_line(r"serving (\S+) with (\w+) on ")
        base, anna_id = found.group(1), f"{found.group(1)}/users/anna"
        assert found.group(2) == engine
        async with aiohttp.ClientSession() as session:
            await eventually(lambda: _answers(session, f"{base}/.well-known/nodeinfo"), timeout=60,
                             message="serve answering")
            # Given serve answering a page, an actor document and an unsigned inbox POST (JSON 4xx)
            async with session.get(f"{base}/about") as r:
                assert r.status == 200 and "text/html" in r.headers["Content-Type"]
            async with session.get(anna_id, headers={"Accept": "application/activity+json"}) as r:
                assert r.status == 200 and (await r.json(content_type=None))["id"] == anna_id
            async with session.post(f"{base}/inbox", json={"type": "Follow"}) as r:
                assert 400 <= r.status < 500 and "error" in await r.json(content_type=None)

            # When Bob on another instance follows Anna (a signed POST to A's inbox), and Anna posts
            meissen = await make_instance("meissen")
            await meissen.create_user("bob")
            status, body = await meissen.post_outbox("bob", {"type": "Follow", "object": anna_id})
            assert status == 201, body
            await eventually(lambda: _accepted(meissen), timeout=60, message="A's Accept on Meißen")
            async with session.post(f"{base}/users/anna/outbox", headers={"Authorization": f"Bearer {token}"},
                                    json={"type": "Note", "content": "Stadtteilfest am Samstag"}) as r:
                assert r.status == 201, await r.text()
            # Then the note reaches Meißen
            await eventually(lambda: meissen.query("SELECT ap_id FROM objects WHERE content LIKE ?",
                                                   ("%Stadtteilfest%",)), timeout=60, message="the note on Meißen")

            # And SIGTERM while a request waits on a server that never answers: that request is
            # answered 503 with Retry-After, and serve exits 0 having given back all it claimed
            async def follow_unreachable() -> tuple[int, str | None]:
                async with session.post(f"{base}/users/anna/outbox", headers={"Authorization": f"Bearer {token}"},
                                        json={"type": "Follow", "object": f"{hanging_peer.base_url}/users/x"}) as r:
                    return r.status, r.headers.get("Retry-After")
            slow = asyncio.ensure_future(follow_unreachable())
            await eventually(lambda: hanging_peer.fetches, timeout=30, message="A fetching from the hanging server")
            assert await a.stop() == 0, a.text
            assert await slow == (503, "30")
        assert "Traceback" not in a.text, a.text
        assert await processes.query(config_path, "SELECT * FROM workers") == []
        assert await processes.query(config_path, "SELECT id FROM incoming WHERE locked_until IS NOT NULL") == []
        assert await processes.query(config_path, "SELECT id FROM deliveries WHERE locked_until IS NOT NULL") == []
        assert await processes.query(config_path, "SELECT id FROM incoming WHERE state <> 'done'") == []
    finally:
        if a.process.returncode is None:
            a.kill()
            await a.process.wait()


async def _answers(session: aiohttp.ClientSession, url: str) -> bool:
    try:
        async with session.get(url) as r:
            return r.status == 200
    except aiohttp.ClientError:
        return False


async def _accepted(instance) -> bool:
    rows = await instance.query("SELECT count(*) AS n FROM follows WHERE state = 'accepted'")
    return rows[0]["n"] == 1
