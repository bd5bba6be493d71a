"""The `wecreate-fed` command: serve, worker, init, user add|list|token|role, invite create|list, instances follow|list,
demo, and the command groups of CLI_MODULES (each adds its own subcommands with `add_commands`).

It serves scripts as well as people: every subcommand takes --config (or $WECREATE_CONFIG),
`user token` prints only the token, errors go to stderr as one line, and the exit code is
0 on success, 1 on an error, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import sys
from types import ModuleType

from actors import local as local_actors
from wecreate_fed import cli_allowlist, cli_db, cli_domains, cli_mail, cli_queues, cli_workers, demo, legal, store, urls
from wecreate_fed import config as config_module
from wecreate_fed import servers as http_servers
from wecreate_fed.app import create_app
from wecreate_fed.civic import accounts, instances
from wecreate_fed.errors import ConfigError, WeCreateError
from wecreate_fed.http import HttpClient
from wecreate_fed.moderation import allowlist, roles
from wecreate_fed.moderation import domains as domain_policy
from wecreate_fed.runtime import Runtime
from wecreate_fed.store import accounts as accounts_store
from wecreate_fed.store import actors as actors_store

EXIT_ERROR = 1

# Command groups in modules of their own (`add_commands(commands, common)` adds subparsers that
# set_defaults(handler=async (config, args) -> exit code)); append a module here.
CLI_MODULES: tuple[ModuleType, ...] = (cli_db, cli_domains, cli_queues, cli_mail, cli_allowlist, cli_workers)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="FILE",
                        help=f"the instance's TOML config (default: ${config_module.CONFIG_ENV} or ./config.toml)")
    parser = argparse.ArgumentParser(
        prog="wecreate-fed", description="WeCreate Fed: a federated ActivityPub server for civic participation.",
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="log more (INFO level)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", parents=[common], help="run the instance (Hypercorn or uvicorn)",
                                description="Serve the instance (web, ActivityPub, workers) with Hypercorn, or uvicorn "
                                            "([server] engine). With --no-workers, `wecreate-fed worker` processes "
                                            "work the queues instead.")
    serve.add_argument("--host", help="listen address (default: server.host from the config)")
    serve.add_argument("--port", type=int, help="listen port (default: server.port from the config)")
    serve.add_argument("--web-workers", type=int, default=1, metavar="N",
                       help="serving processes on the one port (PostgreSQL only; default 1); the first runs "
                            "the workers unless --no-workers")
    serve.add_argument("--no-workers", action="store_true",
                       help="serve only: leave every queue to `wecreate-fed worker` processes")
    serve.add_argument("--engine", choices=config_module.SERVER_ENGINES,
                       help="the HTTP server (default: server.engine from the config, else hypercorn); uvicorn "
                            "needs the 'speed' extra")
    serve.add_argument("--listen-fd", type=int, help=argparse.SUPPRESS)  # a child of --web-workers

    commands.add_parser("init", parents=[common], help="create the database, its schema and the instance actor",
                        description="Create the database (or migrate it) and the instance actor with its keys.")

    user = commands.add_parser("user", help="manage accounts and access tokens",
                               description="Manage local accounts and their personal access tokens.")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    add = user_commands.add_parser("add", parents=[common], help="create an account",
                                   description="Create a person or organisation account with its RSA key pair.")
    add.add_argument("username")
    add.add_argument("--name", default="", help="display name")
    add.add_argument("--type", choices=local_actors.ACCOUNT_TYPES, default="Person",
                     help="Person, or Organization for parties and the administration")
    add.add_argument("--category", choices=("party", "administration", "organisation"),
                     help="for an Organization: a party, the administration, or another organisation (default)")
    add.add_argument("--summary", default="", help="short bio (HTML is sanitised)")
    add.add_argument("--email")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.add_argument("--role", choices=roles.ROLES, default="user")
    add.add_argument("--manual-approval", action="store_true", help="approve followers by hand")
    listing = user_commands.add_parser("list", parents=[common], help="list accounts",
                                       description="List local accounts, one per line (or JSON).")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    token = user_commands.add_parser("token", parents=[common], help="issue a personal access token",
                                     description="Issue a token for the client-to-server API; prints only the token.")
    token.add_argument("username")
    token.add_argument("--label", default="", help="what the token is for")
    role = user_commands.add_parser("role", parents=[common], help="make an account user, moderator or admin",
                                    description="Set an account's role: moderators handle reports, content and "
                                                "accounts; admins also domain policy, rules and roles. Audited.")
    role.add_argument("username")
    role.add_argument("role", choices=roles.ROLES)

    invite = commands.add_parser("invite", help="invitation codes for registration by invitation",
                                 description="Invitation codes for instances with instance.registration = \"invite\".")
    invite_commands = invite.add_subparsers(dest="invite_command", required=True, metavar="ACTION")
    create = invite_commands.add_parser("create", parents=[common], help="make a new invitation code",
                                        description="Make an invitation code; prints the code and the link to "
                                                    "register with it. Only a hash of the code is kept.")
    create.add_argument("--uses", type=int, default=1, help="how many accounts it may create (default 1)")
    create.add_argument("--days", type=float, default=30.0, help="valid for this many days (default 30; 0: no expiry)")
    create.add_argument("--note", default="", help="who it is for (shown by 'invite list')")
    invite_commands.add_parser("list", parents=[common], help="list invitation codes (without the codes)",
                               description="List invitations: note, uses left, expiry, last use.")

    instances = commands.add_parser(
        "instances", help="follow other WeCreate instances",
        description="Other WeCreate instances this one follows: their new ideas and events come to the marketplace.")
    instances_commands = instances.add_subparsers(dest="instances_command", required=True, metavar="ACTION")
    follow = instances_commands.add_parser(
        "follow", parents=[common], help="follow another instance (its base URL)",
        description="Our instance actor follows the other instance's; its new ideas and events then arrive here. "
                    "The Follow is queued in the database and sent by the running server.")
    follow.add_argument("url", help="the other instance's base URL, e.g. https://meissen.example.org")
    instances_commands.add_parser("list", parents=[common], help="list followed instances",
                                  description="Followed instances with their state (accepted or pending).")

    demo = commands.add_parser(
        "demo", parents=[common], help="run two federating demo instances (Leipzig :8000, Meißen :8001)",
        description="Create (once) and serve two instances on loopback, Leipzig and Meißen, with invented "
                    "demo people who follow each other and post across the two. --config is ignored.")
    demo.add_argument("--dir", default="demo-data", help="where the demo keeps its configs and databases")
    demo.add_argument("--leipzig-port", type=int, default=8000)
    demo.add_argument("--meissen-port", type=int, default=8001)
    for module in CLI_MODULES:
        module.add_commands(commands, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "demo":
            return demo.run(args)
        # (`db copy` names both databases itself and needs no config.)
        config = (config_module.load(config_module.config_path_from_env(args.config))
                  if getattr(args, "needs_config", True) else None)
        if args.command == "serve":
            return serve(config, host=args.host, port=args.port, web_workers=args.web_workers,
                         workers=not args.no_workers, listen_fd=args.listen_fd, config_path=args.config,
                         engine=args.engine)
        handler = getattr(args, "handler", None)  # the subcommands of CLI_MODULES name theirs
        if handler is not None:
            return asyncio.run(handler(config, args))
        action = (getattr(args, "user_command", None) or getattr(args, "invite_command", None)
                  or getattr(args, "instances_command", None))
        return asyncio.run(_COMMANDS[(args.command, action)](config, args))
    except WeCreateError as e:
        print(f"wecreate-fed: {e}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


def serve(config, *, host: str | None = None, port: int | None = None, web_workers: int = 1, workers: bool = True,
          listen_fd: int | None = None, config_path: str | None = None, engine: str | None = None) -> int:
    problem = legal.public_instance_problem(config, host or config.listen_host)
    if problem is not None:  # § 5 DDG and GDPR Art. 13: no public instance without its legal pages
        raise ConfigError(problem)
    cli_workers.check_web_workers(config, web_workers)
    engine = engine or config.server_engine  # --engine, else [server] engine
    http_servers.check_engine(engine)
    if web_workers > 1:
        asyncio.run(cli_workers.prepare(config))
        return cli_workers.serve_processes(config, count=web_workers, host=host or config.listen_host,
                                           port=port or config.listen_port, workers=workers, config_path=config_path,
                                           engine=engine)
    bind = f"{host or config.listen_host}:{port or config.listen_port}"
    app = create_app(config, run_workers=workers)
    where = f"fd://{listen_fd}" if listen_fd is not None else bind
    print(f"{config.instance_name} serving {config.base_url} with {engine} on {where}"
          f"{'' if workers else ' (no workers)'}", file=sys.stderr)
    http_servers.run(app, engine=engine, bind=bind, listen_fd=listen_fd)
    return 0


async def _with_db(config, work):
    db = await store.open_database(config.database_url)
    try:
        return await work(db)
    finally:
        await db.close()


async def cmd_init(config, args) -> int:
    if config.database_path is None and await store.create_postgres_database(config.database_url):
        print("created the PostgreSQL database")

    async def work(db):
        async with db.transaction() as conn:
            actor = await local_actors.ensure_instance_actor(conn, config)
            await local_actors.ensure_proof_keys(conn)
        print(f"database ready at {config.database_path or config.database_url.rsplit('@', 1)[-1]}; "
              f"instance actor {actor.ap_id}")
    await _with_db(config, work)
    return 0


async def cmd_user_add(config, args) -> int:
    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("Password (empty for none): ") or None

    async def work(db):
        async with db.transaction() as conn:
            await local_actors.ensure_instance_actor(conn, config)
            return await accounts.create(
                conn, config, username=args.username, name=args.name, type_=args.type, summary=args.summary,
                email=args.email, password=password, role=args.role, manually_approves=args.manual_approval,
                category=args.category,
            )
    actor = await _with_db(config, work)
    print(actor.ap_id)
    return 0


async def cmd_user_list(config, args) -> int:
    async def work(db):
        return await actors_store.list_local_actors(db.reader)
    people = await _with_db(config, work)
    if args.json:
        print(json.dumps([{"username": a.username, "name": a.name, "type": a.type, "id": a.ap_id} for a in people],
                         ensure_ascii=False, indent=2))
    else:
        for a in people:
            print(f"{a.username}\t{a.type}\t{a.name}\t{a.ap_id}")
    return 0


async def cmd_user_token(config, args) -> int:
    async def work(db):
        async with db.transaction() as conn:
            return await local_actors.issue_token(conn, args.username, args.label)
    print(await _with_db(config, work))
    return 0


async def cmd_user_role(config, args) -> int:
    async def work(db):
        async with db.transaction() as conn:
            return await roles.set_role(conn, args.username, args.role, by=roles.CLI)
    old, new = await _with_db(config, work)
    print(f"{args.username}: {old} -> {new}" if old != new else f"{args.username} is {new} already")
    return 0


async def cmd_invite_create(config, args) -> int:
    async def work(db):
        async with db.transaction() as conn:
            return await accounts.create_invitation(conn, note=args.note, uses=args.uses, days=args.days or None)
    code = await _with_db(config, work)
    print(code)
    print(urls.invitation_url(config, code), file=sys.stderr)
    return 0


async def cmd_invite_list(config, args) -> int:
    async def work(db):
        return await accounts_store.list_invitations(db.reader)
    for row in await _with_db(config, work):
        print(f"{row['id']}\t{row['uses_left']} left\texpires {row['expires_at'] or 'never'}\t"
              f"last used {row['last_used_at'] or 'never'}\t{row['note']}")
    return 0


async def _with_runtime(config, work):
    """Database and outgoing HTTP, for commands that talk to other servers."""
    db = await store.open_database(config.database_url)
    http = HttpClient.from_config(config)
    await http.start()
    try:
        async with db.transaction() as conn:
            await local_actors.ensure_instance_actor(conn, config)
        rt = Runtime(config=config, db=db, http=http)
        await domain_policy.load(rt)  # the stored domain policy applies to the command's requests too
        await allowlist.load(rt)  # and, on a private instance, the allowlist
        return await work(rt)
    finally:
        await http.close()
        await db.close()


async def cmd_instances_follow(config, args) -> int:
    other = await _with_runtime(config, lambda rt: instances.follow(rt, args.url))
    print(f"following {other.ap_id} (pending until it accepts; the running server delivers the Follow)")
    return 0


async def cmd_instances_list(config, args) -> int:
    for state, actor in await _with_runtime(config, instances.followed):
        print(f"{state}\t{actor.ap_id}\t{actor.name}")
    return 0


_COMMANDS = {
    ("init", None): cmd_init,
    ("user", "add"): cmd_user_add,
    ("user", "list"): cmd_user_list,
    ("user", "token"): cmd_user_token,
    ("user", "role"): cmd_user_role,
    ("invite", "create"): cmd_invite_create,
    ("invite", "list"): cmd_invite_list,
    ("instances", "follow"): cmd_instances_follow,
    ("instances", "list"): cmd_instances_list,
}

if __name__ == "__main__":
    sys.exit(main())
