"""The instance's rules (admins manage them, audited; shown at registration, on the about page, in
the API and NodeInfo), the legal pages from the operator's Markdown (sanitised, linked from every
page's footer), and consent at registration, recorded with its version and asked again after a change."""

from __future__ import annotations

import re

from tests.web.conftest import text_of
from wecreate_fed import legal
from wecreate_fed.moderation import roles, rules
from wecreate_fed.store import audit

IMPRINT = "## Angaben gemäß § 5 DDG\n\nStadt Beispiel<br>Rathausplatz 1\n\n<script>alert('x')</script>\n\n" \
          "<a href=\"javascript:alert(1)\" onclick=\"alert(2)\">Klick</a>"
PRIVACY = "## Verantwortlich\n\nStadt Beispiel, datenschutz@beispiel.example\n\n| Daten | Dauer |\n|---|---|\n" \
          "| Konto | bis zur Löschung |"
LEGAL = {"legal": {"imprint": IMPRINT, "privacy_file": "privacy.md"},
         "moderation": {"contact": "moderation@beispiel.example"}}


async def legal_site(make_site, tmp_path, **kwargs):
    (tmp_path / "privacy.md").write_text(PRIVACY, encoding="utf-8")
    return await make_site("leipzig", tables=LEGAL, **kwargs)


async def test_the_rules_page_is_for_admins_only(site, visitor_for):
    await site.create_user("anna", password="sicheres-passwort")
    await site.create_user("mo", password="sicheres-passwort", role="moderator")
    await site.create_user("ada", password="sicheres-passwort", role="admin")
    user, moderator, admin = (visitor_for(site) for _ in range(3))
    await user.login("anna")
    await moderator.login("mo")
    await admin.login("ada")
    assert (await user.get("/admin/rules"))[0] == 403
    status, text, _ = await moderator.get("/admin/rules")
    assert status == 403 and "nur für die Administration" in text_of(text)
    status, text, _ = await admin.get("/admin/audit")
    assert 'href="/admin/rules"' in text  # in the admin navigation
    status, text, _ = await admin.get("/admin/rules")
    assert status == 200 and "Noch keine Regeln" in text_of(text)
    # a moderator's forged POST changes nothing
    await moderator.get("/")
    assert (await moderator.post("/admin/rules", {"text_de": "Sei nett."}))[0] == 403
    assert await site.query("SELECT * FROM instance_rules") == []


async def _rule_ids(site) -> list[int]:
    rows = await site.query("SELECT id FROM instance_rules WHERE deleted_at IS NULL ORDER BY position")
    return [r["id"] for r in rows]


async def test_an_admin_adds_edits_moves_and_removes_rules_and_each_change_is_audited(site, visitor_for):
    await site.create_user("ada", password="sicheres-passwort", role="admin")
    admin = visitor_for(site)
    await admin.login("ada")
    for de, en in (("Sei freundlich.", "Be kind."), ("Keine Werbung.", ""), ("Nichts Rechtswidriges.", "")):
        await admin.get("/admin/rules")
        status, _, headers = await admin.post("/admin/rules", {"text_de": de, "text_en": en})
        assert status == 303 and headers["Location"] == "/admin/rules"
    first, second, third = await _rule_ids(site)
    # the German text is required: a German error next to the field, nothing stored
    await admin.get("/admin/rules")
    status, text, _ = await admin.post("/admin/rules", {"text_de": "  ", "text_en": "Only English"})
    assert status == 400 and 'id="text_de-error"' in text and "Bitte fülle dieses Feld aus" in text_of(text)
    assert "Only English" in text  # what was typed stays in the form
    status, text, _ = await admin.post(f"/admin/rules/{second}", {"action": "save", "text_de": "x" * 501})
    assert status == 400 and "Höchstens 500 Zeichen" in text_of(text)
    # edit, move the third up twice (to the top), move the top up (no change), remove the middle one
    await admin.post(f"/admin/rules/{second}", {"action": "save", "text_de": "Keine Werbung, kein Spam.",
                                                 "text_en": "No ads, no spam."})
    await admin.post(f"/admin/rules/{third}", {"action": "up"})
    await admin.post(f"/admin/rules/{third}", {"action": "up"})
    assert await _rule_ids(site) == [third, first, second]
    await admin.post(f"/admin/rules/{third}", {"action": "up"})
    status, _, headers = await admin.post(f"/admin/rules/{first}", {"action": "remove"})
    assert status == 303 and headers["Location"].endswith(f"#rule-{first}")
    assert await _rule_ids(site) == [third, second]
    assert await site.query("SELECT position FROM instance_rules WHERE deleted_at IS NULL ORDER BY position") == [
        {"position": 1}, {"position": 2}]
    # the removed rule keeps its row (reports and actions cite it)
    kept = await site.query("SELECT text_de, deleted_at FROM instance_rules WHERE id = ?", (first,))
    assert kept[0]["text_de"] == "Sei freundlich." and kept[0]["deleted_at"] is not None
    assert (await admin.post(f"/admin/rules/{first}", {"action": "up"}))[0] == 404
    assert (await admin.post(f"/admin/rules/{second}", {"action": "sideways"}))[0] == 400
    entries = list(reversed(await audit.entries(site.rt.db.reader, action_prefix="rule.")))
    assert [e["action"] for e in entries] == ["rule.add"] * 3 + ["rule.edit", "rule.move", "rule.move", "rule.remove"]
    assert all(e["by_name"] == "ada" for e in entries)
    assert entries[3]["before"]["text_de"] == "Keine Werbung." and entries[3]["after"]["text_en"] == "No ads, no spam."
    assert entries[5]["after"] == {"order": [third, first, second]}
    assert entries[6]["target"] == f"rule {first}" and entries[6]["before"]["text_de"] == "Sei freundlich."
    status, text, _ = await admin.get("/admin/rules")
    shown = text_of(text)
    assert shown.index("Nichts Rechtswidriges.") < shown.index("Keine Werbung, kein Spam.")
    assert "Sei freundlich." not in shown


