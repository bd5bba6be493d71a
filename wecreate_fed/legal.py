"""The operator's legal documents: the Impressum (§ 5 DDG) and the privacy policy (GDPR Art. 13),
written as Markdown ([legal] in the config), and the version each consent is recorded with.

A public instance must have both: `public_instance_problem` names the setting that is missing, and
`wecreate-fed serve` refuses to start with it. On loopback (tests, the demo) they may be left out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from .config import Config
from .http import is_loopback
from .sanitize import legal_markdown_to_html

# The documents a person agrees to at registration ("rules" is the instance's rules, in the database).
RULES, PRIVACY = "rules", "privacy"


@dataclass(frozen=True)
class Document:
    name: str       # imprint, privacy
    source: str     # Markdown, as the operator wrote it
    version: str    # the configured version, else a hash of the text

    @property
    def html(self) -> str:
        return legal_markdown_to_html(self.source)


def text_version(text: str) -> str:
    """A short, stable version of a text: the same text, the same version."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def imprint(config: Config) -> Document | None:
    if not config.imprint:
        return None
    return Document("imprint", config.imprint, config.imprint_version or text_version(config.imprint))


def privacy(config: Config) -> Document | None:
    if not config.privacy:
        return None
    return Document("privacy", config.privacy, config.privacy_version or text_version(config.privacy))


def rules_version(texts: list[str]) -> str:
    """The version of the rules as they stand: a hash of their German texts in order ("" for no rules)."""
    return text_version("\n".join(texts)) if texts else ""


def is_public(config: Config, listen_host: str) -> bool:
    """Reachable by others: listening beyond loopback, or named by a host that is not loopback."""
    return not (is_loopback(listen_host) and is_loopback(urlsplit(config.base_url).hostname))


def public_instance_problem(config: Config, listen_host: str) -> str | None:
    """Why a public instance may not start (one line naming the setting), or None."""
    if not is_public(config, listen_host):
        return None
    for name in ("imprint", "privacy"):
        if not getattr(config, name):
            what = "an Impressum (§ 5 DDG)" if name == "imprint" else "a privacy policy (GDPR Art. 13)"
            return (f"a public instance needs {what}: set legal.{name}_file (a Markdown file) or legal.{name} "
                    f"in the config")
    return None
