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
its answers arriving). This module gathers their public names; the printable page is the website's.
"""

from __future__ import annotations

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
    "MAX_COSIGNERS", "STATES", "TEXT_MAX", "TITLE_MAX",
    "CouncilAnswer", "IncomingMotion",
    "answer_received", "cosign", "decide", "draft", "edit", "is_motion_offer", "motion_document",
    "motion_for_answer", "offer_received", "parse_answer", "parse_offer", "put_on_agenda",
    "submit", "view", "withdraw_cosignature",
]
