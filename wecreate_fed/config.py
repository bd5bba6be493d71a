"""Instance configuration: one TOML file, validated once, read-only afterwards.

Every key is documented in config.example.toml. A missing or invalid key raises
ConfigError naming the key, so the CLI can print one clear line instead of a traceback.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from . import config_values as values
from .config_values import District
from .errors import ConfigError
from .http import is_loopback

CONFIG_ENV = "WECREATE_CONFIG"
REGISTRATION_MODES = ("open", "invite", "closed")
INSTANCE_MODES = ("public", "private")
SERVER_ENGINES = ("hypercorn", "uvicorn")  # [server] engine: the HTTP server of `serve` (servers.py)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


# The words a German city uses for its parts (the website has German and English forms of each).
DISTRICT_LABELS = ("Stadtbezirk", "Stadtteil", "Ortsteil")


@dataclass(frozen=True)
class Config:
    instance_name: str
    base_url: str  # no trailing slash
    description: str
    registration: str
    default_language: str
    city_name: str
    districts: tuple[District, ...]
    database_path: Path | None  # the SQLite file; None on PostgreSQL
    listen_host: str
    listen_port: int
    allow_private_addresses: bool
    require_signed_fetch: bool
    blocked_domains: frozenset[str]
    clock_skew_seconds: int
    max_body_bytes: int
    fetch_timeout_seconds: float
    fetch_max_bytes: int
    fetch_max_redirects: int
    delivery_concurrency: int
    delivery_per_host: int
    delivery_give_up_days: float
    actor_cache_hours: float
    source_path: Path | None = field(default=None, compare=False)
    # sqlite:///… or postgresql://… ([database] url, or path); always set by from_dict.
    database_url: str = ""
    # The folder of the instance's own files (media/): the SQLite file's, or [database] data_dir.
    data_dir: Path | None = None
    # PostgreSQL connections per process at most: writers' pool and readers' pool ([database]
    # pool_size, read_pool_size); SQLite keeps its two connections whatever these say.
    database_pool_size: int = 10
    database_read_pool_size: int = 5
    # The IANA time zone the website shows times in (instance.timezone; checked at load).
    timezone: str = "Europe/Berlin"
    # Flood protection (actors/remote.py key cache, wecreate_fed/ratelimit.py); see config.example.toml.
    key_failure_seconds: float = 300.0
    key_refetch_seconds: float = 300.0
    rate_limits_enabled: bool = True
    inbox_per_address_per_minute: float = 3000.0
    inbox_per_address_burst: int = 3000
    inbox_per_host_per_minute: float = 1200.0
    inbox_per_host_burst: int = 1200
    expensive_per_address_per_minute: float = 300.0
    expensive_per_address_burst: int = 100
    rate_limit_max_tracked: int = 10_000
    trusted_proxies: frozenset[str] = frozenset({"127.0.0.1", "::1"})
    # The HTTP server `serve` runs ([server] engine; wecreate_fed/servers.py): hypercorn or uvicorn.
    server_engine: str = "hypercorn"
    # The HTTP signature scheme tried first with a host we know nothing of (signatures.knock).
    signature_first: str = "cavage"
    # address:port pairs the outgoing guard lets through although they are private (one test peer, a relay)
    allowed_private_targets: frozenset[tuple[str, int]] = frozenset()
    # The operator's legal documents as Markdown ([legal]; "" = none) and their versions ("" = a hash
    # of the text), and how to reach the moderators (moderation.contact), shown on the about page.
    imprint: str = ""
    privacy: str = ""
    imprint_version: str = ""
    privacy_version: str = ""
    moderation_contact: str = ""
    # Spam brakes for new accounts ([moderation]; civic/brakes.py): the first N ideas and comments wait
    # for a moderator (0: off); accounts younger than link_hours post at most max_links links per post.
    hold_first_posts: int = 0
    new_account_link_hours: float = 24.0
    new_account_max_links: int = 2
    # Retention (wecreate_fed/retention.py): days after which processed rows are pruned; 0 = kept for ever.
    retention_enabled: bool = True
    retention_incoming_days: float = 7.0
    retention_deliveries_days: float = 7.0
    retention_seen_days: float = 30.0
    retention_remote_objects_days: float = 90.0
    retention_interval_minutes: float = 60.0
    retention_batch_size: int = 500
    retention_pause_seconds: float = 0.05
    # Pending inbox rows past which the inbox answers 503 with Retry-After (inbox/backlog.py); 0 = never.
    inbox_max_pending: int = 20_000
    # Email ([email]; wecreate_fed/mail/): off while email_host is "". security: starttls, tls or none.
    email_host: str = ""
    email_port: int = 587
    email_security: str = "starttls"
    email_user: str = ""
    email_password: str = field(default="", repr=False)
    email_from: str = ""
    email_timeout_seconds: float = 30.0
    email_ca_file: str = ""   # a CA bundle for the server's certificate; "" = the system's CAs
    email_retry_base_seconds: float = 60.0
    email_retry_cap_seconds: float = 3600.0
    email_give_up_days: float = 3.0

    # Notification mails ([notifications]; wecreate_fed/notify): the hour (instance time zone) daily and
    # weekly digests go out, the weekday of the weekly one (0 = Monday), and how often mails "at once" are looked for.
    digest_hour: int = 7
    digest_weekday: int = 0
    notify_poll_seconds: float = 30.0

    @property
    def email_enabled(self) -> bool:
        """Whether mails are sent at all (an [email] host is configured)."""
        return bool(self.email_host)
    # A deleted account's data is purged this many days after the deletion (civic/purge.py); a
    # person may download the export of their data this many times an hour (civic/export.py).
    accounts_deletion_grace_days: float = 30.0
    accounts_exports_per_hour: int = 3
    # The largest file a box or organisation space takes ([files] max_bytes; civic/files.py).
    files_max_bytes: int = 10_000_000
    # What the city calls its districts (city.district_label): the website's word for them.
    district_label: str = "Stadtbezirk"
    # instance.mode: "public", or "private" (federation only with the allowlist: see moderation/allowlist.py;
    # every page behind login: web/gate.py). federation.allowed_domains is the allowlist's fixed base.
    mode: str = "public"
    allowed_domains: frozenset[str] = frozenset()

    @property
    def private(self) -> bool:
        """Private instance mode: federation only with allowlisted servers, the website behind login."""
        return self.mode == "private"

    @property
    def host(self) -> str:
        """The authority part of base_url (host[:port]); the instance's domain in handles."""
        return urlsplit(self.base_url).netloc

    @property
    def domain(self) -> str:
        return urlsplit(self.base_url).hostname or ""


