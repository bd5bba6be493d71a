"""Ideas and reform proposals: publish, edit, change status, delete; support, share, comment.

An idea federates as a `Note`: Mastodon renders a Note's `content` (title, summary, text,
hashtags, image, link back), while it reduces an `Article` or `Page` to a title and a link.
Other WeCreate instances read the civic fields from our own terms (civicKind, civicStatus,
districts, abstract, supportCount, …) and the Markdown from `source`. The short summary never
goes into `summary`, which Mastodon shows as a content warning.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass

from actors import remote
from outbox import activities
from outbox.send import outgoing, resolve_recipients, send
from wecreate_fed import ld, sanitize, urls
from wecreate_fed.config import Config
from wecreate_fed.errors import BadRequest, Conflict, Forbidden, Gone, NotFound, WeCreateError
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import civic as civic_store
from wecreate_fed.store import iso, iso_in, social
from wecreate_fed.store.actors import Actor

from . import districts

KINDS = ("idea", "reform_proposal")
STATUSES = ("proposed", "in_discussion", "being_implemented", "implemented", "declined", "withdrawn")
TITLE_MAX, SUMMARY_MAX, BODY_MAX, TOPICS_MAX = 200, 500, 20_000, 10
TOPIC = re.compile(r"^\w{1,50}$")
PATH = "/ideas/"      # the ActivityPub id
PAGE_PATH = "/i/"     # the web page people are sent to (`url`)


@dataclass
class IdeaInput:
    title: str
    summary: str
    body: str
    district_slugs: list[str]
    topics: list[str]
    kind: str
    image_url: str | None
    addressed_to: str | None


def validate(config: Config, data: dict) -> IdeaInput:
    """Check a submitted idea (website form or client-to-server); BadRequest naming every problem."""
    problems = []

    def text(name: str, limit: int, required: bool) -> str:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                problems.append(f"{name} is required")
            return ""
        if not isinstance(value, str):
            problems.append(f"{name} must be text")
            return ""
        if len(value) > limit:
            problems.append(f"{name} is longer than {limit} characters")
        return value.strip()

    title = sanitize.plain_text(text("title", TITLE_MAX, True))
    summary = sanitize.plain_text(text("summary", SUMMARY_MAX, False))
    body = text("body", BODY_MAX, False)
    kind = data.get("kind") or "idea"
    if kind not in KINDS:
        problems.append(f"kind must be one of {', '.join(KINDS)}")
    slugs = data.get("districts") or []
    if isinstance(slugs, str):
        slugs = [s for s in re.split(r"[,\s]+", slugs) if s]
    if not isinstance(slugs, list) or not slugs:
        problems.append("at least one district is required")
        slugs = []
    for slug in slugs:
        try:
            districts.by_slug(config, slug)
        except BadRequest as e:
            problems.append(str(e))
    topics = data.get("topics") or []
    if isinstance(topics, str):
        topics = [t for t in re.split(r"[,\s]+", topics) if t]
    topics = [t.lstrip("#").lower() for t in topics if isinstance(t, str)]
    if len(topics) > TOPICS_MAX:
        problems.append(f"at most {TOPICS_MAX} topics")
    bad = [t for t in topics if not TOPIC.match(t)]
    if bad:
        problems.append(f"topics are single words (letters, digits, _): {', '.join(bad)}")
    image_url = data.get("image_url") or None
    if image_url is not None and (not isinstance(image_url, str) or not image_url.startswith(("https://", "http://"))):
        problems.append("image_url must be an http(s) URL")
    addressed_to = data.get("addressed_to") or None
    if kind == "reform_proposal" and not addressed_to:
        problems.append("a reform proposal needs addressed_to: the administration or a party it is addressed to")
    if problems:
        raise BadRequest("; ".join(problems))
    return IdeaInput(title, summary, body, list(dict.fromkeys(slugs)), list(dict.fromkeys(topics)), kind,
                     image_url, addressed_to)


def idea_document(config: Config, idea, author_ap_id: str, author_followers: str | None,
                  district_ids: list[str], topics: list[str]) -> dict:
    """The ActivityStreams object of a local idea."""
    html = [f"<p><strong>{_escape(idea['title'])}</strong></p>"]
    if idea["summary"]:
        html.append(f"<p>{_escape(idea['summary'])}</p>")
    html.append(idea["body_html"])
    if topics:
        html.append("<p>" + " ".join(
            f'<a href="{config.base_url}/tags/{t}" class="mention hashtag" rel="tag">#<span>{t}</span></a>'
            for t in topics) + "</p>")
    html.append(f'<p><a href="{idea["url"]}">{idea["url"]}</a></p>')
    document = {
        "@context": ld.default_context(),
        "id": idea["ap_id"],
        "type": "Note",
        "name": idea["title"],
        "content": "".join(html),
        "source": {"content": idea["body_source"] or "", "mediaType": "text/markdown"},
        "url": idea["url"],
        "attributedTo": author_ap_id,
        "to": [ld.PUBLIC],
        "cc": [c for c in [author_followers, idea["addressed_to"]] if c],
        "published": idea["published"],
        "tag": [{"type": "Hashtag", "href": f"{config.base_url}/tags/{t}", "name": f"#{t}"} for t in topics],
        "civicKind": idea["kind"],
        "civicStatus": idea["status"],
        "abstract": idea["summary"],
        "districts": district_ids,
        "supportCount": idea["support_count"],
        "shareCount": idea["share_count"],
        "commentCount": idea["comment_count"],
        "likes": {"id": f"{idea['ap_id']}/likes", "type": "Collection", "totalItems": idea["support_count"]},
        "shares": {"id": f"{idea['ap_id']}/shares", "type": "Collection", "totalItems": idea["share_count"]},
        "replies": {"id": f"{idea['ap_id']}/replies", "type": "Collection", "totalItems": idea["comment_count"]},
    }
    if idea["updated"]:
        document["updated"] = idea["updated"]
    if idea["addressed_to"]:
        document["addressedTo"] = idea["addressed_to"]
    if idea["image_url"]:
        document["attachment"] = [{"type": "Image", "url": idea["image_url"], "name": idea["title"]}]
        document["image"] = {"type": "Image", "url": idea["image_url"]}
    return document


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


async def document_for(rt: Runtime, idea) -> dict:
    """The current ActivityStreams document of a local idea row."""
    conn = rt.db.reader
    author = await actors_store.get_actor(conn, idea["author_id"])
    return idea_document(rt.config, idea, author.ap_id, author.followers_url,
                         await civic_store.list_idea_districts(conn, idea["id"]),
                         await civic_store.list_idea_topics(conn, idea["id"]))


# --- local people act ---------------------------------------------------------------

async def publish(rt: Runtime, author: Actor, data: dict) -> tuple[str, dict]:
    """Publish a new idea or reform proposal by a local person or organisation.

    Returns the id of the Create activity sent and the idea's document.
    """
    if not author.is_local or author.type not in ("Person", "Organization"):
        raise Forbidden("only local people and organisations publish ideas")
    idea_input = validate(rt.config, data)
    if idea_input.addressed_to:
        addressee = await _addressee(rt, idea_input.addressed_to)
        idea_input.addressed_to = addressee.ap_id
    key = uuid.uuid4()
    ap_id = f"{rt.config.base_url}{PATH}{key}"
    now = iso()
    district_ids = [districts.district_ap_id(rt.config, s) for s in idea_input.district_slugs]
    async with rt.db.transaction() as conn:
        idea_id = await civic_store.upsert_idea(
            conn, ap_id=ap_id, is_local=True, author_id=author.id, kind=idea_input.kind, title=idea_input.title,
            summary=idea_input.summary, body_source=idea_input.body,
            body_html=sanitize.markdown_to_html(idea_input.body), status="proposed", published=now,
            districts=district_ids, topics=idea_input.topics, addressed_to=idea_input.addressed_to,
            image_url=idea_input.image_url, url=f"{rt.config.base_url}{PAGE_PATH}{key}",
        )
        await civic_store.add_status_change(conn, idea_id, "proposed", author.ap_id, "", now)
        idea = await civic_store.get_idea_by_id(conn, idea_id)
    document = await document_for(rt, idea)
    activity_id = await send(rt, author, activities.create(rt.config, author, _without_context(document)))
    await districts.announce_new(rt, district_ids, ap_id)
    return activity_id, document


async def _addressee(rt: Runtime, ref: str) -> Actor:
    try:
        addressee = await remote.find_actor(rt, ref)
    except WeCreateError as e:
        raise BadRequest(f"addressed_to: cannot find {ref}: {e}")
    if addressee.type != "Organization":
        raise BadRequest("addressed_to must be an organisation: the administration or a party")
    return addressee


async def local_idea(rt: Runtime, ap_id: str):
    idea = await civic_store.get_idea(rt.db.reader, ap_id)
    if idea is None or not idea["is_local"]:
        raise NotFound(f"no idea {ap_id} here")
    if idea["deleted_at"] is not None:
        raise Gone(f"idea {ap_id} was deleted")
    return idea


async def _may_manage(rt: Runtime, actor: Actor, idea) -> None:
    """The author or a moderator of this instance may edit, change the status of, or delete an idea."""
    await require_owner_or_moderator(rt, actor, idea["author_id"], "the author")


async def require_owner_or_moderator(rt: Runtime, actor: Actor, owner_id: int, owner: str) -> None:
    """Only the owner of something (`owner` names them) or a moderator of this instance may change it."""
    if actor.id == owner_id:
        return
    account = await actors_store.get_account(rt.db.reader, actor.id)
    if account is None or account["role"] not in ("moderator", "admin"):
        raise Forbidden(f"only {owner} or a moderator may do that")


async def edit(rt: Runtime, editor: Actor, ap_id: str, data: dict) -> dict:
    """Edit a local idea (fields not given stay as they are); federates as Update."""
    idea = await local_idea(rt, ap_id)
    await _may_manage(rt, editor, idea)
    conn = rt.db.reader
    current = {
        "title": idea["title"], "summary": idea["summary"], "body": idea["body_source"] or "",
        "kind": idea["kind"], "image_url": idea["image_url"], "addressed_to": idea["addressed_to"],
        "districts": [districts.slug_of(rt.config, d) for d in await civic_store.list_idea_districts(conn, idea["id"])],
        "topics": await civic_store.list_idea_topics(conn, idea["id"]),
    }
    merged = {**current, **{k: v for k, v in data.items() if k in current}}
    idea_input = validate(rt.config, merged)
    if idea_input.addressed_to and idea_input.addressed_to != idea["addressed_to"]:
        idea_input.addressed_to = (await _addressee(rt, idea_input.addressed_to)).ap_id
    async with rt.db.transaction() as conn:
        await civic_store.upsert_idea(
            conn, ap_id=ap_id, is_local=True, author_id=idea["author_id"], kind=idea_input.kind,
            title=idea_input.title, summary=idea_input.summary, body_source=idea_input.body,
            body_html=sanitize.markdown_to_html(idea_input.body), status=idea["status"],
            published=idea["published"], updated=iso(),
            districts=[districts.district_ap_id(rt.config, s) for s in idea_input.district_slugs],
            topics=idea_input.topics, addressed_to=idea_input.addressed_to, image_url=idea_input.image_url,
            url=idea["url"],
        )
    return await publish_update(rt, ap_id)


async def publish_update(rt: Runtime, ap_id: str) -> dict:
    """Send the idea's current state as Update to the author's followers and everyone who took part."""
    idea = await local_idea(rt, ap_id)
    document = await document_for(rt, idea)
    author = await actors_store.get_actor(rt.db.reader, idea["author_id"])
    reactors = await civic_store.list_reactor_inboxes(rt.db.reader, ap_id)
    await send(rt, author, activities.update(rt.config, author, _without_context(document)), extra_inboxes=reactors)
    return document


async def change_status(rt: Runtime, actor: Actor, ap_id: str, status: str, note: str = "") -> dict:
    """Move an idea along proposed → in discussion → being implemented → implemented (or declined / withdrawn)."""
    if status not in STATUSES:
        raise BadRequest(f"status must be one of {', '.join(STATUSES)}")
    idea = await local_idea(rt, ap_id)
    await _may_manage(rt, actor, idea)
    if status == idea["status"]:
        raise Conflict(f"the idea is already '{status}'")
    if status == "withdrawn" and actor.id != idea["author_id"]:
        raise Forbidden("only the author may withdraw an idea")
    note = sanitize.plain_text(note, 1000)
    async with rt.db.transaction() as conn:
        await civic_store.set_idea_status(conn, idea["id"], status, actor.ap_id, note)
        supporters = [a for a in await civic_store.list_local_supporters(conn, ap_id) if a != actor.id]
        await civic_store.add_notifications(conn, supporters, kind="status_changed", object_ap_id=ap_id,
                                            by_ap_id=actor.ap_id, text=f"{idea['title']}: {status}")
    return await publish_update(rt, ap_id)


async def delete(rt: Runtime, actor: Actor, ap_id: str) -> None:
    """Delete a local idea: it becomes a Tombstone here, and a Delete goes to everyone who had it."""
    idea = await local_idea(rt, ap_id)
    await _may_manage(rt, actor, idea)
    author = await actors_store.get_actor(rt.db.reader, idea["author_id"])
    reactors = await civic_store.list_reactor_inboxes(rt.db.reader, ap_id)
    async with rt.db.transaction() as conn:
        await civic_store.mark_idea_deleted(conn, idea["id"])
    await send(rt, author, activities.delete(rt.config, author, ap_id, cc=[author.followers_url]),
               extra_inboxes=reactors)


async def find_or_fetch(rt: Runtime, ap_id: str):
    """An idea we know, or a remote one fetched (signed) and stored now."""
    idea = await civic_store.get_idea(rt.db.reader, ap_id)
    if idea is not None:
        if idea["deleted_at"] is not None:
            raise Gone(f"idea {ap_id} was deleted")
        return idea
    if urls.is_local(rt.config, ap_id):
        raise NotFound(f"no idea {ap_id} here")
    try:
        document = await remote.fetch_document(rt, ap_id)
    except WeCreateError as e:
        raise BadRequest(f"cannot fetch {ap_id}: {e}")
    if document.get("id") != ap_id or not is_idea_document(document):
        raise BadRequest(f"{ap_id} is not an idea")
    author = await remote.get_actor(rt, ld.get_id(document.get("attributedTo")) or "")
    await store_remote(rt, author, document)
    return await civic_store.get_idea(rt.db.reader, ap_id)


async def support(rt: Runtime, actor: Actor, ap_id: str) -> str:
    """A local person supports an idea (here or on another instance): a Like to its author."""
    return await _react(rt, actor, ap_id, "Like", "support_count", "you already support this idea")


async def withdraw_support(rt: Runtime, actor: Actor, ap_id: str) -> str:
    """Take a support back: Undo(Like)."""
    return await _undo_reaction(rt, actor, ap_id, "Like", "support_count", "you do not support this idea")


async def share(rt: Runtime, actor: Actor, ap_id: str) -> str:
    """Share (boost) an idea to one's followers: Announce."""
    return await _react(rt, actor, ap_id, "Announce", "share_count", "you already shared this idea")


