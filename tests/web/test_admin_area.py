"""The admin area's guard, roles and the audit log: who may open what, and that every role change
is recorded in a log nobody can change."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests import processes
from tests.cli.test_cli import assert_one_line_error, run_cli, write_config
from tests.web.conftest import text_of
from wecreate_fed.errors import Conflict
from wecreate_fed.moderation import roles
from wecreate_fed.store import audit


async def test_the_audit_log_is_for_admins_only(site, visitor_for):
    await site.create_user("anna", password="sicheres-passwort")
    await site.create_user("mo", password="sicheres-passwort", role="moderator")
    await site.create_user("ada", password="sicheres-passwort", role="admin")
    outsider, user, moderator, admin = (visitor_for(site) for _ in range(4))
    status, _, headers = await outsider.get("/admin/audit")
    assert status == 303 and headers["Location"].startswith("/login")
    await user.login("anna")
    status, text, _ = await user.get("/admin/audit")
    assert status == 403 and "nur für die Administration" in text_of(text)
    assert ">Moderation<" not in text  # no way in is shown to a user
    await moderator.login("mo")
    assert (await moderator.get("/admin/audit"))[0] == 403
    await admin.login("ada")
    status, text, _ = await admin.get("/admin/audit")
    assert status == 200 and "Protokoll" in text and "Noch keine Einträge" in text_of(text)


async def test_a_role_change_is_audited_and_shown(site, visitor_for):
    await site.create_user("ada", password="sicheres-passwort", role="admin")
    await site.create_user("bert", password="sicheres-passwort")
    async with site.rt.db.transaction() as conn:
        assert await roles.set_role(conn, "Bert", "moderator", by=roles.By(None, "ada")) == ("user", "moderator")
        assert await roles.set_role(conn, "bert", "moderator", by=roles.CLI) == ("moderator", "moderator")
    entries = await audit.entries(site.rt.db.reader)
    assert len(entries) == 1  # no change, no entry
    assert entries[0]["action"] == "role.set" and entries[0]["target"] == "bert"
    assert entries[0]["before"] == {"role": "user"} and entries[0]["after"] == {"role": "moderator"}
    admin = visitor_for(site)
    await admin.login("ada")
    status, text, _ = await admin.get("/admin/audit?action=role.")
    assert status == 200 and "role.set" in text and "bert" in text and "moderator" in text
    status, text, _ = await admin.get("/admin/audit?action=account.&before=%C2%B2")
    assert status == 200 and "role.set" not in text


async def test_the_last_admin_is_not_demoted(site):
    await site.create_user("ada", role="admin")
    async with site.rt.db.transaction() as conn:
        with pytest.raises(Conflict):
            await roles.set_role(conn, "ada", "user", by=roles.CLI)
    assert await audit.count(site.rt.db.reader) == 0


async def test_the_audit_log_cannot_be_changed(site):
    async with site.rt.db.transaction() as conn:
        await audit.record(conn, None, "system", "test.entry", "x", after={"n": 1})
    for sql in ("UPDATE audit_log SET action = 'other'", "DELETE FROM audit_log"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            async with site.rt.db.transaction() as conn:
                await conn.execute(sql)
    assert [e["action"] for e in await audit.entries(site.rt.db.reader)] == ["test.entry"]


async def test_user_role_on_the_command_line(tmp_path):
    config = str(write_config(tmp_path / "etc"))
    assert (await run_cli("init", "--config", config))[0] == 0
    assert (await run_cli("user", "add", "ada", "--role", "admin", "--config", config))[0] == 0
    assert (await run_cli("user", "add", "bert", "--config", config))[0] == 0
    code, out, err = await run_cli("user", "role", "bert", "moderator", "--config", config)
    assert code == 0 and out.strip() == "bert: user -> moderator", err
    line = assert_one_line_error(*await run_cli("user", "role", "ada", "user", "--config", config))
    assert "last admin" in line
    line = assert_one_line_error(*await run_cli("user", "role", "nobody", "admin", "--config", config))
    assert "no account 'nobody'" in line
    code, _, err = await run_cli("user", "role", "bert", "emperor", "--config", config)
    assert code == 2 and "invalid choice" in err
    assert await processes.query(Path(config), "SELECT by_name, action, target FROM audit_log") == [
        {"by_name": "cli", "action": "role.set", "target": "bert"}]
