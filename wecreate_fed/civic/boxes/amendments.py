"""Amendments (Änderungsanträge) to a box's motions, as Antragsgrün has them.

A member of the box proposes one against a range of the motion's numbered lines (the request,
the text the council decides on; amendments_lines numbers it) with the text that replaces
those lines and a reason; other members co-sign it. The motion's author adopts or rejects
each. The adopted ones, merged into the text they were proposed against, are the motion's
final version, which the author may then take over as the motion's next revision.

All of this happens while the motion is a draft (what was submitted is what the council got)
and each command is one transaction. Amendments are part of the motion: they are seen by
whoever may see the box, on the website and at their ActivityPub ids (a private box's by its
members only, by signed fetch from their servers), as the motion is; drafts federate nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from wecreate_fed import inputs, ld, sanitize, urls
from wecreate_fed.errors import Conflict, Forbidden, NotFound, Problems
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection, notifications
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import amendments as amendment_store
from wecreate_fed.store import motions as motion_store
from wecreate_fed.store.actors import Actor
from wecreate_fed.store.amendments import Amendment
from wecreate_fed.store.motions import Motion

from . import amendments_lines as numbering
from .access import local_box, require_view, role_of
from .motion_validation import TEXT_MAX

REASON_MAX = 5_000
STATES = ("proposed", "adopted", "rejected")


@dataclass(frozen=True)
class Placed:
    """An amendment with its co-signers and, where it applies to the current text, its lines in the
    final version: (first, last), or (line, line - 1) for a deletion before `line`."""

    amendment: Amendment
    cosigners: list[str]
    current: bool                       # proposed against the motion's current revision
    final_lines: tuple[int, int] | None


@dataclass(frozen=True)
class Amended:
    motion: Motion
    box: Actor
    lines: list[numbering.Line]         # the current text, numbered
    amendments: list[Placed]
    final_text: str                     # the current text with the adopted amendments merged
    final_lines: list[numbering.Line]


async def _motion(rt: Runtime, motion_ap_id: str, conn: Connection | None = None) -> tuple[Motion, Actor]:
    motion = await motion_store.get_motion(conn or rt.db.reader, motion_ap_id)
    if motion is None or not motion.is_local:
        raise NotFound(f"no motion {motion_ap_id} here")
    box, _ = await local_box(rt, motion.box_ap_id, conn)
    return motion, box


async def _require_member(rt: Runtime, box: Actor, person: Actor) -> None:
    """Members only: 404 where the box is hidden from the person (a private box), 403 where it is not."""
    _, record = await local_box(rt, box.ap_id)
    await require_view(rt, box, record, person)
    if await role_of(rt, box, person) is None:
        raise Forbidden("only members of the motion's box may do that", code="members_only")


async def _member(rt: Runtime, member: Actor, motion_ap_id: str) -> tuple[Motion, Actor]:
    motion, box = await _motion(rt, motion_ap_id)
    await _require_member(rt, box, member)
    return motion, box


def _draft(motion: Motion) -> None:
    if motion.state != "draft":
        raise Conflict("the motion was submitted: its text and amendments are final", field="state",
                       code="already_submitted")


async def _amendment(rt: Runtime, ap_id: str, conn: Connection | None = None) -> tuple[Amendment, Motion, Actor]:
    amendment = await amendment_store.get(conn or rt.db.reader, ap_id)
    if amendment is None:
        raise NotFound(f"no amendment {ap_id} here")
    motion = await motion_store.get_motion(conn or rt.db.reader, ap_id.rsplit("/amendments/", 1)[0])
    if motion is None or motion.id != amendment.motion_id:
        raise NotFound(f"no amendment {ap_id} here")
    box, _ = await local_box(rt, motion.box_ap_id, conn)
    return amendment, motion, box


def _checked(motion: Motion, data: dict) -> tuple[int, int, str, str, str]:
    """(first, last, original, replacement, reason) from a form or an API body, or every problem."""
    problems = Problems()
    lines = numbering.lines_of(motion.request)
    first = inputs.whole_number(data.get("first_line"), high=1_000_000)
    last = inputs.whole_number(data.get("last_line") or data.get("first_line"), high=1_000_000)
    original = ""
    if first is None or last is None or not lines or not 1 <= first <= last <= len(lines):
        problems.add("first_line", "line_range", f"lines must be from 1 to {len(lines)}, the first not after the last",
                     max=len(lines))
    else:
        original = numbering.excerpt(lines, first, last)
    replacement = data.get("replacement") or ""
    if not isinstance(replacement, str):
        problems.add("replacement", "not_text", "replacement must be text")
        replacement = ""
    elif len(replacement) > TEXT_MAX:
        problems.add("replacement", "too_long", f"replacement is longer than {TEXT_MAX} characters", limit=TEXT_MAX)
    replacement = numbering.canonical(replacement)
    if original and replacement == numbering.canonical(original):
        problems.add("replacement", "amendment_unchanged", "the replacement is the text of those lines as it is")
    reason = sanitize.plain_text(data.get("reason") or "", REASON_MAX + 1) if isinstance(data.get("reason"), str) \
        else ""
    if not reason:
        problems.add("reason", "reason_required", "reason is required: why should the text change?")
    elif len(reason) > REASON_MAX:
        problems.add("reason", "too_long", f"reason is longer than {REASON_MAX} characters", limit=REASON_MAX)
    problems.raise_if_any()
    assert first is not None and last is not None  # checked above
    return first, last, original, replacement, reason


async def propose(rt: Runtime, member: Actor, motion_ap_id: str, data: dict) -> Amendment:
    """A member proposes an amendment to a draft motion's current text; returns it (with its number)."""
    motion, _ = await _member(rt, member, motion_ap_id)
    _draft(motion)
    first, last, original, replacement, reason = _checked(motion, data)
    async with rt.db.transaction() as conn:
        now, _ = await _motion(rt, motion_ap_id, conn)  # as it is now: submitted or edited meanwhile?
        _draft(now)
        if now.revision != motion.revision:
            raise Conflict("the motion was edited meanwhile: its lines changed; look at them again",
                           field="first_line", code="motion_changed")
        number = await amendment_store.next_number(conn, motion.id)
        local = urls.parse(rt.config, motion.ap_id)
        assert local is not None  # a local motion
        amendment = await amendment_store.add(
            conn, ap_id=urls.amendment_id(rt.config, local.key, number), number=number, motion_id=motion.id,
            revision=motion.revision, first_line=first, last_line=last, original=original, replacement=replacement,
            reason=reason, created_by=member.ap_id)
        await _tell(conn, [motion.created_by], member, "amendment_proposed", amendment, motion)
        return amendment


