"""SQL for actors (local and cached remote), accounts and access tokens."""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass, fields
from typing import Any, overload

from . import Connection, counters, dialect_of, fetch_all, fetch_one, fetch_value, iso


@dataclass(frozen=True)
class Actor:
    id: int
    ap_id: str
    is_local: bool
    username: str | None
    domain: str
    type: str
    name: str
    summary: str
    icon_url: str | None
    url: str | None
    inbox_url: str
    shared_inbox_url: str | None
    outbox_url: str | None
    followers_url: str | None
    following_url: str | None
    manually_approves: bool
    discoverable: bool
    key_id: str | None
    public_key_pem: str | None
    private_key_pem: str | None
    published: str | None
    fetched_at: str | None
    created_at: str
    deleted_at: str | None
    category: str  # citizen, party, administration, organisation (the marketplace's author type)
    # Set by moderation only (never from a fetched document): limited = not listed, followers only;
    # suspended = refused (remote) or logged out and answering 410 (local).
    limited_at: str | None = None
    suspended_at: str | None = None
    # Moved to another account (civic/moving.py): set by its owner here, or for a remote actor by a
    # verified Move only (never from a fetched document).
    moved_to: str | None = None
    moved_at: str | None = None

    @property
    def delivery_inbox(self) -> str:
        """Where to deliver: the shared inbox when the server offers one."""
        return self.shared_inbox_url or self.inbox_url

    @property
    def handle(self) -> str:
        return f"{self.username}@{self.domain}"


_COLUMNS = ", ".join(f.name for f in fields(Actor))
ACTOR_UPSERT_LOCKS = 1001  # PostgreSQL advisory locks (this number, hash of a key id): one upsert per key at a time
_WRITABLE = [f.name for f in fields(Actor)
             if f.name not in ("id", "created_at", "deleted_at", "is_local", "limited_at", "suspended_at",
                                "moved_to", "moved_at")]


# A row gives an Actor and no row gives None, so a list of rows gives list[Actor].
@overload
def _actor(row: None) -> None: ...
@overload
def _actor(row: sqlite3.Row | dict[str, Any]) -> Actor: ...
def _actor(row: sqlite3.Row | dict[str, Any] | None) -> Actor | None:
    if row is None:
        return None
    values = dict(row)
    for flag in ("is_local", "manually_approves", "discoverable"):
        values[flag] = bool(values[flag])
    return Actor(**values)


async def add_local_actor(conn: Connection, **values) -> Actor:
    """Insert a local actor; values are Actor fields (without id/created_at)."""
    values = {**values, "is_local": 1, "created_at": iso()}
    names = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    cur = await conn.execute(f"INSERT INTO actors ({names}) VALUES ({marks})", tuple(values.values()))
    assert cur.lastrowid is not None  # an INSERT always sets it
    actor = await get_actor(conn, cur.lastrowid)
    assert actor is not None  # inserted just now, on this connection
    return actor


async def upsert_remote_actor(conn: Connection, *, document: str, asked_at: str | None = None, **values) -> Actor:
    """Insert or refresh a cached remote actor, keyed by its ap_id. A document asked for after the
    actor's Delete revives it (its server serves it again); one asked for before (`asked_at`, when
    the fetch began) leaves it deleted: the Delete is newer than what that document says."""
    values = {k: values[k] for k in values if k in _WRITABLE}
    now = iso()
    names = list(values) + ["document", "fetched_at", "created_at", "is_local"]
    params = list(values.values()) + [document, now, now, 0]
    updates = ", ".join(f"{n} = excluded.{n}" for n in list(values) + ["document", "fetched_at"])
    if values.get("key_id"):
        if dialect_of(conn) == "postgresql":
            # Two fetches of one new actor at once would insert side by side, each into a unique
            # index the other holds (ap_id, key_id): a deadlock. One after the other, the second
            # updates the first one's row.
            await conn.execute("SELECT pg_advisory_xact_lock(?, hashtext(?))", (ACTOR_UPSERT_LOCKS, values["key_id"]))
        # The key moved to this actor (on the same server, which actors.remote checks): the
        # newest document wins, as a key id is unique.
        await conn.execute("UPDATE actors SET key_id = NULL, public_key_pem = NULL "
                           "WHERE key_id = ? AND ap_id <> ? AND is_local = 0", (values["key_id"], values["ap_id"]))
    await conn.execute(
        f"INSERT INTO actors ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)}) "
        f"ON CONFLICT (ap_id) DO UPDATE SET {updates}, deleted_at = NULL WHERE actors.is_local = 0 "
        "AND (actors.deleted_at IS NULL OR actors.deleted_at < ?)",
        [*params, asked_at or now],
    )
    actor = await get_actor_by_ap_id(conn, values["ap_id"])
    assert actor is not None  # the row exists after the upsert (a local one is left as it is)
    return actor


