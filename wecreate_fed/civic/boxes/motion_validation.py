"""Checks of a motion's text and of whether it may be submitted, each problem with its field and code."""

from __future__ import annotations

from dataclasses import dataclass

from actors import remote
from wecreate_fed import inputs, sanitize, urls
from wecreate_fed.config import Config
from wecreate_fed.errors import BadRequest, Conflict, NotFound, Problems, WeCreateError
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import Connection
from wecreate_fed.store import motions as motion_store
from wecreate_fed.store.actors import Actor
from wecreate_fed.store.motions import Motion

from .. import districts

TITLE_MAX, TEXT_MAX, MAX_COSIGNERS = 200, 20_000, 500
STATES = ("draft", "submitted", "received", "on_agenda", "decided")


@dataclass(frozen=True)
class MotionText:
    title: str
    request: str
    reasoning: str
    district_ap_id: str | None
    required_cosigners: int


def text(config: Config, data: dict, problems: Problems) -> MotionText:
    """A motion's title, request, reasoning, district and required co-signers; problems go to `problems`."""
    title = sanitize.plain_text(data.get("title") or "", TITLE_MAX + 1)
    if not title:
        problems.add("title", "required", "title is required")
    elif len(title) > TITLE_MAX:
        problems.add("title", "too_long", f"title is longer than {TITLE_MAX} characters", limit=TITLE_MAX)
    parts = {}
    for name in ("request", "reasoning"):
        value = data.get(name) or ""
        if not isinstance(value, str):
            problems.add(name, "not_text", f"{name} must be text")
            value = ""
        if len(value) > TEXT_MAX:
            problems.add(name, "too_long", f"{name} is longer than {TEXT_MAX} characters", limit=TEXT_MAX)
        parts[name] = value.strip()
    if not parts["request"]:
        problems.add("request", "request_required", "request is required: what should the council decide?")
    district_ap_id = None
    slug = data.get("district")
    if slug:
        try:
            districts.by_slug(config, slug)
            district_ap_id = urls.district_id(config, slug)
        except BadRequest as e:
            problems.add("district", "district_unknown", str(e))
    required = data.get("required_cosigners", 0)
    required = inputs.whole_number(required, high=MAX_COSIGNERS)
    if required is None:
        problems.add("required_cosigners", "cosigners_number",
                     f"required_cosigners must be a whole number from 0 to {MAX_COSIGNERS}")
        required = 0
    return MotionText(title, parts["request"], parts["reasoning"], district_ap_id, required)


async def council(rt: Runtime, ref: str, problems: Problems | None = None) -> Actor | None:
    """The council a motion is addressed to (an Organization here or elsewhere); may fetch it.

    With `problems`, what is wrong goes there (and None is returned); without, it is raised.
    """
    found = Problems()
    actor = None
    try:
        actor = await remote.find_actor(rt, ref)
    except WeCreateError as e:
        found.add("council", "council_unknown", f"council: cannot find {ref}: {e}")
    if actor is not None and actor.type != "Organization":
        found.add("council", "council_organisation",
                  "council must be an organisation (a district council run by the administration)")
        actor = None
    if problems is None:
        found.raise_if_any()
    else:
        problems.found.extend(found.found)
    return actor


async def current(conn: Connection, ap_id: str) -> Motion:
    """The motion as it is now, read in a command's transaction (another may have changed it
    meanwhile), and held until that transaction ends."""
    motion = await motion_store.get_motion_to_change(conn, ap_id)
    if motion is None:
        raise NotFound(f"no motion {ap_id} here")
    return motion


def submittable(motion: Motion, cosigners: list[str]) -> None:
    """A draft addressed to a council, with as many co-signers as it requires."""
    if motion.state != "draft":
        raise Conflict("the motion was already submitted", field="state", code="already_submitted")
    if not motion.council_ap_id:
        raise BadRequest("choose the council the motion is addressed to before submitting", field="council",
                         code="council_required")
    if len(cosigners) < motion.required_cosigners:
        raise BadRequest(f"the motion needs {motion.required_cosigners} co-signers and has {len(cosigners)}",
                         field="cosigners", code="cosigners_missing",
                         params={"needed": motion.required_cosigners, "has": len(cosigners)})
