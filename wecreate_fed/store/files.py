"""SQL for the files of boxes and organisation spaces (the bytes themselves are civic/files.py's)."""

from __future__ import annotations

from dataclasses import dataclass

from . import Connection, fetch_all, fetch_one, iso


@dataclass(frozen=True)
class StoredFile:
    """A file's record, with who uploaded it (name and username None once that account is deleted)."""

    id: int
    key: str
    box_id: int | None
    members_of: int | None
    uploader_id: int | None
    name: str
    media_type: str
    size: int
    sha256: str
    stored_name: str
    created_at: str
    uploader_name: str | None
    uploader_username: str | None


# A deleted account's name is not shown (its files stay: they belong to the box or space, as motions do).
_SELECT = ("SELECT f.*, CASE WHEN a.deleted_at IS NULL THEN a.name END AS uploader_name, "
           "CASE WHEN a.deleted_at IS NULL THEN a.username END AS uploader_username "
           "FROM files f LEFT JOIN actors a ON a.id = f.uploader_id")


def _file(row) -> StoredFile | None:
    return None if row is None else StoredFile(**dict(row))


async def add_file(conn: Connection, *, key: str, box_id: int | None, members_of: int | None, uploader_id: int,
                   name: str, media_type: str, size: int, sha256: str, stored_name: str) -> int:
    cur = await conn.execute(
        "INSERT INTO files (key, box_id, members_of, uploader_id, name, media_type, size, sha256, stored_name, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (key, box_id, members_of, uploader_id, name, media_type, size, sha256, stored_name, iso()))
    assert cur.lastrowid is not None  # an INSERT always sets it
    return cur.lastrowid


async def get_file(conn: Connection, key: str) -> StoredFile | None:
    return _file(await fetch_one(conn, f"{_SELECT} WHERE f.key = ?", (key,)))


async def list_files(conn: Connection, *, box_id: int | None = None, members_of: int | None = None,
                     limit: int = 500) -> list[StoredFile]:
    """A box's or a space's files, newest first."""
    column, value = ("f.box_id", box_id) if box_id is not None else ("f.members_of", members_of)
    rows = await fetch_all(conn, f"{_SELECT} WHERE {column} = ? ORDER BY f.created_at DESC, f.id DESC LIMIT ?",
                           (value, limit))
    return [StoredFile(**dict(row)) for row in rows]


async def delete_file(conn: Connection, file_id: int) -> bool:
    cur = await conn.execute("DELETE FROM files WHERE id = ?", (file_id,))
    return cur.rowcount > 0