async def get_actor(conn: Connection, actor_id: int) -> Actor | None:
    return _actor(await fetch_one(conn, f"SELECT {_COLUMNS} FROM actors WHERE id = ?", (actor_id,)))


async def referenced_actor(conn: Connection, actor_id: int) -> Actor:
    """The actor a row refers to (an author, organiser, owner). Actor rows are never deleted (a
    deleted account keeps its row), so a miss is a broken database, not a bad request."""
    actor = await get_actor(conn, actor_id)
    if actor is None:
        raise LookupError(f"no actor {actor_id}, though a row refers to it")
    return actor


async def get_actor_by_ap_id(conn: Connection, ap_id: str) -> Actor | None:
    return _actor(await fetch_one(conn, f"SELECT {_COLUMNS} FROM actors WHERE ap_id = ?", (ap_id,)))


async def get_actors_by_ap_ids(conn: Connection, ap_ids: list[str]) -> dict[str, Actor]:
    """The known actors among `ap_ids`, by id (one statement: the inbox worker's signers of a batch)."""
    if not ap_ids:
        return {}
    marks = ", ".join("?" for _ in ap_ids)
    rows = await fetch_all(conn, f"SELECT {_COLUMNS} FROM actors WHERE ap_id IN ({marks})", ap_ids)
    actors = [_actor(row) for row in rows]
    return {actor.ap_id: actor for actor in actors}


async def get_actor_by_key_id(conn: Connection, key_id: str) -> Actor | None:
    return _actor(await fetch_one(conn, f"SELECT {_COLUMNS} FROM actors WHERE key_id = ?", (key_id,)))


async def get_deleted_local_actor(conn: Connection, username: str) -> Actor | None:
    """A local actor that deleted itself, by username: its id answers 410 with a Tombstone."""
    return _actor(await fetch_one(
        conn,
        f"SELECT {_COLUMNS} FROM actors WHERE is_local = 1 AND lower(username) = lower(?) "
        "AND deleted_at IS NOT NULL ORDER BY id LIMIT 1",
        (username,),
    ))


async def get_local_actor(conn: Connection, username: str) -> Actor | None:
    """A local actor that is not deleted, by username (case-insensitive, as WebFinger is)."""
    return _actor(await fetch_one(
        conn,
        f"SELECT {_COLUMNS} FROM actors WHERE is_local = 1 AND lower(username) = lower(?) AND deleted_at IS NULL",
        (username,),
    ))


async def get_local_user(conn: Connection, username: str) -> Actor | None:
    """A local person or organisation by username: the actors that live under /users/.

    Districts, boxes and the instance actor have their own paths; their names under /users/
    answer as unknown names do, so a private box is not revealed there either.
    """
    return _actor(await fetch_one(
        conn,
        f"SELECT {_COLUMNS} FROM actors WHERE is_local = 1 AND lower(username) = lower(?) AND deleted_at IS NULL "
        "AND type IN ('Person', 'Organization')", (username,),
    ))


async def get_remote_actor_by_handle(conn: Connection, username: str, domain: str) -> Actor | None:
    return _actor(await fetch_one(
        conn,
        f"SELECT {_COLUMNS} FROM actors WHERE is_local = 0 AND lower(username) = lower(?) AND domain = ? "
        "AND deleted_at IS NULL ORDER BY fetched_at DESC LIMIT 1",
        (username, domain),
    ))


async def get_instance_actor(conn: Connection) -> Actor | None:
    return _actor(await fetch_one(
        conn, f"SELECT {_COLUMNS} FROM actors WHERE is_local = 1 AND type = 'Application' ORDER BY id LIMIT 1"
    ))


