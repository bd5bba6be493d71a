"""Bulk inserts for benchmarks and load tests: many local rows in a few statements.

Nothing is validated, sanitised or sent here; the caller mints the ids (urls.idea_id,
urls.page_of) and gives stored HTML. The website and the civic functions never use this.
"""

from __future__ import annotations

from . import Connection, iso


async def add_local_ideas(conn: Connection, rows: list[dict]) -> None:
    """Each row: ap_id, url, author_id, kind, title, summary, body_html, status, support_count,
    published, district_ap_id, topic."""
    now = iso()
    await conn.executemany(
        "INSERT INTO ideas (ap_id, is_local, author_id, kind, title, summary, body_html, status, url, "
        "support_count, published, created_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(r["ap_id"], r["author_id"], r["kind"], r["title"], r["summary"], r["body_html"], r["status"], r["url"],
          r["support_count"], r["published"], now) for r in rows])
    await conn.executemany(
        "INSERT INTO idea_districts (idea_id, district_ap_id) SELECT id, ? FROM ideas WHERE ap_id = ?",
        [(r["district_ap_id"], r["ap_id"]) for r in rows])
    await conn.executemany(
        "INSERT INTO idea_topics (idea_id, topic) SELECT id, ? FROM ideas WHERE ap_id = ?",
        [(r["topic"], r["ap_id"]) for r in rows])
