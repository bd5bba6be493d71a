"""A person's mail choices per topic: read (with the defaults), changed from the settings page,
and set to "never" by an unsubscribe link (one topic, or all)."""

from __future__ import annotations

from wecreate_fed.errors import Problems
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import notifications as store

from . import topics


async def current(rt: Runtime, actor_id: int) -> dict[str, str]:
    """topic -> frequency for every topic."""
    return topics.effective(await store.preferences(rt.db.reader, actor_id))


async def save(rt: Runtime, actor_id: int, form: dict) -> dict[str, str]:
    """Every topic's choice from the form (`topic_<topic>`); a missing or unknown one is a 400 naming its field."""
    problems = Problems()
    chosen: dict[str, str] = {}
    for topic in topics.TOPICS:
        value = form.get(f"topic_{topic}")
        if value not in topics.choices_for(topic):
            problems.add(f"topic_{topic}", "invalid_choice",
                         f"{topic}: choose one of {', '.join(topics.choices_for(topic))}",
                         choices=", ".join(topics.choices_for(topic)))
        else:
            chosen[topic] = value
    problems.raise_if_any()
    async with rt.db.transaction() as conn:
        await store.set_preferences(conn, actor_id, chosen)
    return chosen


async def unsubscribe(rt: Runtime, actor_id: int, topic: str) -> None:
    """No more mails of `topic` (topics.ALL: of any topic). Idempotent."""
    names = topics.TOPICS if topic == topics.ALL else (topic,)
    async with rt.db.transaction() as conn:
        await store.set_preferences(conn, actor_id, {t: topics.NEVER for t in names if t in topics.KINDS})
