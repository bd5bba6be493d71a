"""A notification's sentence in the reader's language, from its kind and params.

The same sentence on /notifications, in a mail at once and in a digest. A kind this module
does not know (a newer one, read by an older page) shows its label only; rows from before
the notifications were structured carry their old text as {"text": …} and show it.
"""

from __future__ import annotations

from wecreate_fed import i18n

STATUS_KEYS = {"idea": "status.", "event": "event_status."}


def label(lang: str, kind: str) -> str:
    """The kind's short name ("Neuer Status")."""
    key = f"notification.{kind}"
    return i18n.gettext(lang, key) if i18n.has(key) else i18n.gettext(lang, "notify.kind_other")


def sentence(lang: str, kind: str, params: dict) -> str:
    """What happened, in a sentence ("„Neuer Radweg“ hat jetzt den Status: In Diskussion")."""
    p = {k: v for k, v in params.items() if isinstance(v, (str, int, bool))}
    t = i18n.gettext
    if kind == "status_changed" and "status" in p:
        prefix = STATUS_KEYS.get(str(p.get("what")), "status.")
        status_key = f"{prefix}{p['status']}"
        status = t(lang, status_key) if i18n.has(status_key) else str(p["status"])
        return t(lang, "notify.text.status_changed", title=p.get("title", ""), status=status)
    if kind in ("moderation", "moderation_undone") and "action" in p:
        return t(lang, f"moderation.kind.{p['action']}")
    if kind == "appeal_decided" and "outcome" in p:
        return t(lang, f"moderation.appeal.{p['outcome']}")
    if kind == "reply" and "title" not in p:
        return t(lang, "notify.text.reply_post", name=p.get("name", ""))
    if kind == "attend_answered" and "title" in p:
        return t(lang, "notify.text.attend_yes" if p.get("accepted") else "notify.text.attend_no", title=p["title"])
    key = f"notify.text.{kind}"
    if i18n.has(key):
        try:
            return t(lang, key, **p)
        except (KeyError, IndexError):  # params of another shape than this kind's text needs
            pass
    return str(p.get("text", ""))


def render(lang: str, row, params: dict) -> dict:
    """What the page and the mails show of one notification row."""
    return {"id": row["id"], "kind": row["kind"], "label": label(lang, row["kind"]),
            "text": sentence(lang, row["kind"], params), "url": row["object_ap_id"],
            "created_at": row["created_at"], "read_at": row["read_at"]}
