"""Motions (Anträge): drafted in a box, co-signed, submitted to a district council, answered.

The vocabulary, in ActivityStreams terms:
- submitting: the box sends `Offer` {object: the motion (an `Article` with civicKind "motion"),
  target: the council} to the council's inbox;
- received: the council answers `Read` {object: the Offer};
- on the agenda: `Add` {object: the motion, target: an `Event` (the session) with its startTime};
- decided: `Accept` or `Reject` {object: the Offer, content: the decision's text}.
A council is any Organization actor, here or on another instance.

The parts live with the boxes they are drafted in: boxes.motion_validation (what people
type), boxes.motion_documents (ActivityStreams, and what arrives parsed into records),
boxes.motion_drafts (the box's commands) and boxes.motion_answers (the council's side and
its answers arriving). This module gathers their public names, and the printable page.
"""

from __future__ import annotations

import base64
import hashlib

from markupsafe import escape

from wecreate_fed import sanitize

from . import districts
from .boxes.motion_answers import answer_received, decide, motion_for_answer, offer_received, put_on_agenda
from .boxes.motion_documents import (
    CouncilAnswer,
    IncomingMotion,
    is_motion_offer,
    motion_document,
    parse_answer,
    parse_offer,
)
from .boxes.motion_drafts import cosign, draft, edit, submit, view, withdraw_cosignature
from .boxes.motion_validation import MAX_COSIGNERS, STATES, TEXT_MAX, TITLE_MAX

__all__ = [
    "MAX_COSIGNERS", "PRINT_POLICY", "PRINT_STYLE", "STATES", "TEXT_MAX", "TITLE_MAX",
    "CouncilAnswer", "IncomingMotion",
    "answer_received", "cosign", "decide", "draft", "edit", "is_motion_offer", "motion_document",
    "motion_for_answer", "offer_received", "parse_answer", "parse_offer", "printable", "put_on_agenda",
    "submit", "view", "withdraw_cosignature",
]


PRINT_STYLE = ("body{font:12pt/1.5 Georgia,serif;max-width:40em;margin:2em auto;color:#000}"
               "h1{font-size:18pt}h2{font-size:13pt;margin-top:1.5em}.meta{color:#333}"
               "@media print{a{color:#000;text-decoration:none}}")
# The printable page stands alone: nothing but its own inline style may load (allowed by its hash).
PRINT_POLICY = ("default-src 'none'; style-src 'sha256-"
                + base64.b64encode(hashlib.sha256(PRINT_STYLE.encode()).digest()).decode() + "'")


def printable(config, data: dict) -> str:
    """A clean page for print and for sending by post (in German, as it goes to a German council).

    Serve it with PRINT_POLICY as its Content-Security-Policy.
    """
    motion, box = data["motion"], data["box"]
    names = data.get("names", {})
    district = districts.slug_of(config, motion["district_ap_id"] or "")
    district_name = districts.by_slug(config, district).name if district else ""
    cosigners = "".join(f"<li>{escape(names.get(c, c))}</li>" for c in data["cosigners"]) or "<li>—</li>"
    council = motion["council_ap_id"]
    return (
        "<!doctype html><html lang=\"de\"><head><meta charset=\"utf-8\">"
        f"<title>Antrag: {escape(motion['title'])}</title><style>{PRINT_STYLE}</style></head><body>"
        f"<p class=\"meta\">{escape(config.city_name)}{' · Stadtbezirk ' + escape(district_name) if district_name else ''}"
        f"<br>An: {escape(names.get(council, council or '—'))}<br>Von: {escape(box.name)} ({escape(box.ap_id)})"
        f"<br>Stand: {escape((motion['submitted_at'] or motion['updated_at'])[:10])}</p>"
        f"<h1>Antrag: {escape(motion['title'])}</h1>"
        f"<h2>Der Stadtbezirksbeirat möge beschließen:</h2>{sanitize.markdown_to_html(motion['request'])}"
        f"<h2>Begründung</h2>{sanitize.markdown_to_html(motion['reasoning'])}"
        f"<h2>Mitzeichnende</h2><ul>{cosigners}</ul></body></html>"
    )