async def test_every_rule_change_and_its_audit_entry_share_a_transaction(site):
    async with site.rt.db.transaction() as conn:
        rule_id = await rules.add(conn, "Sei freundlich.", "", by=roles.CLI)
    try:
        async with site.rt.db.transaction() as conn:
            await rules.edit(conn, rule_id, "Anders.", "", by=roles.CLI)
            raise RuntimeError("the transaction fails after the change")
    except RuntimeError:
        pass
    assert (await site.query("SELECT text_de FROM instance_rules"))[0]["text_de"] == "Sei freundlich."
    assert [e["action"] for e in await audit.entries(site.rt.db.reader)] == ["rule.add"]


async def test_the_rules_at_registration_on_the_about_page_in_the_api_and_in_nodeinfo(site, visitor_for):
    async with site.rt.db.transaction() as conn:
        await rules.add(conn, "Sei freundlich.", "Be kind.", by=roles.CLI)
        await rules.add(conn, "Keine Werbung.", "", by=roles.CLI)
    await site.create_user("mo", name="Mo Moderator", role="moderator")
    guest = visitor_for(site)
    status, text, _ = await guest.get("/register")
    assert status == 200 and re.search(r"<ol class=\"rules\"[^>]*><li>Sei freundlich\.</li><li>Keine Werbung\.</li>",
                                       text)
    assert 'name="consent_rules"' in text and 'name="consent_privacy"' not in text  # no privacy policy here
    status, text, _ = await guest.get("/about")
    about = text_of(text)
    assert "Regeln dieser Instanz" in about and about.index("Sei freundlich.") < about.index("Keine Werbung.")
    assert "Mo Moderator (@mo, Moderation)" in about
    english = visitor_for(site, accept_language="en")
    assert "Be kind." in text_of((await english.get("/about"))[1])
    assert "Keine Werbung." in text_of((await english.get("/about"))[1])  # no English text: the German one
    status, api = await site.get_json(site.base_url + "/api/v1/instance/rules")
    assert status == 200
    ids = [r["id"] for r in await site.query("SELECT id FROM instance_rules ORDER BY position")]
    assert api == [{"id": str(ids[0]), "text": "Sei freundlich.", "hint": ""},
                   {"id": str(ids[1]), "text": "Keine Werbung.", "hint": ""}]
    _, nodeinfo = await site.get_json(site.base_url + "/nodeinfo/2.1")
    assert nodeinfo["metadata"]["rules"] == [{"id": r["id"], "text": r["text"]} for r in api]


async def test_the_about_page_names_the_moderators_contact(make_site, tmp_path, visitor_for):
    site = await legal_site(make_site, tmp_path)
    text = (await visitor_for(site).get("/about"))[1]
    assert 'href="mailto:moderation@beispiel.example"' in text
    assert "hat noch keine eigenen Regeln aufgeschrieben" in text_of(text)


async def test_the_legal_pages_render_the_operators_markdown_sanitised(make_site, tmp_path, visitor_for):
    site = await legal_site(make_site, tmp_path)
    guest = visitor_for(site)
    status, text, _ = await guest.get("/impressum")
    assert status == 200 and "<h2>Angaben gemäß § 5 DDG</h2>" in text and "Stadt Beispiel<br>Rathausplatz 1" in text
    assert "<script>alert" not in text and "alert('x')" not in text  # the script and its content are gone
    assert "javascript:" not in text and "onclick" not in text and ">Klick</a>" in text
    assert f"Fassung {legal.text_version(IMPRINT)}" in text_of(text)
    status, text, _ = await guest.get("/datenschutz")
    assert status == 200 and "<h1>Datenschutzerklärung</h1>" in text and "<td>bis zur Löschung</td>" in text
    # on every page the footer links to both (and to the transparency report)
    await site.create_user("ada", password="sicheres-passwort", role="admin")
    admin = visitor_for(site)
    await admin.login("ada")
    for who, path in [(guest, "/"), (guest, "/about"), (guest, "/events"), (guest, "/boxes"), (guest, "/register"),
                      (guest, "/login"), (guest, "/transparency"), (guest, "/impressum"), (guest, "/no-such-page"),
                      (admin, "/admin/audit"), (admin, "/admin/rules"), (admin, "/settings")]:
        text = (await who.get(path))[1]
        footer = text[text.index('<footer class="site-footer">'):]
        assert 'href="/impressum">Impressum<' in footer and 'href="/datenschutz">Datenschutz<' in footer, path
        assert 'href="/transparency">Transparenzbericht<' in footer, path