async def unshare(rt: Runtime, actor: Actor, ap_id: str) -> str:
    return await _undo_reaction(rt, actor, ap_id, "Announce", "share_count", "you have not shared this idea")


async def _react(rt: Runtime, actor: Actor, ap_id: str, kind: str, column: str, repeated: str) -> str:
    idea = await find_or_fetch(rt, ap_id)
    author = await actors_store.get_actor(rt.db.reader, idea["author_id"])
    builder = activities.like if kind == "Like" else activities.announce
    activity = builder(rt.config, actor, ap_id, author.ap_id)
    recipients = await resolve_recipients(rt, actor, activity)
    # The reaction, the count and the activity commit together: a request cancelled (the client
    # hung up) between them would leave a support counted here that its idea's instance never hears of.
    async with outgoing(rt) as out:
        if not await social.add_reaction(out.conn, kind, actor.id, ap_id, activity["id"]):
            raise Conflict(repeated)
        await _count_changed(out.conn, idea, column, +1)
        await out.queue(actor, activity, recipients)
    return activity["id"]


async def _undo_reaction(rt: Runtime, actor: Actor, ap_id: str, kind: str, column: str, missing: str) -> str:
    idea = await civic_store.get_idea(rt.db.reader, ap_id)
    reaction = await social.get_reaction(rt.db.reader, kind, actor.id, ap_id)
    if idea is None or reaction is None:
        raise NotFound(missing)
    activity = await social.get_activity(rt.db.reader, reaction["activity_ap_id"])
    original = json.loads(activity["data"]) if activity else {
        "id": reaction["activity_ap_id"], "type": kind, "actor": actor.ap_id, "object": ap_id}
    author = await actors_store.get_actor(rt.db.reader, idea["author_id"])
    undo = activities.undo(rt.config, actor, original)
    undo.setdefault("to", [author.ap_id])
    recipients = await resolve_recipients(rt, actor, undo)
    async with outgoing(rt) as out:
        await social.delete_reaction(out.conn, actor.id, activity_ap_id=reaction["activity_ap_id"])
        await _count_changed(out.conn, idea, column, -1)
        await out.queue(actor, undo, recipients)
    return undo["id"]


