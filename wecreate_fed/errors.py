"""Typed errors, one place. Each carries the HTTP status a route answers with.

An error is structured: a `code` (what went wrong, stable, e.g. ``too_long``), the `field`
it concerns (a form field or an activity property, or None), `params` for the message
(``{"limit": 200}``) and an English `message` for logs, the CLI and API clients. The website
renders the code in the visitor's language next to its field (catalog key ``form.<code>``);
the API and the inbox answer ``{"error": code, "field": field, "message": message}``.
A rule broken in several places at once is one BadRequest holding every `Problem`.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

# The codes civic validation uses; each has a German and an English text in the website's
# catalog (form.<code>). A code not listed here is shown by its English message.
FORM_CODES = frozenset({
    "required", "too_long", "invalid_choice", "not_text", "url", "district_required", "district_unknown",
    "too_many_topics", "topics_words", "addressee_required", "addressee_unknown", "timezone", "datetime",
    "end_after_start", "place_required", "capacity", "linked_idea", "slug_rules", "slug_taken",
    "request_required", "cosigners_number", "council_unknown", "council_organisation", "council_required",
    "cosigners_missing", "number", "date",
    # accounts (civic/accounts.py) and handles (actors/remote.py)
    "username_rules", "username_taken", "password_short", "password_mismatch", "password_wrong", "invitation_invalid",
    "avatar_size", "avatar_type", "handle",
    # consent at registration (web/consent.py)
    "consent_required", "consent_changed",
    # reports and notices (moderation/reports.py)
    "email", "location_foreign", "location_unknown", "good_faith",
    # the spam brakes for new accounts (civic/brakes.py)
    "too_many_links",
    # email addresses and the links mailed to them (civic/addresses.py, civic/password_reset.py)
    "email_same", "email_too_often", "link_invalid",
    # moving an account (civic/moving.py)
    "account_unknown", "alias_self", "too_many_aliases", "move_self", "move_already", "move_alias_missing",
    "move_target_moved", "move_cooldown", "account_moved",
    # images and languages of ideas (civic/ideas/validation.py)
    "image_type", "language",
    # amendments to motions (civic/boxes/amendments.py)
    "line_range", "amendment_unchanged", "reason_required",
    # publishing a draft to the city's marketplace (civic/orgs/publishing.py)
    "publish_city_required", "publish_city_unknown", "publish_city_unreachable",
    # polls (civic/polls)
    "polls_options", "polls_options_twice", "polls_secret_single", "polls_secret_live", "polls_end_past",
    "polls_end_far", "polls_box_or_space", "polls_choose", "polls_one_choice", "polls_closed", "polls_voted",
})


@dataclass(frozen=True)
class Problem:
    """One broken rule: which field, what (a code), the figures the message needs, and English text."""

    field: str | None
    code: str
    message: str
    params: dict[str, Any] = dc_field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"error": self.code, "field": self.field, "message": self.message, **(
            {"params": self.params} if self.params else {})}


class WeCreateError(Exception):
    """Base of our errors; `status` is what an HTTP route answers, `str(e)` the English reason."""

    status = 500
    default_code = "error"

    def __init__(self, message: str = "", *, field: str | None = None, code: str | None = None,
                 params: dict[str, Any] | None = None, problems: list[Problem] | None = None):
        if problems:
            message = message or "; ".join(p.message for p in problems)
        super().__init__(message)
        self.problems: list[Problem] = list(problems or [])
        if not self.problems:
            self.problems = [Problem(field, code or self.default_code, message, dict(params or {}))]
        first = self.problems[0]
        self.field, self.code, self.params = first.field, first.code, first.params

    @property
    def message(self) -> str:
        return str(self)

    def as_json(self) -> dict[str, Any]:
        """The body an API or inbox answer carries."""
        body: dict[str, Any] = {"error": self.code, "field": self.field, "message": self.message}
        if self.params:
            body["params"] = self.params
        if len(self.problems) > 1:
            body["problems"] = [p.as_json() for p in self.problems]
        return body


class ConfigError(WeCreateError):
    """The configuration file is missing a key or has an invalid value."""

    default_code = "config"


class BadRequest(WeCreateError):
    """The input is malformed or breaks a rule; nothing was stored."""

    status = 400
    default_code = "bad_request"


class Unauthorized(WeCreateError):
    """No valid signature or token."""

    status = 401
    default_code = "unauthorized"


class Forbidden(WeCreateError):
    """Valid credentials, but not allowed to do this."""

    status = 403
    default_code = "forbidden"


class NotFound(WeCreateError):
    status = 404
    default_code = "not_found"


class Conflict(WeCreateError):
    status = 409
    default_code = "conflict"


class Gone(WeCreateError):
    status = 410
    default_code = "gone"


class PayloadTooLarge(WeCreateError):
    status = 413
    default_code = "too_large"


class TooManyRequests(WeCreateError):
    """Over a rate limit (wecreate_fed/ratelimit.py); params["seconds"] until the next try."""

    status = 429
    default_code = "rate_limited"


class Unavailable(WeCreateError):
    """The instance is shutting down or overloaded; try again."""

    status = 503
    default_code = "unavailable"


class SignatureError(Unauthorized):
    """An HTTP signature is missing, malformed, stale or does not verify."""

    default_code = "signature"


class FetchError(WeCreateError):
    """An outgoing request failed: refused address, timeout, too large, bad status, not JSON."""

    status = 502
    default_code = "fetch_failed"

    def __init__(self, message: str, *, http_status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.http_status = http_status
        self.retry_after = retry_after


class RefusedAddress(FetchError):
    """The target resolves to a loopback, private or link-local address and that is not allowed."""


class BlockedDomain(FetchError):
    """The target's domain is suspended by this instance's policy (config or the domain policies)."""


class Problems:
    """Collects every broken rule of one input, then raises them together (or not at all)."""

    def __init__(self) -> None:
        self.found: list[Problem] = []

    def add(self, field: str | None, code: str, message: str, **params: Any) -> None:
        self.found.append(Problem(field, code, message, params))

    def extend(self, error: WeCreateError) -> None:
        self.found.extend(error.problems)

    def __bool__(self) -> bool:
        return bool(self.found)

    def raise_if_any(self) -> None:
        if self.found:
            raise BadRequest(problems=self.found)