async def list_local_actors(conn: Connection, *, types: tuple[str, ...] = ("Person", "Organization")) -> list[Actor]:
    marks = ", ".join("?" for _ in types)
    rows = await fetch_all(
        conn,
        f"SELECT {_COLUMNS} FROM actors WHERE is_local = 1 AND deleted_at IS NULL AND type IN ({marks}) ORDER BY username",
        types,
    )
    return [_actor(r) for r in rows]


async def update_local_actor(conn: Connection, actor_id: int, **values) -> None:
    """Change profile fields of a local actor (name, summary, icon_url, manually_approves, discoverable)."""
    allowed = {"name", "summary", "icon_url", "manually_approves", "discoverable"}
    bad = set(values) - allowed
    if bad:
        raise ValueError(f"not editable: {', '.join(sorted(bad))}")
    if values:
        sets = ", ".join(f"{k} = ?" for k in values)
        await conn.execute(f"UPDATE actors SET {sets} WHERE id = ? AND is_local = 1", (*values.values(), actor_id))


async def mark_remote_actor_deleted(conn: Connection, ap_id: str) -> bool:
    """A remote actor deleted itself: forget its profile and key, and drop its follows and its last
    Joins and Leaves."""
    row = await fetch_one(conn, "SELECT id FROM actors WHERE ap_id = ? AND is_local = 0", (ap_id,))
    if row is None:
        return False
    await conn.execute(
        "UPDATE actors SET deleted_at = ?, public_key_pem = NULL, name = '', summary = '', icon_url = NULL, "
        "document = NULL WHERE id = ?",
        (iso(), row["id"]),
    )
    await conn.execute("DELETE FROM follows WHERE follower_id = ? OR followee_id = ?", (row["id"], row["id"]))
    await conn.execute("DELETE FROM join_leave_times WHERE actor_ap_id = ?", (ap_id,))  # which events, boxes
    await counters.ACTOR_KEYS.bump(conn)  # its key stops verifying in every process
    return True


async def count_local_people(conn: Connection) -> int:
    return await fetch_value(
        conn, "SELECT count(*) FROM actors WHERE is_local = 1 AND deleted_at IS NULL AND type IN ('Person', 'Organization')"
    )


async def count_active_local_people(conn: Connection, since: str) -> int:
    """Local people and organisations who sent an activity since `since` (NodeInfo's activeMonth)."""
    return await fetch_value(
        conn,
        "SELECT count(DISTINCT a.id) FROM actors a JOIN activities act ON act.actor_id = a.id "
        "WHERE a.is_local = 1 AND a.type IN ('Person', 'Organization') AND act.created_at >= ?",
        (since,),
    )


# --- accounts -------------------------------------------------------------

async def add_account(conn: Connection, actor_id: int, *, email: str | None, password_hash: str | None,
                      role: str = "user", language: str = "de") -> None:
    await conn.execute(
        "INSERT INTO accounts (actor_id, email, password_hash, role, language, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (actor_id, email, password_hash, role, language, iso()),
    )


async def get_account(conn: Connection, actor_id: int):
    return await fetch_one(conn, "SELECT * FROM accounts WHERE actor_id = ?", (actor_id,))


# --- personal access tokens -------------------------------------------------

def token_hash(token: str) -> str:
    # Tokens are random 256-bit strings, so a plain SHA-256 is enough to keep them unusable if the DB leaks.
    return hashlib.sha256(token.encode()).hexdigest()


async def add_token(conn: Connection, actor_id: int, token: str, label: str = "") -> None:
    await conn.execute(
        "INSERT INTO tokens (actor_id, token_hash, label, created_at) VALUES (?, ?, ?, ?)",
        (actor_id, token_hash(token), label, iso()),
    )


async def get_actor_by_token(conn: Connection, token: str) -> Actor | None:
    return _actor(await fetch_one(
        conn,
        f"SELECT {', '.join('a.' + c for c in _COLUMNS.split(', '))} FROM tokens t JOIN actors a ON a.id = t.actor_id "
        "WHERE t.token_hash = ? AND a.deleted_at IS NULL AND a.suspended_at IS NULL",  # a suspended account's are refused
        (token_hash(token),),
    ))
