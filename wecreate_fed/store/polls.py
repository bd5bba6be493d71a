"""SQL for polls: the Question, its options with their totals, who voted, and (open ballots only) what.

A secret ballot touches two rows per vote: the option's total goes up and the voter is added to
`poll_voters` (no time, no row id); nothing links the two. An open ballot also keeps the choice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from . import Connection, fetch_all, fetch_one, fetch_value, iso
from .queue import skip_locked


@dataclass(frozen=True)
class Poll:
    id: int
    ap_id: str
    author_id: int
    box_id: int | None
    members_of: int | None
    question: str
    multiple: bool
    secret: bool
    live_results: bool
    end_time: str | None
    closed_at: str | None
    voters_count: int
    created_at: str
    update_due_at: str | None
    update_attempts: int
    closing_sent: bool
    deleted_at: str | None

    def is_closed(self, now: str | None = None) -> bool:
        return self.closed_at is not None or (self.end_time is not None and self.end_time <= (now or iso()))


@dataclass(frozen=True)
class Option:
    position: int
    name: str
    votes: int


_FIELDS = ("id", "ap_id", "author_id", "box_id", "members_of", "question", "multiple", "secret", "live_results",
           "end_time", "closed_at", "voters_count", "created_at", "update_due_at", "update_attempts",
           "closing_sent", "deleted_at")
_BOOLS = ("multiple", "secret", "live_results", "closing_sent")


def _poll(row) -> Poll:
    values = {f: row[f] for f in _FIELDS}
    for name in _BOOLS:
        values[name] = bool(values[name])
    return Poll(**values)


async def add_poll(conn: Connection, *, ap_id: str, author_id: int, box_id: int | None, members_of: int | None,
                   question: str, options: list[str], multiple: bool, secret: bool, live_results: bool,
                   end_time: str | None) -> int:
    cur = await conn.execute(
        "INSERT INTO polls (ap_id, author_id, box_id, members_of, question, multiple, secret, live_results, "
        "end_time, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (ap_id, author_id, box_id, members_of, question, int(multiple), int(secret), int(live_results),
         end_time, iso()))
    poll_id = cur.lastrowid
    assert poll_id is not None
    await conn.executemany("INSERT INTO poll_options (poll_id, position, name) VALUES (?, ?, ?)",
                           [(poll_id, n, name) for n, name in enumerate(options)])
    return poll_id


async def get_poll(conn: Connection, ap_id: str) -> Poll | None:
    row = await fetch_one(conn, "SELECT * FROM polls WHERE ap_id = ?", (ap_id,))
    return None if row is None else _poll(row)


async def get_poll_by_id(conn: Connection, poll_id: int) -> Poll | None:
    row = await fetch_one(conn, "SELECT * FROM polls WHERE id = ?", (poll_id,))
    return None if row is None else _poll(row)


async def list_options(conn: Connection, poll_id: int) -> list[Option]:
    rows = await fetch_all(conn, "SELECT position, name, votes FROM poll_options WHERE poll_id = ? ORDER BY position",
                           (poll_id,))
    return [Option(r["position"], r["name"], r["votes"]) for r in rows]


async def list_polls(conn: Connection, *, author_id: int | None = None, box_id: int | None = None,
                     members_of: int | None = None, public_only: bool = False, limit: int = 100) -> list[Poll]:
    """Newest first; filtered by author, box or space (the caller checks who may see which)."""
    where, params = ["deleted_at IS NULL"], []
    for column, value in (("author_id", author_id), ("box_id", box_id), ("members_of", members_of)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if public_only:
        where.append("members_of IS NULL")
    params.append(limit)
    rows = await fetch_all(conn, f"SELECT * FROM polls WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?",
                           tuple(params))
    return [_poll(r) for r in rows]


async def has_voted(conn: Connection, poll_id: int, actor_id: int) -> bool:
    return await fetch_value(conn, "SELECT count(*) FROM poll_voters WHERE poll_id = ? AND actor_id = ?",
                             (poll_id, actor_id)) > 0


async def own_choices(conn: Connection, poll_id: int, actor_id: int) -> list[int]:
    """What someone chose in an open ballot (nothing is kept of a secret one)."""
    rows = await fetch_all(conn, "SELECT position FROM poll_choices WHERE poll_id = ? AND actor_id = ? "
                                 "ORDER BY position", (poll_id, actor_id))
    return [r["position"] for r in rows]


async def add_voter(conn: Connection, poll_id: int, actor_id: int) -> bool:
    """The actor voted (once); False if it had already. Counts the voter on the poll."""
    cur = await conn.execute("INSERT INTO poll_voters (poll_id, actor_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                             (poll_id, actor_id))
    if cur.rowcount == 0:
        return False
    await conn.execute("UPDATE polls SET voters_count = voters_count + 1 WHERE id = ?", (poll_id,))
    return True


async def add_choice(conn: Connection, poll_id: int, actor_id: int, position: int, vote_ap_id: str | None) -> bool:
    """An open ballot's choice (once per actor and option); False if it was counted already."""
    cur = await conn.execute(
        "INSERT INTO poll_choices (poll_id, actor_id, position, vote_ap_id, created_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING", (poll_id, actor_id, position, vote_ap_id, iso()))
    return cur.rowcount > 0


async def count_option(conn: Connection, poll_id: int, position: int) -> None:
    await conn.execute("UPDATE poll_options SET votes = votes + 1 WHERE poll_id = ? AND position = ?",
                       (poll_id, position))


