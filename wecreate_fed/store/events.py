"""SQL for events and who attends them."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, fields
from typing import overload

from . import Connection, fetch_all, fetch_one, fetch_value, iso, lock_for_recount
from .sanctions import listed

PLACE_FIELDS = ("place_name", "street", "postal_code", "locality")


@dataclass(frozen=True)
class Event:
    """An event, local or kept from another server (attendee_count: the origin's for remote ones)."""

    id: int
    ap_id: str
    is_local: bool
    organizer_id: int
    title: str
    description_source: str | None
    description_html: str
    starts_at: str
    ends_at: str
    timezone: str
    place_name: str | None
    street: str | None
    postal_code: str | None
    locality: str | None
    online_url: str | None
    capacity: int | None
    status: str
    idea_ap_id: str | None
    district_ap_id: str | None
    url: str | None
    attendee_count: int
    published: str
    updated: str | None
    deleted_at: str | None
    hidden_at: str | None = None    # hidden by moderation
    language: str | None = None     # BCP 47 tag of its description (contentMap); None: not known
    # Members-only (issue 12): the Organization (or instance actor) whose members alone see it; None: public.
    members_of: int | None = None

    @property
    def owner_id(self) -> int:
        """Who may change it besides moderators (the lifecycle's name for author and organiser)."""
        return self.organizer_id

    @property
    def has_place(self) -> bool:
        return any(getattr(self, name) for name in PLACE_FIELDS)


@dataclass(frozen=True)
class ListedEvent:
    """An upcoming event with its organiser's id and name."""

    event: Event
    organizer_ap_id: str
    organizer_name: str


@dataclass(frozen=True)
class Attendance:
    event_id: int
    actor_id: int
    state: str          # pending, accepted, rejected
    join_ap_id: str
    created_at: str
    answered_at: str | None = None  # the organiser's last answer to a Join of ours: its published


@dataclass(frozen=True)
class Attendee:
    created_at: str
    state: str
    ap_id: str
    name: str
    is_local: bool


EVENT_COLUMNS = ", ".join(f.name for f in fields(Event))


@overload
def event_of(row: None) -> None: ...
@overload
def event_of(row: sqlite3.Row) -> Event: ...
def event_of(row: sqlite3.Row | None) -> Event | None:
    """The record of a row holding EVENT_COLUMNS (and maybe more)."""
    if row is None:
        return None
    values = {f.name: row[f.name] for f in fields(Event)}
    values["is_local"] = bool(values["is_local"])
    return Event(**values)


def _attendance(row) -> Attendance | None:
    return None if row is None else Attendance(**dict(row))


async def upsert_event(conn: Connection, **values) -> int:
    """Insert or replace an event by ap_id; values are Event fields (without id/deleted_at).

    `members_of` is kept from the insert: an event's audience is chosen once."""
    values = {**values, "created_at": iso()}
    names = list(values)
    updates = ", ".join(f"{n} = excluded.{n}" for n in names if n not in ("ap_id", "created_at", "is_local",
                                                                          "organizer_id", "published",
                                                                          "members_of"))
    await conn.execute(
        f"INSERT INTO events ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)}) "
        f"ON CONFLICT (ap_id) DO UPDATE SET {updates}",
        tuple(values.values()),
    )
    return await fetch_value(conn, "SELECT id FROM events WHERE ap_id = ?", (values["ap_id"],))


async def get_event(conn: Connection, ap_id: str) -> Event | None:
    return event_of(await fetch_one(conn, f"SELECT {EVENT_COLUMNS} FROM events WHERE ap_id = ?", (ap_id,)))


async def linked_idea_audience(conn: Connection, idea_ap_id: str | None) -> int | None:
    """The members_of of the idea an event links (None: public, or no such idea)."""
    if not idea_ap_id:
        return None
    return await fetch_value(conn, "SELECT members_of FROM ideas WHERE ap_id = ?", (idea_ap_id,))


async def get_event_by_id(conn: Connection, event_id: int) -> Event | None:
    return event_of(await fetch_one(conn, f"SELECT {EVENT_COLUMNS} FROM events WHERE id = ?", (event_id,)))


async def set_event_status(conn: Connection, event_id: int, status: str) -> None:
    await conn.execute("UPDATE events SET status = ?, updated = ? WHERE id = ?", (status, iso(), event_id))


async def mark_event_deleted(conn: Connection, event_id: int) -> None:
    await conn.execute("UPDATE events SET deleted_at = ? WHERE id = ?", (iso(), event_id))


async def list_upcoming_events(conn: Connection, *, after: str, district_ap_id: str | None = None,
                               limit: int = 100) -> list[ListedEvent]:
    sql = (f"SELECT {', '.join('e.' + c for c in EVENT_COLUMNS.split(', '))}, a.name AS organizer_name, "
           "a.ap_id AS organizer_ap_id FROM events e JOIN actors a ON a.id = e.organizer_id "
           f"WHERE e.deleted_at IS NULL AND e.ends_at >= ? AND {listed('e', 'organizer_id')}")
    params: list = [after]
    if district_ap_id:
        sql += " AND e.district_ap_id = ?"
        params.append(district_ap_id)
    rows = await fetch_all(conn, sql + " ORDER BY e.starts_at, e.id LIMIT ?", (*params, limit))
    return [ListedEvent(event_of(r), r["organizer_ap_id"], r["organizer_name"]) for r in rows]


# --- attendances ----------------------------------------------------------------------

async def get_attendance(conn: Connection, event_id: int, actor_id: int) -> Attendance | None:
    return _attendance(await fetch_one(conn, "SELECT * FROM event_attendees WHERE event_id = ? AND actor_id = ?",
                                       (event_id, actor_id)))


async def get_attendance_by_join(conn: Connection, join_ap_id: str) -> Attendance | None:
    return _attendance(await fetch_one(conn, "SELECT * FROM event_attendees WHERE join_ap_id = ?", (join_ap_id,)))


async def set_attendance(conn: Connection, event_id: int, actor_id: int, state: str, join_ap_id: str) -> None:
    await _lock_event(conn, event_id)
    await conn.execute(
        "INSERT INTO event_attendees (event_id, actor_id, state, join_ap_id, created_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (event_id, actor_id) DO UPDATE SET state = excluded.state, join_ap_id = excluded.join_ap_id, "
        "answered_at = CASE WHEN event_attendees.join_ap_id = excluded.join_ap_id "
        "THEN event_attendees.answered_at END",
        (event_id, actor_id, state, join_ap_id, iso()),
    )
    await _recount_attendees(conn, event_id)


async def answer_attendance(conn: Connection, event_id: int, actor_id: int, join_ap_id: str, state: str,
                            said_at: str | None) -> bool:
    """The organiser's answer to that Join, given at `said_at` (UTC text; None: not known): True if
    it changed the attendance. One the person left meanwhile (or asked again for, with another Join)
    stays as it is, and so does one a newer answer decided: an Accept retried after the Reject
    that removed the person (at the same instant the Reject counts as the later one)."""
    await _lock_event(conn, event_id)
    row = await fetch_one(conn, "SELECT state, answered_at FROM event_attendees WHERE event_id = ? AND actor_id = ? "
                                "AND join_ap_id = ?", (event_id, actor_id, join_ap_id))
    if row is None:
        return False
    last = row["answered_at"]
    if said_at is not None and last is not None and (said_at < last or (said_at == last and state == "accepted")):
        return False
    await conn.execute("UPDATE event_attendees SET state = ?, answered_at = COALESCE(?, answered_at) "
                       "WHERE event_id = ? AND actor_id = ?", (state, said_at, event_id, actor_id))
    if row["state"] == state:
        return False
    await _recount_attendees(conn, event_id)
    return True


async def delete_attendance(conn: Connection, event_id: int, actor_id: int) -> bool:
    await _lock_event(conn, event_id)
    cur = await conn.execute("DELETE FROM event_attendees WHERE event_id = ? AND actor_id = ?", (event_id, actor_id))
    await _recount_attendees(conn, event_id)
    return cur.rowcount > 0


async def _lock_event(conn: Connection, event_id: int) -> None:
    # Every change of an attendance locks the event's row first, then the attendance's: one
    # order, so that two of them (a Join and an Undo, side by side) never wait in a circle.
    await lock_for_recount(conn, "events", "id = ?", (event_id,))


async def _recount_attendees(conn: Connection, event_id: int) -> None:
    # Only local events are counted here; a remote event's count comes from its origin. The
    # caller has locked the event's row (_lock_event), so the count sees every committed change.
    await conn.execute(
        "UPDATE events SET attendee_count = (SELECT count(*) FROM event_attendees WHERE event_id = events.id "
        "AND state = 'accepted') WHERE id = ? AND is_local = 1", (event_id,))


async def count_accepted_attendees(conn: Connection, event_id: int) -> int:
    """Inside a write transaction, before a seat is given or the capacity changed: the event's
    row is locked first, so two people taking its last seat at once are counted one after the other."""
    await _lock_event(conn, event_id)
    return await fetch_value(conn, "SELECT count(*) FROM event_attendees WHERE event_id = ? AND state = 'accepted'",
                             (event_id,))


async def list_attendees(conn: Connection, event_id: int, *, limit: int,
                         before_created: str | None = None) -> list[Attendee]:
    rows = await fetch_all(
        conn,
        "SELECT ea.created_at, ea.state, a.ap_id, a.name, a.is_local FROM event_attendees ea "
        "JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = ? AND ea.state = 'accepted' "
        # CAST: PostgreSQL cannot tell the type of a parameter that is only tested for NULL.
        "AND (CAST(? AS TEXT) IS NULL OR ea.created_at < ?) ORDER BY ea.created_at DESC LIMIT ?",
        (event_id, before_created, before_created, limit),
    )
    return [Attendee(r["created_at"], r["state"], r["ap_id"], r["name"], bool(r["is_local"])) for r in rows]


async def list_local_attendee_ids(conn: Connection, event_id: int) -> list[int]:
    """The local people attending (accepted), to notify them of a change."""
    rows = await fetch_all(
        conn, "SELECT ea.actor_id FROM event_attendees ea JOIN actors a ON a.id = ea.actor_id "
              "WHERE ea.event_id = ? AND ea.state = 'accepted' AND a.is_local = 1", (event_id,))
    return [r[0] for r in rows]


async def list_attendee_inboxes(conn: Connection, event_id: int) -> list[str]:
    rows = await fetch_all(
        conn, "SELECT DISTINCT COALESCE(a.shared_inbox_url, a.inbox_url) AS inbox FROM event_attendees ea "
              "JOIN actors a ON a.id = ea.actor_id WHERE ea.event_id = ? AND a.is_local = 0", (event_id,))
    return [r["inbox"] for r in rows]
