"""A box's indicators, milestones and tasks. They are shown on the box's page and do not federate
(the Group document does not carry them), so each is one change in one transaction."""

from __future__ import annotations

from wecreate_fed import sanitize
from wecreate_fed.errors import NotFound
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection, notifications
from wecreate_fed.store import boxes as box_store
from wecreate_fed.store.actors import Actor

from . import validation
from .access import MODERATORS, local_box, member_by_ap_id, require_role


async def add_indicator(rt: Runtime, moderator: Actor, box_ref: str, name: str, target: float | str,
                        unit: str = "", current: float | str = 0) -> int:
    """An indicator with its target and current value (numbers, or form strings read as numbers)."""
    box, _ = await local_box(rt, box_ref)
    await require_role(rt, box, moderator, MODERATORS)
    name = validation.title(name, "an indicator", "name")
    target_value, current_value = validation.number(target, "target"), validation.number(current, "current")
    async with rt.db.transaction() as conn:
        return await box_store.add_indicator(conn, box.id, name, sanitize.plain_text(unit, validation.UNIT_MAX),
                                             target_value, current_value)


async def update_indicator(rt: Runtime, moderator: Actor, box_ref: str, indicator_id: int,
                           current: float | str) -> None:
    box, _ = await local_box(rt, box_ref)
    await require_role(rt, box, moderator, MODERATORS)
    value = validation.number(current, "current")
    async with rt.db.transaction() as conn:
        if not await box_store.set_indicator_value(conn, box.id, indicator_id, value):
            raise NotFound(f"no indicator {indicator_id} in this box", field="indicator")


async def add_milestone(rt: Runtime, moderator: Actor, box_ref: str, title: str, due: str | None = None) -> int:
    box, _ = await local_box(rt, box_ref)
    await require_role(rt, box, moderator, MODERATORS)
    title = validation.title(title, "a milestone")
    due = validation.due_date(due)
    async with rt.db.transaction() as conn:
        return await box_store.add_milestone(conn, box.id, title, due)


async def mark_milestone(rt: Runtime, moderator: Actor, box_ref: str, milestone_id: int, done: bool) -> None:
    box, _ = await local_box(rt, box_ref)
    await require_role(rt, box, moderator, MODERATORS)
    async with rt.db.transaction() as conn:
        if not await box_store.mark_milestone(conn, box.id, milestone_id, done):
            raise NotFound(f"no milestone {milestone_id} in this box", field="milestone")


async def add_task(rt: Runtime, member: Actor, box_ref: str, title: str, assignee_ap_id: str | None = None) -> int:
    box, _ = await local_box(rt, box_ref)
    await require_role(rt, box, member, validation.ROLES)
    title = validation.title(title, "a task")
    assignee = await member_by_ap_id(rt, box, assignee_ap_id) if assignee_ap_id else None
    async with rt.db.transaction() as conn:
        task_id = await box_store.add_task(conn, box.id, title, member.id, assignee.id if assignee else None)
        await _tell_assignee(conn, box, member, assignee, title)
        return task_id


async def update_task(rt: Runtime, member: Actor, box_ref: str, task_id: int, *, done: bool | None = None,
                      assignee_ap_id: str | None = None, unassign: bool = False) -> None:
    """Mark a task done or open, and/or (re)assign it to a member or to nobody."""
    box, _ = await local_box(rt, box_ref)
    await require_role(rt, box, member, validation.ROLES)
    assignee = await member_by_ap_id(rt, box, assignee_ap_id) if assignee_ap_id else None
    async with rt.db.transaction() as conn:
        changed = await box_store.update_task(conn, box.id, task_id,
                                              state=None if done is None else ("done" if done else "open"),
                                              assignee_id=assignee.id if assignee else None, unassign=unassign)
        if not changed:
            raise NotFound(f"no task {task_id} in this box", field="task")
        if assignee is not None:
            await _tell_assignee(conn, box, member, assignee, await box_store.task_title(conn, box.id, task_id) or "")


async def _tell_assignee(conn: Connection, box: Actor, by: Actor, assignee: Actor | None, title: str) -> None:
    """A local member given a task (by someone else) hears of it."""
    if assignee is not None and assignee.is_local and assignee.id != by.id:
        await notifications.add(conn, [assignee.id], kind="box_task", object_ap_id=box.ap_id, by_ap_id=by.ap_id,
                                params={"name": by.name or by.handle, "box": box.name or box.handle, "title": title})