async def _tell(conn: Connection, ap_ids: list[str], by: Actor, kind: str, amendment: Amendment,
                motion: Motion) -> None:
    """The local people among `ap_ids` (but the one who acted) hear of it, in the command's transaction."""
    ids = []
    for ap_id in dict.fromkeys(ap_ids):
        person = await actors_store.get_actor_by_ap_id(conn, ap_id)
        if person is not None and person.is_local and person.id != by.id:
            ids.append(person.id)
    await notifications.add(conn, ids, kind=kind, object_ap_id=amendment.ap_id, by_ap_id=by.ap_id,
                            params={"number": amendment.number, "title": motion.title,
                                    "name": by.name or by.handle})


async def cosign(rt: Runtime, member: Actor, ap_id: str) -> int:
    """A member co-signs a proposed amendment; returns its number of co-signers."""
    amendment, motion, box = await _amendment(rt, ap_id)
    await _require_member(rt, box, member)
    async with rt.db.transaction() as conn:
        amendment, motion, _ = await _amendment(rt, ap_id, conn)
        _draft(motion)
        _proposed(amendment)
        if not await amendment_store.add_cosigner(conn, amendment.id, member.ap_id):
            raise Conflict("you already co-signed this amendment", code="already_cosigned")
        return len(await amendment_store.list_cosigners(conn, amendment.id))


