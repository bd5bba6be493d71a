"""The readers of single configuration values (config.py's helpers): typed look-ups of dotted
keys, and the keys that need more than a type check (email, time zone, legal texts, addresses,
domains, allowlist entries, districts). Each failure raises ConfigError naming its key."""

from __future__ import annotations

import builtins
import ipaddress
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import hosts
from .errors import ConfigError
from .http import is_loopback, parse_target


@dataclass(frozen=True)
class District:
    slug: str
    name: str
    population: int | None = None


EMAIL_SECURITY = {"starttls": 587, "tls": 465, "none": 25}  # and the port each uses by default


def email_settings(r: Reader, instance_host: str, base_dir: Path | None) -> dict:
    """[email]: the SMTP server mails go through; none configured means email is off."""
    host = r.text("email.host", "")
    if not host:
        return {}
    security = r.choice("email.security", tuple(EMAIL_SECURITY), "starttls")
    user, password = r.text("email.user", ""), r.text("email.password", "")
    if bool(user) != bool(password):
        raise ConfigError("email.user and email.password go together (set both, or neither)")
    if user and security == "none" and not is_loopback(host):
        # The password would cross the network in the clear.
        raise ConfigError("email.security = \"none\" with a user and password is allowed only for a loopback host")
    ca_file = r.text("email.ca_file", "")
    if ca_file:
        path = Path(ca_file)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        if not path.is_file():
            raise ConfigError(f"email.ca_file: {path} is not a file")
        ca_file = str(path)
    sender = r.str("email.from", f"noreply@{instance_host}")
    if "\n" in sender or "\r" in sender or "@" not in sender:
        raise ConfigError("email.from must be an address like \"WeCreate Leipzig <noreply@example.org>\"")
    return {
        "email_host": host,
        "email_port": r.int("email.port", EMAIL_SECURITY[security], low=1, high=65535),
        "email_security": security,
        "email_user": user,
        "email_password": password,
        "email_from": sender,
        "email_timeout_seconds": r.float("email.timeout_seconds", 30.0, low=0.5, high=600),
        "email_ca_file": ca_file,
        "email_retry_base_seconds": r.float("email.retry_base_seconds", 60.0, low=0.05, high=86_400),
        "email_retry_cap_seconds": r.float("email.retry_cap_seconds", 3600.0, low=0.05, high=7 * 86_400),
        "email_give_up_days": r.float("email.give_up_days", 3.0, low=0.00001, high=60),
    }


def timezone(r: Reader) -> str:
    """instance.timezone: an IANA name the system's zone database knows (tzdata), e.g. Europe/Berlin."""
    name = r.str("instance.timezone", "Europe/Berlin")
    try:
        ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        raise ConfigError(f"instance.timezone: unknown time zone '{name}' (write an IANA name such as "
                          "Europe/Berlin)") from None
    return name


def document(r: Reader, name: str, base_dir: Path | None) -> str:
    """legal.<name> (Markdown inline) or legal.<name>_file (a Markdown file, relative to the config's folder)."""
    inline, file_key = r.text(f"legal.{name}", ""), f"legal.{name}_file"
    if r.get(file_key) is None:
        return inline
    if inline:
        raise ConfigError(f"set legal.{name} or {file_key}, not both")
    path = Path(r.str(file_key))
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{file_key}: cannot read {path} ({e.__class__.__name__})") from None
    if not text:
        raise ConfigError(f"{file_key}: {path} is empty")
    return text


def addresses(r: Reader, key: str, default: list[str]) -> list[str]:
    """IP addresses, each written as Python prints it (how the server reports a peer's address)."""
    addresses = []
    for value in r.list_of_str(key, default):
        try:
            addresses.append(str(ipaddress.ip_address(value.strip())))
        except ValueError:
            raise ConfigError(f"{key}: '{value}' is not an IP address") from None
    return addresses


def domains(r: Reader, key: str) -> frozenset[str]:
    """Domains as the outgoing guard and the inbox compare them (lower case, punycode, no trailing dot)."""
    try:
        return frozenset(hosts.normalise_host(d) for d in r.list_of_str(key, []))
    except hosts.InvalidURL as e:
        raise ConfigError(f"{key}: {e}") from None


def allow_entries(r: Reader, key: str) -> frozenset[str]:
    """Allowlist entries: a domain (its subdomains too, any port) or host:port (that one server)."""
    entries = set()
    for value in r.list_of_str(key, []):
        try:
            entries.add(hosts.allow_entry(value))
        except hosts.InvalidURL as e:
            raise ConfigError(f"{key}: {e}") from None
    return frozenset(entries)


def targets(r: Reader, key: str) -> frozenset[tuple[str, int]]:
    try:
        return frozenset(parse_target(t) for t in r.list_of_str(key, []))
    except ValueError as e:
        raise ConfigError(f"{key}: {e} (write 127.0.0.1:8443 or [::1]:8443)") from None


def districts(r: Reader) -> tuple[District, ...]:
    items = r.get("city.districts", [])
    if not isinstance(items, list):
        raise ConfigError("city.districts must be an array of tables with slug and name")
    districts, seen = [], set()
    for i, item in enumerate(items):
        key = f"city.districts[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(f"{key} must be a table with slug and name")
        slug, name = item.get("slug"), item.get("name")
        if not isinstance(slug, str) or not slug.replace("-", "").isalnum() or slug.lower() != slug:
            raise ConfigError(f"{key}.slug must be lower-case letters, digits and dashes")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{key}.name must be a non-empty string")
        if slug in seen:
            raise ConfigError(f"{key}.slug '{slug}' appears twice")
        population = item.get("population")
        if population is not None and (not isinstance(population, int) or population < 0):
            raise ConfigError(f"{key}.population must be a whole number")
        seen.add(slug)
        districts.append(District(slug, name.strip(), population))
    return tuple(districts)


class Reader:
    """Typed look-ups of dotted keys, each failure naming its key."""

    def __init__(self, raw: dict):
        self.raw = raw

    def get(self, key: str, default=None):
        node = self.raw
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def _required(self, key, default):
        value = self.get(key, default)
        if value is None:
            raise ConfigError(f"{key} is missing")
        return value

    def str(self, key: str, default: str | None = None) -> str:
        value = self._required(key, default)
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{key} must be a non-empty string")
        return value.strip()

    def text(self, key: builtins.str, default: builtins.str) -> builtins.str:
        """A string that may be empty."""
        value = self._required(key, default)
        if not isinstance(value, str):
            raise ConfigError(f"{key} must be a string")
        return value.strip()

    def choice(self, key: builtins.str, options: tuple, default):
        value = self._required(key, default)
        if value not in options:
            raise ConfigError(f"{key} must be one of {', '.join(options)}")
        return value

    def bool(self, key: builtins.str, default: bool) -> bool:
        value = self._required(key, default)
        if not isinstance(value, bool):
            raise ConfigError(f"{key} must be true or false")
        return value

    def int(self, key: builtins.str, default: int, *, low: int, high: int) -> int:
        value = self._required(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(f"{key} must be a whole number from {low} to {high}")
        return value

    def float(self, key: builtins.str, default: float, *, low: float, high: float) -> float:
        value = self._required(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise ConfigError(f"{key} must be a number from {low} to {high}")
        return float(value)

    def list_of_str(self, key: builtins.str, default: list) -> list[builtins.str]:
        value = self._required(key, default)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{key} must be an array of strings")
        return value
