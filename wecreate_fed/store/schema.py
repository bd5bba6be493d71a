"""What the database's schema holds (its tables, a table's columns), on either backend.

For checks that look at the schema itself (tests of migrations, of what a table may hold):
SQLite answers from sqlite_master and PRAGMA table_info, PostgreSQL from information_schema.
"""

from __future__ import annotations

from . import Connection, fetch_all
from .core import dialect_of


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def table_names(conn: Connection) -> list[str]:
    """The schema's own tables (not SQLite's internal ones), by name."""
    if dialect_of(conn) == "postgresql":
        rows = await fetch_all(conn, "SELECT table_name AS name FROM information_schema.tables "
                                     "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
                                     "ORDER BY table_name")
    else:
        rows = await fetch_all(conn, "SELECT name FROM sqlite_master WHERE type = 'table' "
                                     "AND name NOT LIKE 'sqlite_%' ORDER BY name")
    return [r["name"] for r in rows]


async def columns(conn: Connection, table: str) -> dict[str, bool]:
    """column name -> whether it is NOT NULL, in the table's order ({} for no such table)."""
    if dialect_of(conn) == "postgresql":
        rows = await fetch_all(conn, "SELECT column_name AS name, is_nullable = 'NO' AS notnull "
                                     "FROM information_schema.columns WHERE table_schema = current_schema() "
                                     "AND table_name = ? ORDER BY ordinal_position", (table,))
    else:
        rows = await fetch_all(conn, f"PRAGMA table_info({_q(table)})")
    return {r["name"]: bool(r["notnull"]) for r in rows}