def config_path_from_env(explicit: str | None) -> Path:
    """The config file named on the command line, else in $WECREATE_CONFIG, else ./config.toml."""
    return Path(explicit or os.environ.get(CONFIG_ENV) or "config.toml")


def load(path: Path) -> Config:
    """Read and validate a config file."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"config file {path} not found (copy config.example.toml, or run 'wecreate-fed demo')"
        ) from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config file {path} is not valid TOML: {e}") from e
    return from_dict(raw, base_dir=path.resolve().parent, source_path=path)


def _database(r: values.Reader, base_dir: Path | None) -> tuple[str, Path | None, Path]:
    """[database]: url (sqlite:///… or postgresql://…) or path (SQLite); relative paths from base_dir."""
    def absolute(path: Path) -> Path:
        return base_dir / path if not path.is_absolute() and base_dir is not None else path
    url = r.text("database.url", "")
    if url and r.text("database.path", ""):
        raise ConfigError("database: give url or path, not both")
    if url.startswith(("postgresql://", "postgres://")):
        data_dir = absolute(Path(r.str("database.data_dir", ".")))
        return url, None, data_dir
    if url and not url.startswith("sqlite:"):
        raise ConfigError('database.url must start with "sqlite:///" (a file) or "postgresql://"')
    if url:
        rest = url[len("sqlite:"):]
        rest = rest[2:] if rest.startswith("//") else rest
        if not rest:
            raise ConfigError("database.url names no file (sqlite:///path/to/file.sqlite3)")
        path = absolute(Path(rest))
    else:
        path = absolute(Path(r.str("database.path", "wecreate.sqlite3")))
    return f"sqlite://{path}" if path.is_absolute() else f"sqlite:{path}", path, path.parent


def from_dict(raw: dict, *, base_dir: Path | None = None, source_path: Path | None = None) -> Config:
    """Validate a parsed config; relative database paths are taken from base_dir."""
    r = values.Reader(raw)
    base_url = r.str("instance.base_url").rstrip("/")
    parts = urlsplit(base_url)
    try:
        _ = parts.port  # raises ValueError for a port that is not a number from 0 to 65535
    except ValueError:
        raise ConfigError("instance.base_url has an invalid port") from None
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/")
            or "?" in base_url or "#" in base_url or "@" in parts.netloc):
        # A query, fragment or user:password would end up in every actor id and handle.
        raise ConfigError("instance.base_url must look like https://example.org (no path, query or user)")
    allow_private = r.bool("federation.allow_private_addresses", False)
    if parts.scheme == "http" and not (allow_private and is_loopback(parts.hostname)):
        raise ConfigError(
            "instance.base_url must use https; plain http is allowed only for a loopback host "
            "together with federation.allow_private_addresses = true (tests and the demo)"
        )
    registration = r.str("instance.registration", "invite")
    if registration not in REGISTRATION_MODES:
        raise ConfigError(f"instance.registration must be one of {', '.join(REGISTRATION_MODES)}")
    mode = r.choice("instance.mode", INSTANCE_MODES, "public")
    require_signed_fetch = r.bool("federation.require_signed_fetch", mode == "private")
    if mode == "private" and not require_signed_fetch:
        raise ConfigError("federation.require_signed_fetch cannot be false with instance.mode = \"private\" "
                          "(a private instance answers signed requests of allowlisted servers only)")
    if mode == "private" and registration == "open":
        # Anyone could make an account and read everything behind the login.
        raise ConfigError('instance.registration = "open" is not allowed with instance.mode = "private" '
                          '(use "invite" or "closed": accounts by invitation or made by an admin)')
    db_url, db_path, data_dir = _database(r, base_dir)
    return Config(
        instance_name=r.str("instance.name"),
        base_url=base_url,
        description=r.text("instance.description", ""),
        registration=registration,
        default_language=r.choice("instance.default_language", ("de", "en"), "de"),
        timezone=values.timezone(r),
        city_name=r.str("city.name"),
        districts=values.districts(r),
        database_path=db_path,
        database_url=db_url,
        data_dir=data_dir,
        database_pool_size=r.int("database.pool_size", 10, low=1, high=1_000),
        database_read_pool_size=r.int("database.read_pool_size", 5, low=1, high=1_000),
        listen_host=r.str("server.host", "127.0.0.1"),
        listen_port=r.int("server.port", 8000, low=1, high=65535),
        allow_private_addresses=allow_private,
        require_signed_fetch=require_signed_fetch,
        blocked_domains=values.domains(r, "federation.blocked_domains"),
        clock_skew_seconds=r.int("federation.clock_skew_seconds", 3600, low=30, high=86_400),
        max_body_bytes=r.int("federation.max_body_bytes", 1_000_000, low=1_000, high=100_000_000),
        fetch_timeout_seconds=r.float("federation.fetch_timeout_seconds", 10.0, low=0.5, high=120),
        fetch_max_bytes=r.int("federation.fetch_max_bytes", 2_000_000, low=10_000, high=100_000_000),
        fetch_max_redirects=r.int("federation.fetch_max_redirects", 3, low=0, high=10),
        delivery_concurrency=r.int("federation.delivery_concurrency", 32, low=1, high=1_000),
        delivery_per_host=r.int("federation.delivery_per_host", 4, low=1, high=100),
        delivery_give_up_days=r.float("federation.delivery_give_up_days", 3.0, low=0.01, high=60),
        actor_cache_hours=r.float("federation.actor_cache_hours", 24.0, low=0, high=24 * 365),
        source_path=source_path,
        key_failure_seconds=r.float("federation.key_failure_seconds", 300.0, low=0, high=86_400),
        key_refetch_seconds=r.float("federation.key_refetch_seconds", 300.0, low=0, high=86_400),
        rate_limits_enabled=r.bool("rate_limits.enabled", True),
        inbox_per_address_per_minute=r.float("rate_limits.inbox_per_address_per_minute", 3000, low=0, high=1e7),
        inbox_per_address_burst=r.int("rate_limits.inbox_per_address_burst", 3000, low=1, high=10_000_000),
        inbox_per_host_per_minute=r.float("rate_limits.inbox_per_host_per_minute", 1200, low=0, high=1e7),
        inbox_per_host_burst=r.int("rate_limits.inbox_per_host_burst", 1200, low=1, high=10_000_000),
        expensive_per_address_per_minute=r.float("rate_limits.expensive_per_address_per_minute", 300, low=0, high=1e7),
        expensive_per_address_burst=r.int("rate_limits.expensive_per_address_burst", 100, low=1, high=10_000_000),
        rate_limit_max_tracked=r.int("rate_limits.max_tracked", 10_000, low=100, high=10_000_000),
        trusted_proxies=frozenset(values.addresses(r, "server.trusted_proxies", ["127.0.0.1", "::1"])),
        server_engine=r.choice("server.engine", SERVER_ENGINES, "hypercorn"),
        signature_first=r.choice("federation.signature_first", ("cavage", "rfc9421"), "cavage"),
        allowed_private_targets=values.targets(r, "federation.allowed_private_targets"),
        imprint=values.document(r, "imprint", base_dir),
        privacy=values.document(r, "privacy", base_dir),
        imprint_version=r.text("legal.imprint_version", ""),
        privacy_version=r.text("legal.privacy_version", ""),
        moderation_contact=r.text("moderation.contact", ""),
        hold_first_posts=r.int("moderation.hold_first_posts", 0, low=0, high=1000),
        new_account_link_hours=r.float("moderation.new_account_link_hours", 24.0, low=0, high=24 * 365),
        new_account_max_links=r.int("moderation.new_account_max_links", 2, low=0, high=1000),
        retention_enabled=r.bool("retention.enabled", True),
        retention_incoming_days=r.float("retention.incoming_days", 7.0, low=0, high=3650),
        retention_deliveries_days=r.float("retention.deliveries_days", 7.0, low=0, high=3650),
        retention_seen_days=r.float("retention.seen_days", 30.0, low=0, high=3650),
        retention_remote_objects_days=r.float("retention.remote_objects_days", 90.0, low=0, high=3650),
        retention_interval_minutes=r.float("retention.interval_minutes", 60.0, low=0.01, high=10_080),
        retention_batch_size=r.int("retention.batch_size", 500, low=10, high=100_000),
        retention_pause_seconds=r.float("retention.pause_seconds", 0.05, low=0, high=60),
        inbox_max_pending=r.int("federation.inbox_max_pending", 20_000, low=0, high=100_000_000),
        **values.email_settings(r, parts.hostname, base_dir),
        digest_hour=r.int("notifications.digest_hour", 7, low=0, high=23),
        digest_weekday=WEEKDAYS.index(r.choice("notifications.digest_weekday", WEEKDAYS, "monday")),
        notify_poll_seconds=r.float("notifications.poll_seconds", 30.0, low=0.05, high=3600),
        accounts_deletion_grace_days=r.float("accounts.deletion_grace_days", 30.0, low=0, high=3650),
        accounts_exports_per_hour=r.int("accounts.exports_per_hour", 3, low=1, high=1000),
        files_max_bytes=r.int("files.max_bytes", 10_000_000, low=1_000, high=1_000_000_000),
        district_label=r.choice("city.district_label", DISTRICT_LABELS, "Stadtbezirk"),
        mode=mode,
        allowed_domains=values.allow_entries(r, "federation.allowed_domains"),
    )
