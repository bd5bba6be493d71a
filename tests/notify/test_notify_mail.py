"""Notification mails over real SMTP (aiosmtpd on loopback): at once in the recipient's language
with both parts and the RFC 8058 headers; the weekly district digest with the week's new ideas and
events, never twice for a period (also after a restart); one-click unsubscribe without login, a
forged token refused."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import aiohttp

from tests.conftest import eventually
from tests.notify.helpers import choose, mail_tables, with_address
from tests.web.conftest import text_of
from wecreate_fed.civic import events, ideas
from wecreate_fed.civic.orgs import membership
from wecreate_fed.notify import schedule, topics
from wecreate_fed.notify.worker import NotifyWorker
from wecreate_fed.store import orgs as orgs_store
from wecreate_fed.store import utcnow

EVENT = {"title": "Stadtteilfest West", "description": "Mit Musik.", "starts_at": "2031-06-20T15:00",
         "ends_at": "2031-06-20T20:00", "place_name": "Lindenauer Markt", "district": "west"}


async def _idea(instance, author, title, district="west"):
    _, document = await ideas.publish(instance.rt, author, {"title": title, "summary": f"{title} – kurz",
                                                             "body": "Mehr dazu.", "districts": [district]})
    return document["id"]


async def test_a_support_and_a_reply_reach_their_authors_at_once_in_their_language(make_instance, mailserver):
    leipzig = await make_instance("leipzig", tables=mail_tables(mailserver))
    anna = await with_address(leipzig, "anna", "anna@example.org", language="de")
    bert = await with_address(leipzig, "bert", "bert@example.org", language="en", name="Bert")
    await choose(leipzig, anna, support="now")  # (supports come in a daily digest by default)
    idea_id = await _idea(leipzig, anna, "Trinkbrunnen am Markt")
    # When Bert supports Anna's idea, Anna hears of it in German …
    await ideas.support(leipzig.rt, bert, idea_id)
    [support] = await mailserver.wait_for(1, to="anna@example.org")
    assert support.subject == "Unterstützung – WeCreate Leipzig" and support["Content-Language"] == "de"
    assert "Hallo Anna," in support.text and "Bert unterstützt deine Idee „Trinkbrunnen am Markt“." in support.text
    assert "Bert unterstützt deine Idee" in support.html and '<html lang="de">' in support.html
    assert support.link("/ideas/") == idea_id
    async with aiohttp.ClientSession(headers={"Accept": "text/html"}) as session:  # the link opens the idea's page
        async with session.get(idea_id) as r:
            assert r.status == 200 and "Trinkbrunnen am Markt" in text_of(await r.text())
    unsubscribe = support["List-Unsubscribe"]
    assert re.fullmatch(r"<http://127\.0\.0\.1:\d+/unsubscribe/\d+\.support\.[\w-]{43}>", str(unsubscribe))
    assert support["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # … and when Anna answers Bert's comment, Bert hears of it in English
    comment_id = await ideas.comment(leipzig.rt, bert, idea_id, "Great idea!")
    assert comment_id
    comment = (await leipzig.query("SELECT ap_id FROM objects WHERE actor_id = ?", (bert.id,)))[0]["ap_id"]
    await ideas.comment(leipzig.rt, anna, comment, "Danke!")
    [reply] = await mailserver.wait_for(1, to="bert@example.org")
    assert reply.subject == "Reply – WeCreate Leipzig" and reply["Content-Language"] == "en"
    assert "Hello Bert," in reply.text and "Anna replied to you on “Trinkbrunnen am Markt”." in reply.text
    assert "Anna replied to you" in reply.html and "Hallo" not in reply.text
    # Anna also got a notice of Bert's comment on her idea (a reply to her), and nobody got one of their own
    kinds = await leipzig.query("SELECT actor_id, kind, mail_state FROM notifications ORDER BY id")
    assert [(k["actor_id"], k["kind"]) for k in kinds] == [(anna.id, "support"), (anna.id, "reply"), (bert.id, "reply")]
    await eventually(lambda: _all_looked_at(leipzig), message="every notification looked at")
    assert len(await mailserver.wait_for(2, to="anna@example.org")) == 2


async def _all_looked_at(instance):
    rows = await instance.query("SELECT mail_state FROM notifications")
    return all(r["mail_state"] is not None for r in rows)


async def test_nothing_is_mailed_for_a_topic_chosen_never_or_without_a_confirmed_address(make_instance, mailserver):
    leipzig = await make_instance("leipzig", tables=mail_tables(mailserver))
    anna = await with_address(leipzig, "anna", "anna@example.org")
    clara = await leipzig.create_user("clara", name="Clara")  # no address at all
    bert = await with_address(leipzig, "bert", "bert@example.org")
    async with leipzig.rt.db.transaction() as conn:
        await conn.execute("INSERT INTO notification_preferences (actor_id, topic, frequency) VALUES (?, 'support', 'never')",
                           (anna.id,))
    await ideas.support(leipzig.rt, bert, await _idea(leipzig, anna, "Bänke"))
    await ideas.support(leipzig.rt, bert, await _idea(leipzig, clara, "Bäume"))
    await eventually(lambda: _all_looked_at(leipzig), message="both looked at")
    await asyncio.sleep(0.5)
    assert mailserver.mails == []
    assert [r["mail_state"] for r in await leipzig.query("SELECT mail_state FROM notifications")] == ["later", "later"]


async def test_the_weekly_district_digest_holds_the_weeks_new_ideas_and_events_once(make_instance, mailserver):
    leipzig = await make_instance("leipzig", tables=mail_tables(mailserver))
    anna = await with_address(leipzig, "anna", "anna@example.org", district="west")
    bert = await with_address(leipzig, "bert", "bert@example.org", language="en", district="mitte")
    await _idea(leipzig, bert, "Radweg Lützner Straße")
    await _idea(leipzig, bert, "Spielplatz am Kanal")
    await _idea(leipzig, anna, "Markthalle Mitte", district="mitte")
    await events.publish(leipzig.rt, bert, EVENT)
    # A week on, the weekly digest falls due: Anna's is about West, Bert's about Mitte
    week_on = utcnow() + timedelta(days=7)
    worker = NotifyWorker(leipzig.rt, clock=lambda: week_on)
    await worker.run_once()
    [digest] = await mailserver.wait_for(1, to="anna@example.org")
    assert digest.subject == "Neu in West diese Woche" and digest["Content-Language"] == "de"
    assert "Neue Ideen" in digest.text and "Radweg Lützner Straße" in digest.text and "Spielplatz am Kanal" in digest.text
    assert "Stadtteilfest West" in digest.text and "Lindenauer Markt" in digest.text and "Neue Termine" in digest.text
    assert "Markthalle Mitte" not in digest.text
    assert "Radweg Lützner Straße" in digest.html and "Stadtteilfest West" in digest.html
    assert re.search(r"/unsubscribe/\d+\.weekly\.", str(digest["List-Unsubscribe"]))
    [english] = await mailserver.wait_for(1, to="bert@example.org")
    assert english.subject == "New in Mitte this week" and "Markthalle Mitte" in english.text
    assert "Radweg" not in english.text and "New ideas" in english.html
    # A second run, and a run of a new worker (as after a restart), send no second digest
    await worker.run_once()
    await NotifyWorker(leipzig.rt, clock=lambda: week_on + timedelta(hours=2)).run_once()
    await asyncio.sleep(0.5)
    assert len(mailserver.mails) == 2
    rows = await leipzig.query("SELECT actor_id, frequency, period_start, items FROM digests WHERE frequency = 'weekly' "
                               "AND period_start = ?", (schedule.latest(leipzig.config, topics.WEEKLY, week_on).key,))
    assert sorted((r["actor_id"], r["items"]) for r in rows) == sorted([(anna.id, 3), (bert.id, 1)])


async def test_the_digest_is_not_sent_twice_across_a_restart_of_the_instance(make_instance, mailserver, tmp_path):
    leipzig = await make_instance("leipzig", tables=mail_tables(mailserver))
    anna = await with_address(leipzig, "anna", "anna@example.org", district="west")
    await _idea(leipzig, anna, "Trinkbrunnen")
    week_on = utcnow() + timedelta(days=7)
    await NotifyWorker(leipzig.rt, clock=lambda: week_on).run_once()
    await mailserver.wait_for(1)
    await leipzig.stop()
    await leipzig.start()
    await NotifyWorker(leipzig.rt, clock=lambda: week_on).run_once()
    await asyncio.sleep(0.5)
    assert len(mailserver.mails) == 1


async def test_one_click_unsubscribe_works_without_login_and_a_forged_token_is_refused(make_instance, mailserver):
    leipzig = await make_instance("leipzig", tables=mail_tables(mailserver))
    anna = await with_address(leipzig, "anna", "anna@example.org", language="en")
    bert = await with_address(leipzig, "bert", "bert@example.org")
    await choose(leipzig, anna, support="now")
    await ideas.support(leipzig.rt, bert, await _idea(leipzig, anna, "Bänke"))
    [received] = await mailserver.wait_for(1)
    url = str(received["List-Unsubscribe"]).strip("<>")
    assert received.link("/unsubscribe/") == url
    signature = url.rsplit(".", 1)[1]
    forged = [url[:-4] + ("AAAA" if not url.endswith("AAAA") else "BBBB"),   # a changed signature
              url.replace(".support.", ".all."),                                # another scope, same signature
              url.replace(f"/{anna.id}.", f"/{bert.id}."),                      # another person
              url.replace(signature, ""), url + "x"]
    async with aiohttp.ClientSession() as session:   # no cookies: nobody is logged in
        for bad in forged:
            async with session.post(bad, data="List-Unsubscribe=One-Click",
                                    headers={"Content-Type": "application/x-www-form-urlencoded"}) as r:
                assert r.status == 404, bad
        assert await _support_choice(leipzig, anna) == "now"
        # GET asks first (in the language of the mail), and changes nothing
        async with session.get(url) as r:
            page = await r.text()
            assert r.status == 200 and '<html lang="en">' in page and "Support for my ideas" in text_of(page)
        assert await _support_choice(leipzig, anna) == "now"
        # The mail client's one-click POST: no login, no CSRF token, no Origin
        async with session.post(url, data="List-Unsubscribe=One-Click",
                                headers={"Content-Type": "application/x-www-form-urlencoded"}) as r:
            assert r.status == 200 and "you will not get these emails any more" in text_of(await r.text())
        async with session.post(url, data="List-Unsubscribe=One-Click",
                                headers={"Content-Type": "application/x-www-form-urlencoded"}) as r:
            assert r.status == 200  # twice is harmless
    assert await _support_choice(leipzig, anna) == "never"
    assert len(await leipzig.query("SELECT * FROM notification_preferences")) == 1  # that topic only
    # A next support is not mailed
    clara = await with_address(leipzig, "clara", "clara@example.org")
    await ideas.support(leipzig.rt, clara, (await leipzig.query("SELECT ap_id FROM ideas"))[0]["ap_id"])
    await eventually(lambda: _all_looked_at(leipzig), message="looked at")
    await asyncio.sleep(0.4)
    assert len(mailserver.mails) == 1


async def _support_choice(instance, actor) -> str:
    rows = await instance.query("SELECT frequency FROM notification_preferences WHERE actor_id = ? AND topic = 'support'",
                                (actor.id,))
    return rows[0]["frequency"] if rows else ""


async def test_an_invitation_into_an_organisation_space_is_mailed_at_once(make_instance, mailserver):
    """Membership notices belong to the topic "my boxes and spaces" (at once by default)."""
    leipzig = await make_instance("leipzig", tables=mail_tables(mailserver))
    org = await leipzig.create_user("spd", type_="Organization", category="party", name="SPD Leipzig")
    vorstand = await leipzig.create_user("vorstand", name="Vera Vorstand")
    async with leipzig.rt.db.transaction() as conn:
        await orgs_store.put(conn, org.id, vorstand.id, role="admin", state="accepted")
    anna = await with_address(leipzig, "anna", "anna@example.org", language="de")
    assert topics.topic_of("members_invited") == "box"
    await membership.invite(leipzig.rt, vorstand, org, anna)
    [invited] = await mailserver.wait_for(1, to="anna@example.org")
    assert "Vera Vorstand lädt dich ein, Mitglied von SPD Leipzig zu werden." in invited.text
