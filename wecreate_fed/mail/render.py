"""Rendering a mail: both parts from the templates in the recipient's language, and the headers."""

from __future__ import annotations

import functools
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

import jinja2

from wecreate_fed import i18n
from wecreate_fed.config import Config

TEMPLATES = Path(__file__).parent / "templates"


@functools.cache
def _environments() -> tuple[jinja2.Environment, jinja2.Environment]:
    """(text, HTML): the HTML part escapes every value, the text part none (it is no markup)."""
    loader = jinja2.FileSystemLoader(str(TEMPLATES))
    text = jinja2.Environment(loader=loader, autoescape=False, undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    html = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True)
    return text, html


def envelope_sender(config: Config) -> str:
    """The bare address of email.from (MAIL FROM)."""
    return parseaddr(config.email_from)[1] or config.email_from


def render(config: Config, *, lang: str, template: str, values: dict,
           unsubscribe_url: str | None = None) -> tuple[str, str, str]:
    """(subject, text, HTML) of one mail."""
    lang = lang if lang in i18n.LANGUAGES else config.default_language
    context = {**values, "_": functools.partial(i18n.gettext, lang), "lang": lang,
               "instance": config.instance_name, "base_url": config.base_url, "unsubscribe_url": unsubscribe_url}
    text_env, html_env = _environments()
    module = text_env.get_template(f"{template}.txt").make_module(context)
    subject = " ".join(str(getattr(module, "subject", "")).split())
    if not subject:
        raise ValueError(f"mail template {template}.txt sets no subject")
    html = html_env.get_template(f"{template}.html").render({**context, "subject": subject})
    return subject, str(module).strip() + "\n", html


def compose(config: Config, *, to: str, lang: str, template: str, values: dict,
            unsubscribe_url: str | None = None) -> bytes:
    """The whole message as it goes over SMTP (CRLF line ends), both parts and every header."""
    lang = lang if lang in i18n.LANGUAGES else config.default_language
    subject, text, html = render(config, lang=lang, template=template, values=values,
                                 unsubscribe_url=unsubscribe_url)
    message = EmailMessage()
    message["From"] = config.email_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=config.domain or None)
    # Out-of-office replies and the like are not sent back to an automatic mail (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe_url:
        # RFC 8058: mail clients offer a one-click "unsubscribe" that POSTs to the URL.
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = lang  # after the parts: set_content drops the Content-* headers
    return message.as_bytes(policy=SMTP)
