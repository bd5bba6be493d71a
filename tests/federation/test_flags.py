"""Reports across servers: a `Flag` as Mastodon, GoToSocial and Misskey send it becomes a report in
our queue; a report filed here about another server's idea reaches that server as a Flag from our
instance actor; bad Flags are refused before anything is stored."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from actors import local
from tests.conftest import eventually, load_fixture, post_signed
from tests.web.conftest import Visitor, text_of
from wecreate_fed.moderation import domains, roles
from wecreate_fed.store import audit, iso

IDEA = {"type": "Note", "civicKind": "idea", "name": "Parkhaus am Markt", "abstract": "Mehr Parkplätze",
        "source": {"content": "Ein neues Parkhaus.", "mediaType": "text/markdown"}, "districts": ["west"]}


@pytest.fixture
async def visitor_for():
    """Browsers without JavaScript (tests/web's Visitor), closed at the end."""
    made: list[Visitor] = []

    def make(instance) -> Visitor:
        made.append(Visitor(instance.base_url))
        return made[-1]

    yield make
    for visitor in made:
        await visitor.close()


async def instance_actor(instance):
    async with instance.rt.db.transaction() as conn:
        return await local.ensure_instance_actor(conn, instance.config)


async def publish(instance, username: str) -> str:
    status, body = await instance.post_outbox(username, IDEA)
    assert status == 201, body
    return (await instance.query("SELECT ap_id FROM ideas WHERE is_local = 1 ORDER BY id DESC LIMIT 1"))[0]["ap_id"]


async def send_flag(target, sender_instance, flag: dict) -> tuple[int, str]:
    actor = await instance_actor(sender_instance)
    return await post_signed(target.shared_inbox, flag, key_id=actor.key_id, private_key_pem=actor.private_key_pem)


def fixture_flag(name: str, sender, actor_ap_id: str, account: str, status: str = "") -> dict:
    return load_fixture(name, server=sender.base_url, actor=actor_ap_id, account=account, status=status)


async def filings(instance) -> list[dict]:
    return await instance.query(
        "SELECT r.target_ap_id, r.target_kind, r.account_ap_id, f.source, f.category, f.comment, f.flag_ap_id, "
        "a.domain AS reporter_domain FROM report_filings f JOIN reports r ON r.id = f.report_id "
        "LEFT JOIN actors a ON a.id = f.reporter_id ORDER BY f.id")


async def processed(instance, flag_id: str) -> bool:
    rows = await instance.query("SELECT state FROM incoming WHERE activity_ap_id = ?", (flag_id,))
    return bool(rows) and rows[0]["state"] != "pending"


async def handled_cleanly(instance, flag_id: str) -> bool:
    """Handled without an error (a unique index refusing a second filing would be one)."""
    rows = await instance.query("SELECT state, last_error FROM incoming WHERE activity_ap_id = ?", (flag_id,))
    return bool(rows) and rows[0]["state"] == "done" and rows[0]["last_error"] is None


async def test_a_mastodon_flag_from_another_instance_appears_in_the_queue(leipzig, meissen, visitor_for):
    anna = await leipzig.create_user("anna", name="Anna Schulz")
    await leipzig.create_user("mo", password="sicheres-passwort", role="moderator")
    idea_id = await publish(leipzig, "anna")
    sender = await instance_actor(meissen)
    flag = fixture_flag("mastodon/flag.json", meissen, sender.ap_id, anna.ap_id, idea_id)
    status, body = await send_flag(leipzig, meissen, flag)
    assert status == 202, body
    await eventually(lambda: filings(leipzig), message="the Flag as a filing")
    [filing] = await filings(leipzig)
    assert filing == {"target_ap_id": idea_id, "target_kind": "idea", "account_ap_id": anna.ap_id,
                      "source": "remote", "category": "other", "comment": flag["content"],
                      "flag_ap_id": flag["id"], "reporter_domain": meissen.config.host}
    # The same Flag delivered again is one filing
    status, _ = await send_flag(leipzig, meissen, {**flag})
    assert status == 202
    async with leipzig.rt.db.transaction() as conn:  # (the inbox dedups by activity id; the handler too)
        await conn.execute("DELETE FROM incoming WHERE activity_ap_id = ?", (flag["id"],))
    status, _ = await send_flag(leipzig, meissen, flag)
    assert status == 202
    await eventually(lambda: handled_cleanly(leipzig, flag["id"]), message="handled again")
    assert len(await filings(leipzig)) == 1
    # The moderator sees it in the queue, naming the server that reported it
    moderator = visitor_for(leipzig)
    await moderator.login("mo")
    status, page, _ = await moderator.get("/admin/reports?source=remote")
    assert status == 200 and "Parkhaus am Markt" in page and "Anderer Server" in text_of(page)
    report_id = (await leipzig.query("SELECT id FROM reports"))[0]["id"]
    status, page, _ = await moderator.get(f"/admin/reports/{report_id}")
    assert status == 200
    assert f"gemeldet vom Server {meissen.config.host}" in text_of(page) and flag["content"] in text_of(page)
    assert f"/admin/actions/new?target={quote(idea_id, safe='')}&amp;report={report_id}" in page


async def test_gotosocial_and_misskey_shapes(leipzig, meissen):
    anna = await leipzig.create_user("anna")
    idea_id = await publish(leipzig, "anna")
    sender = await instance_actor(meissen)
    gts = fixture_flag("gotosocial/flag.json", meissen, sender.ap_id, anna.ap_id)
    misskey = fixture_flag("misskey/flag.json", meissen, sender.ap_id, anna.ap_id, idea_id)
    for flag in (gts, misskey):
        status, body = await send_flag(leipzig, meissen, flag)
        assert status == 202, body
    await eventually(lambda: _count(leipzig, "report_filings", 2), message="two filings")
    reports = await leipzig.query("SELECT target_ap_id, target_kind FROM reports ORDER BY id")
    # GoToSocial named only the account: the profile is reported; Misskey named the idea
    assert sorted((r["target_kind"], r["target_ap_id"]) for r in reports) == [("actor", anna.ap_id), ("idea", idea_id)]


async def _count(instance, table: str, n: int) -> bool:
    return (await instance.query(f"SELECT count(*) AS n FROM {table}"))[0]["n"] == n


@pytest.mark.parametrize("objects, code", [
    (None, "required"),                                   # no object
    ([], "required"),
    (["https://elsewhere.example/users/x", "https://elsewhere.example/notes/1"], "not_ours"),
    ("many", "too_many"),                                  # 10,000 objects
])
async def test_bad_flags_are_refused_and_nothing_is_stored(leipzig, meissen, objects, code):
    anna = await leipzig.create_user("anna")
    sender = await instance_actor(meissen)
    if objects == "many":
        objects = [anna.ap_id] + [f"{leipzig.base_url}/objects/{n}" for n in range(9_999)]
    flag = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{meissen.base_url}/flags/{code}",
            "type": "Flag", "actor": sender.ap_id, "content": "x"}
    if objects is not None:
        flag["object"] = objects
    status, body = await send_flag(leipzig, meissen, flag)
    assert status == 400 and json.loads(body)["error"] == code, body
    assert await _count(leipzig, "incoming", 0) and await _count(leipzig, "reports", 0)


