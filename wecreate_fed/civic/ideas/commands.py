"""What local people do with their ideas: publish, edit, change the status, delete; and the
counts worker's Update. Each is one transaction through the shared lifecycle."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from actors import remote
from wecreate_fed import sanitize, urls
from wecreate_fed.errors import Conflict, Forbidden, WeCreateError
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection, iso, notifications, sanctions
from wecreate_fed.store import civic as civic_store
from wecreate_fed.store.actors import Actor
from wecreate_fed.store.civic import Idea, PendingCounts

from .. import audience, brakes, districts, lifecycle
from .documents import IDEA
from .validation import IdeaInput, addressee_problem, not_an_organisation, validate


async def publish(rt: Runtime, author: Actor, data: dict, *,
                  also: Callable[[Connection, str], Awaitable[None]] | None = None) -> tuple[str, dict]:
    """Publish a new idea or reform proposal by a local person or organisation.

    The idea, its Create and its districts' boosts are one transaction (with `also(conn, ap_id)`
    after the idea is stored: an organisation's publication of a draft). Returns the Create's
    id and the idea's document.
    """
    if not author.is_local or author.type not in ("Person", "Organization"):
        raise Forbidden("only local people and organisations publish ideas")
    idea_input = validate(rt.config, data)
    members_of = await audience.members_of_choice(rt, author, data.get("members_of"))
    brakes.check_links(rt.config, author, [idea_input.summary, idea_input.body], "body")
    if idea_input.addressed_to:
        idea_input.addressed_to = (await _addressee(rt, idea_input.addressed_to)).ap_id
    idea_input.language = idea_input.language or await lifecycle.author_language(rt, author)
    key = urls.new_key()
    ap_id = urls.idea_id(rt.config, key)
    now = iso()
    district_ids = [districts.district_ap_id(rt.config, s) for s in idea_input.district_slugs]

    async def write(conn: Connection) -> None:
        idea_id = await _store(conn, rt, idea_input, ap_id=ap_id, author_id=author.id, status="proposed",
                               published=now, url=urls.page_of(rt.config, "idea", key), members_of=members_of)
        await civic_store.add_status_change(conn, idea_id, "proposed", author.ap_id, "", now)
        if also is not None:
            await also(conn, ap_id)

    async def hold(conn: Connection) -> None:
        await sanctions.hold(conn, "idea", ap_id)

    held = await brakes.held(rt.db.reader, rt.config, author)
    return await lifecycle.publish(rt, IDEA, author, key, write, addressees=[idea_input.addressed_to],
                                   district_ids=district_ids, held=hold if held else None, members_of=members_of)


async def release(rt: Runtime, ap_id: str, also: lifecycle.Write) -> str:
    """A held idea approved by a moderator: shown, and its Create and boosts sent (`also` in that transaction)."""
    idea = await lifecycle.local(rt, IDEA, ap_id)

    async def write(conn: Connection) -> None:
        if not await sanctions.unhold(conn, "idea", ap_id):
            raise Conflict("this idea is not waiting for approval", code="not_held")
        await also(conn)

    return await lifecycle.release(rt, IDEA, idea, write, addressees=[idea.addressed_to],
                                   district_ids=await civic_store.list_idea_districts(rt.db.reader, idea.id))


async def _store(conn: Connection, rt: Runtime, idea_input: IdeaInput, *, ap_id: str, author_id: int, status: str,
                 published: str, url: str, updated: str | None = None, members_of: int | None = None) -> int:
    return await civic_store.upsert_idea(
        conn, ap_id=ap_id, is_local=True, author_id=author_id, kind=idea_input.kind, title=idea_input.title,
        summary=idea_input.summary, body_source=idea_input.body, body_html=sanitize.markdown_to_html(idea_input.body),
        status=status, published=published, updated=updated,
        districts=[districts.district_ap_id(rt.config, s) for s in idea_input.district_slugs],
        topics=idea_input.topics, addressed_to=idea_input.addressed_to, image_url=idea_input.image_url, url=url,
        language=idea_input.language, image_alt=idea_input.image_alt, image_media_type=idea_input.image_media_type,
        members_of=members_of,
    )


async def _addressee(rt: Runtime, ref: str) -> Actor:
    try:
        addressee = await remote.find_actor(rt, ref)
    except WeCreateError as e:
        raise addressee_problem(ref, str(e)) from e
    if addressee.type != "Organization":
        raise not_an_organisation()
    return addressee


async def local_idea(rt: Runtime, ap_id: str) -> Idea:
    """A live local idea (NotFound, or Gone once deleted)."""
    return await lifecycle.local(rt, IDEA, ap_id)


async def edit(rt: Runtime, editor: Actor, ap_id: str, data: dict) -> dict:
    """Edit a local idea (fields not given stay as they are); the Update goes out with the change."""
    idea = await lifecycle.managed(rt, IDEA, editor, ap_id)
    conn = rt.db.reader
    current = {
        "title": idea.title, "summary": idea.summary, "body": idea.body_source or "", "kind": idea.kind,
        "image_url": idea.image_url, "addressed_to": idea.addressed_to, "image_alt": idea.image_alt,
        "image_media_type": idea.image_media_type, "language": idea.language,
        "districts": [districts.slug_of(rt.config, d) for d in await civic_store.list_idea_districts(conn, idea.id)],
        "topics": await civic_store.list_idea_topics(conn, idea.id),
    }
    merged = {**current, **{k: v for k, v in data.items() if k in current}}
    if merged["image_url"] != idea.image_url:  # a new image: its own type, not the old one's
        merged["image_media_type"] = data.get("image_media_type")
    idea_input = validate(rt.config, merged)
    await audience.unchanged(rt, editor, data.get("members_of"), idea.members_of)
    brakes.check_links(rt.config, editor, [idea_input.summary, idea_input.body], "body")
    if idea_input.addressed_to and idea_input.addressed_to != idea.addressed_to:
        idea_input.addressed_to = (await _addressee(rt, idea_input.addressed_to)).ap_id

    async def write(conn: Connection) -> None:
        await _store(conn, rt, idea_input, ap_id=ap_id, author_id=idea.author_id, status=idea.status,
                     published=idea.published, url=idea.url, updated=iso())

    return await lifecycle.update(rt, IDEA, idea, write, addressees=[idea_input.addressed_to])


async def change_status(rt: Runtime, actor: Actor, ap_id: str, status: str, note: str = "") -> dict:
    """Move an idea along proposed → in discussion → being implemented → implemented (or declined / withdrawn).

    The new status, its history, the local supporters' notices and the Update are one transaction.
    """
    lifecycle.check_status(IDEA, None, status)
    idea = await lifecycle.managed(rt, IDEA, actor, ap_id)
    if status == "withdrawn" and actor.id != idea.author_id:
        raise Forbidden("only the author may withdraw an idea")
    note = sanitize.plain_text(note, 1000)

    async def write(conn: Connection) -> None:
        await civic_store.set_idea_status(conn, idea.id, status, actor.ap_id, note)
        supporters = [a for a in await civic_store.list_local_supporters(conn, ap_id) if a != actor.id]
        await notifications.add(conn, supporters, kind="status_changed", object_ap_id=ap_id, by_ap_id=actor.ap_id,
                                params={"what": "idea", "title": idea.title, "status": status})

    return await lifecycle.change_status(rt, IDEA, actor, ap_id, status, write, addressees=[idea.addressed_to])


async def delete(rt: Runtime, actor: Actor, ap_id: str, *, also: lifecycle.Write | None = None) -> None:
    """Delete a local idea: a Tombstone here, and a Delete to everyone who had it (`also` in that transaction)."""
    await lifecycle.delete(rt, IDEA, actor, ap_id, also=also)


async def publish_counts(rt: Runtime, pending: PendingCounts) -> None:
    """The civic worker's Update with an idea's settled counts, and the flag cleared, in one transaction.

    The flag stays set if the counts changed again after it was read (the next round sends those).
    """
    idea = await local_idea(rt, pending.ap_id)

    async def write(conn: Connection) -> None:
        await civic_store.mark_counts_published(conn, pending.id, pending.counts_changed_at)

    await lifecycle.update(rt, IDEA, idea, write, addressees=[idea.addressed_to])