async def withdraw_cosignature(rt: Runtime, member: Actor, ap_id: str) -> None:
    _, _, box = await _amendment(rt, ap_id)
    _, record = await local_box(rt, box.ap_id)
    await require_view(rt, box, record, member)
    async with rt.db.transaction() as conn:
        amendment, motion, _ = await _amendment(rt, ap_id, conn)
        _draft(motion)
        _proposed(amendment)
        if not await amendment_store.delete_cosigner(conn, amendment.id, member.ap_id):
            raise NotFound("you have not co-signed this amendment")


def _proposed(amendment: Amendment) -> None:
    if amendment.state != "proposed":
        raise Conflict(f"amendment Ä{amendment.number} was already {amendment.state}", field="amendment",
                       code="amendment_decided", params={"number": amendment.number})


async def decide(rt: Runtime, author: Actor, ap_id: str, *, adopt: bool) -> Amendment:
    """The motion's author adopts or rejects a proposed amendment. An adopted one must apply to the
    current text and share no line with another adopted one (Conflict, naming it, otherwise)."""
    amendment, motion, box = await _amendment(rt, ap_id)
    _, record = await local_box(rt, box.ap_id)
    await require_view(rt, box, record, author)
    if motion.created_by != author.ap_id:
        raise Forbidden("only the motion's author adopts or rejects amendments", code="author_only")
    async with rt.db.transaction() as conn:
        amendment, motion, _ = await _amendment(rt, ap_id, conn)
        _draft(motion)
        _proposed(amendment)
        if adopt:
            if amendment.revision != motion.revision:
                raise Conflict(f"amendment Ä{amendment.number} is to revision {amendment.revision}; "
                               "the motion was edited since", field="amendment", code="amendment_outdated",
                               params={"number": amendment.number, "revision": amendment.revision})
            for other in await amendment_store.list_for_motion(conn, motion.id):
                if other.state == "adopted" and other.revision == motion.revision \
                        and other.first_line <= amendment.last_line and amendment.first_line <= other.last_line:
                    raise Conflict(f"amendment Ä{amendment.number} overlaps the adopted Ä{other.number} "
                                   f"(lines {other.first_line}-{other.last_line})", field="amendment",
                                   code="amendment_overlap",
                                   params={"number": amendment.number, "other": other.number,
                                           "first": other.first_line, "last": other.last_line})
        await amendment_store.decide(conn, amendment.id, "adopted" if adopt else "rejected", author.ap_id)
        decided = await amendment_store.get(conn, ap_id)
        assert decided is not None  # read in the transaction that just changed it
        signers = await amendment_store.list_cosigners(conn, amendment.id)
        await _tell(conn, [amendment.created_by, *signers], author,
                    "amendment_adopted" if adopt else "amendment_rejected", decided, motion)
        return decided


async def take_over_final(rt: Runtime, author: Actor, motion_ap_id: str) -> int:
    """The author makes the final version the motion's next revision (its co-signatures lapse, as with
    any edit); returns the revision's number."""
    motion, box = await _motion(rt, motion_ap_id)
    _, record = await local_box(rt, box.ap_id)
    await require_view(rt, box, record, author)
    if motion.created_by != author.ap_id:
        raise Forbidden("only the motion's author takes over the final version", code="author_only")
    async with rt.db.transaction() as conn:
        motion, _ = await _motion(rt, motion_ap_id, conn)
        _draft(motion)
        adopted = [a for a in await amendment_store.list_for_motion(conn, motion.id)
                   if a.state == "adopted" and a.revision == motion.revision]
        if not adopted:
            raise Conflict("no adopted amendment to merge", field="amendment", code="nothing_adopted")
        final, _ = numbering.merge(motion.request, _changes(adopted))
        return await motion_store.revise_motion(
            conn, motion.id, title=motion.title, request=final, reasoning=motion.reasoning,
            council_ap_id=motion.council_ap_id, district_ap_id=motion.district_ap_id,
            required_cosigners=motion.required_cosigners, editor_ap_id=author.ap_id)


