"""What a submitted idea must be (website form or client-to-server), checked in one place.

Every broken rule is one Problem with the field it concerns and a code of the website's
catalog (form.<code>); the English messages are what API clients and the CLI read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wecreate_fed import content, sanitize
from wecreate_fed.config import Config
from wecreate_fed.errors import BadRequest, Problems

from .. import districts

KINDS = ("idea", "reform_proposal")
STATUSES = ("proposed", "in_discussion", "being_implemented", "implemented", "declined", "withdrawn")
TITLE_MAX, SUMMARY_MAX, BODY_MAX, TOPICS_MAX = 200, 500, 20_000, 10
ALT_MAX = 1500  # Mastodon's limit for a media description
TOPIC = re.compile(r"^\w{1,50}$")


@dataclass
class IdeaInput:
    title: str
    summary: str
    body: str
    district_slugs: list[str]
    topics: list[str]
    kind: str
    image_url: str | None
    addressed_to: str | None
    image_alt: str | None = None
    image_media_type: str | None = None
    language: str | None = None     # None: the author's language (commands.publish)


def validate(config: Config, data: dict) -> IdeaInput:
    """Check a submitted idea; one BadRequest naming every problem."""
    problems = Problems()

    def text(name: str, limit: int, required: bool) -> str:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                problems.add(name, "required", f"{name} is required")
            return ""
        if not isinstance(value, str):
            problems.add(name, "not_text", f"{name} must be text")
            return ""
        if len(value) > limit:
            problems.add(name, "too_long", f"{name} is longer than {limit} characters", limit=limit)
        return value.strip()

    title = sanitize.plain_text(text("title", TITLE_MAX, True))
    summary = sanitize.plain_text(text("summary", SUMMARY_MAX, False))
    body = text("body", BODY_MAX, False)
    kind = data.get("kind") or "idea"
    if kind not in KINDS:
        problems.add("kind", "invalid_choice", f"kind must be one of {', '.join(KINDS)}", choices=", ".join(KINDS))
    slugs = _words(data.get("districts"))
    if not isinstance(slugs, list) or not slugs:
        problems.add("districts", "district_required", "at least one district is required")
        slugs = []
    for slug in slugs:
        try:
            districts.by_slug(config, slug if isinstance(slug, str) else str(slug), field="districts")
        except BadRequest as e:
            problems.extend(e)
    topics = _words(data.get("topics"))
    topics = [t.lstrip("#").lower() for t in topics if isinstance(t, str)] if isinstance(topics, list) else []
    if len(topics) > TOPICS_MAX:
        problems.add("topics", "too_many_topics", f"at most {TOPICS_MAX} topics", limit=TOPICS_MAX)
    bad = [t for t in topics if not TOPIC.match(t)]
    if bad:
        problems.add("topics", "topics_words", f"topics are single words (letters, digits, _): {', '.join(bad)}")
    image_url = data.get("image_url") or None
    if image_url is not None and (not isinstance(image_url, str) or not image_url.startswith(("https://", "http://"))):
        problems.add("image_url", "url", "image_url must be an http(s) URL")
        image_url = None
    image_alt = sanitize.plain_text(text("image_alt", ALT_MAX, image_url is not None)) or None
    media_type = content.image_media_type(image_url, data.get("image_media_type"))
    if image_url is not None and media_type is None:
        problems.add("image_url", "image_type", "image_url must name a JPEG, PNG, GIF, WebP or AVIF file "
                     "(or the client gives its mediaType)")
    language = data.get("language") or None
    if language is not None and content.language_tag(language) is None:
        problems.add("language", "language", "language must be a language tag such as de or en")
    addressed_to = data.get("addressed_to") or None
    if kind == "reform_proposal" and not addressed_to:
        problems.add("addressed_to", "addressee_required",
                     "a reform proposal needs addressed_to: the administration or a party it is addressed to")
    problems.raise_if_any()
    return IdeaInput(title, summary, body, list(dict.fromkeys(slugs)), list(dict.fromkeys(topics)), kind,
                     image_url, addressed_to, image_alt if image_url else None, media_type,
                     content.language_tag(language))


def _words(value):
    """A list as given, or the words of a text (the website's form sends "a, b c")."""
    if not value:
        return []
    if isinstance(value, str):
        return [w for w in re.split(r"[,\s]+", value) if w]
    return value


def check_comment(text) -> str:
    """A comment's Markdown: some text, not too long."""
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("a comment needs text", field="text", code="required")
    if len(text) > BODY_MAX:
        raise BadRequest(f"a comment is longer than {BODY_MAX} characters", field="text", code="too_long",
                         params={"limit": BODY_MAX})
    return text


def addressee_problem(ref: str, reason: str) -> BadRequest:
    """The addressee of a reform proposal cannot be used."""
    return BadRequest(f"addressed_to: cannot find {ref}: {reason}", field="addressed_to", code="addressee_unknown")


def not_an_organisation() -> BadRequest:
    return BadRequest("addressed_to must be an organisation: the administration or a party", field="addressed_to",
                      code="addressee_unknown")