async def test_without_legal_texts_there_are_no_such_pages_or_links(site, visitor_for):
    guest = visitor_for(site)
    status, text, _ = await guest.get("/impressum")
    assert status == 404 and "noch kein Impressum" in text_of(text)
    assert (await guest.get("/datenschutz"))[0] == 404
    assert 'href="/impressum"' not in (await guest.get("/"))[1]


async def test_registration_asks_for_consent_and_records_it_with_the_version(make_site, tmp_path, visitor_for):
    site = await legal_site(make_site, tmp_path)
    async with site.rt.db.transaction() as conn:
        await rules.add(conn, "Sei freundlich.", "", by=roles.CLI)
    guest = visitor_for(site)
    await guest.get("/register")
    form = {"username": "anna", "name": "Anna", "password": "sicheres-passwort", "password_repeat": "anders-passwort"}
    status, text, _ = await guest.post("/register", form)
    assert status == 400
    # every problem at once: each box's German error next to it, and the password's
    assert 'id="consent_rules-error"' in text and 'id="consent_privacy-error"' in text
    assert "Bitte stimme zu, um ein Konto anzulegen." in text_of(text) and "stimmen nicht überein" in text_of(text)
    assert 'aria-describedby="consent_privacy-error"' in text
    assert await site.query("SELECT * FROM accounts") == []
    # a rule changed while the form was open: read again, nothing recorded
    status, text, _ = await guest.post("/register", {**form, "password_repeat": "sicheres-passwort",
                                                      "consent_rules": "yes", "consent_privacy": "yes",
                                                      "rules_version": "old", "privacy_version": "old"})
    assert status == 400 and "Der Text hat sich gerade geändert" in text_of(text)
    assert await site.query("SELECT * FROM accounts") == []
    assert await guest.register("anna") == 303
    rows = await site.query("SELECT c.document, c.version, c.given_at FROM consents c JOIN actors a "
                            "ON a.id = c.actor_id WHERE a.username = 'anna' ORDER BY c.document")
    assert [(r["document"], r["version"]) for r in rows] == [
        ("privacy", legal.text_version(PRIVACY)), ("rules", legal.rules_version(["Sei freundlich."]))]
    assert all(r["given_at"].endswith("Z") for r in rows)


async def test_a_changed_document_is_agreed_to_again_once(make_site, tmp_path, visitor_for):
    site = await legal_site(make_site, tmp_path)
    async with site.rt.db.transaction() as conn:
        rule_id = await rules.add(conn, "Sei freundlich.", "", by=roles.CLI)
    anna = visitor_for(site)
    assert await anna.register("anna") == 303
    assert (await anna.get("/settings"))[0] == 200
    await site.create_user("bert", password="sicheres-passwort")  # made on the command line: never asked
    bert = visitor_for(site)
    await bert.login("bert")
    async with site.rt.db.transaction() as conn:
        await rules.edit(conn, rule_id, "Sei freundlich und geduldig.", "", by=roles.CLI)
    status, _, headers = await anna.get("/settings")
    assert status == 303 and headers["Location"] == "/consent?next=/settings?"
    assert (await anna.get("/impressum"))[0] == 200  # the documents stay readable
    status, text, _ = await anna.get("/consent?next=/settings")
    assert status == 200 and "Sei freundlich und geduldig." in text_of(text)
    assert 'name="consent_privacy"' not in text  # only what changed is asked
    status, text, _ = await anna.post("/consent", {"next": "/settings"})
    assert status == 400 and "Bitte stimme zu" in text_of(text)
    version = legal.rules_version(["Sei freundlich und geduldig."])
    status, _, headers = await anna.post("/consent", {"next": "/settings", "consent_rules": "yes",
                                                      "rules_version": version})
    assert status == 303 and headers["Location"] == "/settings"
    assert (await anna.get("/settings"))[0] == 200
    rows = await site.query("SELECT document, version FROM consents ORDER BY id")
    assert rows[-1] == {"document": "rules", "version": version} and len(rows) == 3
    assert (await bert.get("/settings"))[0] == 200
