"""Moving an account to another server (someone moves from Meißen to Leipzig), as Mastodon does (FEP-7628).

The new account first names the old one among its aliases (`alsoKnownAs`); the old account then
moves: it gets `movedTo`, sends `Move {actor: old, object: old, target: new}` to its followers and
posts no more (outbox/send.py refuses it). Every server that receives the Move checks it against a
fresh copy of the target — which must list the old account and must not have moved itself — and
moves its own people who followed the old account: they follow the new one and leave the old.
Supports, comments and ideas stay where they were given: nothing of the old account is rewritten.

A Move is bounded: one per account and Move id (the inbox queue and `moves` keep it once), a
remote account redirects followers here at most once per INCOMING_COOLDOWN unless to the same
target, our own accounts move at most once per MOVE_COOLDOWN, and a target that moved itself is
refused (no loops A → B → A, no chains followed blindly).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from actors import documents, remote
from outbox import activities
from outbox.send import Outgoing, Recipients, outgoing, resolve_recipients
from wecreate_fed import hosts, ld, urls
from wecreate_fed.errors import BadRequest, FetchError, Forbidden, NotFound, Problems
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import iso, proof_keys, social, utcnow
from wecreate_fed.store import moves as moves_store
from wecreate_fed.store.actors import Actor

from . import accounts

log = logging.getLogger(__name__)

MOVE_COOLDOWN = timedelta(days=30)      # between two moves of one of our accounts (Mastodon's too)
INCOMING_COOLDOWN = timedelta(days=7)   # a remote account redirects followers here once a week at most
ACCOUNT_TYPES = ("Person", "Organization")


# --- who an account is -------------------------------------------------------------------------

async def find_account(rt: Runtime, ref: str, field: str) -> Actor:
    """An account by its handle (name@host, through WebFinger) or id, fetched fresh when remote."""
    ref = (ref or "").strip()
    if not ref:
        raise BadRequest("name the account, e.g. anna@leipzig.example", field=field, code="required")
    try:
        found = await remote.find_actor(rt, ref)
        if not found.is_local:  # a copy from the cache may be a day old: the check needs today's
            found = await remote.get_actor(rt, found.ap_id, refresh=True)
    except BadRequest as e:
        raise BadRequest(str(e), field=field, code="handle") from e
    except (NotFound, FetchError) as e:
        raise BadRequest(f"the account {ref[:200]} could not be found: {e}", field=field,
                         code="account_unknown", params={"account": ref[:200]}) from e
    if found.deleted_at is not None or found.suspended_at is not None or found.type not in ACCOUNT_TYPES:
        raise BadRequest(f"{ref[:200]} is not a person's or organisation's account", field=field,
                         code="account_unknown", params={"account": ref[:200]})
    return found


async def aliases_and_move(rt: Runtime, account: Actor) -> tuple[list[str], str | None]:
    """(alsoKnownAs, movedTo) of an account as we know it now (a remote one: its document as fetched)."""
    if account.is_local:
        return await moves_store.list_aliases(rt.db.reader, account.id), account.moved_to
    document = await proof_keys.remote_actor_document(rt.db.reader, account.ap_id) or {}
    moved = ld.get_id(document.get("movedTo")) or account.moved_to
    return ld.ids(document.get("alsoKnownAs")), moved


# --- aliases (alsoKnownAs) ------------------------------------------------------------------------

async def add_alias(rt: Runtime, actor: Actor, ref: str) -> Actor:
    """Name another account as this one's alias, so that it may move here; followers hear of it."""
    other = await find_account(rt, ref, "alias")
    problems = Problems()
    if other.ap_id == actor.ap_id:
        problems.add("alias", "alias_self", "an account cannot be its own alias")
    elif await moves_store.count_aliases(rt.db.reader, actor.id) >= moves_store.MAX_ALIASES:
        problems.add("alias", "too_many_aliases", f"at most {moves_store.MAX_ALIASES} aliases",
                     limit=moves_store.MAX_ALIASES)
    problems.raise_if_any()
    recipients = await _profile_recipients(rt, actor)
    async with outgoing(rt) as out:
        if await moves_store.add_alias(out.conn, actor.id, other.ap_id):
            await _announce_profile(out, actor, recipients)
    return other


async def remove_alias(rt: Runtime, actor: Actor, alias_ap_id: str) -> None:
    recipients = await _profile_recipients(rt, actor)
    async with outgoing(rt) as out:
        if not await moves_store.remove_alias(out.conn, actor.id, alias_ap_id):
            raise NotFound("no such alias", field="alias")
        await _announce_profile(out, actor, recipients)


async def _profile_recipients(rt: Runtime, actor: Actor) -> Recipients:
    return await resolve_recipients(rt, actor, {"to": [ld.PUBLIC], "cc": [actor.followers_url]})


