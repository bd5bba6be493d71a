"""Link previews: what the OpenGraph tags and the description of a page say (templates/_og.html).

Mastodon's link preview (FetchLinkCardService) and the messengers read og:title,
og:description, og:image, og:url and og:type, and <meta name="description"> when og:description
is missing; og:locale says the language the page's text is in.
"""

from __future__ import annotations

from wecreate_fed import sanitize

DESCRIPTION_MAX = 200
# og:locale is language_TERRITORY; our languages without a territory get the usual one.
LOCALES = {"de": "de_DE", "en": "en_GB"}


def og_locale(language: str | None, default: str = "de") -> str:
    """"de" → "de_DE", "de-AT" → "de_AT"; an unknown language as it is."""
    language = (language or default).replace("-", "_")
    primary, _, territory = language.partition("_")
    if territory:
        return f"{primary.lower()}_{territory.upper()}"
    return LOCALES.get(primary.lower(), primary.lower())


def describe(*texts: str | None, limit: int = DESCRIPTION_MAX) -> str:
    """The first text that says something, as plain text cut at a word within `limit` characters."""
    for text in texts:
        plain = " ".join(sanitize.plain_text(text or "").split())
        if plain:
            if len(plain) <= limit:
                return plain
            cut = plain[:limit - 1].rsplit(" ", 1)[0]
            return cut.rstrip(",.;:") + "…"
    return ""
