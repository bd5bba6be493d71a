"""Ideas of other WeCreate instances: their documents read into typed records, kept, refreshed, deleted."""

from __future__ import annotations

from dataclasses import dataclass

from actors import remote
from wecreate_fed import content, ld, limits, nodeinfo, sanitize, urls
from wecreate_fed.errors import BadRequest, Gone, NotFound, WeCreateError
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import civic as civic_store
from wecreate_fed.store import iso, notifications
from wecreate_fed.store.actors import Actor
from wecreate_fed.store.civic import Idea

from .. import lifecycle, ownership
from .documents import IDEA, is_idea_document
from .validation import ALT_MAX, BODY_MAX, STATUSES, SUMMARY_MAX, TITLE_MAX, TOPIC, TOPICS_MAX


@dataclass(frozen=True)
class RemoteIdea:
    """An idea as its origin describes it, read and cleaned."""

    ap_id: str
    kind: str
    title: str
    summary: str
    body_html: str
    status: str
    published: str
    updated: str | None
    district_ids: list[str]
    topics: list[str]
    addressed_to: str | None
    image_url: str | None
    url: str
    counts: tuple[int, int, int]   # supports, shares, comments
    language: str | None = None
    image_alt: str | None = None
    image_media_type: str | None = None


def parse_remote(document: dict) -> RemoteIdea:
    """Read an idea document of another instance (BadRequest for what is no idea)."""
    if not is_idea_document(document) or not isinstance(document.get("id"), str):
        raise BadRequest("the object is not an idea", field="object.civicKind", code="invalid_choice")
    document = limits.capped(document, "object")  # also when it was fetched rather than delivered
    source = document.get("source")
    html, language = content.read_content(document)  # `content`, else `contentMap`
    if isinstance(source, dict) and source.get("mediaType") == "text/markdown" and isinstance(source.get("content"), str):
        body_html = sanitize.markdown_to_html(source["content"][:BODY_MAX])
    elif isinstance(source, str):  # a plain Markdown string, as some clients write it
        body_html = sanitize.markdown_to_html(source[:BODY_MAX])
    else:
        body_html = sanitize.clean_html(html)
    topics = [t["name"].lstrip("#").lower() for t in ld.as_list(document.get("tag"))
              if isinstance(t, dict) and ld.has_type(t, "Hashtag") and isinstance(t.get("name"), str)
              and TOPIC.match(t["name"].lstrip("#"))][:TOPICS_MAX]
    status, published = document.get("civicStatus"), document.get("published")
    supports, shares, comments = (_count(document.get(name)) for name in ("supportCount", "shareCount", "commentCount"))
    attachment = next((a for a in ld.as_list(document.get("attachment"))
                       if isinstance(a, dict) and ld.has_type(a, "Image")), {})
    image = ld.get_id(attachment.get("url"))
    image_url = urls.http_url(image) if isinstance(image, str) and len(image) <= limits.URL else None
    return RemoteIdea(
        ap_id=document["id"], kind=document["civicKind"],
        title=sanitize.plain_text(document.get("name"), TITLE_MAX) or "(ohne Titel)",
        summary=sanitize.plain_text(document.get("abstract"), SUMMARY_MAX), body_html=body_html,
        status=status if isinstance(status, str) and status in STATUSES else "proposed",
        published=published if isinstance(published, str) else iso(),
        updated=document.get("updated") if isinstance(document.get("updated"), str) else None,
        district_ids=ld.ids(document.get("districts"))[:limits.TAGS], topics=topics,
        addressed_to=ld.get_id(document.get("addressedTo")),
        image_url=image_url,
        url=urls.http_url(ld.get_id(document.get("url"))) or document["id"],
        counts=(supports, shares, comments), language=language,
        image_alt=sanitize.plain_text(attachment.get("name"), ALT_MAX) or None if image_url else None,
        image_media_type=content.image_media_type(image_url, attachment.get("mediaType")) if image_url else None,
    )


def _count(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


async def store_remote(rt: Runtime, author: Actor, idea: RemoteIdea) -> None:
    """Keep (or refresh) an idea published on another instance; its local supporters hear of a new status."""
    async with rt.db.transaction() as conn:
        before = await civic_store.get_idea(conn, idea.ap_id)
        # Its author's alone, and never again once deleted (however it reached us: inbox, fetch, boost).
        await ownership.check_change(conn, "Update" if before else "Create", idea.ap_id, author.ap_id)
        if before is not None and lifecycle.older_than_kept(idea.updated, before.updated):
            return
        idea_id = await civic_store.upsert_idea(
            conn, ap_id=idea.ap_id, is_local=False, author_id=author.id, kind=idea.kind, title=idea.title,
            summary=idea.summary, body_html=idea.body_html, status=idea.status, published=idea.published,
            districts=idea.district_ids, topics=idea.topics, addressed_to=idea.addressed_to,
            image_url=idea.image_url, url=idea.url, updated=idea.updated, counts=idea.counts,
            language=idea.language, image_alt=idea.image_alt, image_media_type=idea.image_media_type,
        )
        if before is None or before.status != idea.status:
            await civic_store.add_status_change(conn, idea_id, idea.status, author.ap_id, "",
                                                idea.updated or idea.published)
        if before is not None and before.status != idea.status:
            await notifications.add(
                conn, await civic_store.list_local_supporters(conn, idea.ap_id), kind="status_changed",
                object_ap_id=idea.ap_id, by_ap_id=author.ap_id,
                params={"what": "idea", "title": idea.title, "status": idea.status})
    if before is None:  # its city's name for the label, asked before anyone reads the idea here
        await nodeinfo.ask_soon(rt, [author.domain])


async def remote_deleted(rt: Runtime, author: Actor, ap_id: str) -> bool:
    """The origin deleted its idea: keep a Tombstone. True if it was an idea."""
    return await lifecycle.remote_deleted(rt, IDEA, author, ap_id)


async def is_known(rt: Runtime, ap_id: str) -> bool:
    return await civic_store.get_idea(rt.db.reader, ap_id) is not None


async def find_or_fetch(rt: Runtime, ap_id: str) -> Idea:
    """An idea we know, or a remote one fetched (signed) and kept now."""
    idea = await civic_store.get_idea(rt.db.reader, ap_id)
    if idea is not None:
        if idea.deleted_at is not None:
            raise Gone(f"idea {ap_id} was deleted", field="idea")
        return idea
    if urls.is_local(rt.config, ap_id):
        raise NotFound(f"no idea {ap_id} here", field="idea")
    try:
        document = await remote.fetch_document(rt, ap_id)
    except WeCreateError as e:
        raise BadRequest(f"cannot fetch {ap_id}: {e}", field="idea", code="fetch_failed") from e
    if document.get("id") != ap_id or not is_idea_document(document):
        raise BadRequest(f"{ap_id} is not an idea", field="idea")
    author = await remote.get_actor(rt, ld.get_id(document.get("attributedTo")) or "")
    if not urls.same_origin(author.ap_id, ap_id):
        raise BadRequest(f"{ap_id} is not on its author's host", field="idea")
    await store_remote(rt, author, parse_remote(document))
    found = await civic_store.get_idea(rt.db.reader, ap_id)
    if found is None:
        raise BadRequest(f"{ap_id} could not be kept", field="idea")
    return found
