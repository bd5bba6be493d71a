"""`wecreate-fed db backup FILE`: a consistent copy of a SQLite database while the server runs.

SQLite's online backup API, in one step: in WAL mode its read transaction sees the database at
one moment while the server goes on writing (writers are not blocked; only the WAL's checkpoint
waits until the copy is done). Copying in several steps instead would start over after every
write of another connection, which on a busy server never ends. PostgreSQL has pg_dump for the
same (README, "Backups").
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path


def _backup(source: Path, target: Path, progress: Callable[[int, int], None] | None) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=-1,   # all pages in one step: one snapshot (see above)
                       progress=(lambda _status, remaining, total: progress(total - remaining, total))
                       if progress else None)
            dst.execute("PRAGMA journal_mode = DELETE")   # one self-contained file, no -wal beside it
            if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError(f"the copy in {target} fails its integrity check")
        finally:
            dst.close()
    finally:
        src.close()


async def backup(source: Path, target: Path, progress: Callable[[int, int], None] | None = None) -> None:
    """Copy the database file `source` (a running server's, too) to `target`, which must not exist."""
    await asyncio.to_thread(_backup, source, target, progress)
