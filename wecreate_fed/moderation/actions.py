"""Moderators' actions on content (hide, remove, mark sensitive) and on accounts (warn, limit,
suspend), local and remote, and their undoing.

Each action is one row of moderation_actions, which is also the statement of reasons (DSA
Art. 17) the affected local person receives as a notification linking to its page; the row,
its effect, the audit entry and the notification are one transaction. A local removal is the
author's own deletion (civic delete functions), so its Delete federates in that transaction too.
A local suspension ends every session at once and deletes the account when its grace period
ends (moderation/worker.py); until then, and for every other action that is not final, `undo`
restores what was there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from actors import remote
from outbox import c2s
from wecreate_fed import urls
from wecreate_fed.civic import events, ideas, lifecycle
from wecreate_fed.errors import Conflict, Gone, NotFound, Problems
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection, audit, iso, lookup, notifications, sanctions, sessions, utcnow
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store.actors import Actor

from . import reports
from .roles import By

CONTENT_KINDS = ("hide", "remove", "sensitive")
ACCOUNT_KINDS = ("warn", "limit", "suspend")
KINDS = CONTENT_KINDS + ACCOUNT_KINDS
CATEGORIES = ("illegal", "harassment", "spam", "privacy", "rule", "other")
GRACE_DAYS = 30          # a local suspension keeps the account's data this long, for an appeal
EXPLANATION_MAX, LAW_MAX = 5000, 200
PEOPLE = ("Person", "Organization")

Also = Callable[[Connection], Awaitable[None]]


@dataclass(frozen=True)
class Target:
    """What an action is about: content (its kind as reports name it) or an account ("actor")."""

    ap_id: str
    kind: str                  # idea, event, motion, comment, box_post, actor
    account: Actor             # whose it is (the actor itself for an account)

    @property
    def is_account(self) -> bool:
        return self.kind == "actor"


async def target_of(conn: Connection, ap_id: str) -> Target:
    """The content or account `ap_id` names here (NotFound if nothing here knows it, Gone if deleted)."""
    what = await lookup.what_is(conn, ap_id)
    kind = {"note": "comment"}.get(what or "", what)
    if kind == "actor":
        actor = await actors_store.get_actor_by_ap_id(conn, ap_id)
        # People and organisations; of other servers also bots and instance actors (never our own).
        kinds = PEOPLE if actor is None or actor.is_local else PEOPLE + ("Service", "Application")
        if actor is None or actor.type not in kinds or actor.category == "box":
            raise NotFound(f"{ap_id} is not an account", field="target", code="moderation_target")
        if actor.deleted_at is not None:
            raise Gone(f"the account {ap_id} was deleted", field="target", code="moderation_target_gone")
        return Target(ap_id, "actor", actor)
    if kind not in sanctions.CONTENT:
        raise NotFound(f"nothing here to act on at {ap_id}", field="target", code="moderation_target")
    stored = await lookup.stored(conn, ap_id)
    if stored is not None and stored.deleted:
        raise Gone(f"{ap_id} was deleted", field="target", code="moderation_target_gone")
    author_id = await sanctions.content_author(conn, kind, ap_id)
    author = await actors_store.get_actor(conn, author_id) if author_id is not None else None
    if author is None:
        raise NotFound(f"no author known for {ap_id}", field="target", code="moderation_target")
    return Target(ap_id, kind, author)


def is_local_person(actor: Actor) -> bool:
    return actor.is_local and actor.type in PEOPLE


@dataclass(frozen=True)
class Reasons:
    """The statement of reasons as the moderator wrote it in the form."""

    category: str
    explanation: str
    rule_id: int | None = None
    law: str = ""
    report_id: int | None = None


async def check(conn: Connection, by: By, target: Target, kind: str, reasons: Reasons) -> None:
    """Every problem of the form at once (field, code), before anything changes."""
    problems = Problems()
    allowed = ACCOUNT_KINDS if target.is_account else CONTENT_KINDS
    if kind not in allowed:
        problems.add("kind", "invalid_choice", f"the action must be one of {', '.join(allowed)}",
                     choices=", ".join(allowed))
    elif kind == "sensitive" and target.kind not in sanctions.SENSITIVE_KINDS:
        problems.add("kind", "moderation_no_image", f"a {target.kind} has no image to mark sensitive")
    if target.account.id == by.actor_id:
        problems.add("target", "moderation_self", "moderators do not act on their own account or content")
    if reasons.category not in CATEGORIES:
        problems.add("category", "invalid_choice", f"the category must be one of {', '.join(CATEGORIES)}",
                     choices=", ".join(CATEGORIES))
    if reasons.rule_id is not None and not await sanctions.rule_exists(conn, reasons.rule_id):
        problems.add("rule", "moderation_rule_unknown", "no such rule")
    elif reasons.category == "rule" and reasons.rule_id is None:
        problems.add("rule", "moderation_rule_needed", "name the rule that was broken")
    if not reasons.explanation.strip():
        problems.add("explanation", "required", "say what was done and why (the facts)")
    elif len(reasons.explanation) > EXPLANATION_MAX:
        problems.add("explanation", "too_long", f"at most {EXPLANATION_MAX} characters", limit=EXPLANATION_MAX)
    if len(reasons.law) > LAW_MAX:
        problems.add("law", "too_long", f"at most {LAW_MAX} characters", limit=LAW_MAX)
    if reasons.report_id is not None and not await sanctions.report_exists(conn, reasons.report_id):
        problems.add("report", "moderation_report_unknown", "no such report")
    problems.raise_if_any()


async def take(rt: Runtime, by: By, target_ap_id: str, kind: str, reasons: Reasons) -> int:
    """Act on the content or account `target_ap_id`; returns the action's id (its statement's page)."""
    target = await target_of(rt.db.reader, target_ap_id)
    await check(rt.db.reader, by, target, kind, reasons)
    local_content = not target.is_account and target.account.is_local
    final_at = None
    if kind == "remove" and local_content and target.kind != "motion":
        final_at = iso()  # deleted as its author would: nothing left to restore
    elif kind == "suspend" and target.account.is_local:
        final_at = iso(utcnow() + timedelta(days=GRACE_DAYS))
    created: list[int] = []

    async def record(conn: Connection) -> None:
        action_id = await sanctions.add_action(
            conn, kind=kind, target_ap_id=target.ap_id, target_kind=target.kind, account_id=target.account.id,
            moderator_id=by.actor_id, report_id=reasons.report_id, category=reasons.category,
            rule_id=reasons.rule_id, law=reasons.law.strip(), explanation=reasons.explanation.strip(),
            final_at=final_at)
        created.append(action_id)
        await _effect(conn, target, kind, on=True)
        await audit.record(conn, by.actor_id, by.name, _audit_name(target, kind), target.ap_id,
                           after={"action": action_id, "category": reasons.category, "rule": reasons.rule_id,
                                  "law": reasons.law.strip(), "final_at": final_at, "report": reasons.report_id})
        if reasons.report_id is not None:
            await reports.resolve_by_action(conn, reasons.report_id, by, action_id, reasons.explanation.strip())
        if is_local_person(target.account):
            await notifications.add(conn, [target.account.id], kind="moderation",
                                    object_ap_id=urls.decision_url(rt.config, action_id),
                                    by_ap_id=None, params={"action": kind})

    await _run(rt, target, kind, record, on=True)
    _changed(rt, target)
    if final_at is not None and kind == "suspend":
        rt.moderation_wakeup.set()  # the worker now knows when the grace period ends
    return created[0]


def _audit_name(target: Target, kind: str) -> str:
    return f"{'account' if target.is_account else 'content'}.{kind}"


async def _run(rt: Runtime, target: Target, kind: str, write: Also, *, on: bool) -> None:
    """Run `write` in the transaction that also federates what must: a local removal's Delete, the
    Update of a local idea marked (or no longer marked) sensitive; else a plain transaction."""
    account = target.account
    if kind == "remove" and on and account.is_local and target.kind in ("idea", "event"):
        delete = ideas.delete if target.kind == "idea" else events.delete
        await delete(rt, account, target.ap_id, also=write)
    elif kind == "remove" and on and account.is_local and target.kind in ("comment", "box_post"):
        await c2s.delete_object(rt, account, {"object": target.ap_id}, also=write)
    elif kind == "sensitive" and account.is_local and target.kind == "idea":
        record = await lifecycle.local(rt, ideas.IDEA, target.ap_id)
        await lifecycle.update(rt, ideas.IDEA, record, write)
    else:
        async with rt.db.transaction() as conn:
            await write(conn)


async def _effect(conn: Connection, target: Target, kind: str, *, on: bool) -> None:
    """What the action changes here (on) or restores (off). A local removal's change is the deletion."""
    account = target.account
    if kind == "hide" or (kind == "remove" and (not account.is_local or target.kind == "motion")):
        await sanctions.set_hidden(conn, target.kind, target.ap_id, on)
    elif kind == "sensitive":
        await sanctions.set_sensitive(conn, target.kind, target.ap_id, on)
    elif kind == "limit":
        await sanctions.set_limited(conn, account.id, on)
    elif kind == "suspend":
        await sanctions.set_suspended(conn, account.id, on)
        if on and account.is_local:
            await sessions.revoke_all_sessions(conn, account.id)
        elif on:
            await sanctions.remove_follows_of_local_actors(conn, account.id)