async def test_a_flag_naming_only_unknown_things_of_ours_is_ignored(leipzig, meissen):
    await leipzig.create_user("anna")
    sender = await instance_actor(meissen)
    flag = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{meissen.base_url}/flags/unknown",
            "type": "Flag", "actor": sender.ap_id, "object": [f"{leipzig.base_url}/ideas/no-such-idea"]}
    status, _ = await send_flag(leipzig, meissen, flag)
    assert status == 202
    await eventually(lambda: handled_cleanly(leipzig, flag["id"]), message="handled")
    assert await _count(leipzig, "reports", 0) and await _count(leipzig, "report_filings", 0)


async def test_a_flag_from_an_actor_suspended_here_is_refused(leipzig, meissen):
    anna = await leipzig.create_user("anna")
    idea_id = await publish(leipzig, "anna")
    sender = await instance_actor(meissen)
    first = fixture_flag("mastodon/flag.json", meissen, sender.ap_id, anna.ap_id, idea_id)
    assert (await send_flag(leipzig, meissen, first))[0] == 202
    await eventually(lambda: handled_cleanly(leipzig, first["id"]), message="first Flag")
    async with leipzig.rt.db.transaction() as conn:
        await conn.execute("UPDATE actors SET suspended_at = ? WHERE ap_id = ?", (iso(), sender.ap_id))
    second = {**first, "id": f"{meissen.base_url}/flags/after-suspension"}
    status, body = await send_flag(leipzig, meissen, second)  # a suspended actor is refused at the inbox
    assert status == 403 and json.loads(body)["error"] == "actor_suspended", body
    assert not await leipzig.query("SELECT 1 FROM incoming WHERE activity_ap_id = ?", (second["id"],))
    assert len(await filings(leipzig)) == 1


