"""Shared steps of the notification tests: people with a confirmed address, an instance with mail."""

from __future__ import annotations

from wecreate_fed.store import iso


async def with_address(instance, username: str, email: str, *, language: str = "de", district: str | None = None,
                       name: str | None = None, password: str = "sicheres-passwort"):
    """A local person whose address is confirmed (as its confirmation link would leave it)."""
    actor = await instance.create_user(username, name=name or username.title(), password=password)
    async with instance.rt.db.transaction() as conn:
        await conn.execute("UPDATE accounts SET email = ?, email_confirmed_at = ?, language = ?, district_slug = ? "
                           "WHERE actor_id = ?", (email, iso(), language, district, actor.id))
    return actor


def mail_tables(mailserver, **notifications) -> dict:
    return {**mailserver.tables(), "notifications": {"poll_seconds": 0.2, **notifications}}


async def choose(instance, actor, **frequencies) -> None:
    """The person's choices, as /settings/notifications stores them."""
    async with instance.rt.db.transaction() as conn:
        await conn.executemany("INSERT INTO notification_preferences (actor_id, topic, frequency) VALUES (?, ?, ?) "
                               "ON CONFLICT (actor_id, topic) DO UPDATE SET frequency = excluded.frequency",
                               [(actor.id, t, f) for t, f in frequencies.items()])
