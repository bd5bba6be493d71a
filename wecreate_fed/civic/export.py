"""Export my data (GDPR Art. 15 and 20): one ZIP of everything a person put here.

The archive has the shape of Mastodon's (its BackupService), so tools that import a Mastodon
archive read ours: `actor.json` (the actor document, with `outbox`, `likes` and the avatar as
paths inside the archive), `outbox.json` (an OrderedCollection of the person's Create and
Announce activities, each Create with the object as it is now, without `@context` on the items),
`likes.json` (an OrderedCollection of the ids liked, i.e. supported) and the avatar. Beside them,
what is ours: ideas, events, comments, supports, boxes and motions, each as an ActivityStreams
collection (.json) and as a table (.csv); `following_accounts.csv` in Mastodon's import format;
a README.txt in the person's language.

Bounded memory: rows are read in batches (store/export.py) and written straight into a ZIP in an
anonymous temporary file (gone when closed), which the website then streams out. Writing is
done in a thread, so compressing a large export does not stall the server.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import tempfile
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import IO

from actors.documents import local_actor_document
from wecreate_fed import i18n, ld, ratelimit, urls
from wecreate_fed.errors import TooManyRequests
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection, iso
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import civic as civic_store
from wecreate_fed.store import events as events_store
from wecreate_fed.store import export as store
from wecreate_fed.store import motions as motion_store
from wecreate_fed.store import polls as polls_store
from wecreate_fed.store.actors import Actor

from . import accounts, files
from .boxes import documents as box_documents
from .boxes import motion_documents
from .events import documents as event_documents
from .ideas import documents as idea_documents
from .polls import documents as poll_documents

CHUNK = 64 * 1024           # bytes gathered before one write into the ZIP
AT_ONCE = 2                 # exports built at the same time on this instance (each costs a core)
FILES = ("actor.json", "outbox.json", "likes.json", "ideas.json", "ideas.csv", "events.json", "events.csv",
         "comments.json", "comments.csv", "supports.json", "supports.csv", "boxes.json", "boxes.csv",
         "motions.json", "motions.csv", "polls.csv", "poll_votes.csv", "uploads.csv", "following_accounts.csv", "followers.csv", "README.txt")
# The bytes of the files one uploaded to boxes and spaces lie beside uploads.csv, under this folder.
UPLOADS = "uploads/"
# A spreadsheet runs a cell that starts like a formula; a quote in front keeps it text.
_FORMULA_START = ("=", "+", "@", "\t", "\r")


# --- who may, how often ----------------------------------------------------------------------

def _limits(rt: Runtime) -> tuple[ratelimit.Buckets, asyncio.Semaphore]:
    if "exports" not in rt.caches:
        per_hour = rt.config.accounts_exports_per_hour
        rule = ratelimit.Rule(per_hour / 60.0 if rt.config.rate_limits_enabled else 0.0, per_hour)
        rt.caches["exports"] = (ratelimit.Buckets(rule, rt.config.rate_limit_max_tracked), asyncio.Semaphore(AT_ONCE))
    return rt.caches["exports"]


async def export(rt: Runtime, actor: Actor, lang: str) -> IO[bytes]:
    """The ZIP of `actor`'s data in a temporary file, read from its start; the caller closes it.
    TooManyRequests past accounts.exports_per_hour, or while AT_ONCE other exports are being built."""
    buckets, running = _limits(rt)
    if running.locked():
        raise TooManyRequests("other exports are being made; try again in a minute", code="export_busy",
                              params={"seconds": 60})
    if wait := buckets.take(str(actor.id)):
        seconds = max(1, int(wait) + 1)
        raise TooManyRequests(f"too many exports; try again in {seconds} s", code="rate_limited",
                              params={"seconds": seconds})
    async with running:
        file = tempfile.TemporaryFile()
        try:
            with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                await _write_all(rt, Zip(archive), actor, lang)
            file.seek(0)
        except BaseException:
            file.close()
            raise
        return file


def filename(actor: Actor) -> str:
    return f"{actor.username or 'export'}-{iso()[:10]}.zip"


# --- writing ---------------------------------------------------------------------------------

class Zip:
    """Members written one after the other; text buffered up to CHUNK, then written in a thread."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive

    async def member(self, name: str, parts: AsyncIterator[str]) -> None:
        handle = await asyncio.to_thread(self.archive.open, name, "w", force_zip64=True)
        try:
            buffer: list[str] = []
            size = 0
            async for part in parts:
                buffer.append(part)
                size += len(part)
                if size >= CHUNK:
                    await asyncio.to_thread(handle.write, "".join(buffer).encode())
                    buffer, size = [], 0
            await asyncio.to_thread(handle.write, "".join(buffer).encode())
        finally:
            await asyncio.to_thread(handle.close)

    async def file(self, name: str, path) -> None:
        await asyncio.to_thread(self.archive.write, path, name)