async def close_poll(conn: Connection, poll_id: int) -> bool:
    """Closed now (its author); False if it was closed already or its time was up."""
    now = iso()
    cur = await conn.execute(
        "UPDATE polls SET closed_at = ?, update_due_at = ? WHERE id = ? AND closed_at IS NULL "
        "AND (end_time IS NULL OR end_time > ?)", (now, now, poll_id, now))
    return cur.rowcount > 0


async def mark_deleted(conn: Connection, poll_id: int) -> bool:
    cur = await conn.execute("UPDATE polls SET deleted_at = ?, update_due_at = NULL WHERE id = ? "
                             "AND deleted_at IS NULL", (iso(), poll_id))
    return cur.rowcount > 0


async def schedule_update(conn: Connection, poll_id: int, due_at: str) -> None:
    """Tell other servers of new totals at `due_at`, or earlier if already due (a burst of votes is one Update)."""
    await conn.execute("UPDATE polls SET update_due_at = CASE WHEN update_due_at IS NULL OR update_due_at > ? "
                       "THEN ? ELSE update_due_at END WHERE id = ? AND deleted_at IS NULL", (due_at, due_at, poll_id))


_UPDATES_DUE = ("SELECT * FROM polls WHERE deleted_at IS NULL AND (update_due_at <= ? "
                "OR (update_due_at IS NULL AND closing_sent = 0 AND end_time <= ?)) ORDER BY id LIMIT ?")


async def list_updates_due(conn: Connection, *, now: str, limit: int) -> list[Poll]:
    """Polls whose Update is due: new totals, or a closing time that has come and not been announced."""
    rows = await fetch_all(conn, _UPDATES_DUE, (now, now, limit))
    return [_poll(r) for r in rows]


async def claim_updates_due(conn: Connection, *, now: str, limit: int, lease_until: str) -> list[Poll]:
    """As list_updates_due, and the polls are this worker's until `lease_until` (their due time moves
    there): the civic worker of another process leaves them alone, and if this one dies they are due
    again when the lease ends. mark_update_sent (given the lease) or mark_update_failed ends it."""
    rows = await fetch_all(conn, _UPDATES_DUE + skip_locked(conn), (now, now, limit))
    await conn.executemany("UPDATE polls SET update_due_at = ? WHERE id = ?", [(lease_until, r["id"]) for r in rows])
    return [_poll(r) for r in rows]


async def release_updates(conn: Connection, poll_ids: list[int], *, lease_until: str) -> None:
    """Claimed polls not published (a worker stopping): due again at once, unless a vote moved them."""
    await conn.executemany("UPDATE polls SET update_due_at = ? WHERE id = ? AND update_due_at = ?",
                           [(iso(), i, lease_until) for i in poll_ids])


async def next_update_due(conn: Connection) -> str | None:
    return await fetch_value(
        conn, "SELECT min(t) FROM (SELECT min(update_due_at) AS t FROM polls WHERE deleted_at IS NULL "
              "UNION ALL SELECT min(end_time) FROM polls WHERE closing_sent = 0 AND update_due_at IS NULL "
              "AND deleted_at IS NULL) AS due")  # PostgreSQL wants a subquery named


async def mark_update_sent(conn: Connection, poll_id: int, *, closed: bool, due_before: str,
                           lease_until: str | None = None) -> None:
    """The Update went out: cleared unless a vote made it due again meanwhile (after `due_before`);
    the claim's lease (`lease_until`, the due time the claim set) is cleared too."""
    await conn.execute(
        "UPDATE polls SET update_due_at = CASE WHEN update_due_at > ? AND update_due_at <> ? THEN update_due_at "
        "ELSE NULL END, "
        # CASE, not `closing_sent OR ?`: PostgreSQL's OR takes booleans, the flag is an integer.
        "update_attempts = 0, update_error = NULL, closing_sent = CASE WHEN ? = 1 THEN 1 ELSE closing_sent END "
        "WHERE id = ?", (due_before, lease_until or due_before, int(closed), poll_id))


async def mark_update_failed(conn: Connection, poll_id: int, error: str, retry_at: str | None) -> None:
    """A failed Update is retried at `retry_at`; None gives up (the flags are cleared, the error kept)."""
    if retry_at is None:
        await conn.execute("UPDATE polls SET update_due_at = NULL, closing_sent = 1, update_error = ?, "
                           "update_attempts = update_attempts + 1 WHERE id = ?", (error, poll_id))
    else:
        await conn.execute("UPDATE polls SET update_due_at = ?, update_error = ?, update_attempts = update_attempts + 1 "
                           "WHERE id = ?", (retry_at, error, poll_id))


async def list_remote_voter_inboxes(conn: Connection, poll_id: int) -> list[str]:
    """Where the remote voters are told of new totals (as Mastodon tells them)."""
    rows = await fetch_all(
        conn, "SELECT DISTINCT coalesce(a.shared_inbox_url, a.inbox_url) AS inbox FROM poll_voters v "
              "JOIN actors a ON a.id = v.actor_id WHERE v.poll_id = ? AND a.is_local = 0 AND a.deleted_at IS NULL "
              "ORDER BY inbox", (poll_id,))
    return [r["inbox"] for r in rows]


async def forget_vote_message(conn: Connection, activity_ap_id: str) -> None:
    """A secret ballot's vote arrived as a message naming the option: keep its id (so it is not taken
    twice) but not what it said, in the transaction that counts it."""
    forgotten = {"id": activity_ap_id, "type": "Create", "summary": "a vote in a secret ballot (what it said is not kept)"}
    await conn.execute("UPDATE incoming SET data = ? WHERE activity_ap_id = ?", (json.dumps(forgotten), activity_ap_id))