async def undo(rt: Runtime, by: By, action_id: int, *, also: Also | None = None) -> None:
    """Restore what an action changed, until it is final; audited, and the person is told."""
    action = await sanctions.get_action(rt.db.reader, action_id)
    if action is None:
        raise NotFound(f"no moderation action {action_id}", code="no_such_action")
    if action["undone_at"] is not None:
        raise Conflict("this action was undone already", code="action_undone")
    if action["carried_out_at"] is not None or (action["final_at"] is not None and action["final_at"] <= iso()):
        raise Conflict("this action is final and cannot be undone", code="action_final")
    account = await actors_store.get_actor(rt.db.reader, action["account_id"]) if action["account_id"] else None
    if account is None:
        raise Conflict("the account is gone; nothing to restore", code="action_final")
    target = Target(action["target_ap_id"], action["target_kind"], account)
    kind = action["kind"]

    async def write(conn: Connection) -> None:
        if not await sanctions.mark_undone(conn, action_id, by.actor_id):
            raise Conflict("this action was undone or became final meanwhile", code="action_undone")
        await _effect(conn, target, kind, on=False)
        await audit.record(conn, by.actor_id, by.name, _audit_name(target, kind) + ".undo", target.ap_id,
                           before={"action": action_id, "undone": False}, after={"action": action_id, "undone": True})
        if is_local_person(account):
            await notifications.add(conn, [account.id], kind="moderation_undone",
                                    object_ap_id=urls.decision_url(rt.config, action_id),
                                    by_ap_id=None, params={"action": kind})
        if also is not None:
            await also(conn)

    await _run(rt, target, kind, write, on=False)
    _changed(rt, target)


def _changed(rt: Runtime, target: Target) -> None:
    """After the commit: the inbox's key cache holds actors with their moderation state."""
    if target.is_account:
        remote.forget_actor(rt, target.ap_id)


def summary(action) -> dict:
    """An action row as the pages show it."""
    now = iso()
    final = action["carried_out_at"] is not None or (action["final_at"] is not None and action["final_at"] <= now)
    state = "undone" if action["undone_at"] else "final" if final else "active"
    return {**dict(action), "state": state, "undoable": state == "active"}
