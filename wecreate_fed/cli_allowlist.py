"""`wecreate-fed allowlist list|add|remove`: the servers a private instance federates with.

Changes are audited as "cli". A running server picks them up within a second (the version
counter in settings, see moderation.allowlist) and then gives up the deliveries queued for a
server taken off the list; a removal here gives them up at once as well.
"""

from __future__ import annotations

import json
import sys

from wecreate_fed import store
from wecreate_fed.http import HttpClient
from wecreate_fed.moderation import allowlist, roles
from wecreate_fed.runtime import Runtime

ENTRY_HELP = "a domain (example.org: its subdomains too, any port) or one server (example.org:8443)"


def add_commands(commands, common) -> None:
    group = commands.add_parser("allowlist", help="private instance mode: the servers we federate with",
                                description="The allowlist of instance.mode = \"private\": only these servers "
                                            "federate with this instance. federation.allowed_domains of the "
                                            "config are always on it.")
    sub = group.add_subparsers(dest="allowlist_command", required=True, metavar="ACTION")
    listing = sub.add_parser("list", parents=[common], help="list the allowed servers (config's too)")
    listing.add_argument("--json", action="store_true", help="as JSON (one array)")
    listing.set_defaults(handler=cmd_list)
    add = sub.add_parser("add", parents=[common], help="allow a server")
    add.add_argument("domain", help=ENTRY_HELP)
    add.add_argument("--comment", default="", help="why (for the admins)")
    add.set_defaults(handler=cmd_add)
    remove = sub.add_parser("remove", parents=[common], help="take a server off the list (its queued deliveries "
                                                              "are given up)")
    remove.add_argument("domain")
    remove.set_defaults(handler=cmd_remove)


async def _with_runtime(config, work):
    """Database, the list loaded, an HTTP client that is never used (the Runtime needs one)."""
    db = await store.open_database(config.database_url)
    try:
        rt = Runtime(config=config, db=db, http=HttpClient.from_config(config))
        await allowlist.load(rt)
        return await work(rt)
    finally:
        await db.close()


def _note(config) -> None:
    if not config.private:
        print("note: instance.mode is \"public\": the allowlist applies once it is \"private\"", file=sys.stderr)


async def cmd_list(config, args) -> int:
    entries = await _with_runtime(config, _entries)
    if args.json:
        print(json.dumps([{"domain": e.domain, "comment": e.comment, "added_by": e.added_by or None,
                           "created_at": e.created_at or None, "from_config": e.from_config} for e in entries],
                         ensure_ascii=False, indent=2))
        return 0
    for e in entries:
        print(f"{e.domain}\t{'config' if e.from_config else e.added_by or '-'}\t{e.created_at or '-'}\t{e.comment}")
    _note(config)
    return 0


async def _entries(rt: Runtime):
    return allowlist.entries(rt)


async def cmd_add(config, args) -> int:
    entry, added = await _with_runtime(
        config, lambda rt: allowlist.add(rt, args.domain, comment=args.comment, by=roles.CLI))
    print(f"{entry.domain}: allowed" + ("" if added else " (already on the list)"))
    _note(config)
    return 0


async def cmd_remove(config, args) -> int:
    dropped = await _with_runtime(config, lambda rt: allowlist.remove(rt, args.domain, by=roles.CLI))
    name = allowlist.normalise(args.domain)
    print(f"{name}: removed from the allowlist" + (f"; {dropped} queued deliveries given up" if dropped else ""))
    return 0
