"""The mail core: a queued mail arrives over real SMTP (aiosmtpd on loopback) with both parts in the
recipient's language; retried while the server is away, kept across a restart, given up when
refused or too old; nothing at all while email is off."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import eventually
from wecreate_fed import mail, store

RESET = {"name": "Anna", "username": "anna", "url": "http://127.0.0.1/reset/abc", "minutes": 60}


async def _queue(instance, to="anna@example.org", *, lang="de", template="reset", values=None, **kwargs):
    async with instance.rt.db.transaction() as conn:
        return await mail.queue(conn, instance.config, to=to, lang=lang, template=template,
                                values=values or RESET, **kwargs)


async def test_a_queued_mail_arrives_with_both_parts_in_the_recipients_language(make_instance, mailserver):
    leipzig = await make_instance("leipzig", tables=mailserver.tables())
    await _queue(leipzig, "anna@example.org", lang="de")
    await _queue(leipzig, "bob@example.org", lang="en")
    [german] = await mailserver.wait_for(1, to="anna@example.org")
    [english] = await mailserver.wait_for(1, to="bob@example.org")
    assert german.subject == "Neues Passwort für WeCreate Leipzig" and german["Content-Language"] == "de"
    assert "Hallo Anna," in german.text and "neues" in german.text and "Minuten" in german.text
    assert '<html lang="de">' in german.html and "Neues Passwort wählen" in german.html
    assert german.link("/reset/abc") == "http://127.0.0.1/reset/abc"
    assert english.subject == "A new password for WeCreate Leipzig" and "Hello Anna," in english.text
    assert "Choose a new password" in english.html and "Minuten" not in english.text
    assert german.sender == "noreply@wecreate.test" and german.recipients == ["anna@example.org"]
    assert german["Auto-Submitted"] == "auto-generated" and german["Message-ID"]
    assert german["List-Unsubscribe"] is None  # only with an unsubscribe URL
    rows = await eventually(lambda: _settled(leipzig, 2), message="both recorded as sent")
    assert [r["state"] for r in rows] == ["sent", "sent"] and all(r["sent_at"] for r in rows)
    # Sent, the body is gone from the database (with the links it carried).
    assert all(r["message"] == b"" for r in rows)


async def test_an_unsubscribe_url_gives_the_rfc_8058_headers_and_a_link_in_both_parts(make_instance, mailserver):
    leipzig = await make_instance("leipzig", tables=mailserver.tables())
    await _queue(leipzig, template="test", values={}, unsubscribe_url="http://127.0.0.1/unsubscribe/t0k3n")
    [received] = await mailserver.wait_for(1)
    assert received["List-Unsubscribe"] == "<http://127.0.0.1/unsubscribe/t0k3n>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received.link("/unsubscribe/") == "http://127.0.0.1/unsubscribe/t0k3n"
    assert "Keine solchen Mails mehr" in received.text and "Keine solchen Mails mehr" in received.html


async def test_values_are_escaped_in_the_html_part_only(make_instance, mailserver):
    leipzig = await make_instance("leipzig", tables=mailserver.tables())
    await _queue(leipzig, values={**RESET, "name": "<b>Anna</b> & Co"})
    [received] = await mailserver.wait_for(1)
    assert "Hallo <b>Anna</b> & Co," in received.text
    assert "&lt;b&gt;Anna&lt;/b&gt; &amp; Co" in received.html and "<b>Anna" not in received.html


async def test_a_rolled_back_transaction_sends_nothing(make_instance, mailserver):
    leipzig = await make_instance("leipzig", tables=mailserver.tables())
    with pytest.raises(RuntimeError):
        async with leipzig.rt.db.transaction() as conn:
            await mail.queue(conn, leipzig.config, to="anna@example.org", lang="de", template="reset", values=RESET)
            raise RuntimeError("the caller's change failed")
    await _queue(leipzig, "bob@example.org")  # a later mail goes out; the first never existed
    await mailserver.wait_for(1)
    await asyncio.sleep(0.3)
    assert [m.recipients for m in mailserver.mails] == [["bob@example.org"]]
    assert len(await leipzig.query("SELECT id FROM mails")) == 1


async def test_a_mail_server_that_is_down_loses_nothing(make_instance, mailserver):
    leipzig = await make_instance("leipzig", tables=mailserver.tables())
    await mailserver.stop()
    await _queue(leipzig)
    # Tried, refused (nobody listens), kept for a later attempt.
    rows = await eventually(lambda: _attempted(leipzig), message="a failed attempt")
    assert rows[0]["state"] == "pending" and "connect" in rows[0]["last_error"].lower()
    await asyncio.sleep(1.5)  # a few more attempts while it is down
    await mailserver.start()
    [received] = await mailserver.wait_for(1)
    assert received.subject == "Neues Passwort für WeCreate Leipzig"
    [row] = await eventually(lambda: _settled(leipzig, 1), message="recorded as sent")
    assert row["state"] == "sent" and row["attempts"] >= 3


async def test_mails_queued_while_the_server_is_down_survive_a_restart_of_the_instance(make_instance, mailserver):
    leipzig = await make_instance("leipzig", tables=mailserver.tables())
    await mailserver.stop()
    for n in range(3):
        await _queue(leipzig, f"person{n}@example.org")
    await eventually(lambda: _attempted(leipzig), message="a failed attempt")
    await leipzig.stop()
    await mailserver.start()
    assert not mailserver.mails
    await leipzig.start()  # the same database
    received = await mailserver.wait_for(3)
    assert sorted(r for m in received for r in m.recipients) == [f"person{n}@example.org" for n in range(3)]
    await asyncio.sleep(0.5)
    assert len(mailserver.mails) == 3  # each once
    rows = await eventually(lambda: _settled(leipzig, 3), message="recorded as sent")
    assert all(r["state"] == "sent" and r["locked_by"] is None for r in rows)


async def test_a_refused_recipient_fails_at_once_and_the_others_go_through(make_instance, mailserver):
    mailserver.refuse.add("nobody@example.org")
    leipzig = await make_instance("leipzig", tables=mailserver.tables())
    await _queue(leipzig, "nobody@example.org")
    await _queue(leipzig, "anna@example.org")
    await mailserver.wait_for(1, to="anna@example.org")
    refused, sent = await eventually(lambda: _settled(leipzig, 2), message="both settled")
    assert refused["state"] == "failed" and refused["attempts"] == 1 and "550" in refused["last_error"]
    assert sent["state"] == "sent"


async def test_a_mail_is_given_up_after_its_days(make_instance, mailserver):
    # give_up_days of 0.00003 = 2.6 s
    leipzig = await make_instance("leipzig", tables=mailserver.tables(give_up_days=0.00003))
    await mailserver.stop()
    await _queue(leipzig)
    [row] = await eventually(lambda: leipzig.query("SELECT state, attempts FROM mails WHERE state = 'failed'"),
                             message="given up")
    assert row["attempts"] >= 2
    await mailserver.start()
    await asyncio.sleep(1.5)
    assert not mailserver.mails


async def test_without_email_the_instance_runs_and_queues_nothing(make_instance):
    leipzig = await make_instance("leipzig")
    assert not leipzig.config.email_enabled
    assert await _queue(leipzig) is None
    assert await leipzig.query("SELECT id FROM mails") == []
    assert "mail-worker" not in [w.name for w in leipzig.app.supervisor.workers]


async def test_a_bad_address_is_refused_before_anything_is_stored(make_instance, mailserver):
    leipzig = await make_instance("leipzig", tables=mailserver.tables())
    for bad in ("no-at-sign", "a@b", "two@@example.org", "x@example.org\r\nBcc: y@example.org", "a b@example.org"):
        assert not mail.valid_address(bad)
        with pytest.raises(ValueError):
            await _queue(leipzig, bad)
    assert await leipzig.query("SELECT id FROM mails") == []


async def _attempted(instance):
    return await instance.query("SELECT state, attempts, last_error FROM mails WHERE attempts > 0")


async def _settled(instance, count: int):
    """Every mail's row once `count` of them are no longer pending, else None."""
    rows = await instance.query("SELECT * FROM mails ORDER BY id")
    return rows if sum(r["state"] != "pending" for r in rows) >= count else None


