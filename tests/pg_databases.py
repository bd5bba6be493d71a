"""Fresh PostgreSQL databases for the tests when WECREATE_TEST_DATABASE=postgresql://…/postgres.

The schema is migrated once per test process into a template database; every instance then gets
`CREATE DATABASE … TEMPLATE` of it (a copy of a few MB, fast), under a unique name starting with
WECREATE_TEST_DATABASE_PREFIX (default "wecreate_test"), dropped at the end of its test. Unset,
the suite runs on SQLite files as before.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from wecreate_fed import store

ADMIN_URL = os.environ.get("WECREATE_TEST_DATABASE", "")
PREFIX = os.environ.get("WECREATE_TEST_DATABASE_PREFIX", "wecreate_test")

_template: str | None = None
_created: set[str] = set()


def enabled() -> bool:
    return ADMIN_URL.startswith(("postgresql://", "postgres://"))


def url_of(name: str) -> str:
    parts = urlsplit(ADMIN_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


async def _template_name(admin: asyncpg.Connection) -> str:
    global _template
    if _template is None:
        name = f"{PREFIX}_tpl_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        await admin.execute(f'CREATE DATABASE "{name}"')
        _created.add(name)
        db = await store.open_database(url_of(name))  # migrates
        await db.close()
        _template = name
    return _template


async def fresh() -> str:
    """The URL of a new database holding the migrated schema and nothing else."""
    return await _create(migrated=True)


def fresh_now() -> str:
    """fresh() from synchronous code, even inside a running event loop (a helper that writes a config
    file for the CLI): in a thread of its own, with a loop of its own."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, fresh()).result()


async def empty() -> str:
    """The URL of a new database without any schema (a migration's test applies some of them)."""
    return await _create(migrated=False)


async def _create(*, migrated: bool) -> str:
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        template = f' TEMPLATE "{await _template_name(admin)}"' if migrated else ""
        name = f"{PREFIX}_{uuid.uuid4().hex[:16]}"
        await admin.execute(f'CREATE DATABASE "{name}"{template}')
        _created.add(name)
        return url_of(name)
    finally:
        await admin.close()


async def drop(urls: list[str]) -> None:
    """Drop these test databases (connections still open to them are ended)."""
    names = [urlsplit(url).path.lstrip("/") for url in urls]
    if not names:
        return
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            _created.discard(name)
    finally:
        await admin.close()


def drop_all() -> None:
    """At the end of the session: every database this process made, the template too."""
    if enabled() and _created:
        asyncio.run(drop([url_of(name) for name in sorted(_created)]))
