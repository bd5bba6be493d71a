"""`wecreate-fed mail test ADDRESS [--lang de|en]`: send a test mail now, through the [email] server.

Sent at once by this process (not queued), so that a wrong host, port, security or password shows
here as the mail server's answer instead of as retries in a running server's queue.
"""

from __future__ import annotations

import argparse

from . import i18n
from .mail import compose, valid_address
from .mail.worker import describe, send


def add_commands(commands, common: argparse.ArgumentParser) -> None:
    mail = commands.add_parser("mail", help="email through the [email] SMTP server",
                               description="Check the [email] settings.")
    mail_commands = mail.add_subparsers(dest="mail_command", required=True, metavar="ACTION")
    test = mail_commands.add_parser("test", parents=[common], help="send a test mail now and say how it went",
                                    description="Send a test mail to ADDRESS through the [email] server at once "
                                                "and print the server's answer.")
    test.add_argument("address", help="where the test mail goes")
    test.add_argument("--lang", choices=i18n.LANGUAGES, default=None, help="its language (default: the instance's)")
    test.set_defaults(handler=run_test)


async def run_test(config, args) -> int:
    if not config.email_enabled:
        print("email is off: there is no [email] host in the config (see config.example.toml)")
        return 1
    if not valid_address(args.address):
        print(f"not an email address: {args.address}")
        return 1
    message = compose(config, to=args.address, lang=args.lang or config.default_language, template="test", values={})
    [error] = await send(config, [(args.address, message)])
    where = f"{config.email_host}:{config.email_port} ({config.email_security})"
    if error is not None:
        print(f"the test mail to {args.address} was not accepted by {where}: {describe(error)}")
        return 1
    print(f"the test mail to {args.address} was accepted by {where}")
    return 0
