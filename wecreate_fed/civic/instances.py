"""Following other WeCreate instances, and keeping what the actors we follow boost.

An instance's `Application` actor boosts every new idea and event of its instance, as
districts do for theirs; so an instance that follows another (`wecreate-fed instances follow`)
gets that city's marketplace entries, and so does one whose people follow a district there.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from actors import remote
from outbox import activities
from outbox.send import outgoing, resolve_recipients
from wecreate_fed import ld, urls
from wecreate_fed.errors import BadRequest, WeCreateError
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import social
from wecreate_fed.store.actors import Actor

from . import events, ideas


async def follow(rt: Runtime, url: str) -> Actor:
    """Our instance actor follows another instance's (its base URL, or its actor's id)."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise BadRequest(f"'{url}' is not an http(s) URL")
    actor_id = url.rstrip("/") + "/actor" if urlsplit(url).path in ("", "/") else url
    try:
        other = await remote.get_actor(rt, actor_id)
    except WeCreateError as e:
        raise BadRequest(f"cannot fetch the instance actor {actor_id}: {e}") from e
    if other.type != "Application" or other.is_local:
        raise BadRequest(f"{actor_id} is not another instance's actor")
    ours = await actors_store.get_instance_actor(rt.db.reader)
    assert ours is not None  # created when the instance starts
    request = activities.follow(rt.config, ours, other)
    recipients = await resolve_recipients(rt, ours, request)
    async with outgoing(rt) as out:  # the follow and its Follow together
        await social.add_follow(out.conn, ours.id, other.id, request["id"], accepted=False)
        await out.queue(ours, request, recipients)
    return other


async def followed(rt: Runtime) -> list[tuple[str, Actor]]:
    """(state, instance actor) of the instances this one follows."""
    ours = await actors_store.get_instance_actor(rt.db.reader)
    assert ours is not None  # created when the instance starts
    result = []
    for state in ("accepted", "pending"):
        for _, actor in await social.list_follows(rt.db.reader, ours.id, direction="following", state=state,
                                                  limit=1000):
            result.append((state, actor))
    return result


async def keep_boosted(rt: Runtime, object_id: str) -> None:
    """Someone followed here (a district, an instance) boosted an idea or event from elsewhere: keep it."""
    if await ideas.is_known(rt, object_id) or await events.is_known(rt, object_id):
        return
    try:
        document = await remote.fetch_document(rt, object_id)
    except WeCreateError:
        return  # not reachable now; nothing of ours depends on it
    author_id = ld.get_id(document.get("attributedTo"))
    if document.get("id") != object_id or not author_id or not urls.same_origin(author_id, object_id):
        return  # it must live on its author's host
    if ideas.is_idea_document(document):
        await ideas.store_remote(rt, await remote.get_actor(rt, author_id), ideas.parse_remote(document))
    elif events.is_event_document(document):
        author = await remote.get_actor(rt, author_id)
        await events.store_remote(rt, author, events.parse_remote(document, author.ap_id))
