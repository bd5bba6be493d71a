"""What every inbound handler gets, and the look-ups several families share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from actors import remote
from wecreate_fed import ld, limits, urls
from wecreate_fed.civic.subjects import Subject
from wecreate_fed.errors import BadRequest
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import iso, social, utcnow
from wecreate_fed.store.actors import Actor


@dataclass
class HandlerContext:
    rt: Runtime
    signer: Actor              # verified: the activity's actor
    recipient: str | None      # username of the personal inbox it came to, None for the shared one


MOST_AHEAD = timedelta(days=1)  # a `published` further ahead of our clock is not read


def said_at(activity: dict) -> str | None:
    """When the sender's server says it sent the activity (its `published`), as stored times are
    (UTC text, sorting as time); None when there is none that can be read. Where an activity's
    order matters and the sender gives it a time, that time decides, not when it arrived."""
    published = activity.get("published")
    if not isinstance(published, str):
        return None
    try:
        moment = datetime.fromisoformat(published)
        moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        # (stored text sorts as time from the year 1000 on; a time far ahead, a broken clock's,
        # would outrank every later activity of the kind for as long as it is kept)
        if moment.year < 1000 or moment > utcnow() + MOST_AHEAD:
            return None
        return iso(moment)
    except (ValueError, OverflowError):
        return None


async def local_actor(ctx: HandlerContext, ap_id: str | None) -> Actor | None:
    """A local, not deleted actor by id, or None."""
    if not ap_id or not urls.is_local(ctx.rt.config, ap_id):
        return None
    actor = await actors_store.get_actor_by_ap_id(ctx.rt.db.reader, ap_id)
    return actor if actor is not None and actor.deleted_at is None else None


async def followed_here(ctx: HandlerContext) -> bool:
    """Someone here follows the signer (so what it posts or boosts concerns us)."""
    return bool(await social.count_follows(ctx.rt.db.reader, ctx.signer.id, direction="followers"))


async def object_document(ctx: HandlerContext, subject: Subject) -> dict:
    """The activity's object as embedded, or fetched (signed) from its origin when only its id was sent."""
    if subject.document is not None and ld.types_of(subject.document):
        if not isinstance(subject.document.get("id"), str):
            raise BadRequest("the object has no id", field="object", code="required")
        return subject.document
    if not subject.object_id:
        raise BadRequest("the activity has no object", field="object", code="required")
    document = await remote.fetch_document(ctx.rt, subject.object_id)
    if document.get("id") != subject.object_id:
        raise BadRequest(f"fetching {subject.object_id} returned another object", field="object")
    return limits.capped(document, "object")


def attributed_to_signer(ctx: HandlerContext, obj: dict, *, required: bool = True) -> None:
    """What the signer creates or changes must be its own."""
    author = ld.get_id(obj.get("attributedTo"))
    if author != ctx.signer.ap_id and (required or author is not None):
        raise BadRequest("the object is attributed to someone else", field="object.attributedTo", code="forbidden")


async def concerns_us(ctx: HandlerContext, activity: dict, obj: dict) -> bool:
    """A post addressed to someone here (or delivered to a personal inbox here: bto and bcc are not
    kept), a reply to one of ours, or by someone followed here."""
    in_reply_to = ld.get_id(obj.get("inReplyTo"))
    return (ctx.recipient is not None or any(urls.is_local(ctx.rt.config, a) for a in ld.addressees(obj) | ld.addressees(activity))
            or bool(in_reply_to and urls.is_local(ctx.rt.config, in_reply_to))
            or await followed_here(ctx))
