"""Districts: the city's districts from the configuration, each a followable Group actor.

A district actor announces (boosts) every new idea and event tagged with it, so a Mastodon
user who follows "Leipzig West" sees what happens there.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from actors import local as local_actors
from outbox import activities
from outbox.send import Recipients, resolve_recipients
from wecreate_fed import urls
from wecreate_fed.config import Config, District
from wecreate_fed.errors import BadRequest
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store.actors import Actor


def district_ap_id(config: Config, slug: str) -> str:
    return urls.district_id(config, slug)


def username(slug: str) -> str:
    """The district's handle name (usernames allow no dashes)."""
    return slug.replace("-", "_")


def slug_of(config: Config, ap_id: str | None) -> str | None:
    """The slug of one of our configured districts' ids, else None."""
    local = urls.parse(config, ap_id)
    if local is not None and local.kind == "district" and not local.rest:
        return local.key if local.key in {d.slug for d in config.districts} else None
    return None


def by_slug(config: Config, slug: str, *, field: str = "district") -> District:
    for district in config.districts:
        if district.slug == slug:
            return district
    known = ", ".join(d.slug for d in config.districts) or "none configured"
    raise BadRequest(f"unknown district '{slug}' (known: {known})", field=field, code="district_unknown",
                     params={"slug": slug})


async def ensure_districts(conn: Connection, config: Config) -> None:
    """Create an actor for each configured district that has none yet; names follow the config."""
    for district in config.districts:
        ap_id = district_ap_id(config, district.slug)
        existing = await actors_store.get_actor_by_ap_id(conn, ap_id)
        if existing is None:
            name = username(district.slug)
            if await actors_store.get_local_actor(conn, name) is not None:
                name += "_bezirk"  # a person already has the plain name (district added to the config later)
            await local_actors.create_service_actor(
                conn, config, username=name, path=urlsplit(ap_id).path, type_="Group",
                name=f"{config.city_name} {district.name}",
                summary=f"<p>Ideen und Termine im {config.district_label} {district.name}, {config.city_name}.</p>",
                category="district",
            )
        elif existing.name != f"{config.city_name} {district.name}":
            await actors_store.update_local_actor(conn, existing.id, name=f"{config.city_name} {district.name}")


async def district_actor(conn: Connection, config: Config, slug: str) -> Actor:
    by_slug(config, slug)
    actor = await actors_store.get_actor_by_ap_id(conn, district_ap_id(config, slug))
    if actor is None:
        raise BadRequest(f"district '{slug}' has no actor yet; restart the server to create it")
    return actor


async def announcements(rt: Runtime, district_ids: list[str],
                        object_id: str) -> list[tuple[Actor, dict, Recipients]]:
    """The boosts of a new idea or event, ready to queue in the transaction that publishes it.

    Each of its districts boosts it to the district's followers, and the instance actor to the
    instances that follow this one; not back to the author (it is no share). Resolved here,
    before that transaction; nothing is bounced through our own inbox.
    """
    announcers = [await actors_store.get_actor_by_ap_id(rt.db.reader, d) for d in district_ids]
    announcers.append(await actors_store.get_instance_actor(rt.db.reader))
    prepared = []
    for announcer in announcers:
        if announcer is not None and announcer.is_local:
            activity = activities.announce(rt.config, announcer, object_id, None)
            recipients = await resolve_recipients(rt, announcer, activity)
            prepared.append((announcer, activity, recipients.without_local()))
    return prepared
