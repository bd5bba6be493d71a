"""The CSV import of members: a file with bad rows imports nothing and names each bad row by its
line; a good file invites the accounts it finds (by confirmed address) and mails everyone else a
registration invitation that makes the new account a member."""

from __future__ import annotations

import pytest

from tests.civic.test_cancellation import run_cancelled
from tests.web.conftest import Visitor
from wecreate_fed.civic import audience
from wecreate_fed.civic.orgs import importing
from wecreate_fed.errors import BadRequest, Forbidden
from wecreate_fed.store import orgs as orgs_store

PASSWORD = "sicheres-passwort"

BAD = """name,email,role
Anna Alt,anna@example.org
Bert Bunt,kein-mail
,leer@example.org
Carla Chor,carla@example.org,king
Dora Dach,dora@example.org,member,extra
Emil Eck,ANNA@example.org
"""
GOOD = """name,email,role
Anna Alt,anna@example.org,board
Neu Eins,neu1@example.org
Neu Zwei,neu2@example.org,admin
"""


async def space(leipzig):
    org = await leipzig.create_user("spd", type_="Organization", category="party", name="SPD Leipzig",
                                    password=PASSWORD)
    anna = await leipzig.create_user("anna", password=PASSWORD, email="anna@example.org")
    await leipzig.query("SELECT 1")
    async with leipzig.rt.db.transaction() as conn:
        await conn.execute("UPDATE accounts SET email_confirmed_at = '2026-01-01T00:00:00Z' WHERE actor_id = ?",
                           (anna.id,))
    return org, anna


async def test_bad_rows_are_named_by_line_and_nothing_is_imported(make_instance, mailserver):
    leipzig = await make_instance("leipzig", tables=mailserver.tables())
    org, anna = await space(leipzig)
    with pytest.raises(BadRequest) as caught:
        await importing.import_members(leipzig.rt, org, org, BAD)
    found = {(p.code, p.params.get("line")) for p in caught.value.problems}
    assert found == {("members_import_email", 3), ("members_import_name", 4), ("members_import_role", 5),
                     ("members_import_columns", 6), ("members_import_twice", 7)}
    # Line 2 was good, yet nothing at all was written or sent.
    assert await leipzig.query("SELECT 1 FROM org_members") == []
    assert await leipzig.query("SELECT 1 FROM org_invitations") == []
    assert await leipzig.query("SELECT 1 FROM invitations") == []
    assert await leipzig.query("SELECT 1 FROM mails") == []
    assert await leipzig.query("SELECT 1 FROM notifications") == []
    for text in ("", "name,email\n", "a,b,c,d\n" * 3):
        with pytest.raises(BadRequest):
            importing.parse(text)
    with pytest.raises(Forbidden):  # only an admin imports
        await importing.import_members(leipzig.rt, anna, org, GOOD)


async def test_good_rows_invite_accounts_and_mail_the_others_who_join_on_registering(make_instance, mailserver):
    leipzig = await make_instance("leipzig", tables=mailserver.tables())
    org, anna = await space(leipzig)
    outcome = await importing.import_members(leipzig.rt, org, org, GOOD)
    assert (outcome.invited, sorted(outcome.mailed)) == (["anna"], ["neu1@example.org", "neu2@example.org"])
    row = await orgs_store.get(leipzig.rt.db.reader, org.id, anna.id)
    assert (row.state, row.role) == ("invited", "board")
    assert [r["kind"] for r in await leipzig.query("SELECT kind FROM notifications WHERE actor_id = ?",
                                                   (anna.id,))] == ["members_invited"]
    mails = await mailserver.wait_for(2)
    assert sorted(m.to for m in mails) == ["neu1@example.org", "neu2@example.org"]
    second = next(m for m in mails if m.to == "neu2@example.org")
    assert "SPD Leipzig" in second.subject and "Neu Zwei" in second.text
    link = second.link("/register?invitation=")
    # Importing the same file again changes nothing and mails no one twice.
    again = await importing.import_members(leipzig.rt, org, org, GOOD)
    assert (again.invited, again.mailed) == ([], []) and len(again.unchanged) == 3
    # The invited person registers with the link (open registration) and is a member, with the role.
    visitor = Visitor(leipzig.base_url)
    try:
        status, text, _ = await visitor.get(link.removeprefix(leipzig.base_url))
        assert status == 200 and 'name="invitation"' in text
        code = link.split("invitation=", 1)[1]
        assert await visitor.register("neuzwei", invitation=code) == 303
    finally:
        await visitor.close()
    newcomer = await leipzig.actor("neuzwei")
    assert await audience.role_in(leipzig.rt, org, newcomer) == "admin"
    # Spent: a second registration with the same link joins nothing.
    other = Visitor(leipzig.base_url)
    try:
        assert await other.register("nochwer", invitation=code) == 303
    finally:
        await other.close()
    assert await audience.role_in(leipzig.rt, org, await leipzig.actor("nochwer")) is None


async def test_the_import_form_lists_the_bad_lines(make_instance, mailserver):
    leipzig = await make_instance("leipzig", tables=mailserver.tables())
    await space(leipzig)
    spd = Visitor(leipzig.base_url)
    try:
        await spd.login("spd")
        await spd.get("/@spd/members")
        status, text, _ = await spd.post("/@spd/members/import", {"csv_text": BAD})
        assert status == 400
        for line in ("Zeile 3:", "Zeile 4:", "Zeile 5:", "Zeile 6:", "Zeile 7: ANNA@example.org steht schon in Zeile 2"):
            assert line in text, line
        assert "Nichts wurde importiert" in text
        await spd.get("/@spd/members")
        status, _, _ = await spd.post("/@spd/members/import", {}, files={
            "csv_file": ("mitglieder.csv", GOOD.encode(), "text/csv")})
        assert status == 303
        status, text, _ = await spd.get("/@spd/members")
        assert "Import fertig. Eingeladene Konten: 1, Einladungen per E-Mail: 2" in text
        assert "neu1@example.org" in text
    finally:
        await spd.close()


async def test_a_cancelled_import_leaves_all_its_rows_or_none(make_instance, mailserver):
    """Cancelled at each of its awaits in turn: every invitation, membership, notification and mail
    of the file is there, or none; the same import afterwards does what is left (or nothing)."""
    leipzig = await make_instance("leipzig", tables=mailserver.tables(), run_workers=False)
    org, anna = await space(leipzig)
    counts = ("SELECT (SELECT count(*) FROM org_members) AS members, (SELECT count(*) FROM org_invitations) AS mailed, "
              "(SELECT count(*) FROM invitations) AS codes, (SELECT count(*) FROM mails) AS mails, "
              "(SELECT count(*) FROM notifications) AS told")
    none = {"members": 0, "mailed": 0, "codes": 0, "mails": 0, "told": 0}
    everything = {"members": 1, "mailed": 2, "codes": 2, "mails": 2, "told": 1}
    steps = 0
    while True:
        completed = await run_cancelled(lambda: importing.import_members(leipzig.rt, org, org, GOOD), steps)
        state = (await leipzig.query(counts))[0]
        assert state in (none, everything), (steps, state)
        assert not await leipzig.writer_in_transaction()
        if state == everything:
            break
        steps += 1
        assert steps < 2000
    again = await importing.import_members(leipzig.rt, org, org, GOOD)
    assert (again.invited, again.mailed) == ([], []) and (await leipzig.query(counts))[0] == everything
    assert completed or steps > 0
