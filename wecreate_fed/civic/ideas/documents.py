"""The ActivityStreams document of a local idea.

An idea federates as a `Note`: Mastodon renders a Note's `content` (title, summary, text,
hashtags, image, link back), while it reduces an `Article` or `Page` to a title and a link.
Other WeCreate instances read the civic fields from our own terms (civicKind, civicStatus,
districts, abstract, supportCount, …) and the Markdown from `source`. The short summary never
goes into `summary`, which Mastodon shows as a content warning.
"""

from __future__ import annotations

from wecreate_fed import content, ld, urls
from wecreate_fed.config import Config
from wecreate_fed.store import Connection, publications
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import civic as civic_store
from wecreate_fed.store.civic import Idea

from .. import audience, lifecycle
from .validation import KINDS, STATUSES


def idea_document(config: Config, idea: Idea, author_ap_id: str, author_followers: str | None,
                  district_ids: list[str], topics: list[str], cities: list[str] | None = None) -> dict:
    """The ActivityStreams object of a local idea (`cities`: the instance actors an organisation's
    idea was published to, civic/orgs/publishing.py, addressed so that their marketplace keeps it)."""
    html = [f"<p><strong>{_escape(idea.title)}</strong></p>"]
    if idea.summary:
        html.append(f"<p>{_escape(idea.summary)}</p>")
    html.append(idea.body_html)
    if topics:
        html.append("<p>" + " ".join(
            f'<a href="{urls.tag_url(config, t)}" class="mention hashtag" rel="tag">#<span>{t}</span></a>'
            for t in topics) + "</p>")
    html.append(f'<p><a href="{idea.url}">{idea.url}</a></p>')
    body = "".join(html)
    document = {
        "@context": ld.default_context(),
        "id": idea.ap_id,
        "type": "Note",
        "name": idea.title,
        "content": body,
        **content.content_map(body, idea.language or config.default_language),
        "source": {"content": idea.body_source or "", "mediaType": "text/markdown"},
        "url": idea.url,
        "attributedTo": author_ap_id,
        "to": [ld.PUBLIC],
        "cc": [c for c in [author_followers, idea.addressed_to, *(cities or [])] if c],
        "published": idea.published,
        "tag": [{"type": "Hashtag", "href": urls.tag_url(config, t), "name": f"#{t}"} for t in topics],
        "civicKind": idea.kind,
        "civicStatus": idea.status,
        "abstract": idea.summary,
        "districts": district_ids,
        "supportCount": idea.support_count,
        "shareCount": idea.share_count,
        "commentCount": idea.comment_count,
        "likes": {"id": f"{idea.ap_id}/likes", "type": "Collection", "totalItems": idea.support_count},
        "shares": {"id": f"{idea.ap_id}/shares", "type": "Collection", "totalItems": idea.share_count},
        "replies": {"id": f"{idea.ap_id}/replies", "type": "Collection", "totalItems": idea.comment_count},
    }
    if idea.updated:
        document["updated"] = idea.updated
    if idea.addressed_to:
        document["addressedTo"] = idea.addressed_to
    if idea.image_url:
        # The alt text goes in `name`, which Mastodon shows as the image's description.
        image = {"type": "Image", "url": idea.image_url, "name": idea.image_alt or idea.title}
        media_type = idea.image_media_type or content.image_media_type(idea.image_url)
        if media_type:
            image["mediaType"] = media_type
        document["attachment"] = [image]
        document["image"] = dict(image)
    if idea.sensitive:  # marked by a moderator: Mastodon shows the image behind a click
        document["sensitive"] = True
    return document


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


async def document_for(conn: Connection, config: Config, idea: Idea) -> dict:
    """The current ActivityStreams document of a local idea, read on `conn` (a transaction's, or the reader)."""
    author = await actors_store.referenced_actor(conn, idea.author_id)
    document = idea_document(config, idea, author.ap_id, author.followers_url,
                             await civic_store.list_idea_districts(conn, idea.id),
                             await civic_store.list_idea_topics(conn, idea.id),
                             [a.ap_id for a in await publications.targets(conn, idea.id)])
    members = await audience.addressing(conn, config, idea.members_of)
    return {**document, **members} if members else document


def is_idea_document(document) -> bool:
    """An object carrying one of our idea kinds."""
    return isinstance(document, dict) and document.get("civicKind") in KINDS


async def _audience(conn: Connection, idea: Idea) -> list[str]:
    if idea.members_of is not None:  # no remote server has it (nor could react to it)
        return []
    return [*await civic_store.list_reactor_inboxes(conn, idea.ap_id), *await publications.target_inboxes(conn, idea.id)]


# What the shared lifecycle (publish, edit, status, delete) knows of ideas; its changes also go
# to the remote people who supported, shared or commented on the idea, and to the cities an
# organisation published it to.
IDEA = lifecycle.Kind(
    name="idea", former_type="Note", owner="the author", statuses=STATUSES, get=civic_store.get_idea,
    mark_deleted=civic_store.mark_idea_deleted, document=document_for, audience=_audience,
)
