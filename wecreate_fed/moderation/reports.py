"""Reports: from members here, from visitors without an account (a notice of illegal content, DSA
Art. 16) and from other servers (a `Flag`), all in one queue with one open report per reported
thing; what moderators do with a report (assign, note, resolve, reopen, forward), each step audited
in the transaction of the change.

A report about remote content can be told to its server as a `Flag` signed by our instance actor,
so that the reporter stays anonymous there (Mastodon's and GoToSocial's way).
"""

from __future__ import annotations

import logging
import re
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs

from actors import local
from outbox.send import Outgoing, Recipients, outgoing
from wecreate_fed import hosts, ld, urls
from wecreate_fed.errors import BadRequest, Conflict, Forbidden, NotFound, Problems, TooManyRequests
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection, audit, iso, utcnow
from wecreate_fed.store import reports as store
from wecreate_fed.store.actors import Actor
from wecreate_fed.store.lookup import what_is

from . import domains
from .roles import By

log = logging.getLogger(__name__)

CATEGORIES = ("illegal", "harassment", "spam", "privacy", "other")
SOURCES = ("member", "notice", "remote")
# what_is's kinds → the kind a report names; a box is reported as the profile it is
REPORTABLE = {"idea": "idea", "event": "event", "motion": "motion", "box_post": "box_post", "note": "comment",
              "actor": "actor", "box": "actor"}
_TABLE = {"idea": "idea", "event": "event", "motion": "motion", "box_post": "object", "comment": "object",
          "actor": "actor"}
COMMENT_MAX = 2_000
NOTICE_TEXT_MAX = 5_000
NAME_MAX = 200
EMAIL_MAX = 254
FLAG_OBJECTS_MAX = 100          # a Flag naming more is refused (Mastodon sends the account and a few posts)
MEMBER_FILINGS_PER_HOUR = 10    # per account; a visitor's notices are limited per address (ratelimit.py)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Target:
    """The reported thing: its id, kind, whose it is, and its content now (the snapshot, when first reported)."""

    ap_id: str
    kind: str
    account_ap_id: str
    is_local: bool
    snapshot: dict


async def target_of(conn: Connection, ap_id: str) -> Target | None:
    """What `ap_id` names here, if it is something one may report and it is not deleted."""
    kind = REPORTABLE.get(await what_is(conn, ap_id) or "")
    if kind is None:
        return None
    row = await store.content_of(conn, _TABLE[kind], ap_id)
    if row is None or row["deleted_at"] is not None or not row["author_ap_id"]:
        return None
    handle = f"{row['author_username']}@{row['author_domain']}" if row["author_username"] else row["author_domain"]
    snapshot = {"kind": kind, "id": ap_id, "title": row["title"] or "", "summary": row["summary"] or "",
                "content": row["content"] or "", "url": urls.http_url(row["url"]) or ap_id,
                "author": row["author_ap_id"], "author_name": row["author_name"] or "", "author_handle": handle,
                "in_reply_to": row.get("in_reply_to"), "taken_at": iso()}
    return Target(ap_id, kind, row["author_ap_id"], bool(row["is_local"]), snapshot)


async def _report_for(conn: Connection, target: Target) -> int:
    """The open report about `target`, or a new one with the content as it is now."""
    existing = await store.open_report(conn, target.ap_id)
    if existing is not None:
        return existing["id"]
    return await store.add_report(conn, target_ap_id=target.ap_id, target_kind=target.kind,
                                  account_ap_id=target.account_ap_id, snapshot=target.snapshot)


async def category_choice(conn: Connection, value: str, problems: Problems, field: str = "category"
                          ) -> tuple[str, int | None]:
    """A category, or "rule:<id>" for one of the instance's rules → (category, rule id)."""
    if value in CATEGORIES:
        return value, None
    if value.startswith("rule:") and value[5:].isdigit():
        rule_id = int(value[5:])
        if any(r["id"] == rule_id for r in await store.rules(conn)):
            return "rule", rule_id
    problems.add(field, "invalid_choice", "choose one of the categories or rules")
    return "other", None


