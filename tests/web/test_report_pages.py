"""Reports on the website: a member's report from the content's page, a visitor's notice of illegal
content with its receipt, and the moderators' queue (who may see it, dedup, snapshot, assign,
notes, resolve, reopen: each step in the audit log)."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import text_of
from wecreate_fed.moderation import reports
from wecreate_fed.store import iso


@pytest.fixture
async def idea(site, visitor_for):
    """Anna's idea on Leipzig; Bert and Carla are members, Mo a moderator. Returns (anna's visitor, page, ap_id)."""
    await site.create_user("anna", password="sicheres-passwort", name="Anna Schulz")
    for name in ("bert", "carla"):
        await site.create_user(name, password="sicheres-passwort")
    await site.create_user("mo", password="sicheres-passwort", role="moderator")
    anna = visitor_for(site)
    await anna.login("anna")
    page = await anna.publish_idea("Trinkbrunnen am Markt", summary="Wasser für alle", body="Im Sommer fehlt Wasser.")
    ap_id = (await site.query("SELECT ap_id FROM ideas"))[0]["ap_id"]
    return anna, page, ap_id


async def report(visitor, ap_id: str, **fields) -> tuple[int, str, dict]:
    await visitor.get(f"/report?target={ap_id}")
    return await visitor.post("/report", {"target": ap_id, "category": "spam", "comment": "", **fields})


async def test_a_member_reports_from_the_idea_page(site, visitor_for, idea):
    _, page, ap_id = idea
    bert = visitor_for(site)
    await bert.login("bert")
    status, html, _ = await bert.get(page)
    assert status == 200 and 'class="report-link"' in html and ">Melden<" in html
    link = re.search(r'href="(/report\?target=[^"]+)"', html).group(1).replace("&amp;", "&")
    status, html, _ = await bert.get(link)
    assert status == 200 and "Trinkbrunnen am Markt" in html and "Spam" in html
    assert "anonym" not in html  # a local idea: nothing to forward
    status, html, headers = await bert.post("/report", {"target": ap_id, "category": "harassment",
                                                        "comment": "Beleidigend", "back": page})
    assert status == 303 and headers["Location"] == page
    status, html, _ = await bert.get(page)
    assert "Danke, deine Meldung ist bei der Moderation." in html
    rows = await site.query("SELECT source, category, comment, reporter_id FROM report_filings")
    assert rows == [{"source": "member", "category": "harassment", "comment": "Beleidigend",
                     "reporter_id": (await site.actor("bert")).id}]


async def test_the_report_form_refuses_bad_input_in_german(site, visitor_for, idea):
    _, _, ap_id = idea
    bert = visitor_for(site)
    await bert.login("bert")
    status, html, _ = await report(bert, ap_id, category="rude", comment="x" * 2001)
    assert status == 400
    assert 'id="category-error">Bitte wähle eine der Möglichkeiten.' in html
    assert 'id="comment-error">Höchstens 2000 Zeichen.' in html
    status, _, _ = await bert.get("/report?target=https://nowhere.example/x")
    assert status == 404
    assert await site.query("SELECT * FROM reports") == []


async def test_the_instance_rules_are_further_choices(site, visitor_for, idea):
    _, _, ap_id = idea
    async with site.rt.db.transaction() as conn:
        await conn.execute("INSERT INTO instance_rules (position, text_de, created_at) VALUES (1, ?, ?)",
                           ("Keine Werbung", iso()))
    rule_id = (await site.query("SELECT id FROM instance_rules"))[0]["id"]
    bert = visitor_for(site)
    await bert.login("bert")
    status, html, _ = await bert.get(f"/report?target={ap_id}")
    assert f'<option value="rule:{rule_id}">Keine Werbung</option>' in html
    status, _, _ = await bert.post("/report", {"target": ap_id, "category": f"rule:{rule_id}"})
    assert status == 303
    assert await site.query("SELECT category, rule_id FROM report_filings") == [{"category": "rule", "rule_id": rule_id}]
    status, _, _ = await report(bert, ap_id, category=f"rule:{rule_id + 1}")
    assert status == 400


async def test_one_open_report_per_object_with_every_filing_and_a_snapshot(site, visitor_for, idea):
    anna, page, ap_id = idea
    for name in ("bert", "carla"):
        member = visitor_for(site)
        await member.login(name)
        assert (await report(member, ap_id, comment=f"von {name}"))[0] == 303
    reports_ = await site.query("SELECT id, snapshot FROM reports")
    assert len(reports_) == 1
    assert len(await site.query("SELECT id FROM report_filings")) == 2
    # Anna changes her idea afterwards: the report still shows it as reported
    key = page.rsplit("/", 1)[1]
    await anna.get(f"/i/{key}/edit")
    status, _, _ = await anna.post(f"/i/{key}/edit", [("title", "Etwas ganz anderes"), ("summary", ""),
                                                      ("body", "Neu"), ("kind", "idea"), ("districts", "west"),
                                                      ("topics", ""), ("action", "save")])
    assert status == 303
    moderator = visitor_for(site)
    await moderator.login("mo")
    status, html, _ = await moderator.get(f"/admin/reports/{reports_[0]['id']}")
    assert status == 200
    text = text_of(html)
    assert "Trinkbrunnen am Markt" in text and "Wasser für alle" in text and "Etwas ganz anderes" not in text
    assert "gemeldet von bert" in text and "gemeldet von carla" in text and "von carla" in text
    assert "2 Meldungen" in text


async def test_who_may_see_the_queue(site, visitor_for, idea):
    outsider, user, moderator = (visitor_for(site) for _ in range(3))
    status, _, headers = await outsider.get("/admin/reports")
    assert status == 303 and headers["Location"].startswith("/login")
    await user.login("bert")
    status, html, _ = await user.get("/admin/reports")
    assert status == 403 and "nur für die Moderation" in text_of(html)
    assert (await user.get("/admin/reports/1"))[0] == 403
    await moderator.login("mo")
    status, html, _ = await moderator.get("/admin/reports")
    assert status == 200 and ">Meldungen<" in html and "Keine Meldungen." in html
    await user.get("/")
    status, _, _ = await user.post("/admin/reports/1/resolve", {"resolution": "x"})
    assert status == 403


async def test_assign_note_resolve_and_reopen_are_audited(site, visitor_for, idea):
    _, _, ap_id = idea
    bert = visitor_for(site)
    await bert.login("bert")
    await report(bert, ap_id)
    report_id = (await site.query("SELECT id FROM reports"))[0]["id"]
    mo = visitor_for(site)
    await mo.login("mo")
    base = f"/admin/reports/{report_id}"
    await mo.get(base)
    assert (await mo.post(f"{base}/assign", {"to": "me"}))[0] == 303
    status, html, _ = await mo.post(f"{base}/notes", {"note": ""})
    assert status == 400 and 'id="note-error">Bitte fülle dieses Feld aus.' in html
    assert (await mo.post(f"{base}/notes", {"note": "Sieht nach Spam aus"}))[0] == 303
    assert (await mo.post(f"{base}/resolve", {"resolution": "Kein Verstoß"}))[0] == 303
    status, html, _ = await mo.get(base)
    text = text_of(html)
    assert "Erledigt" in text and "Sieht nach Spam aus" in text and "Kein Verstoß" in text and "Zuständig: mo" in text
    assert (await mo.post(f"{base}/resolve", {"resolution": "nochmal"}))[0] == 409
    status, html, _ = await mo.get("/admin/reports?state=resolved")
    assert f"/admin/reports/{report_id}" in html
    # A new report about the same idea opens a new one; the old one cannot be reopened beside it
    carla = visitor_for(site)
    await carla.login("carla")
    await report(carla, ap_id)
    assert len(await site.query("SELECT id FROM reports WHERE state = 'open'")) == 1
    await mo.get(base)
    status, html, _ = await mo.post(f"{base}/reopen", {})
    assert status == 409 and "andere Meldung offen" in text_of(html)
    newer = (await site.query("SELECT id FROM reports WHERE state = 'open'"))[0]["id"]
    status, html, _ = await mo.get(f"/admin/reports/{newer}")
    assert f"/admin/reports/{report_id}" in html and "Kein Verstoß" in html  # the earlier report is listed
    await mo.post(f"/admin/reports/{newer}/resolve", {"resolution": ""})
    assert (await mo.post(f"{base}/reopen", {}))[0] == 303
    entries = await site.query("SELECT by_name, action, target FROM audit_log ORDER BY id")
    assert [(e["by_name"], e["action"]) for e in entries] == [
        ("mo", "report.assign"), ("mo", "report.note"), ("mo", "report.resolve"), ("mo", "report.resolve"),
        ("mo", "report.reopen")]
    assert entries[0]["target"] == f"report:{report_id}"


async def test_a_member_is_limited_to_a_number_of_reports_an_hour(site, visitor_for, idea):
    _, _, ap_id = idea
    bert = visitor_for(site)
    await bert.login("bert")
    for _ in range(reports.MEMBER_FILINGS_PER_HOUR):
        assert (await report(bert, ap_id))[0] == 303
    status, html, _ = await report(bert, ap_id)
    assert status == 429 and "in der letzten Stunde schon 10 Meldungen" in text_of(html)


# --- a visitor's notice ------------------------------------------------------------------------

async def test_a_visitor_files_a_notice_and_gets_a_receipt(site, visitor_for, idea):
    _, page, ap_id = idea
    visitor = visitor_for(site)
    status, html, _ = await visitor.get(page)
    assert "Rechtswidrige Inhalte melden" in html  # the footer
    link = re.search(r'href="(/report\?target=[^"]+)"', html).group(1).replace("&amp;", "&")
    status, _, headers = await visitor.get(link)
    assert status == 303 and headers["Location"].startswith("/notice?location=")
    status, html, _ = await visitor.get(headers["Location"])
    assert status == 200 and f'value="{ap_id}"' in html
    status, html, headers = await visitor.post("/notice", {
        "name": "Erika Mustermann", "email": "erika@example.org", "location": site.base_url + page,
        "category": "illegal", "reasoning": "Volksverhetzung (§ 130 StGB)", "good_faith": "1"})
    assert status == 303, text_of(html)
    status, html, _ = await visitor.get(headers["Location"])
    receipt = (await site.query("SELECT receipt FROM report_filings"))[0]["receipt"]
    assert status == 200 and "Eingangsbestätigung" in html and receipt in html
    [row] = await site.query("SELECT r.target_ap_id, f.source, f.notice_name, f.notice_email, f.location "
                             "FROM report_filings f JOIN reports r ON r.id = f.report_id")
    assert row == {"target_ap_id": ap_id, "source": "notice", "notice_name": "Erika Mustermann",
                   "notice_email": "erika@example.org", "location": site.base_url + page}
    assert (await visitor.get("/notice/M-NOSUCH"))[0] == 404


async def test_the_notice_form_names_each_problem_next_to_its_field(site, visitor_for, idea):
    visitor = visitor_for(site)
    await visitor.get("/notice")
    status, html, _ = await visitor.post("/notice", {"name": "", "email": "keine-adresse", "location": "",
                                                     "category": "illegal", "reasoning": ""})
    assert status == 400
    assert 'id="name-error">Bitte fülle dieses Feld aus.' in html
    assert 'id="email-error">Das sieht nicht wie eine E-Mail-Adresse aus.' in html
    assert 'id="location-error">Bitte fülle dieses Feld aus.' in html
    assert 'id="reasoning-error">Bitte fülle dieses Feld aus.' in html
    assert 'id="good_faith-error">Bitte bestätige' in html
    base = {"name": "E", "email": "e@example.org", "category": "illegal", "reasoning": "r", "good_faith": "1"}
    for location, message in (("https://elsewhere.example/i/abc", "Bitte nenne eine Adresse auf dieser Instanz."),
                              ("javascript:alert(1)", "Bitte nenne eine Adresse auf dieser Instanz."),
                              (site.base_url + "/i/no-such-idea", "Unter dieser Adresse gibt es hier nichts"),
                              (site.base_url + "/about", "Unter dieser Adresse gibt es hier nichts")):
        status, html, _ = await visitor.post("/notice", {**base, "location": location})
        assert status == 400 and f'id="location-error">{message}' in html, location
    status, html, _ = await visitor.post("/notice", {**base, "location": site.base_url + "/i/x", "category": "nope",
                                                     "name": "n" * 201})
    assert status == 400 and 'id="category-error">' in html and 'id="name-error">Höchstens 200 Zeichen.' in html
    assert await site.query("SELECT * FROM report_filings") == []


async def test_a_profile_an_event_and_a_comment_are_reportable(site, visitor_for, idea):
    anna, page, ap_id = idea
    status, _, _ = await anna.post("/ideas/comment", {"idea": ap_id, "text": "Mein eigener Kommentar"})
    assert status == 303
    comment_id = (await site.query("SELECT ap_id FROM objects WHERE in_reply_to = ?", (ap_id,)))[0]["ap_id"]
    bert = visitor_for(site)
    await bert.login("bert")
    status, html, _ = await bert.get(page)
    assert f"target={comment_id}" in html.replace("%3A", ":").replace("%2F", "/")
    status, html, _ = await bert.get("/@anna")
    assert "/report?target=" in html
    anna_id = (await site.actor("anna")).ap_id
    for target, kind in ((comment_id, "comment"), (anna_id, "actor")):
        assert (await report(bert, target))[0] == 303
        assert (await site.query("SELECT target_kind FROM reports WHERE target_ap_id = ?", (target,)))[0] == {
            "target_kind": kind}


async def test_notices_from_one_address_are_rate_limited(make_site, visitor_for):
    site = await make_site("leipzig", rate_limits={"expensive_per_address_per_minute": 1,
                                                   "expensive_per_address_burst": 2})
    visitor = visitor_for(site)
    await visitor.get("/notice")
    statuses = [(await visitor.post("/notice", {"name": "", "email": ""}))[0] for _ in range(3)]
    assert statuses == [400, 400, 429]


async def test_the_report_page_lists_actions_against_the_account(site, visitor_for, idea):
    _, _, ap_id = idea
    bert = visitor_for(site)
    await bert.login("bert")
    await report(bert, ap_id)
    anna, mo = await site.actor("anna"), await site.actor("mo")
    async with site.rt.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO moderation_actions (kind, target_ap_id, target_kind, account_id, moderator_id, category, "
            "explanation, created_at) VALUES ('warn', ?, 'actor', ?, ?, 'spam', 'Wiederholte Werbung', ?)",
            (anna.ap_id, anna.id, mo.id, iso()))
    report_id = (await site.query("SELECT id FROM reports"))[0]["id"]
    moderator = visitor_for(site)
    await moderator.login("mo")
    status, html, _ = await moderator.get(f"/admin/reports/{report_id}")
    assert status == 200 and "Wiederholte Werbung" in html and "<code>warn</code>" in html
    assert "Bisher keine Maßnahmen." not in html
