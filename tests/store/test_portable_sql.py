"""The store's statements written for both dialects answer as SQLite's own constructs did.

Each of these was SQLite-only before (scalar max(), group_concat, json_extract, LIKE's ignored
case, X'' blobs, NULL ordering): the tests pin the answers, so the portable form changes none.
"""

from __future__ import annotations

import json

import pytest

from wecreate_fed.store import Database, civic, export, fetch_value, mail, queue, reports, sanctions

NOW = "2026-01-01T00:00:00.000000Z"


@pytest.fixture
async def conn(tmp_path):
    db = await Database(tmp_path / "portable.db").open()
    async with db.transaction() as conn:
        yield conn
    await db.close()


async def _actor(conn, name: str, *, local: bool = False, display: str = "") -> int:
    cur = await conn.execute(
        "INSERT INTO actors (ap_id, is_local, username, domain, type, name, inbox_url, created_at) "
        "VALUES (?, ?, ?, 'x.example', 'Person', ?, ?, ?)",
        (f"https://x.example/u/{name}", int(local), name, display, f"https://x.example/u/{name}/inbox", NOW))
    return cur.lastrowid


async def _idea(conn, author: int, key: str, *, local: bool = False, supports: int = 0) -> int:
    cur = await conn.execute(
        "INSERT INTO ideas (ap_id, is_local, author_id, kind, title, status, support_count, published, created_at) "
        "VALUES (?, ?, ?, 'idea', ?, 'proposed', ?, ?, ?)",
        (f"https://x.example/ideas/{key}", int(local), author, key, supports, NOW, NOW))
    return cur.lastrowid


async def test_a_remote_count_never_goes_below_zero(conn):
    await _idea(conn, await _actor(conn, "a"), "i1", supports=2)
    ap_id = "https://x.example/ideas/i1"
    await civic.bump_remote_idea_count(conn, ap_id, "support_count", -5)
    assert await fetch_value(conn, "SELECT support_count FROM ideas WHERE ap_id = ?", (ap_id,)) == 0
    await civic.bump_remote_idea_count(conn, ap_id, "support_count", 3)
    assert await fetch_value(conn, "SELECT support_count FROM ideas WHERE ap_id = ?", (ap_id,)) == 3


async def test_a_delivery_is_due_at_the_latest_of_its_time_its_hosts_probe_and_pause(conn):
    actor = await _actor(conn, "a", local=True)
    cur = await conn.execute("INSERT INTO activities (ap_id, actor_id, type, data, created_at) "
                             "VALUES ('https://x.example/a/1', ?, 'Create', '{}', ?)", (actor, NOW))
    for host, due in (("a.example", "2026-01-05T00:00:00.000000Z"), ("b.example", "2026-01-03T00:00:00.000000Z")):
        await conn.execute("INSERT INTO deliveries (activity_id, inbox_url, host, next_attempt_at, created_at) "
                           "VALUES (?, ?, ?, ?, ?)", (cur.lastrowid, f"https://{host}/inbox", host, due, NOW))
    assert await queue.next_delivery_due(conn) == "2026-01-03T00:00:00.000000Z"  # no host row: its own time
    await conn.execute("INSERT INTO hosts (host, probe_after) VALUES ('b.example', '2026-01-04T00:00:00.000000Z')")
    assert await queue.next_delivery_due(conn) == "2026-01-04T00:00:00.000000Z"  # b waits for its probe
    await conn.execute("UPDATE hosts SET paused_until = '2026-01-09T00:00:00.000000Z' WHERE host = 'b.example'")
    assert await queue.next_delivery_due(conn) == "2026-01-05T00:00:00.000000Z"  # b paused: a comes first


async def test_a_shorter_pause_does_not_shorten_a_longer_one(conn):
    async def paused_until():
        return await fetch_value(conn, "SELECT paused_until FROM hosts WHERE host = 'p.example'")

    await queue.pause_hosts(conn, [("p.example", 3600)])
    long = await paused_until()
    await queue.pause_hosts(conn, [("p.example", 60)])
    assert await paused_until() == long
    await queue.pause_hosts(conn, [("p.example", 7200)])
    assert await paused_until() > long