def _text(problems: Problems, field: str, value: str, limit: int, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        problems.add(field, "required", f"{field} is required")
    elif len(value) > limit:
        problems.add(field, "too_long", f"at most {limit} characters", limit=limit)
    return value


# --- a member's report ----------------------------------------------------------------------

@dataclass(frozen=True)
class Filed:
    report_id: int
    filing_id: int
    forwarded: str | None      # the id of the Flag sent to the remote server, if one was


async def file_report(rt: Runtime, reporter: Actor, *, target_ap_id: str, category: str, comment: str,
                      forward: bool) -> Filed:
    """A member reports something; ticked `forward` and remote: its server is told (anonymously)."""
    conn = rt.db.reader
    target = await target_of(conn, target_ap_id)
    if target is None:
        raise NotFound("there is nothing here to report at this address", field="target", code="not_reportable")
    problems = Problems()
    chosen, rule_id = await category_choice(conn, category, problems)
    comment = _text(problems, "comment", comment, COMMENT_MAX, required=False)
    problems.raise_if_any()
    since = iso(utcnow() - timedelta(hours=1))
    if await store.filings_since(conn, reporter.id, since) >= MEMBER_FILINGS_PER_HOUR:
        raise TooManyRequests(f"at most {MEMBER_FILINGS_PER_HOUR} reports an hour; try again later",
                              code="too_many_reports", params={"limit": MEMBER_FILINGS_PER_HOUR})
    forward = forward and not target.is_local
    async with outgoing(rt) as out:
        report_id = await _report_for(out.conn, target)
        filing_id = await store.add_filing(out.conn, report_id, source="member", reporter_id=reporter.id,
                                           category=chosen, rule_id=rule_id, comment=comment,
                                           location=target.ap_id, forward=forward)
        flag_id = None
        if forward:
            flag_id = await _queue_flag(rt, out, target, comment)
            if flag_id is not None:
                await store.mark_forwarded(out.conn, filing_id, flag_id)
    return Filed(report_id, filing_id, flag_id)


async def _queue_flag(rt: Runtime, out: Outgoing, target: Target, comment: str) -> str | None:
    """Queue a Flag about `target` to its account's server, from our instance actor; its id, or None
    when we know no inbox for the account."""
    account = await store.actor_of(out.conn, target.account_ap_id)
    if account is None or account["is_local"] or account["deleted_at"] is not None:
        return None
    instance = await local.ensure_instance_actor(out.conn, rt.config)
    objects = [target.account_ap_id] + ([target.ap_id] if target.ap_id != target.account_ap_id else [])
    flag = {"@context": ld.default_context(), "id": urls.new_activity_id(rt.config), "type": "Flag",
            "actor": instance.ap_id, "content": comment, "object": objects}
    inbox = account["shared_inbox_url"] or account["inbox_url"]
    return await out.queue(instance, flag, Recipients(remote_inboxes={inbox}, bounce_local=False))


# --- a visitor's notice (DSA Art. 16) ---------------------------------------------------------

def target_of_location(config, location: str) -> str | None:
    """The id that a URL of ours names: a page (/i/<key>, /e/…, /m/…, /@name, /idea?id=…) or an id."""
    parts = hosts.parse_url(location) if hosts.is_valid_url(location) else None
    if parts is None or not urls.same_origin(location, config.base_url):
        return None
    path, query = parts.path or "/", parts.query or ""
    for kind, prefix in urls.PAGE_PATHS.items():
        if path.startswith(prefix) and kind in ("idea", "event", "motion", "box", "user"):
            key = path[len(prefix):].split("/")[0]
            if key:
                return urls.actor_id(config, key) if kind == "user" else urls.id_of(config, kind, key)
    if path == "/idea":  # a remote idea as we show it
        return urls.http_url(parse_qs(query).get("id", [""])[0])
    return config.base_url + path  # an id of ours, however its host was spelled


async def file_notice(rt: Runtime, *, name: str, email: str, reasoning: str, location: str, category: str,
                      good_faith: bool) -> str:
    """A notice from someone without an account; returns the reference of the confirmation of receipt."""
    conn = rt.db.reader
    problems = Problems()
    name = _text(problems, "name", name, NAME_MAX, required=True)
    email = _text(problems, "email", email, EMAIL_MAX, required=True)
    if email and len(email) <= EMAIL_MAX and not _EMAIL.match(email):
        problems.add("email", "email", "not an email address")
    reasoning = _text(problems, "reasoning", reasoning, NOTICE_TEXT_MAX, required=True)
    location = _text(problems, "location", location, 2_048, required=True)
    target = None
    if location and len(location) <= 2_048:
        target_id = target_of_location(rt.config, location)
        if target_id is None:
            problems.add("location", "location_foreign", "name an address on this instance")
        else:
            target = await target_of(conn, target_id)
            if target is None:
                problems.add("location", "location_unknown", "there is nothing to report at this address")
    chosen, rule_id = await category_choice(conn, category or "illegal", problems)
    if not good_faith:
        problems.add("good_faith", "good_faith", "confirm that the notice is accurate and complete")
    problems.raise_if_any()
    assert target is not None
    receipt = "M-" + secrets.token_hex(5).upper()
    async with rt.db.transaction() as conn:
        report_id = await _report_for(conn, target)
        await store.add_filing(conn, report_id, source="notice", category=chosen, rule_id=rule_id, comment=reasoning,
                               location=location, receipt=receipt, notice_name=name, notice_email=email)
    return receipt


# --- a Flag from another server ---------------------------------------------------------------

def flag_objects(config, activity: dict) -> list[str]:
    """The ids a Flag names that are ours: a 400 for none at all, too many, or none of ours."""
    named = activity.get("object")
    items = named if isinstance(named, list) else [named] if named is not None else []
    if len(items) > FLAG_OBJECTS_MAX:
        raise BadRequest(f"the Flag names {len(items)} objects, more than the {FLAG_OBJECTS_MAX} accepted",
                         field="object", code="too_many", params={"limit": FLAG_OBJECTS_MAX})
    ids = [i for i in (ld.get_id(item) for item in items) if i]
    if not ids:
        raise BadRequest("the Flag names no object", field="object", code="required")
    ours = list(dict.fromkeys(i for i in ids if urls.is_local(config, i)))
    if not ours:
        raise BadRequest("the Flag names nothing on this instance", field="object", code="not_ours")
    return ours


async def check_flag(rt: Runtime, activity: dict) -> None:
    """At the inbox, before a Flag is stored: its shape, and that its server may send us reports."""
    flag_objects(rt.config, activity)
    host = hosts.parse_url(ld.get_id(activity.get("actor"))).host  # (parse_activity checked it)
    if domains.rejects_reports(rt, host):
        raise Forbidden(f"reports from {host} are not accepted here", code="reports_rejected")


async def receive_flag(rt: Runtime, signer: Actor, activity: dict) -> list[int]:
    """A remote server's report: a filing on the report of each post of ours it names (of the account
    when it names only that), all in one transaction; the ids of the reports, [] when ignored."""
    ours = flag_objects(rt.config, activity)
    host = hosts.parse_url(signer.ap_id).host
    if domains.rejects_reports(rt, host):
        raise Forbidden(f"reports from {host} are not accepted here", code="reports_rejected")
    content = activity.get("content")
    comment = content[:COMMENT_MAX] if isinstance(content, str) else ""
    flag_id = activity["id"]
    async with rt.db.transaction() as conn:
        signer_row = await store.actor_of(conn, signer.ap_id)
        if signer_row is None or signer_row["suspended_at"] is not None or await store.flag_known(conn, flag_id):
            return []
        targets = [t for t in [await target_of(conn, i) for i in ours] if t is not None]
        chosen = [t for t in targets if t.kind != "actor"] or targets
        report_ids = []
        for n, target in enumerate(chosen):
            report_id = await _report_for(conn, target)
            # flag_ap_id is unique: the Flag's id on the first filing, numbered on the others
            await store.add_filing(conn, report_id, source="remote", reporter_id=signer.id, category="other",
                                   comment=comment, location=target.ap_id,
                                   flag_ap_id=flag_id if n == 0 else f"{flag_id}#{n}")
            report_ids.append(report_id)
    if not report_ids:
        log.info("Flag %s names nothing reportable here; ignored", flag_id)
    return report_ids


# --- what moderators do -------------------------------------------------------------------------

async def _open_or_resolved(conn: Connection, report_id: int) -> dict:
    report = await store.get(conn, report_id)
    if report is None:
        raise NotFound(f"there is no report {report_id}", code="no_such_report")
    return report


async def assign(rt: Runtime, report_id: int, by: By, to_actor_id: int | None) -> None:
    async with rt.db.transaction() as conn:
        report = await _open_or_resolved(conn, report_id)
        await store.set_assigned(conn, report_id, to_actor_id)
        after = (await _open_or_resolved(conn, report_id))["assigned_name"]
        await audit.record(conn, by.actor_id, by.name, "report.assign", f"report:{report_id}",
                           before={"assigned_to": report["assigned_name"]}, after={"assigned_to": after})


async def add_note(rt: Runtime, report_id: int, by: By, text: str) -> None:
    problems = Problems()
    text = _text(problems, "note", text, COMMENT_MAX, required=True)
    problems.raise_if_any()
    async with rt.db.transaction() as conn:
        await _open_or_resolved(conn, report_id)
        note_id = await store.add_note(conn, report_id, by.actor_id, text)
        await audit.record(conn, by.actor_id, by.name, "report.note", f"report:{report_id}",
                           after={"note": note_id, "text": text})


async def resolve(rt: Runtime, report_id: int, by: By, resolution: str) -> None:
    problems = Problems()
    resolution = _text(problems, "resolution", resolution, COMMENT_MAX, required=False)
    problems.raise_if_any()
    async with rt.db.transaction() as conn:
        report = await _open_or_resolved(conn, report_id)
        if report["state"] != "open":
            raise Conflict("this report is resolved already", code="report_resolved")
        await store.set_resolved(conn, report_id, by.actor_id, resolution)
        await audit.record(conn, by.actor_id, by.name, "report.resolve", f"report:{report_id}",
                           before={"state": "open"}, after={"state": "resolved", "resolution": resolution})


async def resolve_by_action(conn: Connection, report_id: int, by: By, action_id: int, explanation: str) -> None:
    """A moderation action taken from a report resolves it, in the action's transaction, with the
    action's explanation as the closing note; a report resolved meanwhile stays as it is."""
    report = await _open_or_resolved(conn, report_id)
    if report["state"] != "open":
        return
    resolution = explanation[:COMMENT_MAX]
    await store.set_resolved(conn, report_id, by.actor_id, resolution)
    await audit.record(conn, by.actor_id, by.name, "report.resolve", f"report:{report_id}",
                       before={"state": "open"}, after={"state": "resolved", "resolution": resolution,
                                                        "action": action_id})


async def reopen(rt: Runtime, report_id: int, by: By) -> None:
    async with rt.db.transaction() as conn:
        report = await _open_or_resolved(conn, report_id)
        if report["state"] == "open":
            raise Conflict("this report is open already", code="report_open")
        try:
            await store.set_reopened(conn, report_id)
        except sqlite3.IntegrityError:
            raise Conflict("another report about the same thing is open; continue there",
                           code="report_open_elsewhere") from None
        await audit.record(conn, by.actor_id, by.name, "report.reopen", f"report:{report_id}",
                           before={"state": "resolved"}, after={"state": "open"})


async def forward(rt: Runtime, report_id: int, by: By, comment: str) -> str:
    """The moderator tells the remote server (a Flag from our instance actor); the Flag's id."""
    problems = Problems()
    comment = _text(problems, "forward_comment", comment, COMMENT_MAX, required=False)
    problems.raise_if_any()
    report = await _open_or_resolved(rt.db.reader, report_id)
    target = await target_of(rt.db.reader, report["target_ap_id"])
    if target is None or target.is_local:
        raise Conflict("only a report about another server's content can be forwarded", code="not_remote")
    async with outgoing(rt) as out:
        flag_id = await _queue_flag(rt, out, target, comment)
        if flag_id is None:
            raise Conflict("no inbox is known for the account", code="not_remote")
        for filing in await store.unforwarded(out.conn, report_id):
            await store.mark_forwarded(out.conn, filing["id"], None)  # the Flag's id is in the audit entry
        await audit.record(out.conn, by.actor_id, by.name, "report.forward", f"report:{report_id}",
                           after={"flag": flag_id, "to": urls.host_of(target.account_ap_id)})
    return flag_id
