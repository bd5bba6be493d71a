"""Notifications by mail at once, and the digests: each mail queued (mail.queue) in the same
transaction that records it as sent, so that a crash or restart never sends one twice nor loses one."""

from __future__ import annotations

import logging
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wecreate_fed import i18n, mail, urls
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import notifications as store

from . import schedule, texts, topics, unsubscribe
from .schedule import Period

log = logging.getLogger(__name__)
BATCH = 50


def _lang(rt: Runtime, value: str | None) -> str:
    return value if value in i18n.LANGUAGES else rt.config.default_language


def _reachable(row) -> bool:
    return bool(row["email"]) and row["email_confirmed_at"] is not None and mail.valid_address(row["email"])


async def mail_now(rt: Runtime) -> int:
    """Look at every notification not looked at yet: mail it now, or leave it to a digest (or to nobody).

    A batch is one transaction: its mails and its marks together (a crash neither loses nor doubles
    one), and a status change told to thousands of supporters is a few transactions, not thousands.
    """
    rows = await store.list_unmailed(rt.db.reader, BATCH)
    decided = []
    for row in rows:
        topic = topics.topic_of(row["kind"])
        mail_values = None
        if topic is not None and _reachable(row) and rt.config.email_enabled:
            chosen = topics.effective(await store.preferences(rt.db.reader, row["actor_id"]))
            if chosen[topic] == topics.NOW:
                lang = _lang(rt, row["language"])
                item = texts.render(lang, row, store.params_of(row))
                mail_values = (lang, {"item": item, "name": row["name"] or row["username"],
                                      "url": urls.http_url(item["url"]) or rt.config.base_url,
                                      "settings_url": urls.notification_settings_url(rt.config)},
                               await unsubscribe.url(rt, row["actor_id"], topic))
        decided.append((row, mail_values))
    if decided:
        async with rt.db.transaction() as conn:
            for row, mail_values in decided:
                if not await store.set_mail_state(conn, row["id"], "sent" if mail_values else "later"):
                    continue  # another worker took it
                if mail_values is not None:
                    lang, values, link = mail_values
                    await mail.queue(conn, rt.config, to=row["email"], lang=lang, template="notification",
                                     values=values, unsubscribe_url=link)
    return len(rows)


def _in_zone(value: str, zone: str | None, fallback: tzinfo) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    try:
        return moment.astimezone(ZoneInfo(zone) if zone else fallback)
    except (ZoneInfoNotFoundError, ValueError):
        return moment.astimezone(fallback)


async def digest_for(rt: Runtime, reader, period: Period) -> dict | None:
    """What one person's digest of `period` holds (None: they get no digest of that frequency)."""
    chosen = topics.effective(await store.preferences(rt.db.reader, reader["actor_id"]))
    kinds = topics.kinds_at(chosen, period.frequency)
    district = next((d for d in rt.config.districts if d.slug == reader["district_slug"]), None)
    if chosen["district"] != period.frequency:
        district = None
    if not kinds and district is None:
        return None
    lang = _lang(rt, reader["language"])
    rows = await store.list_for_digest(rt.db.reader, reader["actor_id"], kinds, period.start, period.end)
    items = [texts.render(lang, r, store.params_of(r)) for r in rows]
    for item in items:
        item["url"] = urls.http_url(item["url"]) or ""
    ideas, events = [], []
    if district is not None:
        district_ap_id = urls.district_id(rt.config, district.slug)
        for r in await store.district_ideas(rt.db.reader, district_ap_id, period.start, period.end):
            ideas.append({"title": r["title"], "summary": r["summary"], "url": urls.http_url(r["url"]) or r["ap_id"]})
        tz = schedule.timezone(rt.config)
        for r in await store.district_events(rt.db.reader, district_ap_id, period.start, period.end):
            events.append({"title": r["title"], "url": urls.http_url(r["url"]) or r["ap_id"],
                           "when": i18n.format_datetime(_in_zone(r["starts_at"], r["timezone"], tz), lang),
                           "place": r["place_name"] or ""})
    return {"lang": lang, "items": items, "ideas": ideas, "events": events,
            "district": district.name if district else None,
            "count": len(items) + len(ideas) + len(events)}


async def send_digests(rt: Runtime, period: Period, stopping=None) -> int:
    """Every reader's digest of `period`, at most once each (the digests row); how many were queued."""
    sent, after = 0, 0
    while True:
        readers = await store.list_mail_readers(rt.db.reader, after_id=after, limit=BATCH)
        if not readers:
            return sent
        for reader in readers:
            after = reader["actor_id"]
            if stopping is not None and stopping.is_set():
                return sent
            if await store.digest_done(rt.db.reader, reader["actor_id"], period.frequency, period.key):
                continue
            content = await digest_for(rt, reader, period)
            if content is None:
                continue
            link = await unsubscribe.url(rt, reader["actor_id"], period.frequency) if content["count"] else None
            first = datetime.fromisoformat(period.key)
            async with rt.db.transaction() as conn:
                if not await store.claim_digest(conn, reader["actor_id"], period.frequency, period.key,
                                                content["count"]):
                    continue
                if content["count"] and rt.config.email_enabled:
                    await mail.queue(conn, rt.config, to=reader["email"], lang=content["lang"],
                                     template="digest",
                                     values={**content, "name": reader["name"] or reader["username"],
                                             "frequency": period.frequency,
                                             "since": i18n.format_date(first, content["lang"]),
                                             "settings_url": urls.notification_settings_url(rt.config)},
                                     unsubscribe_url=link)
                    sent += 1
