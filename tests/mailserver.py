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
import datetime
import email
import email.policy
import ipaddress
import re
import ssl
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.ports import free_port

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


def make_certificates(folder: Path) -> tuple[Path, ssl.SSLContext]:
    """A private CA and a certificate for 127.0.0.1 signed by it: (the CA's PEM file for the
    client's ca_file, the server's TLS context)."""
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "WeCreate test mail CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])).issuer_name(ca_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return ca_file, context


class MailServer:
    """`tls_context`: the server offers STARTTLS and refuses mail without it; `credentials`
    (user, password): AUTH is required (only after STARTTLS)."""

    def __init__(self, port: int | None = None, *, tls_context: ssl.SSLContext | None = None,
                 credentials: tuple[str, str] | None = None):
        # Reserved for the whole test, so that a stop() and start() finds it free (tests/ports.py).
        self.port = port or free_port()
        self.tls_context = tls_context
        self.credentials = credentials
        self.logins: list[str] = []
        self.mails: list[Mail] = []
        self.refuse: set[str] = set()
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._arrived = asyncio.Event()

    async def start(self) -> MailServer:
        loop = asyncio.get_running_loop()

        def protocol():
            self.connections += 1
            return SMTP(_Handler(self), hostname="mail.test", decode_data=False, ident="test SMTP",
                        tls_context=self.tls_context, require_starttls=self.tls_context is not None,
                        auth_required=self.credentials is not None, authenticator=self._authenticate)

        self._server = await loop.create_server(protocol, "127.0.0.1", self.port, reuse_address=True)
        return self

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if not isinstance(auth_data, LoginPassword) or self.credentials is None:
            return AuthResult(success=False, handled=False)
        given = (auth_data.login.decode(), auth_data.password.decode())
        if given == self.credentials:
            self.logins.append(given[0])
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

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