async def _announce_profile(out: Outgoing, actor: Actor, recipients: Recipients) -> None:
    """The actor's document as it now is, as Update to its followers (their copies show the change)."""
    changed = await actors_store.get_actor(out.conn, actor.id)
    if changed is None:
        raise NotFound("the account is gone")
    document = ld.without_context(await documents.local_actor_document(out.conn, changed))
    update = activities.update(out.rt.config, changed, document)
    update.update({"to": [ld.PUBLIC], "cc": [changed.followers_url]})
    await out.queue(changed, update, recipients)


# --- moving one of ours away --------------------------------------------------------------------

async def move_account(rt: Runtime, actor: Actor, target_ref: str, password: str) -> Actor:
    """Move `actor` to the account `target_ref` names; the password is asked again. Returns the target."""
    await accounts.check_current_password(rt, actor, password, "move_password")
    actor = await actors_store.get_actor(rt.db.reader, actor.id) or actor  # as it is now (moved meanwhile?)
    target = await find_account(rt, target_ref, "move_target")
    aliases, target_moved = await aliases_and_move(rt, target)
    problems = Problems()
    last = await moves_store.last_move(rt.db.reader, actor.id)
    if target.ap_id == actor.ap_id:
        problems.add("move_target", "move_self", "an account cannot move to itself")
    elif actor.moved_to == target.ap_id:
        problems.add("move_target", "move_already", "this account has moved there already")
    elif actor.ap_id not in aliases:
        problems.add("move_target", "move_alias_missing", f"{target.handle} does not name this account as an alias "
                     "(alsoKnownAs) yet: add it there first", account=target.handle, alias=actor.ap_id)
    elif target_moved:
        problems.add("move_target", "move_target_moved", f"{target.handle} has moved on itself",
                     account=target.handle)
    elif last is not None and (wait := _days_left(last["created_at"], MOVE_COOLDOWN)):
        problems.add("move_target", "move_cooldown", f"this account moved recently; it can move again in {wait} days",
                     n=wait)
    problems.raise_if_any()
    move = activities.move(rt.config, actor, target.ap_id)
    recipients = (await resolve_recipients(rt, actor, move)).without_local()  # ours move right here
    profile = await _profile_recipients(rt, actor)
    async with outgoing(rt) as out:
        now = await actors_store.get_actor(out.conn, actor.id)
        if now is None or now.moved_to != actor.moved_to:  # another move committed since the checks
            raise BadRequest("this account has just moved", field="move_target", code="move_already")
        await moves_store.set_moved(out.conn, actor.id, target.ap_id)
        await moves_store.add_move(out.conn, actor.id, target.ap_id, move["id"])
        # The profile first: a server that refetches the old account on the Move sees movedTo.
        await _announce_profile(out, actor, profile.without_local())
        await out.queue(actor, move, recipients)
        moved = await _move_local_followers(out, actor, target)
        await moves_store.count_followers_moved(out.conn, move["id"], moved)
    log.info("%s moved to %s (%d local followers moved)", actor.ap_id, target.ap_id, moved)
    return target


def _days_left(since: str, cooldown: timedelta) -> int:
    """Whole days (at least 1) until `cooldown` after `since` is over; 0 when it is."""
    left = datetime.fromisoformat(since.replace("Z", "+00:00")) + cooldown - utcnow()
    return 0 if left <= timedelta(0) else max(1, left.days + (1 if left.seconds else 0))


# --- a Move from elsewhere ------------------------------------------------------------------------

async def check_received(rt: Runtime, origin: Actor, activity: dict, *, at_inbox: bool) -> Actor | None:
    """Judge a Move signed by `origin`; returns its verified target. BadRequest / Forbidden when refused.

    At the inbox a target that cannot be fetched right now is left to the worker (None), which
    tries again; the worker fetches the target fresh once more before anything changes.
    """
    if ld.get_id(activity.get("object")) != origin.ap_id:
        raise BadRequest("a Move's object must be its actor: an account moves only itself", field="object",
                         code="forbidden")
    target_id = ld.get_id(activity.get("target"))
    if not urls.is_http_url(target_id):
        raise BadRequest("a Move needs a target: the id of the new account", field="target", code="url")
    assert target_id is not None  # an http(s) URL
    if target_id == origin.ap_id:
        raise BadRequest("an account cannot move to itself", field="target", code="move_self")
    if urls.is_local(rt.config, origin.ap_id):
        raise Forbidden("our own accounts move through their settings", field="actor", code="forbidden")
    if origin.moved_to not in (None, target_id) and origin.moved_at is not None and (
            wait := _days_left(origin.moved_at, INCOMING_COOLDOWN)):
        raise Forbidden(f"{origin.ap_id} moved to {origin.moved_to} recently; another Move is taken in {wait} days",
                        field="target", code="move_cooldown", params={"n": wait})
    host = hosts.parse_url(target_id).host
    if rt.domains.suspended(host):
        raise Forbidden(f"{host} is blocked by this instance", field="target", code="forbidden")
    if origin.moved_to == target_id and origin.moved_at is not None and _days_left(origin.moved_at, INCOMING_COOLDOWN):
        # The same Move again within the week (a new id, or another inbox here): confirmed by a fresh
        # fetch days ago at most, so not fetched again; it moves only follows made since.
        known = await actors_store.get_actor_by_ap_id(rt.db.reader, target_id)
        if known is not None and known.deleted_at is None and known.suspended_at is None:
            return known
    try:
        target = await _fresh_account(rt, target_id)
    except FetchError:
        if at_inbox:
            return None  # judged by the worker, which retries the fetch
        raise
    aliases, target_moved = await aliases_and_move(rt, target)
    if origin.ap_id not in aliases:
        raise Forbidden(f"{target_id} does not list {origin.ap_id} in alsoKnownAs: the Move is not confirmed",
                        field="target", code="move_alias_missing")
    if target_moved:
        raise Forbidden(f"{target_id} has moved itself (to {target_moved})", field="target", code="move_target_moved")
    if target.suspended_at is not None:
        raise Forbidden(f"{target_id} is suspended on this instance", field="target", code="actor_suspended")
    return target