@pytest.mark.parametrize("policy", ["suspend", "reject_reports"])
async def test_flags_from_a_suspended_or_report_rejecting_domain_are_refused(leipzig, meissen, policy):
    anna = await leipzig.create_user("anna")
    idea_id = await publish(leipzig, "anna")
    await domains.set_policy(leipzig.rt, domains.make_policy(
        meissen.config.host.split(":")[0], "suspend" if policy == "suspend" else "noop",
        reject_reports=policy == "reject_reports"), by=roles.CLI)
    sender = await instance_actor(meissen)
    status, body = await send_flag(leipzig, meissen,
                                   fixture_flag("mastodon/flag.json", meissen, sender.ap_id, anna.ap_id, idea_id))
    # a suspended domain is refused before its Flag is read; one that may not report, at the Flag
    expected = "forbidden" if policy == "suspend" else "reports_rejected"
    assert status == 403 and json.loads(body)["error"] == expected, body
    assert await _count(leipzig, "incoming", 0) and await _count(leipzig, "reports", 0)


async def test_a_report_about_a_remote_idea_is_forwarded_as_a_flag(leipzig, meissen, visitor_for):
    """Jonas on Leipzig reports Anna's idea from Meißen and ticks "tell the other server": Meißen gets a
    report from Leipzig's instance actor, without Jonas's name."""
    anna = await meissen.create_user("anna", name="Anna Schulz")
    await leipzig.create_user("jonas", password="sicheres-passwort")
    await meissen.create_user("mo", password="sicheres-passwort", role="moderator")
    await leipzig.post_outbox("jonas", {"type": "Follow", "object": anna.ap_id})
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="follow")
    idea_id = await publish(meissen, "anna")
    await eventually(lambda: leipzig.query("SELECT 1 FROM ideas WHERE ap_id = ?", (idea_id,)), message="idea here")

    jonas = visitor_for(leipzig)
    await jonas.login("jonas")
    status, page, _ = await jonas.get(f"/report?target={idea_id}&back=/")
    assert status == 200 and "anonym" in page and meissen.config.host in page
    status, page, headers = await jonas.post("/report", {"target": idea_id, "category": "spam",
                                                         "comment": "Nur Werbung", "forward": "1", "back": "/"})
    assert status == 303, page
    [ours] = await leipzig.query("SELECT forward, forwarded_at, flag_ap_id FROM report_filings")
    assert ours["forward"] == 1 and ours["forwarded_at"] and ours["flag_ap_id"]

    await eventually(lambda: filings(meissen), timeout=15, message="the report on Meißen")
    [theirs] = await filings(meissen)
    assert theirs["source"] == "remote" and theirs["target_ap_id"] == idea_id and theirs["comment"] == "Nur Werbung"
    assert theirs["reporter_domain"] == leipzig.config.host and theirs["flag_ap_id"] == ours["flag_ap_id"]
    [row] = await meissen.query("SELECT data FROM incoming WHERE activity_ap_id = ?", (ours["flag_ap_id"],))
    flag = json.loads(row["data"])
    leipzig_actor = await instance_actor(leipzig)
    assert flag["type"] == "Flag" and flag["actor"] == leipzig_actor.ap_id
    assert flag["object"] == [anna.ap_id, idea_id] and "jonas" not in row["data"]
    # The moderator on Meißen sees it in the queue
    moderator = visitor_for(meissen)
    await moderator.login("mo")
    status, page, _ = await moderator.get("/admin/reports")
    assert status == 200 and "Parkhaus am Markt" in page


async def test_the_moderator_forwards_from_the_report_page(leipzig, meissen, visitor_for):
    anna = await meissen.create_user("anna")
    await leipzig.create_user("jonas", password="sicheres-passwort")
    await leipzig.create_user("mo", password="sicheres-passwort", role="moderator")
    await leipzig.post_outbox("jonas", {"type": "Follow", "object": anna.ap_id})
    await eventually(lambda: leipzig.query("SELECT 1 FROM follows WHERE state = 'accepted'"), message="follow")
    idea_id = await publish(meissen, "anna")
    await eventually(lambda: leipzig.query("SELECT 1 FROM ideas WHERE ap_id = ?", (idea_id,)), message="idea here")
    jonas = visitor_for(leipzig)
    await jonas.login("jonas")
    await jonas.get(f"/report?target={idea_id}")
    status, _, _ = await jonas.post("/report", {"target": idea_id, "category": "illegal", "comment": "geheim"})
    assert status == 303
    report_id = (await leipzig.query("SELECT id FROM reports"))[0]["id"]
    moderator = visitor_for(leipzig)
    await moderator.login("mo")
    status, page, _ = await moderator.get(f"/admin/reports/{report_id}")
    assert status == 200 and "Weiterleiten" in page
    status, _, _ = await moderator.post(f"/admin/reports/{report_id}/forward", {"forward_comment": "Bitte prüfen"})
    assert status == 303
    await eventually(lambda: filings(meissen), timeout=15, message="the report on Meißen")
    [theirs] = await filings(meissen)
    assert theirs["comment"] == "Bitte prüfen" and "geheim" not in json.dumps(theirs)
    assert [e["action"] for e in await leipzig.query("SELECT action FROM audit_log")] == ["report.forward"]
    # A report about local content cannot be forwarded
    await leipzig.create_user("bert")
    local_idea = await publish(leipzig, "bert")
    await jonas.get(f"/report?target={local_idea}")
    await jonas.post("/report", {"target": local_idea, "category": "spam"})
    local_report = (await leipzig.query("SELECT id FROM reports WHERE target_ap_id = ?", (local_idea,)))[0]["id"]
    await moderator.get(f"/admin/reports/{local_report}")
    status, _, _ = await moderator.post(f"/admin/reports/{local_report}/forward", {"forward_comment": ""})
    assert status == 409



