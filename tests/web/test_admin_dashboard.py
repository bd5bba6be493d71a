"""The admin's view over real HTTP: who may open the dashboard and the roles page, that the
charts show what was created, federation health with a dead host, NodeInfo of another real
instance, and role changes through the page in the audit log."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests.conftest import eventually
from tests.federation.test_delivery_resilience import jonas_follows_anna
from tests.web.conftest import text_of
from tests.web.test_no5xx_pages import NASTY, encoded, statuses
from wecreate_fed import nodeinfo
from wecreate_fed.store import audit, iso
from wecreate_fed.web import admin_dashboard


def table_rows(html: str, table_id: str) -> list[list[str]]:
    """The text of each body row's cells of the table with this id."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S)
    assert table, f"no table {table_id}"
    body = re.search(r"<tbody>(.*?)</tbody>", table.group(0), re.S).group(1)
    return [[text_of(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def figure(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">(.*?)</dd>', html, re.S)
    assert match, element_id
    return text_of(match.group(1))


async def test_who_may_open_the_dashboard_and_the_roles_page(site, visitor_for):
    for name, role in (("anna", "user"), ("mo", "moderator"), ("ada", "admin")):
        await site.create_user(name, password="sicheres-passwort", role=role)
    user, moderator, admin = visitor_for(site), visitor_for(site), visitor_for(site)
    await user.login("anna")
    await moderator.login("mo")
    await admin.login("ada")
    for path in ("/admin", "/admin/roles", f"/admin/instances/{site.config.host}"):
        status, text, _ = await user.get(path)
        assert status == 403, path
    status, text, _ = await moderator.get("/")
    assert 'href="/admin">Moderation<' in text  # the header's link leads to the dashboard
    status, text, _ = await moderator.get("/admin")
    assert status == 200 and "Übersicht" in text and 'role="img"' in text
    assert 'href="/admin/roles"' not in text  # not offered to a moderator
    status, text, _ = await moderator.get("/admin/roles")
    assert status == 403 and "nur für die Administration" in text_of(text)
    status, _, _ = await moderator.post("/admin/roles", {"username": "mo", "role": "admin"}, csrf=False)
    assert status in (400, 403)
    await moderator.get("/admin")
    status, _, _ = await moderator.post("/admin/roles", {"username": "mo", "role": "admin"})
    assert status == 403
    for path in ("/admin", "/admin/roles"):
        status, text, _ = await admin.get(path)
        assert status == 200, path
    assert 'href="/admin/roles"' in text
    assert (await site.query("SELECT role FROM accounts a JOIN actors r ON r.id = a.actor_id "
                             "WHERE r.username = 'mo'"))[0]["role"] == "moderator"


async def test_the_charts_show_the_ideas_and_supports_of_each_week(site, visitor_for):
    await site.create_user("ada", password="sicheres-passwort", role="admin")
    await site.create_user("anna", password="sicheres-passwort")
    await site.create_user("bert", password="sicheres-passwort")
    anna, bert, admin = visitor_for(site), visitor_for(site), visitor_for(site)
    await anna.login("anna")
    paths = [await anna.publish_idea(f"Trinkbrunnen Nummer {n}") for n in range(4)]
    # one of the four was published a week earlier
    async with site.rt.db.transaction() as conn:
        await conn.execute("UPDATE ideas SET published = ? WHERE url LIKE ?",
                           (iso(datetime.now(UTC) - timedelta(days=7)), "%" + paths[0].rsplit("/", 1)[1]))
    await bert.login("bert")
    for path in paths[1:3]:
        await bert.get(path)
        ap_id = (await site.query("SELECT ap_id FROM ideas WHERE url LIKE ?", ("%" + path.rsplit("/", 1)[1],)))[0]
        status, _, _ = await bert.post("/ideas/support", {"idea": ap_id["ap_id"]})
        assert status == 303
    await admin.login("ada")
    status, text, _ = await admin.get("/admin")
    assert status == 200
    week = datetime.now(UTC).isocalendar().week
    last_week = (datetime.now(UTC) - timedelta(days=7)).isocalendar().week
    ideas = table_rows(text, "chart-ideas-data")
    supports = table_rows(text, "chart-supports-data")
    assert len(ideas) == len(supports) == admin_dashboard.WEEKS
    assert ideas[-1][0].startswith(f"KW {week} (") and ideas[-1][1] == "3"
    assert ideas[-2][0].startswith(f"KW {last_week} (") and ideas[-2][1] == "1"
    assert all(row[1] == "0" for row in ideas[:-2])
    assert supports[-1][1] == "2" and all(row[1] == "0" for row in supports[:-1])
    # the SVG draws the same figures: a bar per week, each titled with its figure
    svg = re.search(r'<svg class="chart" id="chart-ideas".*?</svg>', text, re.S).group(0)
    assert svg.count('<rect class="chart-bar"') == admin_dashboard.WEEKS
    assert f"<title>KW {week} (" in svg and re.search(rf"<title>KW {week} \([^<]*\): 3</title>", svg)
    assert "<desc" in svg and "4 insgesamt, 3 in dieser Woche" in svg
    # anna and bert published or supported, ada logged in: three active; three new accounts
    assert figure(text, "active-people") == "3" and figure(text, "new-accounts") == "3"
    assert figure(text, "reports-open") == "0"
    # this week is counted at every request (the weeks before once a day)
    await anna.publish_idea("Noch ein Trinkbrunnen")
    _, text, _ = await admin.get("/admin")
    assert table_rows(text, "chart-ideas-data")[-1][1] == "4" and table_rows(text, "chart-ideas-data")[-2][1] == "1"
    # English: week labels and the description in the other locale
    await admin.post("/language", {"lang": "en"})
    status, text, _ = await admin.get("/admin")
    assert table_rows(text, "chart-ideas-data")[-1][0].startswith(f"Week {week} (")


async def test_report_figures_count_the_reports_table(site, visitor_for):
    await site.create_user("mo", password="sicheres-passwort", role="moderator")
    now = iso()
    old = iso(datetime.now(UTC) - timedelta(days=30))
    async with site.rt.db.transaction() as conn:
        for n, (state, resolved_at) in enumerate((("open", None), ("open", None), ("resolved", now),
                                                  ("resolved", old))):
            await conn.execute(
                "INSERT INTO reports (target_ap_id, target_kind, account_ap_id, snapshot, state, created_at, "
                "updated_at, resolved_at) VALUES (?, 'idea', 'https://x.example/u', '{}', ?, ?, ?, ?)",
                (f"https://x.example/{n}", state, now, now, resolved_at))
    moderator = visitor_for(site)
    await moderator.login("mo")
    _, text, _ = await moderator.get("/admin")
    assert figure(text, "reports-open") == "2" and figure(text, "reports-resolved") == "1"


async def test_a_dead_host_shows_up_with_its_pending_deliveries(leipzig, meissen, visitor_for):
    await jonas_follows_anna(leipzig, meissen)
    await leipzig.create_user("ada", password="sicheres-passwort", role="admin")
    host = meissen.config.host
    await meissen.stop()  # its port on 127.0.0.1 is closed now
    for n in range(3):
        status, _ = await leipzig.post_outbox("anna", {"type": "Note", "content": f"Sprechstunde {n}"})
        assert status == 201
    await eventually(lambda: leipzig.query("SELECT 1 FROM hosts WHERE host = ? AND failing_since IS NOT NULL",
                                           (host,)), message="the host failing")
    admin = visitor_for(leipzig)
    await admin.login("ada")
    _, text, _ = await admin.get("/admin")
    pending = table_rows(text, "pending-deliveries")
    assert pending[0][0] == host and pending[0][1] == "3", pending
    failing = table_rows(text, "failing-hosts")
    assert failing[0][0] == host and failing[0][1] != "–" and int(failing[0][2]) >= 1
    assert f'href="/admin/instances/{host}"' in text
    status, text, _ = await admin.get(f"/admin/instances/{host}")
    assert status == 200
    assert figure(text, "instance-deliveries") == "3 wartend, 0 aufgegeben"
    assert figure(text, "instance-followers") == "1" and figure(text, "instance-accounts") == "1"
    assert figure(text, "instance-health").startswith("gestört seit")
    assert "jonas" in text_of(text) and 'href="/admin/domains"' in text
    assert "keine" in figure(text, "instance-policy")
    # not a host, or a host nobody here knows: a clear 404
    assert (await admin.get("/admin/instances/nie.example"))[0] == 404
    assert (await admin.get("/admin/instances/a%20b"))[0] == 404


async def test_nodeinfo_of_another_instance_is_fetched_and_shown(leipzig, meissen, visitor_for):
    await jonas_follows_anna(leipzig, meissen)
    await leipzig.create_user("ada", password="sicheres-passwort", role="admin")
    host = meissen.config.host
    worker = nodeinfo.NodeInfoWorker(leipzig.rt)
    assert await worker.run_once() == 1  # Meißen found among the actors, asked once
    assert await worker.run_once() == 0  # not again the same day
    row = (await leipzig.query("SELECT * FROM instances WHERE host = ?", (host,)))[0]
    assert row["software"] == "wecreate-fed" and row["version"] and row["users"] == 1 and row["fetch_error"] is None
    assert row["open_registrations"] == 1 and row["first_seen"] <= row["last_fetched"]
    admin = visitor_for(leipzig)
    await admin.login("ada")
    _, text, _ = await admin.get("/admin")
    known = table_rows(text, "known-instances")
    assert known[0][0] == host and known[0][1].startswith("wecreate-fed ") and known[0][2] == "1"
    _, text, _ = await admin.get(f"/admin/instances/{host}")
    assert figure(text, "instance-software").startswith("wecreate-fed")

    # a day later Meißen is down: the error is kept, and what it said before stays
    async with leipzig.rt.db.transaction() as conn:
        await conn.execute("UPDATE instances SET last_fetched = ?", (iso(datetime.now(UTC) - timedelta(days=2)),))
    await meissen.stop()
    assert await worker.run_once() == 1
    row = (await leipzig.query("SELECT * FROM instances WHERE host = ?", (host,)))[0]
    assert row["software"] == "wecreate-fed" and row["fetch_error"] and row["last_fetched"] > iso(
        datetime.now(UTC) - timedelta(minutes=1))
    _, text, _ = await admin.get(f"/admin/instances/{host}")
    assert host in text and row["fetch_error"][:20] in text


def test_nodeinfo_documents_are_read_carefully():
    links = {"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": "https://a.example/ni/2.0"},
                       {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": "https://a.example/ni/2.1"},
                       {"rel": "http://nodeinfo.diaspora.software/ns/schema/1.0", "href": "https://a.example/ni/1"},
                       {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.2", "href": "javascript:alert(1)"}]}
    assert nodeinfo.document_url(links) == "https://a.example/ni/2.1"
    for bad in ({}, {"links": "x"}, {"links": [{"rel": "other", "href": "https://a.example/"}]}):
        try:
            nodeinfo.document_url(bad)
        except nodeinfo.WeCreateError as error:
            assert error.code == "no_nodeinfo"
        else:
            raise AssertionError(bad)
    mastodon = {"version": "2.0", "software": {"name": "Mastodon", "version": "4.3.2"}, "openRegistrations": False,
                "usage": {"users": {"total": 1234, "activeMonth": 99}}}
    assert nodeinfo.parse(mastodon) == nodeinfo.NodeInfo("mastodon", "4.3.2", 1234, False)
    assert nodeinfo.parse({"software": {"name": "gotosocial"}, "usage": {"users": {"total": True}}}) == \
        nodeinfo.NodeInfo("gotosocial", None, None, None)
    for bad in ({}, {"software": "x"}, {"software": {"name": ""}}, {"software": {"name": 5}}):
        try:
            nodeinfo.parse(bad)
        except nodeinfo.WeCreateError:
            pass
        else:
            raise AssertionError(bad)


async def test_a_role_change_through_the_page_is_audited(site, visitor_for):
    await site.create_user("ada", password="sicheres-passwort", role="admin")
    await site.create_user("bert", password="sicheres-passwort")
    admin = visitor_for(site)
    await admin.login("ada")
    await admin.get("/admin/roles")
    status, _, headers = await admin.post("/admin/roles", {"username": "Bert", "role": "moderator"})
    assert status == 303 and headers["Location"] == "/admin/roles"
    status, text, _ = await admin.get("/admin/roles")
    assert "Bert hat jetzt die Rolle Moderation." in text_of(text)
    staff = table_rows(text, "staff")
    assert ["ada @ada", "Administration"] in staff and ["bert @bert", "Moderation"] in staff
    entries = await audit.entries(site.rt.db.reader)
    assert [(e["by_name"], e["by_actor_id"] is not None, e["action"], e["target"], e["before"], e["after"])
            for e in entries] == [("ada", True, "role.set", "bert", {"role": "user"}, {"role": "moderator"})]
    _, text, _ = await admin.get("/admin/audit")
    assert "role.set" in text and "bert" in text
    # the last admin stays, with the reason in German; nobody is changed, nothing is logged
    await admin.get("/admin/roles")
    status, text, _ = await admin.post("/admin/roles", {"username": "ada", "role": "user"})
    assert status == 409 and "Das ist die letzte Person mit Admin-Rechten" in text_of(text)
    status, text, _ = await admin.post("/admin/roles", {"username": "niemand", "role": "admin"})
    assert status == 404 and "Dieses Konto gibt es hier nicht." in text_of(text)
    status, text, _ = await admin.post("/admin/roles", {"username": "bert", "role": "kaiser"})
    assert status == 400
    assert await audit.count(site.rt.db.reader) == 1


async def test_malformed_instance_names_are_a_404_never_a_5xx(site, visitor_for):
    await site.create_user("ada", password="sicheres-passwort", role="admin")
    admin = visitor_for(site)
    await admin.login("ada")
    hosts_ = NASTY + ["[::1]", "[::1", "a:99999", "127.0.0.1:1", "xn--", "a..b", "..", "%2e%2e", "a%2Fb"]
    found = await statuses(admin, [f"{site.base_url}/admin/instances/{encoded(h) or 'x'}" for h in hosts_])
    assert all(400 <= status < 500 for status, _ in found), [f for f in found if not 400 <= f[0] < 500]
    found = await statuses(admin, [f"{site.base_url}/admin?page={encoded(v)}" for v in NASTY] +
                           [f"{site.base_url}/admin/roles?x={encoded(v)}" for v in NASTY])
    assert all(status == 200 for status, _ in found)
    await admin.get("/admin/roles")
    for username in ("\x00" * 3, "a" * 5000, "", "@"):
        status, _, _ = await admin.post("/admin/roles", [("username", username), ("role", "admin"), ("role", "user")])
        assert 400 <= status < 500, username
