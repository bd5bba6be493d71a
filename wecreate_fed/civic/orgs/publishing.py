"""From the intranet to the marketplace: an organisation space's internal draft (a members-only
idea or reform proposal) published, in one deliberate step by a board member or admin, as the
Organization's own public idea.

The public idea is a new idea (the Organization its author): title, summary, text, kind,
districts, language and a reform proposal's addressee are copied, nothing else. No comment, support, draft id or members
collection of the draft is in it, so the internal discussion stays internal; supports and
comments then come to the public idea as to any idea. The idea, its Create and the record of
the publication (store/publications.py, internal only) are one transaction.

On a public instance the idea is on this instance's marketplace at once. On a private instance
it is also delivered to the city instances chosen from the allowlist: addressed to each city's
instance actor (so the city keeps it, as it keeps an idea addressed to someone there, with no
follow needed) and delivered to its inbox through the delivery queue, which retries; every later
change of the idea (new counts, status, edits, its deletion) goes to those cities too
(ideas/documents.py's audience). A city shows an Organization of category "party" with the party
badge, as it shows every party's idea.
"""

from __future__ import annotations

from dataclasses import dataclass

from actors import remote
from wecreate_fed import http
from wecreate_fed.errors import BadRequest, Conflict, Forbidden, Gone, NotFound, Problems, WeCreateError
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection, publications
from wecreate_fed.store import civic as civic_store
from wecreate_fed.store.actors import Actor
from wecreate_fed.store.publications import Draft, Publication

from .. import audience, districts, ideas

PUBLISHERS = ("board", "admin")  # the roles of a space that may publish its drafts
CITY_FIELD = "cities"


@dataclass(frozen=True)
class DraftView:
    """A draft as its publishing page shows it to a member of its space."""

    draft: Draft
    org: Actor
    may_publish: bool
    publication: Publication | None
    cities: list[Actor]          # where the publication was delivered (private instances)
    choices: list[str]           # the allowlisted servers that may be chosen (private instances)


async def draft_of(rt: Runtime, viewer: Actor | None, ap_id: str) -> tuple[Draft, Actor]:
    """A live local members-only idea of an organisation space and its Organization; 404 for what
    the viewer may not see (an outsider learns nothing), 409 for a public idea or another audience."""
    draft = await publications.get_draft(rt.db.reader, ap_id)
    if draft is None or not draft.is_local:
        raise NotFound(f"no idea {ap_id} here", field="idea")
    await audience.require_see(rt, viewer, draft.members_of, "idea")
    if draft.deleted_at is not None:
        raise Gone(f"idea {ap_id} was deleted", field="idea")
    org = await audience.audience_actor(rt, draft.members_of)
    if org is None:
        raise Conflict("this idea is public already; only an internal draft is published", code="publish_not_draft")
    if org.type != "Organization":
        raise Conflict("only the drafts of an organisation space are published to the marketplace",
                       code="publish_not_draft")
    return draft, org


async def may_publish(rt: Runtime, person: Actor | None, org: Actor) -> bool:
    return await audience.role_in(rt, org, person) in PUBLISHERS


def city_choices(rt: Runtime) -> list[str]:
    """The servers a private instance may publish to: its allowlist (nothing to choose on a public one)."""
    if not rt.config.private:
        return []
    own = rt.config.host
    return [entry.domain for entry in rt.domains.allow.all() if entry.domain != own]


async def view(rt: Runtime, viewer: Actor | None, ap_id: str) -> DraftView:
    draft, org = await draft_of(rt, viewer, ap_id)
    publication = await publications.of_draft(rt.db.reader, draft.id)
    cities = await publications.targets(rt.db.reader, publication.idea_id) if publication else []
    return DraftView(draft, org, await may_publish(rt, viewer, org), publication, cities, city_choices(rt))


async def publish(rt: Runtime, person: Actor, ap_id: str, cities: list[str] | None = None) -> Publication:
    """Publish the draft `ap_id` as its Organization's public idea (delivered to `cities` on a private
    instance: domains of its allowlist, at least one). Conflict once it was published."""
    draft, org = await draft_of(rt, person, ap_id)
    if not await may_publish(rt, person, org):
        raise Forbidden("only the board or an admin of the space may publish its drafts", code="forbidden")
    if await publications.of_draft(rt.db.reader, draft.id) is not None:
        raise Conflict("this draft was published already", code="publish_already")
    targets = await _cities(rt, cities or [])
    idea = await civic_store.get_idea(rt.db.reader, ap_id)
    assert idea is not None  # draft_of found it a moment ago; ideas are never removed but by a purge
    data = {
        "title": idea.title, "summary": idea.summary, "body": idea.body_source or "", "kind": idea.kind,
        "language": idea.language, "addressed_to": idea.addressed_to,  # a reform proposal's addressee
        "districts": [districts.slug_of(rt.config, d)
                      for d in await civic_store.list_idea_districts(rt.db.reader, idea.id)],
    }

    async def record(conn: Connection, public_ap_id: str) -> None:
        # Two board members at once: the second finds the first's row and nothing of it stays.
        if not await publications.add(conn, draft_id=draft.id, idea_ap_id=public_ap_id, org_id=org.id,
                                      published_by=person.id):
            raise Conflict("this draft was published already", code="publish_already")
        await publications.add_targets(conn, public_ap_id, [city.id for city in targets])

    await ideas.publish(rt, org, data, also=record)
    published = await publications.of_draft(rt.db.reader, draft.id)
    assert published is not None  # committed just now
    return published


async def _cities(rt: Runtime, chosen: list[str]) -> list[Actor]:
    """The instance actors of the chosen city servers (network: before the transaction)."""
    choices = city_choices(rt)
    if not rt.config.private:
        if chosen:
            raise BadRequest("a public instance publishes to its own marketplace; there is no city to choose",
                             field=CITY_FIELD, code="invalid_choice", params={"choices": ""})
        return []
    problems = Problems()
    wanted = list(dict.fromkeys(c.strip().lower() for c in chosen if c.strip()))
    if not wanted:
        problems.add(CITY_FIELD, "publish_city_required", "choose the city instance(s) to publish to")
    for domain in wanted:
        if domain not in choices:
            problems.add(CITY_FIELD, "publish_city_unknown", f"{domain} is not on this instance's allowlist",
                         domain=domain)
    problems.raise_if_any()
    found = []
    for domain in wanted:
        found.append(await _instance_actor(rt, domain))
    return found


async def _instance_actor(rt: Runtime, domain: str) -> Actor:
    """The instance actor of another WeCreate server (`/actor`, as instances.follow finds it)."""
    host = domain.split(":")[0]
    scheme = "http" if rt.config.allow_private_addresses and http.is_loopback(host) else "https"
    try:
        actor = await remote.get_actor(rt, f"{scheme}://{domain}/actor")
    except WeCreateError as e:
        raise BadRequest(f"cannot reach the instance actor of {domain}: {e}", field=CITY_FIELD,
                         code="publish_city_unreachable", params={"domain": domain}) from e
    if actor.type != "Application" or actor.is_local:
        raise BadRequest(f"{domain} is no WeCreate city instance", field=CITY_FIELD,
                         code="publish_city_unreachable", params={"domain": domain})
    return actor