async def test_a_flag_resolved_by_suspending_the_remote_account(leipzig, meissen, visitor_for):
    """Meißen's server reports, in Mastodon's shape, the troll of its own that spams under Anna's idea on
    Leipzig (the account and the idea it spams under). Leipzig's moderator opens the report and suspends
    the troll from it: the report is resolved by that action, the troll's next signed delivery is refused
    and its comment is no longer shown under the idea."""
    await leipzig.create_user("anna", password="sicheres-passwort")
    await leipzig.create_user("mo", password="sicheres-passwort", role="moderator")
    troll = await meissen.create_user("troll")
    idea_id = await publish(leipzig, "anna")
    await meissen.post_outbox("troll", {"type": "Create", "object": {
        "type": "Note", "content": "Kauft Chips im Casino!", "inReplyTo": idea_id}})
    await eventually(lambda: leipzig.query("SELECT 1 FROM objects WHERE in_reply_to = ?", (idea_id,)), message="reply")
    idea_page = (await leipzig.query("SELECT ap_id FROM ideas"))[0]["ap_id"].replace("/ideas/", "/i/")
    outsider = visitor_for(leipzig)
    assert "Kauft Chips" in (await outsider.get(idea_page))[1]

    sender = await instance_actor(meissen)
    flag = fixture_flag("mastodon/flag.json", meissen, sender.ap_id, troll.ap_id, idea_id)
    assert (await send_flag(leipzig, meissen, flag))[0] == 202
    await eventually(lambda: leipzig.query("SELECT 1 FROM report_filings"), message="the Flag as a report")
    (report,) = await leipzig.query("SELECT id, state FROM reports")
    mo = visitor_for(leipzig)
    assert await mo.login("mo") == 303
    status, text, _ = await mo.get("/admin/reports")
    assert status == 200 and f"/admin/reports/{report['id']}" in text
    status, text, _ = await mo.get(f"/admin/reports/{report['id']}")
    assert status == 200 and "Werbung für ein Casino" in text_of(text)

    status, text, _ = await mo.get(f"/admin/actions/new?target={quote(troll.ap_id)}&report={report['id']}")
    assert status == 200, text_of(text)
    status, text, _ = await mo.post("/admin/actions/new", {
        "target": troll.ap_id, "kind": "suspend", "category": "spam", "rule": "", "law": "",
        "report": str(report["id"]), "explanation": "Wiederholte Casino-Werbung unter Ideen."})
    assert status == 303, text_of(text)
    (report,) = await leipzig.query("SELECT state, resolution FROM reports")
    assert report["state"] == "resolved" and report["resolution"] == "Wiederholte Casino-Werbung unter Ideen."
    (action,) = await leipzig.query("SELECT kind, report_id FROM moderation_actions")
    assert action["kind"] == "suspend" and action["report_id"] is not None
    logged = [e["action"] for e in await audit.entries(leipzig.rt.db.reader)]
    assert logged[:2] == ["report.resolve", "account.suspend"]  # newest first, one transaction

    assert "Kauft Chips" not in (await outsider.get(idea_page))[1]
    like = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{troll.ap_id}#likes/1",
            "type": "Like", "actor": troll.ap_id, "object": idea_id}
    stored = len(await leipzig.query("SELECT id FROM incoming"))
    status, body = await post_signed(leipzig.shared_inbox, like, key_id=troll.key_id,
                                     private_key_pem=troll.private_key_pem)
    assert status == 403 and "actor_suspended" in body
    assert len(await leipzig.query("SELECT id FROM incoming")) == stored
