"""`wecreate-fed domains list|add|remove|import|export`: domain policy from the command line.

Changes are audited as "cli". A running server picks them up within a second (the version
counter in settings, see moderation.domains); a suspension's purge runs here, at once.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from wecreate_fed import store
from wecreate_fed.domainpolicy import DomainPolicy
from wecreate_fed.errors import BadRequest
from wecreate_fed.http import HttpClient
from wecreate_fed.moderation import domain_csv, domain_purge, domains, roles
from wecreate_fed.runtime import Runtime

IMPORT_HELP = ("import a block list in Mastodon's CSV format (#domain,#severity,#reject_media,#reject_reports,"
               "#public_comment,#obfuscate; or one domain per line, suspended). All or nothing: every row is "
               "checked first; if any is bad, each is named with its line number and nothing is imported.")


def add_commands(commands, common) -> None:
    group = commands.add_parser("domains", help="domain policy: limit, suspend, reject media or reports",
                                description="Domain policy as Mastodon's domain blocks; a domain covers its "
                                            "subdomains. federation.blocked_domains of the config stays suspended.")
    sub = group.add_subparsers(dest="domains_command", required=True, metavar="ACTION")
    listing = sub.add_parser("list", parents=[common], help="list the policies (config's blocked_domains too)")
    listing.add_argument("--json", action="store_true", help="as JSON (one array)")
    listing.set_defaults(handler=cmd_list)
    add = sub.add_parser("add", parents=[common], help="add or change a domain's policy",
                         description="Add or change a domain's policy; a suspension purges what is cached of it.")
    add.add_argument("domain")
    add.add_argument("--severity", choices=("limit", "suspend", "noop"), required=True,
                     help="limit: not on the marketplace or district pages; suspend: refuse and purge; "
                          "noop: only the flags")
    add.add_argument("--reject-media", action="store_true", help="do not show its avatars and pictures")
    add.add_argument("--reject-reports", action="store_true", help="ignore its reports (Flag)")
    add.add_argument("--public-comment", default="", help="the reason on the public list of moderated servers")
    add.add_argument("--private-comment", default="", help="a note for the admins only")
    add.add_argument("--obfuscate", action="store_true", help="show the name partly hidden on the public list")
    add.set_defaults(handler=cmd_add)
    remove = sub.add_parser("remove", parents=[common], help="lift a domain's policy (what was purged stays gone)")
    remove.add_argument("domain")
    remove.set_defaults(handler=cmd_remove)
    importing = sub.add_parser("import", parents=[common], help="import a Mastodon CSV block list",
                               description=IMPORT_HELP)
    importing.add_argument("file", type=Path)
    importing.set_defaults(handler=cmd_import)
    export = sub.add_parser("export", parents=[common], help="export the policies as Mastodon CSV",
                            description="Write the stored policies in Mastodon's CSV format (without private "
                                        "comments) to FILE, or to standard output.")
    export.add_argument("file", nargs="?", type=Path)
    export.set_defaults(handler=cmd_export)


async def _with_runtime(config, work):
    """Database, HTTP client (never used to fetch; the Runtime needs one) and the policies loaded."""
    db = await store.open_database(config.database_url)
    try:
        rt = Runtime(config=config, db=db, http=HttpClient.from_config(config))
        await domains.load(rt)
        return await work(rt)
    finally:
        await db.close()


def _as_json(p: DomainPolicy) -> dict:
    return {"domain": p.domain, "severity": p.severity, "reject_media": p.reject_media,
            "reject_reports": p.reject_reports, "public_comment": p.public_comment,
            "private_comment": p.private_comment, "obfuscate": p.obfuscate, "from_config": p.from_config,
            "updated_at": p.updated_at or None}


async def cmd_list(config, args) -> int:
    policies = await _with_runtime(config, lambda rt: _all(rt))
    if args.json:
        print(json.dumps([_as_json(p) for p in policies], ensure_ascii=False, indent=2))
        return 0
    for p in policies:
        flags = ",".join(f for f, on in (("reject_media", p.reject_media), ("reject_reports", p.reject_reports),
                                         ("obfuscate", p.obfuscate), ("config", p.from_config)) if on) or "-"
        print(f"{p.domain}\t{p.severity}\t{flags}\t{p.public_comment}")
    return 0


async def _all(rt: Runtime) -> list[DomainPolicy]:
    return rt.domains.all()


async def cmd_add(config, args) -> int:
    policy = domains.make_policy(args.domain, args.severity, reject_media=args.reject_media,
                                 reject_reports=args.reject_reports, public_comment=args.public_comment,
                                 private_comment=args.private_comment, obfuscate=args.obfuscate)

    async def work(rt: Runtime):
        changed = await domains.set_policy(rt, policy, by=roles.CLI)
        purged = await domain_purge.purge_all(rt) if policy.severity == "suspend" else {}
        return changed, purged
    changed, purged = await _with_runtime(config, work)
    print(f"{policy.domain}: {policy.severity}" + ("" if changed else " (unchanged)"))
    if purged:
        print("purged: " + ", ".join(f"{n} {what}" for what, n in sorted(purged.items())), file=sys.stderr)
    return 0


async def cmd_remove(config, args) -> int:
    before = await _with_runtime(config, lambda rt: domains.remove(rt, args.domain, by=roles.CLI))
    print(f"{before.domain}: policy removed (was {before.severity})")
    return 0


async def cmd_import(config, args) -> int:
    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise BadRequest(f"cannot read {args.file}: {e}") from None

    async def work(rt: Runtime):
        read, changed = await domain_csv.import_text(rt, text, by=roles.CLI)
        return read, changed, await domain_purge.purge_all(rt)
    try:
        read, changed, purged = await _with_runtime(config, work)
    except BadRequest as e:
        for problem in e.problems:
            print(f"wecreate-fed: {args.file}: {problem.message}", file=sys.stderr)
        rows = len({p.params.get("line") for p in e.problems})
        print(f"wecreate-fed: nothing imported ({rows} bad row{'s' if rows != 1 else ''})", file=sys.stderr)
        return 1
    print(f"{read} rows read, {changed} policies added or changed")
    if purged:
        print("purged: " + ", ".join(f"{n} {what}" for what, n in sorted(purged.items())), file=sys.stderr)
    return 0


async def cmd_export(config, args) -> int:
    text = await _with_runtime(config, lambda rt: _export(rt))
    if args.file is None:
        sys.stdout.write(text)
    else:
        args.file.write_text(text, encoding="utf-8")
        print(f"{text.count(chr(10)) - 1} policies written to {args.file}", file=sys.stderr)
    return 0


async def _export(rt: Runtime) -> str:
    return domain_csv.export(rt.domains.stored())
