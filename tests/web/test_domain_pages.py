"""Domain policy pages and CLI: admins only, audited, the public list of moderated servers and
Mastodon's API shape, and block lists in Mastodon's CSV format (round trip, bad rows)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests import processes
from tests.cli.test_cli import run_cli, write_config
from tests.web.conftest import text_of
from wecreate_fed import web
from wecreate_fed.moderation import domain_csv, domains, roles
from wecreate_fed.store import audit

CSV = ("#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
       "spam.example,suspend,true,true,\"Spam, Spam\",false\n"
       "werbung.example,silence,false,false,Zu viel Werbung,true\n"
       "bilder.example,noop,true,false,,false\n")


async def test_only_admins_change_domain_policy(site, visitor_for):
    await site.create_user("anna", password="sicheres-passwort")
    await site.create_user("mo", password="sicheres-passwort", role="moderator")
    await site.create_user("ada", password="sicheres-passwort", role="admin")
    outsider, user, moderator, admin = (visitor_for(site) for _ in range(4))
    status, _, headers = await outsider.get("/admin/domains")
    assert status == 303 and headers["Location"].startswith("/login")
    await user.login("anna")
    await moderator.login("mo")
    for visitor in (user, moderator):
        assert (await visitor.get("/admin/domains"))[0] == 403
        assert (await visitor.get("/admin/domains/export.csv"))[0] == 403
        await visitor.get("/")
        status, _, _ = await visitor.post("/admin/domains", {"domain": "spam.example", "severity": "suspend"})
        assert status == 403
    assert site.rt.domains.policy_of("spam.example") is None
    await admin.login("ada")
    status, text, _ = await admin.get("/admin/domains")
    assert status == 200 and "Noch keine Regeln" in text_of(text) and 'aria-current="page"' in text
    status, _, _ = await admin.post("/admin/domains", {"domain": "spam.example", "severity": "limit",
                                                       "reject_media": "1", "public_comment": "Werbung"})
    assert status == 303 and site.rt.domains.policy_of("a.spam.example").severity == "limit"
    await admin.get("/admin/domains?edit=spam.example")
    assert 'value="spam.example"' in admin.last_page
    status, _, _ = await admin.post("/admin/domains", {"domain": "spam.example", "severity": "suspend"})
    assert status == 303 and site.rt.domains.suspended("spam.example")
    status, text, _ = await admin.post("/admin/domains", {"domain": "http://x/y", "severity": "suspend"})
    assert status == 400 and "keine gültige Domain" in text_of(text)
    await admin.get("/admin/domains")
    assert (await admin.post("/admin/domains/remove", {"domain": "spam.example"}))[0] == 303
    assert site.rt.domains.policy_of("spam.example") is None
    await admin.get("/admin/domains")
    assert (await admin.post("/admin/domains/remove", {"domain": "spam.example"}))[0] == 404
    entries = await audit.entries(site.rt.db.reader, action_prefix="domain.")
    assert [(e["action"], e["by_name"]) for e in reversed(entries)] == [
        ("domain.limit", "ada"), ("domain.suspend", "ada"), ("domain.remove", "ada")]
    assert entries[1]["before"]["severity"] == "limit" and entries[1]["after"]["severity"] == "suspend"


async def test_the_moderated_servers_page_and_api_are_public(site, visitor_for):
    await domain_csv.import_text(site.rt, CSV, by=roles.CLI)
    visitor = visitor_for(site)
    status, text, _ = await visitor.get("/about")
    assert status == 200 and 'href="/about/moderation"' in text
    status, text, _ = await visitor.get("/about/moderation")
    page = text_of(text)
    assert status == 200 and "spam.example" in page and "Spam, Spam" in page and "Gesperrt" in page
    assert "werbung.example" not in page and domains.policy_of(site.rt, "werbung.example").public_domain in page
    assert "Begrenzt" in page and "Keine Bilder" in page
    status, data = await site.get_json(f"{site.base_url}/api/v1/instance/domain_blocks")
    assert status == 200
    by_digest = {item["digest"]: item for item in data}
    spam = by_digest[hashlib.sha256(b"spam.example").hexdigest()]
    assert spam == {"domain": "spam.example", "digest": spam["digest"], "severity": "suspend", "comment": "Spam, Spam"}
    hidden = by_digest[hashlib.sha256(b"werbung.example").hexdigest()]
    assert hidden["severity"] == "silence" and "*" in hidden["domain"] and hidden["domain"] != "werbung.example"


async def test_import_in_the_pages_names_bad_rows_and_imports_nothing(site, visitor_for):
    await site.create_user("ada", password="sicheres-passwort", role="admin")
    admin = visitor_for(site)
    await admin.login("ada")
    await admin.get("/admin/domains")
    bad = CSV + "kaputt..example,suspend,false,false,,false\nok.example,verbannt,false,false,,false\n"
    status, text, _ = await admin.post("/admin/domains/import", {},
                                       files={"file": ("blocks.csv", bad.encode(), "text/csv")})
    assert status == 400
    assert "Zeile 5" in text_of(text) and "Zeile 6" in text_of(text) and "Zeile 2" not in text_of(text)
    assert site.rt.domains.stored() == [] and await audit.count(site.rt.db.reader) == 0
    await admin.get("/admin/domains")
    status, _, _ = await admin.post("/admin/domains/import", {}, files={"file": ("blocks.csv", CSV.encode(), "text/csv")})
    assert status == 303
    assert [p.domain for p in site.rt.domains.stored()] == ["bilder.example", "spam.example", "werbung.example"]
    status, exported, headers = await admin.get("/admin/domains/export.csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert sorted(exported.splitlines()) == sorted(CSV.splitlines())


@pytest.mark.timeout(400)  # fifteen runs of the command, each a fresh interpreter, on a busy machine
async def test_csv_export_and_import_round_trip_between_instances_on_the_command_line(tmp_path):
    first, second = str(write_config(tmp_path / "a")), str(write_config(tmp_path / "b"))
    for config in (first, second):
        assert (await run_cli("init", "--config", config))[0] == 0
    for args in (["spam.example", "--severity", "suspend", "--reject-media", "--public-comment", "Spam, Spam"],
                 ["werbung.example", "--severity", "limit", "--obfuscate", "--private-comment", "intern"],
                 ["bilder.example", "--severity", "noop", "--reject-reports"]):
        code, out, err = await run_cli("domains", "add", *args, "--config", first)
        assert code == 0, err
    exported = tmp_path / "blocks.csv"
    assert (await run_cli("domains", "export", str(exported), "--config", first))[0] == 0
    assert exported.read_text().splitlines()[0] == ",".join(domain_csv.HEADER)
    code, out, err = await run_cli("domains", "import", str(exported), "--config", second)
    assert code == 0 and out.strip() == "3 rows read, 3 policies added or changed", err

    async def listed(config):
        code, out, _ = await run_cli("domains", "list", "--json", "--config", config)
        assert code == 0
        return [{k: v for k, v in p.items() if k not in ("updated_at", "private_comment")} for p in json.loads(out)]
    assert await listed(second) == await listed(first) and len(await listed(first)) == 3
    code, out, _ = await run_cli("domains", "export", "--config", second)
    assert out == exported.read_text()

    bad = tmp_path / "bad.csv"
    bad.write_text("#domain,#severity\nneu.example,suspend\nhttps://x.example/,suspend\nneu.example,silence\n")
    code, out, err = await run_cli("domains", "import", str(bad), "--config", second)
    assert code == 1 and "line 3:" in err and "line 4:" in err and "line 2:" not in err and "nothing imported" in err
    assert len(await listed(second)) == 3  # nothing of the bad file
    code, out, err = await run_cli("domains", "remove", "spam.example", "--config", second)
    assert code == 0 and len(await listed(second)) == 2
    rows = await processes.query(Path(second), "SELECT action, by_name FROM audit_log ORDER BY id")
    assert [(row["action"], row["by_name"]) for row in rows] == [
        ("domain.noop", "cli"), ("domain.suspend", "cli"), ("domain.limit", "cli"), ("domain.remove", "cli")]


async def test_reject_media_hides_the_pictures_of_a_domain(site):
    await domains.set_policy(site.rt, domains.make_policy("bilder.example", "noop", reject_media=True), by=roles.CLI)
    async with site.app.test_request_context("/"):
        assert web.media_url("https://cdn.bilder.example/a.png") == ""
        assert web.media_url("https://elsewhere.example/a.png", "x.bilder.example:8443") == ""  # its owner's
        assert web.media_url("https://fine.example/a.png") == "https://fine.example/a.png"
        assert web.media_url("javascript:alert(1)") == ""
    await domains.remove(site.rt, "bilder.example", by=roles.CLI)
    async with site.app.test_request_context("/"):
        assert web.media_url("https://cdn.bilder.example/a.png") == "https://cdn.bilder.example/a.png"