async def test_starttls_with_a_private_ca_and_auth(make_instance, tmp_path):
    from tests.mailserver import MailServer, make_certificates

    ca_file, context = make_certificates(tmp_path / "tls")
    server = await MailServer(tls_context=context, credentials=("wecreate", "geheim-123")).start()
    try:
        tables = server.tables(security="starttls", user="wecreate", password="geheim-123", ca_file=str(ca_file))
        leipzig = await make_instance("leipzig", tables=tables)
        await _queue(leipzig)
        [received] = await server.wait_for(1)
        assert received.subject == "Neues Passwort für WeCreate Leipzig" and server.logins == ["wecreate"]
        # A wrong password is retried, not lost: the mail waits with the server's answer.
        wrong = await make_instance("meissen", tables={"email": {**tables["email"], "password": "falsch"}})
        await _queue(wrong)
        [row] = await eventually(lambda: _attempted(wrong), message="a refused login")
        assert row["state"] == "pending" and "535" in row["last_error"]
    finally:
        await server.stop()


async def test_the_certificate_is_checked(make_instance, tmp_path):
    from tests.mailserver import MailServer, make_certificates

    _, context = make_certificates(tmp_path / "tls")
    server = await MailServer(tls_context=context).start()
    try:
        leipzig = await make_instance("leipzig", tables=server.tables(security="starttls"))  # system CAs only
        await _queue(leipzig)
        [row] = await eventually(lambda: _attempted(leipzig), message="a refused certificate")
        assert row["state"] == "pending" and "certificate" in row["last_error"].lower()
        assert not server.mails
    finally:
        await server.stop()


async def test_settled_mails_are_forgotten_after_their_days(make_instance, mailserver):
    leipzig = await make_instance("leipzig", tables=mailserver.tables())
    await leipzig.stop()
    db = await store.open_database(leipzig.config.database_url)  # either backend, while it is stopped
    try:
        async with db.transaction() as conn:  # as a run of 31 days ago left them
            await conn.executemany(
                "INSERT INTO mails (recipient, template, message, state, next_attempt_at, created_at) "
                "VALUES ('a@example.org', 'reset', ?, ?, '2000-01-01T00:00:00Z', '2000-01-01T00:00:00Z')",
                [(b"", "sent"), (b"", "failed")])
    finally:
        await db.close()
    await leipzig.start()
    await eventually(lambda: _gone(leipzig), message="the old records pruned")


async def _gone(instance):
    return not await instance.query("SELECT id FROM mails")
