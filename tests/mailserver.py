"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, in the test's own event loop.

    server = await MailServer().start()
    leipzig = await make_instance("leipzig", tables=server.tables())   # [email] pointing at it
    [mail] = await server.wait_for(1)
    mail.subject, mail.text, mail.html, mail.links(), mail["List-Unsubscribe"]

`stop()` closes the listening socket (the instance then finds no server, as when a mail server is
down) and `start()` opens it again on the same port. Addresses in `refuse` are answered 550.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import time
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.smtp import SMTP

URL = re.compile(r"https?://[^\s<>\"']+")


@dataclass
class Mail:
    """One mail as the server received it."""

    sender: str
    recipients: list[str]
    raw: bytes
    message: EmailMessage = field(init=False)

    def __post_init__(self) -> None:
        self.message = email.message_from_bytes(self.raw, policy=email.policy.default)  # type: ignore[assignment]

    def __getitem__(self, header: str):
        return self.message[header]

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def _part(self, subtype: str) -> str:
        part = self.message.get_body(preferencelist=(subtype,))
        assert part is not None and part.get_content_subtype() == subtype, f"no text/{subtype} part"
        return part.get_content()

    @property
    def text(self) -> str:
        return self._part("plain")

    @property
    def html(self) -> str:
        return self._part("html")

    def links(self) -> list[str]:
        """The URLs in the plain-text part, in order."""
        return URL.findall(self.text)

    def link(self, containing: str) -> str:
        """The one URL of the text part that contains `containing` (and the HTML part has it too)."""
        found = [url for url in self.links() if containing in url]
        assert len(set(found)) == 1, f"links with {containing!r}: {found} in\n{self.text}"
        assert found[0].replace("&", "&amp;") in self.html or found[0] in self.html, "the HTML part lacks the link"
        return found[0]


class _Handler:
    def __init__(self, server: MailServer):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.server.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.server.received(Mail(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK: queued"


class MailServer:
    def __init__(self, port: int = 0):
        self.port = port
        self.mails: list[Mail] = []
        self.refuse: set[str] = set()
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._arrived = asyncio.Event()

    async def start(self) -> MailServer:
        loop = asyncio.get_running_loop()

        def protocol():
            self.connections += 1
            return SMTP(_Handler(self), hostname="mail.test", decode_data=False, ident="test SMTP")

        self._server = await loop.create_server(protocol, "127.0.0.1", self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        """The server goes away: nobody listens on its port until start()."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    @property
    def running(self) -> bool:
        return self._server is not None

    def received(self, mail: Mail) -> None:
        self.mails.append(mail)
        self._arrived.set()

    def tables(self, **email_settings) -> dict:
        """The [email] table of an instance that sends here, with fast retries (seconds, not minutes)."""
        return {"email": {"host": "127.0.0.1", "port": self.port, "security": "none",
                          "from": "WeCreate Test <noreply@wecreate.test>", "timeout_seconds": 5.0,
                          "retry_base_seconds": 0.2, "retry_cap_seconds": 1.0, **email_settings}}

    async def wait_for(self, count: int, *, timeout: float = 15.0, to: str | None = None) -> list[Mail]:
        """The first `count` mails received (to `to`, if given); fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            mails = [m for m in self.mails if to is None or to in m.recipients]
            if len(mails) >= count:
                return mails[:count]
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{len(mails)} of {count} mails arrived within {timeout} s")
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), min(left, 0.5))
            except TimeoutError:
                pass
