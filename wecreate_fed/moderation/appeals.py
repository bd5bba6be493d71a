"""Appeals (DSA Art. 20): the person an action concerns appeals it once, from the decision's
page; a moderator other than the one who acted decides: upheld (the action stays) or reversed
(it is undone). The person is told either way; filing and deciding are audited."""

from __future__ import annotations

from wecreate_fed import urls
from wecreate_fed.errors import BadRequest, Conflict, Forbidden, NotFound
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection, audit, notifications, sanctions
from wecreate_fed.store.actors import Actor

from . import actions
from .roles import By

TEXT_MAX = 5000
OUTCOMES = ("upheld", "reversed")


async def decision_for(rt: Runtime, person: Actor, action_id: int):
    """The action as its person may read it: theirs only (anyone else: NotFound, no hint it exists)."""
    action = await sanctions.get_action(rt.db.reader, action_id)
    if action is None or action["account_id"] != person.id:
        raise NotFound("no such decision about you", code="no_such_decision")
    return action


async def file(rt: Runtime, person: Actor, action_id: int, text: str) -> int:
    """The one appeal against an action about `person`; returns its id."""
    action = await decision_for(rt, person, action_id)
    text = text.strip()
    if not text:
        raise BadRequest("say why the decision should be changed", field="text", code="required")
    if len(text) > TEXT_MAX:
        raise BadRequest(f"at most {TEXT_MAX} characters", field="text", code="too_long", params={"limit": TEXT_MAX})
    if action["undone_at"] is not None:
        raise Conflict("this decision was undone already", code="action_undone")
    async with rt.db.transaction() as conn:
        appeal_id = await sanctions.add_appeal(conn, action_id, person.id, text)
        if appeal_id is None:
            raise Conflict("this decision was appealed already; each can be appealed once", code="appeal_exists")
        await audit.record(conn, person.id, person.username or "", "appeal.file", action["target_ap_id"],
                           after={"action": action_id, "appeal": appeal_id})
    return appeal_id


async def decide(rt: Runtime, by: By, appeal_id: int, outcome: str, decision: str) -> None:
    """Uphold or reverse; refused (403) to the moderator whose action it is."""
    appeal = await sanctions.get_appeal(rt.db.reader, appeal_id)
    if appeal is None:
        raise NotFound(f"no appeal {appeal_id}", code="no_such_appeal")
    if appeal["state"] != "open":
        raise Conflict("this appeal was decided already", code="appeal_decided")
    if by.actor_id is not None and by.actor_id == appeal["moderator_id"]:
        raise Forbidden("a moderator other than the one who acted decides the appeal", code="appeal_same_moderator")
    if outcome not in OUTCOMES:
        raise BadRequest("decide: upheld or reversed", field="outcome", code="invalid_choice",
                         params={"choices": ", ".join(OUTCOMES)})
    decision = decision.strip()
    if not decision:
        raise BadRequest("give the reasons for the decision", field="decision", code="required")
    if len(decision) > TEXT_MAX:
        raise BadRequest(f"at most {TEXT_MAX} characters", field="decision", code="too_long",
                         params={"limit": TEXT_MAX})

    async def write(conn: Connection) -> None:
        if not await sanctions.decide_appeal(conn, appeal_id, by_id=by.actor_id, state=outcome, decision=decision):
            raise Conflict("this appeal was decided meanwhile", code="appeal_decided")
        await audit.record(conn, by.actor_id, by.name, f"appeal.{'uphold' if outcome == 'upheld' else 'reverse'}",
                           appeal["target_ap_id"], before={"appeal": appeal_id, "state": "open"},
                           after={"appeal": appeal_id, "state": outcome})
        if appeal["appellant_id"] is not None:
            await notifications.add(conn, [appeal["appellant_id"]], kind="appeal_decided",
                                    object_ap_id=urls.decision_url(rt.config, appeal["action_id"]),
                                    by_ap_id=None, params={"outcome": outcome})

    if outcome == "reversed":
        await actions.undo(rt, by, appeal["action_id"], also=write)
    else:
        async with rt.db.transaction() as conn:
            await write(conn)