async def comment(rt: Runtime, actor: Actor, in_reply_to: str, text: str) -> str:
    """A comment (a reply Note, Markdown) on an idea or on another comment; threads follow inReplyTo."""
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("a comment needs text")
    if len(text) > BODY_MAX:
        raise BadRequest(f"a comment is longer than {BODY_MAX} characters")
    root_id = await civic_store.find_thread_root_idea(rt.db.reader, in_reply_to)
    if root_id is None:
        idea = await find_or_fetch(rt, in_reply_to)
        root_id = idea["ap_id"]
    idea = await find_or_fetch(rt, root_id)
    parent = await social.get_object(rt.db.reader, in_reply_to)
    parent_author = (await actors_store.get_actor(rt.db.reader, parent["actor_id"])).ap_id if parent else None
    author = await actors_store.get_actor(rt.db.reader, idea["author_id"])
    cc = [c for c in dict.fromkeys([actor.followers_url, author.ap_id, parent_author]) if c and c != actor.ap_id]
    note = activities.note(rt.config, actor, sanitize.markdown_to_html(text), to=[ld.PUBLIC], cc=cc,
                           in_reply_to=in_reply_to)
    note["context"] = root_id
    async with rt.db.transaction() as conn:
        await social.add_object(conn, ap_id=note["id"], type="Note", actor_id=actor.id, is_local=True,
                                content=note["content"], is_public=True, data=note, in_reply_to=in_reply_to,
                                published=note["published"])
        await _count_changed(conn, idea, "comment_count", +1)
    return await send(rt, actor, activities.create(rt.config, actor, note))


