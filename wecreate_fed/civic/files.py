"""Files in boxes and organisation spaces: uploading, listing, downloading and deleting.

A file belongs to one place: a local box (its accepted local members see it) or an organisation
space (the members `audience.may_see` names). Everyone else gets 404, never 403: a file is not to
be known, and nobody without a login here (a remote server among them) ever gets one.

The type is recognised from the bytes (file_types.py); the bytes are stored under the data
directory (media/files, the instance user's only) by a random name, never the uploaded one, and
are only ever served by the download route, as an attachment.

Nothing about files is federated, not even that one exists: the bytes could only be fetched from
here by a login, which no remote member has, and a note saying "there is a file you cannot open"
would leak its name and the space's activity to servers whose access rules are not ours.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from wecreate_fed import owner_only
from wecreate_fed.config import Config
from wecreate_fed.errors import BadRequest, Forbidden, NotFound
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store import files as files_store
from wecreate_fed.store.actors import Actor
from wecreate_fed.store.files import StoredFile

from . import audience, boxes, file_types
from .accounts import media_folder

NAME_MAX = 120
BOX_MANAGERS = boxes.MODERATORS          # may delete anyone's file in a box
SPACE_MANAGERS = ("board", "admin")      # ... in a space


@dataclass(frozen=True)
class Place:
    """Where files are kept: a local box ("box") or an organisation space ("space"), by its actor."""

    kind: str
    actor: Actor

    def columns(self) -> dict[str, int | None]:
        return {"box_id": self.actor.id if self.kind == "box" else None,
                "members_of": self.actor.id if self.kind == "space" else None}


def files_folder(config: Config) -> Path:
    return media_folder(config) / "files"


# --- places and who may do what -------------------------------------------------------------------

async def box_place(rt: Runtime, slug: str) -> Place:
    box, _ = await boxes.local_box(rt, slug)
    return Place("box", box)


async def space_place(rt: Runtime, username: str) -> Place:
    """A local Organization's space (NotFound for anything else)."""
    org = await actors_store.get_local_user(rt.db.reader, username)
    if org is None or org.type != "Organization" or org.deleted_at is not None:
        raise NotFound("no such file here")
    return Place("space", org)


async def role_at(rt: Runtime, place: Place, person: Actor | None, conn: Connection | None = None) -> str | None:
    """The person's accepted role in the box or space, or None (only local accounts have one)."""
    if person is None or not person.is_local:
        return None
    if place.kind == "space":
        return await audience.role_in(rt, place.actor, person, conn)
    return await boxes.role_of(rt, place.actor, person, conn)


async def require_member(rt: Runtime, place: Place, person: Actor | None, conn: Connection | None = None) -> None:
    """NotFound unless `person` is a member: of the box, or in the space's audience (audience.may_see)."""
    if place.kind == "space":
        member = await audience.may_see(rt, person, place.actor.id, conn)
    else:
        member = await role_at(rt, place, person, conn) is not None
    if not member:
        raise NotFound("no such file here")  # worded as a missing file's: a members-only place is not to be known


async def may_delete(rt: Runtime, place: Place, person: Actor, item: StoredFile, *, moderator: bool = False) -> bool:
    """The uploader, the place's moderators (box) or board and admins (space), and the instance's moderators."""
    if moderator or item.uploader_id == person.id:
        return True
    return await role_at(rt, place, person) in (BOX_MANAGERS if place.kind == "box" else SPACE_MANAGERS)


# --- commands -------------------------------------------------------------------------------------

def clean_name(name: str | None, kind: file_types.FileType) -> str:
    """The name a download gets: the uploaded one's last part, without control characters, ending as its type does."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().lstrip(".")
    if not name:
        name = "datei"
    stem, _, extension = name.rpartition(".")
    if not stem or extension.lower() not in kind.extensions:
        name = f"{name[:NAME_MAX - 1 - len(kind.extension)]}.{kind.extension}"
    elif len(name) > NAME_MAX:
        name = f"{stem[:NAME_MAX - 1 - len(extension)]}.{extension}"
    return name


def check_upload(config: Config, data: bytes) -> file_types.FileType:
    """The file's type, or BadRequest: empty, over [files] max_bytes, or not one of the accepted types."""
    if not data:
        raise BadRequest("choose a file to upload", field="file", code="files_empty")
    if len(data) > config.files_max_bytes:
        megabytes = config.files_max_bytes / 1_000_000
        raise BadRequest(f"the file is larger than {megabytes:g} MB", field="file", code="files_size",
                         params={"mb": f"{megabytes:g}"})
    kind = file_types.recognise(data)
    if kind is None:
        raise BadRequest(f"only {file_types.NAMES} files may be uploaded; this file is none of them "
                         "(whatever its name says)", field="file", code="files_type",
                         params={"types": file_types.NAMES})
    return kind


