"""Accounts and their email, through the real website and a real SMTP server: the optional address
at registration confirmed by its link, "Passwort vergessen?" (one-time, expiring, hashed, the same
answer for unknown addresses, rate-limited, every session ended), and changing the address."""

from __future__ import annotations

import asyncio
import json

from tests.web.conftest import text_of

PASSWORD = "sicheres-passwort"


async def _site(make_instance, mailserver, **kwargs):
    return await make_instance("leipzig", tables=mailserver.tables(), **kwargs)


async def _confirmed_person(site, visitor_for, mailserver, username="anna", email="anna@example.org", **kwargs):
    """A person registered through the website with `email`, confirmed by the link mailed to it."""
    person = visitor_for(site, **kwargs)
    assert await person.register(username, email=email) == 303
    [confirm] = await mailserver.wait_for(1, to=email)
    link = confirm.link("/email/confirm/")
    status, _, _ = await person.get(link)
    assert status == 200
    status, _, headers = await person.post(link, {})
    assert status == 303
    mailserver.mails.clear()
    return person


async def test_the_address_given_at_registration_counts_once_its_link_is_confirmed(make_instance, mailserver,
                                                                                  visitor_for):
    site = await _site(make_instance, mailserver)
    anna = visitor_for(site)
    status, text, _ = await anna.get("/register")
    assert 'name="email"' in text and "E-Mail-Adresse (freiwillig)" in text_of(text)
    assert await anna.register("anna", email="anna@example.org") == 303
    status, text, _ = await anna.get("/settings/email")
    assert "anna@example.org" in text and "noch nicht bestätigt" in text_of(text)
    [confirm] = await mailserver.wait_for(1)
    assert confirm.subject == "Bitte bestätige deine E-Mail-Adresse bei WeCreate Leipzig"
    assert "@anna" in confirm.text and "anna@example.org" in confirm.html
    link = confirm.link("/email/confirm/")
    # Opening the link (as a mail scanner does) confirms nothing; the click on its page does.
    status, text, headers = await anna.get(link)
    assert status == 200 and "Ja, bestätigen" in text and headers["Cache-Control"] == "no-store"
    assert (await site.query("SELECT email_confirmed_at FROM accounts"))[0]["email_confirmed_at"] is None
    status, _, headers = await anna.post(link, {})
    assert status == 303 and headers["Location"] == "/settings/email"
    status, text, _ = await anna.get("/settings/email")
    assert "anna@example.org" in text and "bestätigt am" in text_of(text)
    # Once only.
    status, text, _ = await anna.get(link)
    assert status == 404 and "Dieser Link gilt nicht (mehr)" in text_of(text)
    status, _, _ = await anna.post(link, {})
    assert status == 404
    # Only the hash of the token is kept.
    token = link.rsplit("/", 1)[1]
    dump = "\n".join(str(r) for r in await site.query("SELECT * FROM email_tokens"))
    assert token not in dump
    sent = await site.query("SELECT state, message FROM mails")
    assert sent == [{"state": "sent", "message": b""}]  # the mail that carried it keeps no body


async def test_a_mail_speaks_the_language_the_person_registered_in(make_instance, mailserver, visitor_for):
    site = await _site(make_instance, mailserver)
    bob = visitor_for(site, accept_language="en")
    assert await bob.register("bob", email="bob@example.org") == 303
    [confirm] = await mailserver.wait_for(1)
    assert confirm.subject == "Please confirm your email address at WeCreate Leipzig"
    assert confirm["Content-Language"] == "en" and "Hello bob," in confirm.text and "Hallo" not in confirm.text


async def test_a_bad_address_at_registration_is_a_form_error_and_no_account(make_instance, mailserver, visitor_for):
    site = await _site(make_instance, mailserver)
    anna = visitor_for(site)
    await anna.get("/register")
    assert await anna.register("anna", email="not-an-address") == 400
    assert await site.query("SELECT id FROM actors WHERE username = 'anna'") == []
    assert not mailserver.mails


