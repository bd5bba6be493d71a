"""What a new poll must be: a question, two to ten distinct options, an optional closing time in the
future; secret ballots take one option per person and show their results only once closed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from wecreate_fed.errors import Problems

from ..events.times import zone

QUESTION_MAX = 500
OPTION_MAX = 100
OPTIONS_MIN, OPTIONS_MAX = 2, 10
LONGEST_DAYS = 366  # a closing time further away is a typo
EXAMPLE = "2026-05-14T18:30"


@dataclass(frozen=True)
class PollInput:
    question: str
    options: list[str]
    multiple: bool
    secret: bool
    live_results: bool
    end_time: datetime | None   # UTC


def flag(value) -> bool:
    """A checkbox ("on", "1", "true") or a JSON boolean."""
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in ("on", "1", "true", "yes")


def validate(data: dict, *, timezone: str, now: datetime | None = None) -> PollInput:
    """Every broken rule at once (one BadRequest with all problems), else the poll to create."""
    problems = Problems()
    question = data.get("question")
    if not isinstance(question, str) or not question.strip():
        problems.add("question", "required", "the question is required")
        question = ""
    elif len(question.strip()) > QUESTION_MAX:
        problems.add("question", "too_long", f"the question is longer than {QUESTION_MAX} characters",
                     limit=QUESTION_MAX)
    options = _options(data.get("options"), problems)
    multiple, secret = flag(data.get("multiple")), flag(data.get("secret"))
    live = flag(data.get("live_results"))
    if secret and multiple:
        # Mastodon votes with one message per chosen option: counting a remote person's several
        # choices once each would mean remembering which they chose.
        problems.add("multiple", "polls_secret_single", "a secret ballot takes one option per person")
    if secret and live:
        problems.add("live_results", "polls_secret_live", "a secret ballot shows its results once it is closed")
    end_time = _end_time(data.get("end_time"), timezone, now or datetime.now(UTC), problems)
    problems.raise_if_any()
    return PollInput(question.strip(), options, multiple, secret, live, end_time)


def _options(value, problems: Problems) -> list[str]:
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.add("options", "polls_options", "the options must be a list of texts", low=OPTIONS_MIN,
                     high=OPTIONS_MAX)
        return []
    options = [v.strip() for v in value if v.strip()]
    if len(options) < OPTIONS_MIN or len(options) > OPTIONS_MAX:
        problems.add("options", "polls_options", f"a poll has {OPTIONS_MIN} to {OPTIONS_MAX} options",
                     low=OPTIONS_MIN, high=OPTIONS_MAX)
    elif len({o.casefold() for o in options}) != len(options):
        problems.add("options", "polls_options_twice", "every option must be different")
    elif any(len(o) > OPTION_MAX for o in options):
        problems.add("options", "too_long", f"an option is longer than {OPTION_MAX} characters", limit=OPTION_MAX)
    return options


def _end_time(value, timezone: str, now: datetime, problems: Problems) -> datetime | None:
    """ISO 8601 with an offset, or a local wall time (a form's datetime-local) in the instance's zone."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None  # open until its author closes it
    try:
        if not isinstance(value, str) or len(value.strip()) <= 10:
            raise ValueError
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        problems.add("end_time", "datetime", f"the closing time is not a date and time ({EXAMPLE})")
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(timezone) or UTC)
    moment = moment.astimezone(UTC)
    if moment <= now:
        problems.add("end_time", "polls_end_past", "the closing time must be in the future")
    elif moment > now + timedelta(days=LONGEST_DAYS):
        problems.add("end_time", "polls_end_far", f"a poll closes within {LONGEST_DAYS} days", days=LONGEST_DAYS)
    return moment
