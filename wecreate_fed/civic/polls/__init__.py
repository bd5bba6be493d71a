"""Polls: ActivityStreams `Question`s with `oneOf` / `anyOf` options, as Mastodon renders and votes them.

validation: what a new poll must be; documents: the Question; access: where a poll lives and who
sees, votes in and hears of it (a profile, a box, a space's members); commands: asking, voting,
closing, deleting; inbound: votes from other servers; updates: the batched Update of the totals
(run by the civic worker). Secret ballots keep totals and who voted, never what (store/polls.py).
"""

from .access import Place, check_key, may_see, place_of, poll_by_id, poll_by_key, require_see, visible_poll
from .commands import SETTLE_SECONDS, chosen_positions, close, create, delete, question_document, vote
from .documents import closed_at, results_visible
from .inbound import vote_received
from .updates import next_due, publish_due
from .validation import OPTION_MAX, OPTIONS_MAX, OPTIONS_MIN, QUESTION_MAX, flag, validate
from .views import summary, visible_polls

__all__ = [
    "OPTIONS_MAX", "OPTIONS_MIN", "OPTION_MAX", "QUESTION_MAX", "SETTLE_SECONDS", "Place", "check_key",
    "chosen_positions",
    "close", "closed_at", "create", "delete", "flag", "may_see", "next_due", "place_of", "poll_by_id",
    "poll_by_key", "publish_due", "question_document", "require_see", "results_visible", "summary", "validate",
    "visible_poll", "visible_polls", "vote", "vote_received",
]
