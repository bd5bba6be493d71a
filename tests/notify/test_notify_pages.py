"""Notifications are stored as events and read in the reader's language; the mail choices per
topic on /settings/notifications; the digest periods in the instance's time zone; the migration
that turned the old pre-rendered texts into params."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from importlib import resources

from tests.notify.helpers import with_address
from tests.web.conftest import text_of
from wecreate_fed.civic import ideas
from wecreate_fed.config import from_dict
from wecreate_fed.notify import schedule


async def test_a_notification_reads_in_the_language_of_its_reader(make_instance, visitor_for):
    leipzig = await make_instance("leipzig")
    anna = await with_address(leipzig, "anna", "anna@example.org")
    bert = await with_address(leipzig, "bert", "bert@example.org", language="de")
    clara = await with_address(leipzig, "clara", "clara@example.org", language="en")
    _, idea = await ideas.publish(leipzig.rt, anna, {"title": "Trinkbrunnen", "districts": ["west"]})
    await ideas.support(leipzig.rt, bert, idea["id"])
    await ideas.support(leipzig.rt, clara, idea["id"])
    await ideas.change_status(leipzig.rt, anna, idea["id"], "in_discussion")
    stored = await leipzig.query("SELECT params FROM notifications WHERE kind = 'status_changed' ORDER BY id")
    assert [s["params"] for s in stored] == ['{"status": "in_discussion", "title": "Trinkbrunnen", "what": "idea"}'] * 2
    german = visitor_for(leipzig)
    assert await german.login("bert") == 303
    _, page, _ = await german.get("/notifications")
    assert "Neuer Status: „Trinkbrunnen“ hat jetzt den Status: In Diskussion" in text_of(page)
    assert "in_discussion" not in text_of(page)
    english = visitor_for(leipzig, accept_language="de")  # her account's language wins
    assert await english.login("clara") == 303
    _, page, _ = await english.get("/notifications")
    assert "New status: “Trinkbrunnen” now has the status: In discussion" in text_of(page)
    author = visitor_for(leipzig)
    assert await author.login("anna") == 303
    _, page, _ = await author.get("/notifications")
    assert "Bert unterstützt deine Idee „Trinkbrunnen“." in text_of(page)
    assert "Clara unterstützt deine Idee „Trinkbrunnen“." in text_of(page)


async def test_the_mail_choices_are_kept_per_topic_and_a_bad_one_is_named(make_instance, visitor_for):
    leipzig = await make_instance("leipzig")
    anna = await with_address(leipzig, "anna", "anna@example.org", district="west")
    visitor = visitor_for(leipzig)
    assert await visitor.login("anna") == 303
    status, page, _ = await visitor.get("/settings")
    assert 'href="/settings/notifications"' in page
    status, page, _ = await visitor.get("/settings/notifications")
    assert status == 200 and "Die E-Mails gehen an anna@example.org." in text_of(page)
    assert "Dein Stadtbezirk: West." in text_of(page)
    assert '<option value="weekly" selected>' in page.split('id="topic_district"')[1].split("</select>")[0]
    choices = {"topic_reply": "daily", "topic_support": "never", "topic_status": "weekly", "topic_district": "daily",
               "topic_box": "now", "topic_account": "now"}
    status, _, headers = await visitor.post("/settings/notifications", choices)
    assert status == 303 and headers["Location"] == "/settings/notifications"
    stored = await leipzig.query("SELECT topic, frequency FROM notification_preferences WHERE actor_id = ? ORDER BY topic",
                                 (anna.id,))
    assert {r["topic"]: r["frequency"] for r in stored} == {k[6:]: v for k, v in choices.items()}
    status, page, _ = await visitor.get("/settings/notifications")
    assert "Deine Auswahl ist gespeichert." in text_of(page)
    # "at once" makes no sense for the district (a digest of its news), and unknown values are refused
    status, page, _ = await visitor.post("/settings/notifications", {**choices, "topic_district": "now",
                                                                      "topic_reply": "hourly"})
    assert status == 400 and page.count("Bitte wähle eine der Möglichkeiten.") >= 2
    assert 'id="topic_district" name="topic_district" aria-describedby="topic_district-error" aria-invalid="true"' in page
    stored = await leipzig.query("SELECT frequency FROM notification_preferences WHERE topic = 'district'")
    assert stored == [{"frequency": "daily"}]  # nothing changed


def _config(**notifications):
    return from_dict({"instance": {"name": "T", "base_url": "https://t.example"}, "city": {"name": "Leipzig"},
                      "notifications": notifications})


def test_digest_periods_follow_the_instances_time_zone_across_the_clock_change():
    config = _config(digest_hour=7, digest_weekday="monday")
    # Monday 30 March 2026, 08:00 in Berlin (summer time since Sunday): last week's digest is due
    week = schedule.latest(config, "weekly", datetime(2026, 3, 30, 6, 0, tzinfo=UTC))
    assert week.key == "2026-03-23"
    assert (week.start, week.end) == ("2026-03-22T23:00:00.000000Z", "2026-03-29T22:00:00.000000Z")
    # At 06:30 Berlin time it is not yet: the week before is the latest
    assert schedule.latest(config, "weekly", datetime(2026, 3, 30, 4, 30, tzinfo=UTC)).key == "2026-03-16"
    # Daily: at 06:59 Berlin time the day before yesterday's; from 07:00 yesterday's
    assert schedule.latest(config, "daily", datetime(2026, 3, 30, 4, 59, tzinfo=UTC)).key == "2026-03-28"
    day = schedule.latest(config, "daily", datetime(2026, 3, 30, 5, 0, tzinfo=UTC))
    assert (day.key, day.start, day.end) == ("2026-03-29", "2026-03-28T23:00:00.000000Z", "2026-03-29T22:00:00.000000Z")
    # Another weekday and hour
    friday = _config(digest_hour=18, digest_weekday="friday")
    assert schedule.latest(friday, "weekly", datetime(2026, 12, 4, 17, 0, tzinfo=UTC)).key == "2026-11-27"
    assert schedule.latest(friday, "weekly", datetime(2026, 12, 4, 16, 59, tzinfo=UTC)).key == "2026-11-20"


def test_the_time_zone_is_read_defensively():
    config = _config()
    assert schedule.timezone(config).key == "Europe/Berlin"


def test_the_migration_turns_old_texts_into_params():
    sql = {e.name: e.read_text(encoding="utf-8") for e in (resources.files("wecreate_fed.store") / "migrations").iterdir()
           if e.name.endswith(".sql")}  # (postgresql/ beside them holds that dialect's versions)
    conn = sqlite3.connect(":memory:")
    conn.executescript("CREATE TABLE actors (id INTEGER PRIMARY KEY); INSERT INTO actors VALUES (1);"
                       "CREATE TABLE notifications (id INTEGER PRIMARY KEY, actor_id INTEGER NOT NULL, kind TEXT NOT NULL,"
                       " object_ap_id TEXT, by_ap_id TEXT, text TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL,"
                       " read_at TEXT);")
    conn.executemany("INSERT INTO notifications (actor_id, kind, text, created_at) VALUES (1, ?, ?, 'x')",
                     [("moderation", "remove"), ("appeal_decided", "upheld"), ("attend", "Fest: you attend")])
    conn.executescript(sql["0019_notify.sql"])
    rows = conn.execute("SELECT kind, params, mail_state FROM notifications ORDER BY id").fetchall()
    assert rows == [("moderation", '{"action":"remove"}', "later"), ("appeal_decided", '{"outcome":"upheld"}', "later"),
                    ("attend", '{"text":"Fest: you attend"}', "later")]
