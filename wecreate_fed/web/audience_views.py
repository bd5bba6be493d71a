"""The "Wer sieht das?" choice of the idea and event forms (issue 12): the audiences a person may
publish to (everyone, each space they are a member of, on a private instance every account),
and the audience an existing item was published to (fixed since)."""

from __future__ import annotations

from wecreate_fed.civic import audience
from wecreate_fed.runtime import Runtime

from .common import Viewer

Choice = tuple[str, str, str]  # form value, kind (all, space, instance), the space's name


async def audience_choices(rt: Runtime, viewer: Viewer | None) -> list[Choice]:
    """The select's options; empty (no select shown) for someone who is a member of no space."""
    if viewer is None:
        return []
    spaces: list[Choice] = [(org.username or "", "space", org.name or org.username or "")
                            for org in await audience.organisations_of(rt, viewer.actor)]
    if getattr(rt.config, "private", False):  # Config.private comes with the private instance mode
        spaces.append((audience.INSTANCE, "instance", ""))
    return [("", "all", ""), *spaces] if spaces else []


async def fixed_audience(rt: Runtime, members_of: int | None) -> Choice:
    """The audience an idea or event was published to, for its edit form."""
    space = await audience.audience_actor(rt, members_of)
    if space is None:
        return ("", "all", "")
    if space.type == "Application":
        return (audience.INSTANCE, "instance", "")
    return (space.username or "", "space", space.name)