async def upload(rt: Runtime, person: Actor, place: Place, filename: str | None, data: bytes) -> StoredFile:
    """Store an uploaded file for the place's members (its members only may upload)."""
    await require_member(rt, place, person)
    kind = check_upload(rt.config, data)
    folder = files_folder(rt.config)
    owner_only.make_dir(folder)
    stored_name = secrets.token_hex(16)
    path = folder / stored_name
    owner_only.write_file(path, data)
    key = secrets.token_urlsafe(16)
    try:
        async with rt.db.transaction() as conn:
            await require_member(rt, place, person, conn)  # still a member now that the bytes are written
            await files_store.add_file(conn, key=key, **place.columns(), uploader_id=person.id,
                                       name=clean_name(filename, kind), media_type=kind.media_type,
                                       size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                                       stored_name=stored_name)
            added = await files_store.get_file(conn, key)
    except BaseException:  # refused, failed or cancelled: no bytes without their row
        await _drop_unless_kept(rt, key, path)
        raise
    assert added is not None  # just inserted in this transaction
    return added


async def _drop_unless_kept(rt: Runtime, key: str, path: Path) -> None:
    """Remove the bytes of a file whose row is not (or no longer) there: an upload that failed, a
    deletion. A cancel that arrives during COMMIT is delivered after it, so the row is asked for."""
    check = asyncio.ensure_future(files_store.get_file(rt.db.reader, key))
    while not check.done():  # to its end, even if this task is cancelled again meanwhile
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(check)
    if not check.cancelled() and check.exception() is None and check.result() is None:
        path.unlink(missing_ok=True)  # (when the check itself failed the bytes stay: an orphan is harmless)


async def listing(rt: Runtime, place: Place, viewer: Actor | None) -> list[StoredFile]:
    """The place's files, newest first, for its members (NotFound for anyone else)."""
    await require_member(rt, place, viewer)
    return await files_store.list_files(rt.db.reader, **{k: v for k, v in place.columns().items() if v is not None})


async def place_of(rt: Runtime, item: StoredFile) -> Place:
    from_id = item.box_id if item.box_id is not None else item.members_of
    actor = await _actor(rt, from_id)
    return Place("box" if item.box_id is not None else "space", actor)


async def download(rt: Runtime, viewer: Actor | None, key: str) -> tuple[StoredFile, Path]:
    """The file and where its bytes are, for a member of its place (NotFound for anyone else)."""
    item = await files_store.get_file(rt.db.reader, key)
    if item is None:
        raise NotFound("no such file here")
    await require_member(rt, await place_of(rt, item), viewer)
    path = files_folder(rt.config) / item.stored_name
    if not path.is_file():
        raise NotFound("no such file here")
    return item, path


async def delete(rt: Runtime, person: Actor, key: str, *, moderator: bool = False) -> Place:
    """Delete a file (its uploader, the place's managers, a moderator of the instance); returns its place."""
    item = await files_store.get_file(rt.db.reader, key)
    if item is None:
        raise NotFound("no such file here")
    place = await place_of(rt, item)
    if not moderator:
        await require_member(rt, place, person)
    if not await may_delete(rt, place, person, item, moderator=moderator):
        raise Forbidden("only who uploaded this file, or a moderator, may delete it", code="not_yours")
    try:
        async with rt.db.transaction() as conn:
            await files_store.delete_file(conn, item.id)
    finally:  # the bytes go once the row is gone, also when a cancel came during COMMIT (a crash
        # in between leaves bytes no row names, harmless; never a row without its bytes)
        await _drop_unless_kept(rt, item.key, files_folder(rt.config) / item.stored_name)
    return place


async def _actor(rt: Runtime, actor_id: int | None) -> Actor:
    actor = await actors_store.get_actor(rt.db.reader, actor_id) if actor_id is not None else None
    if actor is None or actor.deleted_at is not None:  # a deleted box's or organisation's files are gone with it
        raise NotFound("no such file here")
    return actor