async def comment_sent(rt: Runtime, in_reply_to: str) -> None:
    """A local reply was posted through the generic outbox: count it on the idea it belongs to."""
    root = await civic_store.find_thread_root_idea(rt.db.reader, in_reply_to)
    if root is None:
        return
    idea = await civic_store.get_idea(rt.db.reader, root)
    async with rt.db.transaction() as conn:
        await _count_changed(conn, idea, "comment_count", +1)


async def _count_changed(conn, idea, column: str, delta: int) -> None:
    """Recount a local idea from the facts (its counts worker then publishes it); nudge a remote one."""
    if idea["is_local"]:
        await civic_store.recount_local_idea(conn, idea["ap_id"])
    else:
        await civic_store.bump_remote_idea_count(conn, idea["ap_id"], column, delta)


async def publish_counts(rt: Runtime, row) -> None:
    """Send an Update with the idea's settled counts; the flag stays set if counts changed meanwhile."""
    await publish_update(rt, row["ap_id"])
    async with rt.db.transaction() as conn:
        await civic_store.mark_counts_published(conn, row["id"], row["counts_changed_at"])


# --- what arrives from other servers ------------------------------------------------

def is_idea_document(document: dict) -> bool:
    return isinstance(document, dict) and document.get("civicKind") in KINDS