async def test_a_reported_note_has_its_documents_name_summary_and_url(conn):
    actor = await _actor(conn, "a")
    data = {"id": "https://x.example/n/1", "name": "Titel", "summary": None, "url": ["https://x.example/n/1.html"]}
    await conn.execute("INSERT INTO objects (ap_id, type, actor_id, content, data, created_at) "
                       "VALUES (?, 'Note', ?, '<p>text</p>', ?, ?)", (data["id"], actor, json.dumps(data), NOW))
    content = await reports.content_of(conn, "object", data["id"])
    assert (content["title"], content["summary"], content["url"]) == ("Titel", None, '["https://x.example/n/1.html"]')
    assert content["content"] == "<p>text</p>" and content["author_username"] == "a" and "data" not in content


async def test_a_page_of_reports_has_the_categories_and_sources_of_its_filings(conn):
    first = await reports.add_report(conn, target_ap_id="https://x.example/n/1", target_kind="comment",
                                     account_ap_id="https://x.example/u/a", snapshot={})
    second = await reports.add_report(conn, target_ap_id="https://x.example/n/2", target_kind="comment",
                                      account_ap_id="https://x.example/u/a", snapshot={})
    for category, source in (("spam", "member"), ("illegal", "notice"), ("spam", "remote")):
        await reports.add_filing(conn, first, source=source, category=category)
    await reports.add_filing(conn, second, source="member", category="other")
    page = {r["id"]: r for r in await reports.listing(conn, state="open")}
    assert (page[first]["categories"], page[first]["sources"]) == (["illegal", "spam"], ["member", "notice", "remote"])
    assert (page[second]["categories"], page[second]["sources"], page[second]["filings"]) == (["other"], ["member"], 1)


async def test_the_account_search_ignores_case(conn):
    await _actor(conn, "Anna", display="Anna Berg")
    await _actor(conn, "bob_", display="Bob 100%")
    assert [r["username"] for r in await sanctions.search_accounts(conn, "aNNa@X.EXAMPLE")] == ["Anna"]
    assert [r["username"] for r in await sanctions.search_accounts(conn, "berg")] == ["Anna"]
    assert [r["username"] for r in await sanctions.search_accounts(conn, "100%")] == ["bob_"]
    assert await sanctions.search_accounts(conn, "b_b") == []  # _ is no wildcard


async def test_the_export_joins_districts_topics_and_choices(conn):
    author = await _actor(conn, "a", local=True)
    idea = await _idea(conn, author, "i1", local=True)
    await _idea(conn, author, "i2", local=True)
    await conn.executemany("INSERT INTO idea_districts (idea_id, district_ap_id) VALUES (?, ?)",
                           [(idea, "https://x.example/d/z"), (idea, "https://x.example/d/a")])
    await conn.executemany("INSERT INTO idea_topics (idea_id, topic) VALUES (?, ?)", [(idea, "rad"), (idea, "bus")])
    rows = await export.ideas(conn, author, after=0)
    assert [(r["districts"], r["topics"]) for r in rows] == [
        ("https://x.example/d/a https://x.example/d/z", "bus rad"), (None, None)]
    cur = await conn.execute("INSERT INTO polls (ap_id, author_id, question, multiple, created_at) "
                             "VALUES ('https://x.example/p/1', ?, 'Q?', 1, ?)", (author, NOW))
    poll = cur.lastrowid
    await conn.executemany("INSERT INTO poll_options (poll_id, position, name) VALUES (?, ?, ?)",
                           [(poll, 0, "Ja"), (poll, 1, "Nein"), (poll, 2, "Vielleicht")])
    await conn.execute("INSERT INTO poll_voters (poll_id, actor_id) VALUES (?, ?)", (poll, author))
    await conn.executemany("INSERT INTO poll_choices (poll_id, actor_id, position, created_at) VALUES (?, ?, ?, ?)",
                           [(poll, author, 2, NOW), (poll, author, 0, NOW)])
    assert [r["choices"] for r in await export.poll_votes(conn, author, after=0)] == ["Ja | Vielleicht"]


async def test_a_settled_mail_keeps_an_empty_body(conn):
    cur = await conn.execute("INSERT INTO mails (recipient, template, message, next_attempt_at, created_at) "
                             "VALUES ('a@x.example', 'reset', ?, ?, ?)", (b"Subject: x\r\n\r\nbody", NOW, NOW))
    await mail.mark_mails(conn, [(cur.lastrowid, "sent", None, None)])
    assert await fetch_value(conn, "SELECT message FROM mails WHERE id = ?", (cur.lastrowid,)) == b""
