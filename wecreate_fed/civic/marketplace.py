"""The marketplace: ideas of this instance and of followed WeCreate instances, filtered,
sorted and paginated; as JSON, as an Atom feed, and the impact figures behind it."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from xml.sax.saxutils import escape

from wecreate_fed import inputs
from wecreate_fed.config import Config
from wecreate_fed.errors import BadRequest
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import domains as domains_store
from wecreate_fed.store import iso, utcnow
from wecreate_fed.store import marketplace as marketplace_store
from wecreate_fed.store import search as search_store
from wecreate_fed.store.marketplace import MarketplaceQuery

from . import districts
from .ideas import KINDS, STATUSES

SORTS = ("newest", "supported", "trending")
AUTHOR_CATEGORIES = ("citizen", "party", "administration", "organisation")
TRENDING_DAYS = 7
PAGE_SIZE, MAX_PAGE_SIZE = 20, 100
MAX_PAGE_NUMBER = 100_000  # so that the offset stays a number SQLite can bind
ACTIVE_DAYS = 30


def parse_query(config: Config, args) -> MarketplaceQuery:
    """Filters from query arguments (q, district, kind, status, author, topic, sort, page, per_page).

    `q` is searched as words (store/search.py): whatever it holds, at worst it finds nothing."""
    def choice(name, options):
        value = args.get(name) or None
        if value is not None and value not in options:
            raise BadRequest(f"{name} must be one of {', '.join(options)}", field=name, code="invalid_choice",
                             params={"choices": ", ".join(options)})
        return value

    slugs = [s for s in args.getlist("district") if s] if hasattr(args, "getlist") else (
        [args["district"]] if args.get("district") else [])
    district_ids = []
    for slug in slugs:
        districts.by_slug(config, slug)
        district_ids.append(districts.district_ap_id(config, slug))
    page = positive_int(args.get("page"), "page", 1)
    per_page = min(positive_int(args.get("per_page"), "per_page", PAGE_SIZE), MAX_PAGE_SIZE)
    topic = (args.get("topic") or "").lstrip("#").lower() or None
    return MarketplaceQuery(
        districts=district_ids, kind=choice("kind", KINDS), status=choice("status", STATUSES),
        author_category=choice("author", AUTHOR_CATEGORIES), topic=topic,
        sort=choice("sort", SORTS) or "newest",
        trending_since=iso(utcnow() - timedelta(days=TRENDING_DAYS)),
        local_only=args.get("local") in ("1", "true"), limit=per_page, offset=(page - 1) * per_page,
        words=search_store.words_of(args.get("q")),
    )


def positive_int(value, name: str, default: int) -> int:
    if value in (None, ""):
        return default
    number = inputs.whole_number(value, high=MAX_PAGE_NUMBER)
    if number is None or number < 1:
        raise BadRequest(f"{name} must be a whole number from 1 to {MAX_PAGE_NUMBER}", field=name, code="number")
    return number


async def page(rt: Runtime, query: MarketplaceQuery) -> dict:
    """One page of the marketplace as JSON-ready data."""
    conn = rt.db.reader
    if rt.domains.any_limited():  # limited (and suspended, while purged) domains stay off the marketplace
        hidden = [h for h in await domains_store.remote_actor_hosts(conn) if rt.domains.limited(h)]
        query = dataclasses.replace(query, hidden_hosts=hidden)
    listed, total = await marketplace_store.query_marketplace(conn, query)
    ids = [entry.idea.id for entry in listed]
    idea_districts = await marketplace_store.districts_of_ideas(conn, ids)
    idea_topics = await marketplace_store.topics_of_ideas(conn, ids)
    items = []
    for entry in listed:
        idea = entry.idea
        items.append({
            "id": idea.ap_id, "url": idea.url or idea.ap_id, "kind": idea.kind, "title": idea.title,
            "summary": idea.summary, "status": idea.status, "image": idea.image_url,
            "districts": [_district_label(rt.config, d) for d in idea_districts.get(idea.id, [])],
            "topics": idea_topics.get(idea.id, []),
            "supports": idea.support_count, "shares": idea.share_count, "comments": idea.comment_count,
            "recent_supports": entry.recent, "published": idea.published, "local": idea.is_local,
            "author": {"id": entry.author_ap_id, "name": entry.author_name,
                       "handle": f"@{entry.author_username}@{entry.author_domain}",
                       "category": entry.author_category},
        })
    current = query.offset // query.limit + 1
    capped = total > marketplace_store.COUNT_CAP  # "1,000+": counting further would cost as much as the matches
    total = min(total, marketplace_store.COUNT_CAP)
    return {"total": total, "total_is_lower_bound": capped, "page": current, "per_page": query.limit,
            "pages": max(1, -(-total // query.limit)), "items": items}


def _district_label(config: Config, district_ap_id: str) -> dict:
    slug = districts.slug_of(config, district_ap_id)
    if slug is None:
        return {"id": district_ap_id, "slug": None, "name": None}
    return {"id": district_ap_id, "slug": slug, "name": districts.by_slug(config, slug).name}


def atom(config: Config, data: dict, self_url: str) -> str:
    """The same page as an Atom 1.0 feed (RFC 4287)."""
    updated = max((i["published"] for i in data["items"]), default=iso())
    entries = []
    for item in data["items"]:
        categories = "".join(f'<category term="{escape(t)}"/>' for t in item["topics"])
        entries.append(
            "<entry>"
            f"<id>{escape(item['id'])}</id><title>{escape(item['title'])}</title>"
            f'<link rel="alternate" type="text/html" href="{escape(item["url"])}"/>'
            f"<updated>{escape(item['published'])}</updated><published>{escape(item['published'])}</published>"
            f"<author><name>{escape(item['author']['name'])}</name><uri>{escape(item['author']['id'])}</uri></author>"
            f"<summary>{escape(item['summary'] or item['title'])}</summary>{categories}"
            "</entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>{escape(self_url)}</id><title>{escape(config.instance_name)}: Marktplatz</title>"
        f'<link rel="self" type="application/atom+xml" href="{escape(self_url)}"/>'
        f'<link rel="alternate" type="text/html" href="{escape(config.base_url)}/"/>'
        f"<updated>{escape(updated)}</updated>{''.join(entries)}</feed>\n"
    )


async def impact(rt: Runtime, district_slug: str | None = None) -> dict:
    """Live impact figures of the instance, or of one district (with its share of the population)."""
    now = utcnow()
    district = districts.by_slug(rt.config, district_slug) if district_slug else None
    figures = await marketplace_store.impact_figures(
        rt.db.reader, district_ap_id=districts.district_ap_id(rt.config, district.slug) if district else None,
        district_slug=district_slug, active_since=iso(now - timedelta(days=ACTIVE_DAYS)), now=iso(now),
    )
    population = district.population if district else (
        sum(d.population or 0 for d in rt.config.districts) or None)
    figures["population"] = population
    figures["share_of_population_percent"] = (
        round(100 * figures["registered_people"] / population, 2) if population else None)
    figures["scope"] = {"city": rt.config.city_name, "district": district.name if district else None}
    return figures
