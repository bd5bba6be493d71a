"""Bulk import of members from a CSV of name,email[,role] (issue 12), by an admin of the space.

Every row is checked before anything is written, and a file with any bad row writes nothing:
the answer names each bad row by its line number. Then, in one transaction, an address that
belongs to an account here (confirmed) is invited as any invitation is; any other address is
mailed a registration invitation that also joins the space when it is used (org_invitations).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from wecreate_fed import mail, sanitize, urls
from wecreate_fed.errors import BadRequest, Problems
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection
from wecreate_fed.store import orgs as orgs_store
from wecreate_fed.store.actors import Actor

from .. import accounts
from . import membership

MAX_BYTES = 256 * 1024
MAX_ROWS = 2000
NAME_MAX = 100
INVITATION_DAYS = 30
HEADER = ("name", "email")


@dataclass(frozen=True)
class Row:
    line: int
    name: str
    email: str
    role: str


@dataclass
class Outcome:
    """What an import did: accounts invited, addresses mailed, and rows that were members already."""

    invited: list[str] = field(default_factory=list)     # usernames
    mailed: list[str] = field(default_factory=list)      # addresses
    unchanged: list[str] = field(default_factory=list)   # addresses of members or people invited before


def text_of(raw: bytes) -> str:
    """An uploaded file's text (UTF-8, with or without a byte order mark)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadRequest("the file is not UTF-8 text", field="csv", code="members_import_not_csv") from e


def parse(text: str) -> list[Row]:
    """The rows of a CSV (a first line "name,email[,role]" is a header); BadRequest naming every bad line."""
    problems = Problems()
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        problems.add("csv", "members_import_too_big", "the file is too big", limit=MAX_BYTES // 1024)
        problems.raise_if_any()
    rows: list[Row] = []
    seen: dict[str, int] = {}
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        records = [(reader.line_num, r) for r in reader]
    except csv.Error as e:
        raise BadRequest(f"not a CSV file: {e}", field="csv", code="members_import_not_csv") from e
    for line, record in records:
        cells = [c.strip() for c in record]
        if not any(cells):
            continue
        if not rows and not problems.found and tuple(c.lower() for c in cells[:2]) == HEADER:
            continue
        if len(cells) not in (2, 3):
            problems.add("csv", "members_import_columns", f"line {line}: expected name,email[,role]", line=line)
            continue
        name, email = sanitize.plain_text(cells[0], NAME_MAX + 1), cells[1]
        role = (cells[2] if len(cells) == 3 else "").lower() or "member"
        if not name or len(name) > NAME_MAX:
            problems.add("csv", "members_import_name", f"line {line}: a name of 1 to {NAME_MAX} characters",
                         line=line, limit=NAME_MAX)
        if not mail.valid_address(email):
            problems.add("csv", "members_import_email", f"line {line}: '{email}' is not an email address",
                         line=line, email=email[:100])
        elif email.lower() in seen:
            problems.add("csv", "members_import_twice", f"line {line}: {email} is on line {seen[email.lower()]} already",
                         line=line, email=email, first=seen[email.lower()])
        if role not in orgs_store.ROLES:
            problems.add("csv", "members_import_role", f"line {line}: the role must be member, board or admin",
                         line=line, role=role[:30])
        seen.setdefault(email.lower(), line)
        rows.append(Row(line, name, email, role))
    if not rows and not problems.found:
        problems.add("csv", "members_import_empty", "the file has no rows")
    if len(rows) > MAX_ROWS:
        problems.add("csv", "members_import_too_many", f"at most {MAX_ROWS} rows", limit=MAX_ROWS)
    problems.raise_if_any()
    return rows


async def import_members(rt: Runtime, by: Actor, org: Actor, text: str) -> Outcome:
    """Check every row, then invite them all in one transaction (or, with any bad row, nothing)."""
    await membership.require_role(rt, org, by, ("admin",))
    rows = parse(text)
    problems = Problems()
    if not rt.config.email_enabled:
        for row in rows:
            if await _account_of(rt.db.reader, row.email) is None:
                problems.add("csv", "members_import_no_mail",
                             f"line {row.line}: {row.email} has no account here, and this instance sends no mail",
                             line=row.line, email=row.email)
    problems.raise_if_any()
    outcome = Outcome()
    async with rt.db.transaction() as conn:
        mailed_before = await orgs_store.invited_emails(conn, org.id)
        for row in rows:
            person = await _account_of(conn, row.email)
            if person is not None:
                await _invite_account(conn, rt, by, org, person, row, outcome)
            elif row.email.lower() in mailed_before:
                outcome.unchanged.append(row.email)
            else:
                await _mail_invitation(conn, rt, by, org, row)
                outcome.mailed.append(row.email)
    return outcome


async def _account_of(conn: Connection, email: str) -> Actor | None:
    return await orgs_store.account_by_confirmed_email(conn, email)


async def _invite_account(conn: Connection, rt: Runtime, by: Actor, org: Actor, person: Actor, row: Row,
                          outcome: Outcome) -> None:
    current = await orgs_store.get(conn, org.id, person.id)
    if person.id == org.id or (current is not None and current.state in ("accepted", "invited")):
        outcome.unchanged.append(row.email)
        return
    state = "accepted" if current is not None and current.state == "requested" else "invited"
    await orgs_store.put(conn, org.id, person.id, role=row.role, state=state, invited_by=by.id)
    await membership.tell(conn, rt, [person.id], "members_approved" if state == "accepted" else "members_invited",
                          org, by)
    outcome.invited.append(person.username or "")


async def _mail_invitation(conn: Connection, rt: Runtime, by: Actor, org: Actor, row: Row) -> None:
    code = await accounts.create_invitation(conn, note=f"{org.username}: {row.email}"[:200], uses=1,
                                            days=INVITATION_DAYS)
    invitation_id = await orgs_store.invitation_id(conn, code)
    assert invitation_id is not None  # made just now on this connection
    await orgs_store.add_invitation(conn, invitation_id, org.id, role=row.role, name=row.name, email=row.email,
                                    invited_by=by.id)
    await mail.queue(conn, rt.config, to=row.email, lang=rt.config.default_language, template="members_invitation",
                     values={"name": row.name, "space": org.name or org.username, "inviter": by.name or by.handle,
                             "url": urls.invitation_url(rt.config, code), "days": INVITATION_DAYS})