async def _fresh_account(rt: Runtime, ap_id: str) -> Actor:
    if urls.is_local(rt.config, ap_id):
        found = await actors_store.get_actor_by_ap_id(rt.db.reader, ap_id)
        if found is None or found.deleted_at is not None or found.type not in ACCOUNT_TYPES:
            raise Forbidden(f"no account {ap_id} here", field="target", code="account_unknown")
        return found
    try:
        found = await remote.get_actor(rt, ap_id, refresh=True)
    except (BadRequest, NotFound) as e:
        raise Forbidden(f"the target {ap_id} is not an account: {e}", field="target", code="account_unknown") from e
    if found.ap_id != ap_id or found.deleted_at is not None or found.type not in ACCOUNT_TYPES:
        raise Forbidden(f"the target {ap_id} is not an account", field="target", code="account_unknown")
    return found


async def move_received(rt: Runtime, origin: Actor, target: Actor, activity_id: str) -> int:
    """A verified Move: the origin moved to the target; our people follow the target. Idempotent."""
    async with outgoing(rt) as out:
        if not await moves_store.add_move(out.conn, origin.id, target.ap_id, activity_id):
            return 0  # this Move was handled before
        if not await moves_store.set_moved(out.conn, origin.id, target.ap_id,
                                           unless_moved_elsewhere_since=iso(utcnow() - INCOMING_COOLDOWN)):
            now = await actors_store.get_actor_by_ap_id(out.conn, origin.ap_id)
            wait = _days_left(now.moved_at, INCOMING_COOLDOWN) if now and now.moved_at else 1
            raise Forbidden(f"{origin.ap_id} moved to {now.moved_to if now else 'another account'} meanwhile; "
                            f"another Move is taken in {wait} days", field="target", code="move_cooldown",
                            params={"n": wait})
        moved = await _move_local_followers(out, origin, target)
        await moves_store.count_followers_moved(out.conn, activity_id, moved)
    remote.forget_actor(rt, origin.ap_id)
    log.info("%s moved to %s: %d local followers follow the new account", origin.ap_id, target.ap_id, moved)
    return moved


# --- our people who followed the old account ----------------------------------------------------

async def _move_local_followers(out: Outgoing, origin: Actor, target: Actor) -> int:
    """Each local follower of `origin` follows `target` and leaves `origin`, in the caller's transaction
    (as Mastodon's UnfollowFollowWorker does, per follower). A local target takes them at once: it
    asked for them by naming the old account as its alias. Returns how many followed the target."""
    config = out.rt.config
    moved = 0
    for follower, _state in await moves_store.local_followers(out.conn, origin.id):
        if follower.id == target.id:
            await social.delete_follow(out.conn, follower.id, origin.id)
            continue
        if follower.moved_to is None and await social.get_follow(out.conn, follower.id, target.id) is None:
            follow = activities.follow(config, follower, target)
            if target.is_local:
                await out.queue(follower, follow, Recipients(bounce_local=False))
                await social.add_follow(out.conn, follower.id, target.id, follow["id"], accepted=True)
            else:
                await social.add_follow(out.conn, follower.id, target.id, follow["id"], accepted=False)
                await out.queue(follower, follow, Recipients(remote_inboxes={target.delivery_inbox}))
            moved += 1
        await _leave(out, follower, origin)
    return moved


async def _leave(out: Outgoing, follower: Actor, origin: Actor) -> None:
    """The follower stops following `origin`; a remote origin's server is told with an Undo."""
    row = await social.get_follow(out.conn, follower.id, origin.id)
    if row is None:
        return
    await social.delete_follow(out.conn, follower.id, origin.id)
    if origin.is_local:
        return
    stored = await social.get_activity(out.conn, row["follow_ap_id"])
    original = ({"id": row["follow_ap_id"], "type": "Follow", "actor": follower.ap_id, "object": origin.ap_id}
                if stored is None else ld.without_context(json.loads(stored["data"])))
    undo = activities.undo(out.rt.config, follower, original)
    await out.queue(follower, undo, Recipients(remote_inboxes={origin.delivery_inbox}))
