"""What a person may choose mails for: topics, each a group of notification kinds, and how often.

A notification's kind says what happened; its topic is what the settings page offers
(/settings/notifications): "a reply to me", "my idea supported", "a status changed",
"new in my district", "my boxes and spaces", "my account". The district topic has no notifications of
its own (one for every resident would be a flood): the digest reads the district's new
ideas and events of the period, so it offers daily and weekly only.
"""

from __future__ import annotations

NOW, DAILY, WEEKLY, NEVER = "now", "daily", "weekly", "never"
FREQUENCIES = (NOW, DAILY, WEEKLY, NEVER)
DIGESTS = (DAILY, WEEKLY)

# topic -> the notification kinds it covers
KINDS: dict[str, tuple[str, ...]] = {
    "reply": ("reply",),
    "support": ("support",),
    "status": ("status_changed", "attend", "attend_answered"),
    "district": (),
    "box": ("box_post", "box_task", "box_invitation", "motion_received", "motion_on_agenda", "motion_decided",
            "amendment_proposed", "amendment_adopted", "amendment_rejected",
            # organisation spaces (civic/orgs/membership.py): invitations, requests and their answers
            "members_invited", "members_requested", "members_approved", "members_declined", "members_joined",
            "members_left", "members_removed", "members_role"),
    "account": ("moderation", "moderation_undone", "appeal_decided"),
}
TOPICS = tuple(KINDS)
DEFAULTS = {"reply": NOW, "support": DAILY, "status": NOW, "district": WEEKLY, "box": NOW, "account": NOW}
TOPIC_OF = {kind: topic for topic, kinds in KINDS.items() for kind in kinds}
# "all" in an unsubscribe link: every topic to never.
ALL = "all"


def choices_for(topic: str) -> tuple[str, ...]:
    return (DAILY, WEEKLY, NEVER) if topic == "district" else FREQUENCIES


def effective(stored: dict[str, str]) -> dict[str, str]:
    """Every topic's frequency: the person's choice, else the default."""
    chosen = {t: stored.get(t, "") for t in TOPICS}
    return {t: f if f in choices_for(t) else DEFAULTS[t] for t, f in chosen.items()}


def topic_of(kind: str) -> str | None:
    return TOPIC_OF.get(kind)


def kinds_at(frequencies: dict[str, str], frequency: str) -> list[str]:
    """The notification kinds whose topic the person gets at `frequency`."""
    return [k for t, kinds in KINDS.items() if frequencies[t] == frequency for k in kinds]