async def store_remote(rt: Runtime, author: Actor, document: dict) -> None:
    """Keep (or refresh) an idea published on another WeCreate instance, as its origin describes it."""
    source = document.get("source") if isinstance(document.get("source"), dict) else {}
    if source.get("mediaType") == "text/markdown" and isinstance(source.get("content"), str):
        body_html = sanitize.markdown_to_html(source["content"][:BODY_MAX])
    else:
        body_html = sanitize.clean_html(document.get("content"))
    status = document.get("civicStatus") if document.get("civicStatus") in STATUSES else "proposed"
    topics = [t["name"].lstrip("#").lower() for t in ld.as_list(document.get("tag"))
              if isinstance(t, dict) and t.get("type") == "Hashtag" and isinstance(t.get("name"), str)
              and TOPIC.match(t["name"].lstrip("#"))][:TOPICS_MAX]
    image = next((ld.get_id(a.get("url")) for a in ld.as_list(document.get("attachment"))
                  if isinstance(a, dict) and a.get("type") == "Image"), None)
    counts = tuple(_count(document.get(name)) for name in ("supportCount", "shareCount", "commentCount"))
    published = document.get("published") if isinstance(document.get("published"), str) else iso()
    async with rt.db.transaction() as conn:
        before = await civic_store.get_idea(conn, document["id"])
        idea_id = await civic_store.upsert_idea(
            conn, ap_id=document["id"], is_local=False, author_id=author.id, kind=document["civicKind"],
            title=sanitize.plain_text(document.get("name"), TITLE_MAX) or "(ohne Titel)",
            summary=sanitize.plain_text(document.get("abstract"), SUMMARY_MAX), body_html=body_html,
            status=status, published=published, districts=ld.ids(document.get("districts")), topics=topics,
            addressed_to=ld.get_id(document.get("addressedTo")), image_url=image if isinstance(image, str) else None,
            url=ld.get_id(document.get("url")) or document["id"],
            updated=document.get("updated") if isinstance(document.get("updated"), str) else None, counts=counts,
        )
        if before is None or before["status"] != status:
            await civic_store.add_status_change(conn, idea_id, status, author.ap_id, "",
                                                document.get("updated") or published)
        if before is not None and before["status"] != status:
            await civic_store.add_notifications(
                conn, await civic_store.list_local_supporters(conn, document["id"]), kind="status_changed",
                object_ap_id=document["id"], by_ap_id=author.ap_id, text=f"{before['title']}: {status}")


def _count(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


async def remote_deleted(rt: Runtime, author: Actor, ap_id: str) -> bool:
    """The origin deleted its idea: keep a Tombstone. True if it was an idea."""
    async with rt.db.transaction() as conn:
        idea = await civic_store.get_idea(conn, ap_id)
        if idea is None or idea["author_id"] != author.id:
            return False
        await civic_store.mark_idea_deleted(conn, idea["id"])
        return True


async def is_known(rt: Runtime, ap_id: str) -> bool:
    return await civic_store.get_idea(rt.db.reader, ap_id) is not None


async def reaction_received(rt: Runtime, ap_id: str) -> None:
    """A Like, Announce, their Undo, or a reply changed a local idea's counts: recount from the facts."""
    async with rt.db.transaction() as conn:
        await civic_store.recount_local_idea(conn, ap_id)


async def thread_root(rt: Runtime, object_ap_id: str) -> str | None:
    """The idea a reply belongs to (also through replies to replies)."""
    return await civic_store.find_thread_root_idea(rt.db.reader, object_ap_id)


def iso_ago(seconds: float) -> str:
    return iso_in(-seconds)


def _without_context(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "@context"}
