"""The instance's rules, managed by admins: added, edited, moved and removed, each change written
to the audit log in the same transaction. A removed rule keeps its row (reports and actions that
cite it still name it); the list shows the rules in force, in order."""

from __future__ import annotations

from wecreate_fed import legal
from wecreate_fed.errors import BadRequest, NotFound, Problems
from wecreate_fed.store import Connection, audit
from wecreate_fed.store import legal as legal_store

from .roles import By

TEXT_MAX = 500  # a rule is a sentence or two (Mastodon allows 300 characters)


def _texts(text_de: str, text_en: str) -> tuple[str, str]:
    text_de, text_en = text_de.strip(), text_en.strip()
    problems = Problems()
    if not text_de:
        problems.add("text_de", "required", "a rule needs its German text")
    for field, text in (("text_de", text_de), ("text_en", text_en)):
        if len(text) > TEXT_MAX:
            problems.add(field, "too_long", f"at most {TEXT_MAX} characters", limit=TEXT_MAX)
    problems.raise_if_any()
    return text_de, text_en


def _shown(rule: dict) -> dict:
    return {"text_de": rule["text_de"], "text_en": rule["text_en"], "position": rule["position"]}


async def _existing(conn: Connection, rule_id: int) -> dict:
    rule = await legal_store.rule(conn, rule_id)
    if rule is None:
        raise NotFound(f"there is no rule {rule_id}", code="no_such_rule")
    return rule


async def add(conn: Connection, text_de: str, text_en: str, *, by: By) -> int:
    text_de, text_en = _texts(text_de, text_en)
    rule_id = await legal_store.add_rule(conn, text_de, text_en)
    added = await _existing(conn, rule_id)
    await audit.record(conn, by.actor_id, by.name, "rule.add", f"rule {rule_id}", after=_shown(added))
    return rule_id


async def edit(conn: Connection, rule_id: int, text_de: str, text_en: str, *, by: By) -> None:
    text_de, text_en = _texts(text_de, text_en)
    before = await _existing(conn, rule_id)
    if (before["text_de"], before["text_en"]) == (text_de, text_en):
        return  # no change, no entry
    await legal_store.update_rule(conn, rule_id, text_de, text_en)
    await audit.record(conn, by.actor_id, by.name, "rule.edit", f"rule {rule_id}", before=_shown(before),
                       after=_shown(await _existing(conn, rule_id)))


async def move(conn: Connection, rule_id: int, direction: str, *, by: By) -> None:
    """One place up or down; at the top (or bottom) already, nothing changes."""
    if direction not in ("up", "down"):
        raise BadRequest("direction must be up or down", field="direction", code="invalid_choice")
    await _existing(conn, rule_id)
    order = [r["id"] for r in await legal_store.rules(conn)]
    here = order.index(rule_id)
    there = here - 1 if direction == "up" else here + 1
    if not 0 <= there < len(order):
        return
    before = order[:]
    order[here], order[there] = order[there], order[here]
    await legal_store.set_order(conn, order)
    await audit.record(conn, by.actor_id, by.name, "rule.move", f"rule {rule_id}", before={"order": before},
                       after={"order": order})


async def remove(conn: Connection, rule_id: int, *, by: By) -> None:
    before = await _existing(conn, rule_id)
    await legal_store.remove_rule(conn, rule_id)
    await legal_store.set_order(conn, [r["id"] for r in await legal_store.rules(conn)])
    await audit.record(conn, by.actor_id, by.name, "rule.remove", f"rule {rule_id}", before=_shown(before))


def text_in(rule: dict, lang: str) -> str:
    """The rule in a language: English where written, else the German text."""
    return rule["text_en"] if lang == "en" and rule["text_en"] else rule["text_de"]


async def version(conn: Connection) -> str:
    """The version a person agrees to: a hash of the rules in force ("" when there are none)."""
    return legal.rules_version([r["text_de"] for r in await legal_store.rules(conn)])
