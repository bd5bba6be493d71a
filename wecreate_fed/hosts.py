"""One way to read a host or a URL, for every comparison that decides who may do what.

Blocked domains, "does this object live on its actor's host", "is this the id we asked
for" and the SSRF guard all read hosts through `normalise_host` / `parse_url`, so that
`BLOCKED.example.`, `blocked.example:443` and an IDN spelled in Unicode or punycode are one
and the same host everywhere. A URL with user:password, a scheme other than http(s) or a
malformed authority is refused with InvalidURL (a 400), never half-parsed.

`address_refusal` is the table of addresses no outgoing request may reach: every IANA
special-purpose block, and IPv4 addresses hidden inside IPv6 transition forms.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import idna

from .errors import BadRequest

DEFAULT_PORTS = {"http": 80, "https": 443}
_ASCII_NAME = re.compile(r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*$")
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")


class InvalidURL(BadRequest):
    """Not an http(s) URL we accept as an id or a fetch target."""

    default_code = "url"


_BAD_URL_CHARACTER = re.compile(r"[\x00-\x20\\\x7f]")  # controls, space, backslash, DEL
# A URL without those, an ASCII host name or IPv4 address and nothing else between `//` and its path
# (no user, no brackets, a port of at most five digits) splits as urlsplit() splits it.
_PLAIN_URL = re.compile(r"(?P<scheme>(?i:https?))://(?P<host>[A-Za-z0-9.-]+)(?::(?P<port>[0-9]{1,5}))?"
                        r"(?P<path>/[^?#]*)?(?:\?(?P<query>[^#]*))?(?:#(?P<fragment>.*))?", re.DOTALL)


@lru_cache(maxsize=4096)
def normalise_host(host: str) -> str:
    """Lower case, no trailing dot, IDNA as punycode, IPv4 dotted and IPv6 compressed (no brackets)."""
    name = host.strip()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if ":" in name:
        try:
            if "%" in name:  # a zone (fe80::1%eth0) names an interface of ours, never a server
                raise ValueError(name)
            return ipaddress.IPv6Address(name).compressed
        except ValueError:
            raise InvalidURL(f"'{host[:100]}' is not a valid IPv6 address") from None
    name = name.lower()
    if name.endswith("."):
        name = name[:-1]
    if not name:
        raise InvalidURL("the host is empty")
    if not name.isascii():
        try:
            name = idna.encode(name, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError):
            raise InvalidURL(f"'{host[:100]}' is not a valid international domain name") from None
    if not _ASCII_NAME.match(name) or len(name) > 253 or any(len(label) > 63 for label in name.split(".")):
        raise InvalidURL(f"'{host[:100]}' is not a valid host name")
    if _NUMERIC_LABEL.match(name.rsplit(".", 1)[-1]):
        # As browsers do: a name ending in a number is an IPv4 address (127.1, 0x7f.1, 2130706433).
        try:
            return socket.inet_ntoa(socket.inet_aton(name))
        except OSError:
            raise InvalidURL(f"'{host[:100]}' is not a valid IPv4 address") from None
    return name


@dataclass(frozen=True)
class URL:
    """An http(s) URL with its host normalised and its default port dropped."""

    scheme: str
    host: str            # normalised, IPv6 without brackets
    port: int | None     # None for the scheme's default port
    path: str
    query: str
    fragment: str

    @property
    def authority(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port is None else f"{host}:{self.port}"

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.authority}"

    @property
    def effective_port(self) -> int:
        return self.port if self.port is not None else DEFAULT_PORTS[self.scheme]

    @property
    def ip(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
        """The address when the host is an IP literal, else None (a name)."""
        try:
            return ipaddress.ip_address(self.host)
        except ValueError:
            return None

    def without_fragment(self) -> str:
        return self.origin + (self.path or "/") + (f"?{self.query}" if self.query else "")

    def __str__(self) -> str:
        return self.without_fragment() + (f"#{self.fragment}" if self.fragment else "")


def parse_url(url: object) -> URL:
    """The URL parsed and normalised; InvalidURL for anything but a well-formed http(s) URL."""
    if not isinstance(url, str):
        raise InvalidURL("the URL is not a string")
    return _parse_url(url)


# An inbox POST parses the same few ids (actor, key, followers, Public) again and again: a
# URL is immutable, so the parsed ones are kept (a failure raises, and is never kept).
@lru_cache(maxsize=8192)
def _parse_url(url: str) -> URL:
    if _BAD_URL_CHARACTER.search(url):
        raise InvalidURL(f"'{url[:100]}' contains spaces, control characters or backslashes")
    plain = plain_url(url)  # every new id of a delivery: read without urlsplit()
    if plain is not None:
        scheme, port = plain["scheme"].lower(), None if plain["port"] is None else int(plain["port"])
        return URL(scheme, normalise_host(plain["host"].lower()), None if port == DEFAULT_PORTS[scheme] else port,
                   plain["path"] or "", plain["query"] or "", plain["fragment"] or "")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise InvalidURL(f"'{url[:100]}' is not a valid URL: {e}") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidURL(f"'{url[:100]}' is not an http(s) URL")
    if "@" in parts.netloc:
        raise InvalidURL(f"'{url[:100]}' carries a user name or password")
    if not parts.hostname:
        raise InvalidURL(f"'{url[:100]}' has no host")
    host = normalise_host(parts.hostname)
    return URL(scheme, host, None if port in (None, DEFAULT_PORTS[scheme]) else port,
               parts.path, parts.query, parts.fragment)


def plain_url(url: str) -> re.Match | None:
    """The parts of a URL of _PLAIN_URL's shape with a port in range (it parses as urlsplit() would
    parse it, so it is an http(s) URL that urlsplit() reads without raising), else None."""
    plain = _PLAIN_URL.fullmatch(url)
    if plain is None or (plain["port"] is not None and int(plain["port"]) > 65535):
        return None
    return plain


def is_valid_url(url: object) -> bool:
    try:
        parse_url(url)
    except InvalidURL:
        return False
    return True


def same_origin(a: object, b: object) -> bool:
    """Both are http(s) URLs on the same scheme, host and port (False if either is invalid)."""
    try:
        return parse_url(a).origin == parse_url(b).origin
    except InvalidURL:
        return False


def same_url(a: object, b: object) -> bool:
    """The same URL once hosts are normalised (the path, query and fragment compared as they are)."""
    try:
        return str(parse_url(a)) == str(parse_url(b))
    except InvalidURL:
        return False


def authority_of(url: object) -> str:
    """host[:port] of a URL, normalised; "" for an invalid one."""
    try:
        return parse_url(url).authority
    except InvalidURL:
        return ""


def host_in(host: str | None, domains) -> bool:
    """The host is one of `domains` or below one of them (all read through normalise_host)."""
    try:
        name = normalise_host(host or "")
    except InvalidURL:
        return False
    for domain in domains:
        try:
            domain = normalise_host(domain)
        except InvalidURL:
            continue
        if name == domain or name.endswith("." + domain):
            return True
    return False


def split_authority(authority: str) -> tuple[str, int | None]:
    """("host", port or None) of "host", "host:port", "[v6]" or "[v6]:port", the host normalised."""
    text = authority.strip()
    port_text = ""
    if text.startswith("["):
        text, _, rest = text[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise InvalidURL(f"'{authority[:100]}' is not host[:port]")
            port_text = rest[1:]
    elif text.count(":") == 1:
        text, _, port_text = text.partition(":")
    port = None
    if port_text:
        if not (port_text.isascii() and port_text.isdigit()) or not 0 < int(port_text) < 65536:
            raise InvalidURL(f"'{authority[:100]}' has an invalid port")
        port = int(port_text)
    return normalise_host(text), port


def allow_entry(text: str) -> str:
    """An allowlist entry as stored: a domain ("example.org", covering its subdomains on any port) or
    one server ("example.org:8443", "[::1]:8443"); no scheme, path or user. InvalidURL otherwise."""
    name = (text or "").strip().removeprefix("*.")
    if not name:
        raise InvalidURL("the domain is empty")
    if "/" in name or "@" in name or "?" in name or "#" in name:
        raise InvalidURL(f"'{name[:100]}' is not a domain (write it without scheme, path or user)")
    host, port = split_authority(name)
    shown = f"[{host}]" if ":" in host else host
    return shown if port is None else f"{shown}:{port}"


# --- addresses no outgoing request may reach ------------------------------------------------

# The IANA special-purpose registries (IPv4 and IPv6) where "globally reachable" is false, plus
# multicast and the reserved space; refused whatever ipaddress' own table says.
_REFUSED_V4 = tuple(ipaddress.IPv4Network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.31.196.0/24", "192.52.193.0/24", "192.88.99.0/24",
    "192.168.0.0/16", "192.175.48.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
    "224.0.0.0/4", "240.0.0.0/4",
))
_REFUSED_V6 = tuple(ipaddress.IPv6Network(n) for n in (
    "::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32", "3fff::/20",
    "5f00::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
))
_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_COMPATIBLE = ipaddress.IPv6Network("::/96")
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv4-mapped, 6to4 or NAT64 address leads to."""
    value = int(ip)
    if ip in _MAPPED or ip in _NAT64:
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if ip in _SIX_TO_FOUR:
        return ipaddress.IPv4Address((value >> 80) & 0xFFFFFFFF)
    return None


def address_refusal(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why no outgoing request may go to this address, or None for a public unicast address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0] if isinstance(address, str) else address)
    except ValueError:
        return f"{address} is not an IP address"
    for block in _REFUSED_V6 if isinstance(ip, ipaddress.IPv6Address) else _REFUSED_V4:
        if ip in block:
            return f"{ip} is in the special-purpose block {block}"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _COMPATIBLE:
            return f"{ip} is an IPv4-compatible address (deprecated, never a server's)"
        inner = embedded_ipv4(ip)
        if inner is not None:  # judged by where it leads: ::ffff:127.0.0.1 is loopback
            reason = address_refusal(inner)
            return f"{ip} leads to {reason}" if reason else None
    if not ip.is_global or ip.is_multicast or ip.is_reserved:
        return f"{ip} is not a public address"
    return None
