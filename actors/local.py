"""Local actors: people, organisations and the instance actor, each with its own RSA key pair."""

from __future__ import annotations

import re
import secrets

from wecreate_fed import passwords, sanitize, signatures, urls
from wecreate_fed.config import Config
from wecreate_fed.errors import BadRequest, Conflict, NotFound
from wecreate_fed.signatures import proofs
from wecreate_fed.store import Connection, iso, proof_keys
from wecreate_fed.store import actors as actors_store
from wecreate_fed.store.actors import Actor

USERNAME = re.compile(r"^[A-Za-z0-9_]{1,30}$")
ACCOUNT_TYPES = ("Person", "Organization")
# Who speaks on the marketplace: the author filter tells citizens, parties and the administration apart.
CATEGORIES = {"Person": ("citizen",), "Organization": ("party", "administration", "organisation")}
# Names that would clash with our routes or confuse people.
RESERVED = {"admin", "administrator", "root", "actor", "instance", "inbox", "outbox", "support",
            "moderator", "about", "api", "well_known", "nodeinfo", "static", "users", "objects"}


def check_username(username: str) -> str:
    if not USERNAME.match(username or ""):
        raise BadRequest("username must be 1-30 letters, digits or underscores")
    if username.lower() in RESERVED:
        raise BadRequest(f"username '{username}' is reserved")
    return username


def _actor_values(config: Config, username: str, type_: str) -> dict:
    ap_id = urls.actor_id(config, username)
    private_pem, public_pem = signatures.generate_key_pair()
    return dict(
        ap_id=ap_id, username=username, domain=config.host, type=type_,
        url=urls.profile_url(config, username), inbox_url=f"{ap_id}/inbox",
        shared_inbox_url=urls.shared_inbox(config), outbox_url=f"{ap_id}/outbox",
        followers_url=f"{ap_id}/followers", following_url=f"{ap_id}/following",
        key_id=urls.key_id(ap_id), public_key_pem=public_pem, private_key_pem=private_pem,
        published=iso(),
    )


async def create_account(conn: Connection, config: Config, *, username: str, name: str = "",
                         type_: str = "Person", summary: str = "", email: str | None = None,
                         password: str | None = None, role: str = "user",
                         manually_approves: bool = False, category: str | None = None) -> Actor:
    """A person or organisation with an account on this instance."""
    check_username(username)
    if type_ not in ACCOUNT_TYPES:
        raise BadRequest(f"account type must be one of {', '.join(ACCOUNT_TYPES)}")
    category = category or ("organisation" if type_ == "Organization" else "citizen")
    if category not in CATEGORIES[type_]:
        raise BadRequest(f"category of a {type_} must be one of {', '.join(CATEGORIES[type_])}")
    if role not in ("user", "moderator", "admin"):
        raise BadRequest("role must be user, moderator or admin")
    if password is not None and len(password) < passwords.MIN_LENGTH:
        raise BadRequest(f"password must have at least {passwords.MIN_LENGTH} characters", field="password",
                         code="password_short", params={"min": passwords.MIN_LENGTH})
    if await actors_store.get_local_actor(conn, username) is not None:
        raise Conflict(f"username '{username}' is taken")
    actor = await actors_store.add_local_actor(
        conn, **_actor_values(config, username, type_),
        name=sanitize.plain_text(name, 100) or username,
        summary=sanitize.clean_html(summary), manually_approves=int(manually_approves), category=category,
    )
    await add_proof_key(conn, actor)
    await actors_store.add_account(
        conn, actor.id, email=email, password_hash=passwords.hash_password(password) if password else None,
        role=role, language=config.default_language,
    )
    return actor


async def create_service_actor(conn: Connection, config: Config, *, username: str, path: str, type_: str,
                               name: str, summary: str = "", category: str = "organisation") -> Actor:
    """An actor without an account (a district, later a box): its own key, id under `path`."""
    ap_id = f"{config.base_url}{path}"
    private_pem, public_pem = signatures.generate_key_pair()
    actor = await actors_store.add_local_actor(
        conn, ap_id=ap_id, username=username, domain=config.host, type=type_, name=name,
        # Everything addressed to it arrives through the shared inbox (handlers route by object).
        summary=sanitize.clean_html(summary), url=ap_id, inbox_url=urls.shared_inbox(config),
        shared_inbox_url=urls.shared_inbox(config), outbox_url=f"{ap_id}/outbox",
        followers_url=f"{ap_id}/followers", following_url=f"{ap_id}/following",
        key_id=urls.key_id(ap_id), public_key_pem=public_pem, private_key_pem=private_pem,
        published=iso(), category=category,
    )
    await add_proof_key(conn, actor)
    return actor


async def ensure_instance_actor(conn: Connection, config: Config) -> Actor:
    """The Application actor that signs our fetches (authorised fetch); created once."""
    existing = await actors_store.get_instance_actor(conn)
    if existing is not None:
        return existing
    ap_id = urls.instance_actor_id(config)
    private_pem, public_pem = signatures.generate_key_pair()
    actor = await actors_store.add_local_actor(
        conn, ap_id=ap_id, username=config.domain, domain=config.host, type="Application",
        name=config.instance_name, summary="", url=config.base_url + "/about",
        inbox_url=f"{ap_id}/inbox", shared_inbox_url=urls.shared_inbox(config),
        outbox_url=f"{ap_id}/outbox", followers_url=f"{ap_id}/followers", following_url=f"{ap_id}/following",
        key_id=urls.key_id(ap_id), public_key_pem=public_pem, private_key_pem=private_pem,
        published=iso(), manually_approves=0, discoverable=0,
    )
    await add_proof_key(conn, actor)
    return actor


async def add_proof_key(conn: Connection, actor: Actor) -> None:
    """A local actor's Ed25519 key pair for object proofs (FEP-8b32); kept if it has one."""
    private_pem, multibase = proofs.generate_key_pair()
    await proof_keys.add_proof_key(conn, actor.id, private_key_pem=private_pem, public_key_multibase=multibase)


async def ensure_proof_keys(conn: Connection) -> int:
    """Give every local actor made before proofs existed its key pair (at start); returns how many."""
    missing = await proof_keys.local_actors_without_proof_key(conn)
    for actor_id in missing:
        actor = await actors_store.get_actor(conn, actor_id)
        assert actor is not None  # listed just now on this connection
        await add_proof_key(conn, actor)
    return len(missing)


async def issue_token(conn: Connection, username: str, label: str = "") -> str:
    """A new personal access token for the client-to-server API; only its hash is kept."""
    actor = await actors_store.get_local_actor(conn, username)
    if actor is None or actor.type not in ACCOUNT_TYPES:
        raise NotFound(f"no local user '{username}'")
    token = secrets.token_urlsafe(32)
    await actors_store.add_token(conn, actor.id, token, label)
    return token