async def collection(name: str, items: AsyncIterator[dict | str]) -> AsyncIterator[str]:
    """An OrderedCollection with id `name` (a path in the archive, as Mastodon's), written as it is
    read; totalItems comes last, when it is known (the order of keys means nothing in JSON)."""
    yield json.dumps({"@context": ld.default_context(), "id": name, "type": "OrderedCollection"})[:-1]
    yield ', "orderedItems": ['
    count = 0
    async for item in items:
        yield (", " if count else "") + json.dumps(item, ensure_ascii=False)
        count += 1
    yield f'], "totalItems": {count}}}'


async def table(header: list[str], rows: AsyncIterator[list], *, bom: bool = True) -> AsyncIterator[str]:
    """CSV, UTF-8; with a byte order mark so that spreadsheet programs read the umlauts right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    yield ("\ufeff" if bom else "") + out.getvalue()
    async for row in rows:
        out.seek(0)
        out.truncate()
        writer.writerow([_cell(v) for v in row])
        yield out.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _rows(fetch: Callable[..., Awaitable[list]], *args, key: str = "id", **kwargs) -> AsyncIterator:
    """Every row of a batched store query, one batch in memory at a time."""
    async def rows():
        after = 0
        while batch := await fetch(*args, after=after, **kwargs):
            for row in batch:
                yield row
            after = batch[-1][key]
    return rows()


async def _mapped(rows: AsyncIterator, make: Callable[[object], Awaitable[object | None]]) -> AsyncIterator:
    async for row in rows:
        if (item := await make(row)) is not None:
            yield item


# --- the archive's members -------------------------------------------------------------------

async def _write_all(rt: Runtime, zip_: Zip, actor: Actor, lang: str) -> None:
    conn, config = rt.db.reader, rt.config
    avatar = _avatar_path(rt, actor)
    document = ld.without_context(await local_actor_document(conn, actor))
    document = {"@context": ld.default_context(), **document, "outbox": "outbox.json", "likes": "likes.json"}
    if avatar is not None:
        document["icon"] = {**(document.get("icon") or {"type": "Image"}), "url": "avatar" + avatar.suffix}
        await zip_.file("avatar" + avatar.suffix, avatar)
    await zip_.member("actor.json", _once(json.dumps(document, ensure_ascii=False, indent=2)))
    await zip_.member("outbox.json", collection("outbox.json", _outbox(rt, conn, actor)))
    likes = _rows(store.reactions, conn, actor.id, "Like")
    await zip_.member("likes.json", collection("likes.json", _mapped(likes, _object_id)))

    async def idea_document(row):
        idea = civic_store.idea_of(row)
        return ld.without_context(await idea_documents.document_for(conn, config, idea))
    await zip_.member("ideas.json", collection("ideas.json", _mapped(_rows(store.ideas, conn, actor.id), idea_document)))
    await zip_.member("ideas.csv", table(
        ["id", "url", "kind", "title", "summary", "body_markdown", "status", "districts", "topics", "image_url",
         "supports", "shares", "comments", "published", "updated"],
        _mapped(_rows(store.ideas, conn, actor.id), _idea_row)))

    async def event_item(row):
        if row["role"] == "organizer":
            event = events_store.event_of(row)
            return ld.without_context(await event_documents.document_for(conn, config, event))
        return {"id": row["join_ap_id"], "type": "Join", "actor": actor.ap_id, "object": row["ap_id"],
                "published": row["attended_at"]}
    await zip_.member("events.json", collection("events.json", _mapped(_rows(store.events, conn, actor.id), event_item)))
    await zip_.member("events.csv", table(
        ["id", "title", "role", "attendance", "starts_at", "ends_at", "timezone", "place", "address", "online_url",
         "status", "idea", "published"], _mapped(_rows(store.events, conn, actor.id), _event_row)))

    await zip_.member("comments.json", collection("comments.json", _mapped(
        _rows(store.posts, conn, actor.id), _post_document)))
    await zip_.member("comments.csv", table(
        ["id", "type", "in_reply_to", "box", "content_html", "published", "updated"],
        _mapped(_rows(store.posts, conn, actor.id), _post_row)))

    async def like(row):
        return {"id": row["activity_ap_id"], "type": "Like", "actor": actor.ap_id, "object": row["object_ap_id"],
                "published": row["created_at"]}
    await zip_.member("supports.json", collection("supports.json", _mapped(
        _rows(store.reactions, conn, actor.id, "Like"), like)))
    await zip_.member("supports.csv", table(["idea", "title", "supported_at"], _mapped(
        _rows(store.reactions, conn, actor.id, "Like"), _support_row)))

    async def box_document(row):
        box = await actors_store.get_actor(conn, row["id"])
        return ld.without_context(await box_documents.box_document(rt, box, conn)) if box else None
    await zip_.member("boxes.json", collection("boxes.json", _mapped(_rows(store.boxes, conn, actor.id), box_document)))
    await zip_.member("boxes.csv", table(["id", "name", "handle", "role", "state", "since"], _mapped(
        _rows(store.boxes, conn, actor.id), _box_row(config))))

    async def motion_document(row):
        motion = await motion_store.get_motion(conn, row["ap_id"])
        return ld.without_context(await motion_documents.motion_document(rt, motion, conn)) if motion else None
    await zip_.member("motions.json", collection("motions.json", _mapped(
        _rows(store.motions, conn, actor.ap_id), motion_document)))
    await zip_.member("motions.csv", table(
        ["id", "title", "box", "role", "state", "decision", "created_at", "submitted_at", "cosigned_at"],
        _mapped(_rows(store.motions, conn, actor.ap_id), _motion_row)))

    await zip_.member("polls.csv", table(
        ["id", "question", "options", "several_choices", "secret", "closes_at", "closed_at", "voters", "created_at"],
        _mapped(_rows(store.polls, conn, actor.id), _poll_row(conn))))
    await zip_.member("poll_votes.csv", table(["poll", "question", "choices"], _mapped(
        _rows(store.poll_votes, conn, actor.id), _poll_vote_row(lang))))

    folder = files.files_folder(config)
    await zip_.member("uploads.csv", table(
        ["file", "name", "type", "bytes", "sha256", "box", "space", "uploaded_at"],
        _mapped(_rows(store.uploads, conn, actor.id), _upload_row)))
    async for row in _rows(store.uploads, conn, actor.id):
        path = folder / row["stored_name"]
        if await asyncio.to_thread(path.is_file):  # a file deleted meanwhile is in neither
            await zip_.file(_upload_name(row), path)

    # Mastodon's format for importing follows elsewhere: a handle per line, no byte order mark.
    await zip_.member("following_accounts.csv", table(
        ["Account address", "Show boosts", "Notify on new posts", "Languages"],
        _mapped(_rows(store.follows, conn, actor.id, direction="following"), _following_row), bom=False))
    await zip_.member("followers.csv", table(["Account address", "Actor id", "since"], _mapped(
        _rows(store.follows, conn, actor.id, direction="followers"), _follower_row)))
    await zip_.member("README.txt", _once(_readme(rt, actor, lang)))


def _poll_row(conn: Connection) -> Callable[[object], Awaitable[list | None]]:
    async def row_of(row) -> list | None:
        poll = await polls_store.get_poll_by_id(conn, row["id"])
        if poll is None:
            return None
        options = await polls_store.list_options(conn, poll.id)
        # the totals only where the poll shows them (a secret ballot's not before it closes)
        shown = poll_documents.results_visible(poll)
        names = " | ".join(f"{o.name} ({o.votes})" if shown else o.name for o in options)
        return [poll.ap_id, poll.question, names, poll.multiple, poll.secret, poll.end_time,
                poll_documents.closed_at(poll), poll.voters_count, poll.created_at]
    return row_of


def _poll_vote_row(lang: str) -> Callable[[object], Awaitable[list]]:
    async def row_of(row) -> list:
        secret = i18n.gettext(lang, "export.secret_ballot")
        return [row["ap_id"], row["question"], secret if row["secret"] else row["choices"]]
    return row_of


def _upload_name(row) -> str:
    """uploads/<key>-<name>: the key keeps two files of one name apart (the name is clean already)."""
    return f"{UPLOADS}{row['key']}-{row['name']}"


async def _upload_row(row) -> list:
    return [_upload_name(row), row["name"], row["media_type"], row["size"], row["sha256"], row["box_ap_id"],
            row["space_ap_id"], row["created_at"]]


async def _once(text: str) -> AsyncIterator[str]:
    yield text


async def _outbox(rt: Runtime, conn: Connection, actor: Actor) -> AsyncIterator[dict]:
    """Create activities of what still exists (the object as it is now) and Announces not undone."""
    seen: set[str] = set()
    async for row in _rows(store.outbox_activities, conn, actor.id):
        activity = ld.without_context(json.loads(row["data"]))
        if row["type"] == "Announce":
            if await store.reaction_exists(conn, row["ap_id"]):
                yield activity
            continue
        object_id = row["object_ap_id"] or ld.get_id(activity.get("object"))
        if not object_id or object_id in seen:
            continue
        document = await _current(rt, conn, actor, object_id)
        if document is not None:
            seen.add(object_id)
            yield {**activity, "object": ld.without_context(document)}


async def _current(rt: Runtime, conn: Connection, actor: Actor, object_id: str) -> dict | None:
    live = await store.what_is_live(conn, object_id, actor.id)
    if live is None:
        return None
    if live["kind"] == "idea":
        idea = await civic_store.get_idea_by_id(conn, live["id"])
        return await idea_documents.document_for(conn, rt.config, idea) if idea else None
    if live["kind"] == "event":
        event = await events_store.get_event_by_id(conn, live["id"])
        return await event_documents.document_for(conn, rt.config, event) if event else None
    row = await store.object_data(conn, live["id"])
    return json.loads(row["data"]) if row else None


async def _object_id(row) -> str:
    return row["object_ap_id"]


async def _post_document(row) -> dict:
    return ld.without_context(json.loads(row["data"]))


async def _idea_row(row) -> list:
    return [row["ap_id"], row["url"], row["kind"], row["title"], row["summary"], row["body_source"], row["status"],
            row["districts"], row["topics"], row["image_url"], row["support_count"], row["share_count"],
            row["comment_count"], row["published"], row["updated"]]


async def _event_row(row) -> list:
    address = " ".join(p for p in (row["street"], row["postal_code"], row["locality"]) if p)
    return [row["ap_id"], row["title"], row["role"], row["attendance"], row["starts_at"], row["ends_at"],
            row["timezone"], row["place_name"], address, row["online_url"], row["status"], row["idea_ap_id"],
            row["published"]]


async def _post_row(row) -> list:
    return [row["ap_id"], row["type"], row["in_reply_to"], row["audience"], row["content"], row["published"],
            row["updated"]]


async def _support_row(row) -> list:
    return [row["object_ap_id"], row["idea_title"], row["created_at"]]


def _box_row(config):
    async def make(row) -> list:
        return [row["ap_id"], row["name"], f"{row['username']}@{config.host}", row["role"], row["state"],
                row["created_at"]]
    return make


async def _motion_row(row) -> list:
    return [row["ap_id"], row["title"], row["box_ap_id"], row["role"], row["state"], row["decision"],
            row["created_at"], row["submitted_at"], row["signed_at"]]


def _handle(row) -> str:
    return f"{row['username']}@{row['domain']}" if row["username"] else row["ap_id"]


async def _following_row(row) -> list:
    return [_handle(row), "true", "false", ""]


async def _follower_row(row) -> list:
    return [_handle(row), row["ap_id"], row["created_at"]]


def _avatar_path(rt: Runtime, actor: Actor):
    """The stored file of the actor's own avatar (None for none, or one from elsewhere)."""
    prefix = urls.avatar_url(rt.config, "")
    if not actor.icon_url or not actor.icon_url.startswith(prefix):
        return None
    path = accounts.avatar_folder(rt.config) / actor.icon_url[len(prefix):]
    return path if path.is_file() and "/" not in actor.icon_url[len(prefix):] else None


def _readme(rt: Runtime, actor: Actor, lang: str) -> str:
    lines = [i18n.gettext(lang, "export.readme_title", name=rt.config.instance_name,
                          handle=f"{actor.username}@{rt.config.host}", date=iso()[:10]), ""]
    lines += [f"{name}: {i18n.gettext(lang, 'export.file.' + name.replace('.', '_'))}" for name in FILES
              if name != "README.txt"]
    lines += ["", i18n.gettext(lang, "export.readme_avatar"), ""]
    return "\n".join(lines)