async def test_forgot_password_mails_a_one_time_link_that_logs_in_and_ends_every_other_session(
        make_instance, mailserver, visitor_for):
    site = await _site(make_instance, mailserver)
    anna = await _confirmed_person(site, visitor_for, mailserver)
    elsewhere = visitor_for(site)
    assert await elsewhere.login("anna") == 303
    assert (await elsewhere.get("/settings"))[0] == 200
    guest = visitor_for(site)
    status, text, _ = await guest.get("/login")
    assert "Passwort vergessen?" in text_of(text) and 'href="/password/forgot"' in text
    await guest.get("/password/forgot")
    status, _, headers = await guest.post("/password/forgot", {"who": "Anna@Example.org"})
    assert status == 303
    [reset] = await mailserver.wait_for(1)
    assert reset.subject == "Neues Passwort für WeCreate Leipzig" and reset.recipients == ["anna@example.org"]
    assert "60 Minuten" in reset.text
    link = reset.link("/password/reset/")
    status, text, headers = await guest.get(link)
    assert status == 200 and "@anna" in text_of(text) and headers["Cache-Control"] == "no-store"
    # The rules of a password hold here too.
    status, text, _ = await guest.post(link, {"password": "kurz", "password_repeat": "kurz"})
    assert status == 400 and "Mindestens 8 Zeichen" in text_of(text)
    status, _, headers = await guest.post(link, {"password": "ein-neues-passwort", "password_repeat": "ein-neues-passwort"})
    assert status == 303 and headers["Location"] == "/"
    status, text, _ = await guest.get("/settings")
    assert status == 200 and "@anna" in text  # logged in as anna
    assert (await elsewhere.get("/settings"))[0] == 303  # that session ended
    assert (await anna.get("/settings"))[0] == 303       # and the one that registered
    other = visitor_for(site)
    assert await other.login("anna", PASSWORD) == 400
    assert await other.login("anna", "ein-neues-passwort") == 303
    status, text, _ = await guest.get(link)  # used
    assert status == 404
    status, _, _ = await guest.post(link, {"password": "noch-ein-passwort", "password_repeat": "noch-ein-passwort"})
    assert status == 404


async def test_the_answer_is_the_same_for_an_unknown_address_and_nothing_is_sent(make_instance, mailserver,
                                                                                 visitor_for):
    site = await _site(make_instance, mailserver)
    await _confirmed_person(site, visitor_for, mailserver)
    await _confirmed_person(site, visitor_for, mailserver, "bob", "bob@example.org")
    answers = []
    for who in ("anna@example.org", "nobody@example.org", "nobody", "bob"):
        guest = visitor_for(site)
        await guest.get("/password/forgot")
        status, _, headers = await guest.post("/password/forgot", {"who": who})
        answers.append((status, headers["Location"]))
        status, text, _ = await guest.get(headers["Location"])
        answers.append((status, text_of(text)))
    assert answers[0] == answers[2] == answers[4] == answers[6] and answers[0][0] == 303
    assert answers[1] == answers[3] == answers[5] == answers[7] and "ist ein Link" in answers[1][1]
    mails = await mailserver.wait_for(2)
    await asyncio.sleep(0.5)
    assert sorted(m.recipients[0] for m in mailserver.mails) == ["anna@example.org", "bob@example.org"]
    assert all(m.subject.startswith("Neues Passwort") for m in mails)


async def test_an_unconfirmed_address_gets_no_reset_link(make_instance, mailserver, visitor_for):
    site = await _site(make_instance, mailserver)
    anna = visitor_for(site)
    assert await anna.register("anna", email="anna@example.org") == 303
    await mailserver.wait_for(1)  # the confirmation, not followed
    guest = visitor_for(site)
    await guest.get("/password/forgot")
    assert (await guest.post("/password/forgot", {"who": "anna@example.org"}))[0] == 303
    await asyncio.sleep(0.8)
    assert [m.subject for m in mailserver.mails] == ["Bitte bestätige deine E-Mail-Adresse bei WeCreate Leipzig"]


async def test_a_reset_link_expires_and_a_newer_one_voids_it(make_instance, mailserver, visitor_for):
    site = await _site(make_instance, mailserver)
    await _confirmed_person(site, visitor_for, mailserver)
    guest = visitor_for(site)
    for _ in range(2):
        await guest.get("/password/forgot")
        await guest.post("/password/forgot", {"who": "anna"})
    first, second = await mailserver.wait_for(2)
    assert (await guest.get(first.link("/password/reset/")))[0] == 404   # replaced by the second
    assert (await guest.get(second.link("/password/reset/")))[0] == 200
    async with site.rt.db.transaction() as conn:
        await conn.execute("UPDATE email_tokens SET expires_at = '2000-01-01T00:00:00Z' WHERE used_at IS NULL")
    status, text, _ = await guest.get(second.link("/password/reset/"))
    assert status == 404 and "Neuen Link anfordern" in text_of(text)