def _changes(amendments: list[Amendment]) -> list[numbering.Change]:
    return [numbering.Change(a.number, a.first_line, a.last_line, a.replacement) for a in amendments]


async def amended(rt: Runtime, motion_ap_id: str, viewer: Actor | None) -> Amended:
    """A motion's numbered text, its amendments and its final version, for whoever may see its box."""
    motion, box = await _motion(rt, motion_ap_id)
    _, record = await local_box(rt, box.ap_id)
    await require_view(rt, box, record, viewer)
    return await amended_motion(rt, motion, box)


async def amended_motion(rt: Runtime, motion: Motion, box: Actor) -> Amended:
    """The same, for a motion already checked as visible (the motion book reads a whole box's)."""
    conn = rt.db.reader
    found = await amendment_store.list_for_motion(conn, motion.id)
    signers = await amendment_store.cosigners_by_amendment(conn, motion.id)
    adopted = [a for a in found if a.state == "adopted" and a.revision == motion.revision]
    final, spans = numbering.merge(motion.request, _changes(adopted))
    placed = []
    for a in found:
        current = a.revision == motion.revision
        where = spans.get(a.number)
        if where is None and current and a.state == "proposed":
            where = _where_else(motion.request, adopted, a)
        placed.append(Placed(a, signers.get(a.id, []), current, where))
    return Amended(motion, box, numbering.lines_of(motion.request), placed, final, numbering.lines_of(final))


def _where_else(text: str, adopted: list[Amendment], amendment: Amendment) -> tuple[int, int] | None:
    """Where a proposed amendment would stand in the final version (None where it overlaps an adopted one)."""
    try:
        _, spans = numbering.merge(text, _changes([*adopted, amendment]))
    except numbering.OverlapError:
        return None
    return spans.get(amendment.number)


async def document(rt: Runtime, amendment_ap_id: str, viewer: Actor | None) -> dict:
    """The amendment's ActivityStreams document, for whoever may see the motion's box."""
    amendment, motion, box = await _amendment(rt, amendment_ap_id)
    _, record = await local_box(rt, box.ap_id)
    await require_view(rt, box, record, viewer)
    cosigners = await amendment_store.list_cosigners(rt.db.reader, amendment.id)
    return {
        "@context": ld.default_context(), "id": amendment.ap_id, "type": "Note", "civicKind": "amendment",
        "name": f"Ä{amendment.number}", "inReplyTo": motion.ap_id, "context": motion.ap_id,
        "attributedTo": amendment.created_by, "audience": box.ap_id,
        "content": _content(amendment), "source": {"content": amendment.replacement, "mediaType": "text/plain"},
        "lines": {"first": amendment.first_line, "last": amendment.last_line, "revision": amendment.revision},
        "original": amendment.original, "summary": amendment.reason, "cosigners": cosigners,
        "civicStatus": amendment.state, "published": amendment.created_at,
        **({"updated": amendment.decided_at} if amendment.decided_at else {}),
    }


def _content(amendment: Amendment) -> str:
    lines = (f"Zeile {amendment.first_line}" if amendment.first_line == amendment.last_line
             else f"Zeilen {amendment.first_line}–{amendment.last_line}")
    new = escape(amendment.replacement) if amendment.replacement else "(gestrichen)"
    return (f"<p>Änderungsantrag Ä{amendment.number}, {lines}:</p><p><del>{escape(amendment.original)}</del>"
            f"</p><p><ins>{new}</ins></p><p>{escape(amendment.reason)}</p>")