async def test_asking_is_limited_per_address_and_per_account(make_instance, mailserver, visitor_for):
    site = await _site(make_instance, mailserver)
    await _confirmed_person(site, visitor_for, mailserver)
    guest = visitor_for(site)
    statuses = []
    for _ in range(6):
        await guest.get("/password/forgot")
        statuses.append((await guest.post("/password/forgot", {"who": "anna@example.org"}))[0])
    assert statuses == [303] * 5 + [429]
    await asyncio.sleep(1.0)
    assert len(mailserver.mails) == 3  # at most three reset mails an hour for one account


async def test_changing_the_address_confirms_the_new_one_and_tells_the_old_one(make_instance, mailserver,
                                                                              visitor_for):
    site = await _site(make_instance, mailserver)
    anna = await _confirmed_person(site, visitor_for, mailserver)
    await anna.login("anna")
    status, text, _ = await anna.get("/settings")
    assert 'href="/settings/email"' in text
    await anna.get("/settings/email")
    status, text, _ = await anna.post("/settings/email", {"email": "anna@new.example", "password": "falsch-falsch"})
    assert status == 400 and "Das Passwort stimmt nicht" in text_of(text)
    status, text, _ = await anna.post("/settings/email", {"email": "anna@example.org", "password": PASSWORD})
    assert status == 400 and "Das ist schon deine Adresse" in text_of(text)
    status, _, _ = await anna.post("/settings/email", {"email": "anna@new.example", "password": PASSWORD})
    assert status == 303
    [confirm] = await mailserver.wait_for(1, to="anna@new.example")
    status, text, _ = await anna.get("/settings/email")
    # The old one counts until the new one is confirmed.
    assert "<strong>anna@example.org</strong> · bestätigt am" in text
    assert "Wartet auf Bestätigung: anna@new.example" in text_of(text)
    link = confirm.link("/email/confirm/")
    await anna.get(link)
    assert (await anna.post(link, {}))[0] == 303
    [told] = await mailserver.wait_for(1, to="anna@example.org")
    assert told.subject == "Deine E-Mail-Adresse bei WeCreate Leipzig wurde geändert"
    assert "anna@new.example" in told.text and told.link("/password/forgot")
    status, text, _ = await anna.get("/settings/email")
    assert "anna@new.example" in text and "bestätigt am" in text_of(text)
    # The reset link now goes to the new address only.
    mailserver.mails.clear()
    guest = visitor_for(site)
    await guest.get("/password/forgot")
    await guest.post("/password/forgot", {"who": "anna@example.org"})
    await guest.get("/password/forgot")
    await guest.post("/password/forgot", {"who": "anna"})
    [reset] = await mailserver.wait_for(1)
    await asyncio.sleep(0.5)
    assert reset.recipients == ["anna@new.example"] and len(mailserver.mails) == 1


async def test_without_email_the_site_says_so_and_asks_for_no_address(make_instance, visitor_for):
    site = await make_instance("leipzig")
    await site.create_user("ada", password=PASSWORD, role="admin")
    guest = visitor_for(site)
    status, text, _ = await guest.get("/register")
    assert 'name="email"' not in text
    status, text, _ = await guest.get("/password/forgot")
    assert status == 200 and "verschickt keine E-Mails" in text_of(text) and 'name="who"' not in text
    ada = visitor_for(site)
    await ada.login("ada")
    status, text, _ = await ada.get("/admin")
    assert status == 200 and 'id="email-off"' in text and "E-Mail ist aus" in text_of(text)
    status, text, _ = await ada.get("/settings/email")
    assert status == 200 and "verschickt keine E-Mails" in text_of(text) and 'name="email"' not in text


async def test_the_dashboard_shows_the_mail_queue_when_email_is_on(make_instance, mailserver, visitor_for):
    site = await _site(make_instance, mailserver)
    await site.create_user("ada", password=PASSWORD, role="admin")
    await _confirmed_person(site, visitor_for, mailserver)
    ada = visitor_for(site)
    await ada.login("ada")
    status, text, _ = await ada.get("/admin")
    assert 'id="email-off"' not in text and "E-Mail ist an: über 127.0.0.1" in text_of(text)
    assert 'id="mails-sent">1<' in text


async def test_the_address_is_never_federated(make_instance, mailserver, visitor_for):
    site = await _site(make_instance, mailserver)
    await _confirmed_person(site, visitor_for, mailserver)
    status, actor = await site.get_json(f"{site.base_url}/users/anna")
    assert status == 200 and actor["preferredUsername"] == "anna"
    host = site.base_url.split("//")[1]
    status, finger = await site.get_json(f"{site.base_url}/.well-known/webfinger?resource=acct:anna@{host}")
    assert status == 200
    assert "anna@example.org" not in json.dumps(actor) + json.dumps(finger)
