"""All outgoing HTTP: timeouts, size caps, redirect limits, the address guard and the id rule.

Every request goes through one aiohttp session whose resolver refuses every address in
`hosts.address_refusal` (loopback, private, link-local, the IANA special-purpose blocks and
IPv4 hidden in IPv6 transition forms) after DNS resolution, unless the configuration allows
private addresses (tests and the demo) or names one address:port as an exception. aiohttp
does not ask the resolver about IP literals, so `check_url` checks those itself. Redirects
are followed by hand so each hop is checked again. The URL requested is the normalised one
`check_url` judged, so no other parser's reading of it can differ.

`fetch_activitypub` keeps a document only when its `id` is the URL asked for and, after
redirects, the final URL too (Akkoma's rule); otherwise it asks the document's own id once.
Signing is done by `signatures`; this module only carries bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import aiohttp
import yarl
from aiohttp.abc import AbstractResolver

from . import __version__, hosts, jsonbody, signatures
from .errors import BlockedDomain, FetchError, RefusedAddress
from .signatures import knock, rfc9421

log = logging.getLogger(__name__)

AS_PROFILE = "https://www.w3.org/ns/activitystreams"
JRD_TYPES = ("application/jrd+json", "application/json")  # WebFinger; many servers answer plain JSON
ACCEPT_AP = f'application/activity+json, application/ld+json; profile="{AS_PROFILE}"'
ACCEPT_JRD = "application/jrd+json, application/json"


def is_activitypub_type(content_type: str | None) -> bool:
    """application/activity+json, or application/ld+json with the ActivityStreams profile."""
    media, *params = (content_type or "").split(";")
    media = media.strip().lower()
    if media == "application/activity+json":
        return True
    if media != "application/ld+json":
        return False
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "profile" and AS_PROFILE in value.strip().strip('"').split():
            return True
    return False


def is_loopback(host: str | None) -> bool:
    """localhost, 127.x.x.x or ::1, with or without a port (IPv6 with or without brackets)."""
    name = (host or "").strip()
    if name.startswith("["):
        name = name[1:].partition("]")[0]
    elif name.count(":") == 1:
        name = name.partition(":")[0]
    try:
        name = hosts.normalise_host(name)
    except hosts.InvalidURL:
        return False
    if name == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def domain_blocked(host: str | None, blocked_domains) -> bool:
    """The host (or host:port) is one of the blocked domains or below one, however spelled."""
    try:
        name = hosts.split_authority(host or "")[0]
    except hosts.InvalidURL:
        return False
    return hosts.host_in(name, blocked_domains)


def parse_target(text: str) -> tuple[str, int]:
    """"127.0.0.1:8443" or "[::1]:8443" as (normalised address, port); ValueError otherwise."""
    address, sep, port = text.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"'{text}' is not address:port")
    return str(ipaddress.ip_address(address.removeprefix("[").removesuffix("]"))), int(port)


def address_allowed(address: str, allow_private: bool, *, port: int | None = None,
                    exceptions: frozenset[tuple[str, int]] = frozenset()) -> bool:
    """True for a public unicast address, any address when private ones are allowed, or a listed address:port."""
    if allow_private:
        return True
    if port is not None and exceptions:
        try:
            if (str(ipaddress.ip_address(address.split("%", 1)[0])), port) in exceptions:
                return True
        except ValueError:
            return False
    return hosts.address_refusal(address) is None


class GuardedResolver(AbstractResolver):
    """Resolves names, then drops the request if any address is not allowed."""

    def __init__(self, allow_private: bool, exceptions: frozenset[tuple[str, int]] = frozenset()):
        self.allow_private = allow_private
        self.exceptions = exceptions
        self._inner = aiohttp.ThreadedResolver()

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET):
        found = await self._inner.resolve(host, port, family)
        for entry in found:
            if not address_allowed(entry["host"], self.allow_private, port=entry.get("port") or port,
                                   exceptions=self.exceptions):
                raise RefusedAddress(f"{host} resolves to {entry['host']}, which is not a public address"
                                     f" ({hosts.address_refusal(entry['host'])})")
        return found

    async def close(self) -> None:
        await self._inner.close()


@dataclass
class Fetched:
    document: dict
    final_url: str  # after redirects


@dataclass
class PostResult:
    status: int
    retry_after: float | None
    body_excerpt: str


class HttpClient:
    """One per process; `start()` in the app's startup, `close()` at shutdown."""

    def __init__(self, *, base_url: str, allow_private: bool, timeout: float, max_bytes: int,
                 max_redirects: int, blocked_domains: frozenset[str] = frozenset(), connections: int = 100,
                 signature_first: str = "cavage", allowed_targets: frozenset[tuple[str, int]] = frozenset(),
                 blocked: Callable[[str], bool] | None = None):
        self.allow_private = allow_private
        self.allowed_targets = allowed_targets
        self.timeout = aiohttp.ClientTimeout(total=timeout, connect=min(timeout, 5.0))
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.blocked_domains = blocked_domains
        # The live domain policy (Runtime.domains.refused: suspended, or off a private instance's
        # allowlist), consulted on every request so that a change applies without a restart;
        # without one, the fixed `blocked_domains`. Called with host[:port].
        self.blocked: Callable[[str], bool] = blocked or (lambda host: domain_blocked(host, self.blocked_domains))
        self.connections = connections
        self.user_agent = f"WeCreateFed/{__version__} (+{base_url})"
        self._session: aiohttp.ClientSession | None = None
        self.schemes = knock.SchemeMemory(signature_first)  # what signature scheme each host takes

    @classmethod
    def from_config(cls, config, *, blocked: Callable[[str], bool] | None = None) -> HttpClient:
        return cls(
            base_url=config.base_url, allow_private=config.allow_private_addresses,
            timeout=config.fetch_timeout_seconds, max_bytes=config.fetch_max_bytes,
            max_redirects=config.fetch_max_redirects, blocked_domains=config.blocked_domains,
            connections=max(config.delivery_concurrency * 2, 20), signature_first=config.signature_first,
            allowed_targets=config.allowed_private_targets, blocked=blocked,
        )

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(
            resolver=GuardedResolver(self.allow_private, self.allowed_targets), limit=self.connections, ttl_dns_cache=300,
        )
        self._session = aiohttp.ClientSession(
            connector=connector, timeout=self.timeout, headers={"User-Agent": self.user_agent},
            auto_decompress=True,
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        assert self._session is not None, "HttpClient.start() was not awaited"
        return self._session

    def check_url(self, url: str) -> hosts.URL:
        """The URL normalised; refused if not http(s), malformed, blocked, or an IP literal that is not public."""
        try:
            target = hosts.parse_url(url)
        except hosts.InvalidURL as e:
            raise FetchError(f"not a valid http(s) URL: {e}") from None
        # The authority (host:port): an allowlist entry may name one server of a host.
        if self.blocked(target.authority):
            raise BlockedDomain(f"{target.authority} is blocked by this instance's federation policy")
        # aiohttp does not ask the resolver for IP literals, so check them here.
        if target.ip is not None and not address_allowed(
                target.host, self.allow_private, port=target.effective_port, exceptions=self.allowed_targets):
            raise RefusedAddress(f"{target.host} is not a public address ({hosts.address_refusal(target.host)})")
        return target

    async def get_json(self, url: str, *, accept: str = ACCEPT_JRD, signer: tuple[str, str] | None = None) -> dict:
        """GET a WebFinger (JRD) or other plain JSON document, following checked redirects; signed with
        `signer` (a private instance answers WebFinger to allowlisted servers' signed requests only)."""
        fetched = await self._get(url, accept=accept, signer=signer,
                                  wanted=lambda t: t.split(";")[0].strip().lower() in JRD_TYPES)
        return fetched.document

    async def get_activitypub(self, url: str, *, signer: tuple[str, str] | None = None) -> Fetched:
        """GET an ActivityPub document (its content type must say so) and the URL it was finally served from."""
        return await self._get(url, accept=ACCEPT_AP, signer=signer, wanted=is_activitypub_type)

    async def fetch_activitypub(self, url: str, *, signer: tuple[str, str] | None = None) -> dict:
        """An ActivityPub document whose `id` is where it was served from, else FetchError.

        Kept when its id is `url` and, after redirects, the final URL too; otherwise its own id
        is fetched once and kept only if that matches exactly. So a file placed on a host, an
        open redirect or another path cannot pass itself off as another id of that host.
        """
        fetched = await self.get_activitypub(url, signer=signer)
        if _served_at_own_id(fetched, url):
            return fetched.document
        own_id = fetched.document.get("id")
        if not hosts.is_valid_url(own_id):
            raise FetchError(f"GET {url} returned a document without a valid id")
        assert isinstance(own_id, str)
        again = await self.get_activitypub(own_id, signer=signer)
        if _served_at_own_id(again, own_id):
            return again.document
        raise FetchError(f"GET {url} returned a document claiming the id {own_id[:200]}, which does not serve it")

    async def _get(self, url: str, *, accept: str, signer: tuple[str, str] | None, wanted) -> Fetched:
        """GET a JSON object, following at most max_redirects checked redirects.

        `signer` is (key_id, private_key_pem) for an authorised-fetch signed GET (double-knocked).
        """
        for _ in range(self.max_redirects + 1):
            target = self.check_url(url).without_fragment()
            try:
                async with self._request("GET", target, None, {"Accept": accept}, signer) as response:
                    if response.status in (301, 302, 303, 307, 308) and "Location" in response.headers:
                        url = urljoin(target, response.headers["Location"])
                        continue
                    if response.status != 200:
                        raise FetchError(f"GET {target} answered {response.status}", http_status=response.status)
                    content_type = response.headers.get("Content-Type", "")
                    if not wanted(content_type):
                        raise FetchError(f"GET {target} answered {content_type[:100] or 'no content type'},"
                                         " not the JSON asked for")
                    body = await self._read_capped(response)
            except (TimeoutError, aiohttp.ClientError, OSError) as e:
                raise _fetch_error(target, e) from e
            try:
                document = jsonbody.loads(body)
            except jsonbody.InvalidJSON as e:
                raise FetchError(f"GET {target} did not return valid JSON: {e}") from None
            if not isinstance(document, dict):
                raise FetchError(f"GET {target} returned JSON that is not an object")
            bad = jsonbody.malformed_url(document)
            if bad is not None:
                raise FetchError(f"GET {target} returned a malformed URL in '{bad[0]}'")
            return Fetched(document, url)
        raise FetchError(f"GET {url}: more than {self.max_redirects} redirects")

    async def post(self, url: str, body: bytes, headers: dict[str, str] | None = None, *,
                   signer: tuple[str, str] | None = None) -> PostResult:
        """POST without following redirects (as Mastodon does for deliveries); signed (double-knocked) with `signer`."""
        target = self.check_url(url).without_fragment()
        try:
            async with self._request("POST", target, body, headers or {}, signer) as response:
                excerpt = (await response.content.read(500)).decode("utf-8", "replace")
                return PostResult(response.status, _retry_after(response.headers.get("Retry-After")), excerpt)
        except (TimeoutError, aiohttp.ClientError, OSError) as e:
            raise _fetch_error(url, e) from e

    @contextlib.asynccontextmanager
    async def _request(self, method: str, url: str, body: bytes | None, headers: dict[str, str],
                       signer: tuple[str, str] | None):
        """The answer to one request; a signed one is double-knocked (see signatures.knock)."""
        if signer is None:
            async with self.session.request(method, url, data=body, headers=headers, allow_redirects=False) as r:
                yield r
            return
        # Signed as aiohttp will send it (it re-quotes a query: "%3A" goes out as ":"), or it would not verify.
        sent = yarl.URL(url)
        url = str(sent)
        host = hosts.authority_of(url)
        remembered = self.schemes.get(host)
        tried: list[str] = []
        scheme, accept = remembered or self.schemes.first, None
        while True:
            signed = knock.sign(scheme, method, url, key_id=signer[0], private_key_pem=signer[1], body=body,
                                accept=accept)
            response = await self.session.request(method, sent, data=body, headers={**headers, **signed},
                                                  allow_redirects=False)
            tried.append(scheme if accept is None else "accept-signature")
            if response.status < 400 or len(tried) >= 3:
                break
            # A 401 naming what it wants (RFC 9421 §5.2) is answered once with exactly that.
            wanted = rfc9421.accepted(response.headers.get("Accept-Signature"), key_id=signer[0],
                                      private_key=signatures.load_private_key(signer[1]),
                                      available={k.lower() for k in {**headers, **signed}})
            if response.status == 401 and wanted is not None and "accept-signature" not in tried:
                scheme, accept = "rfc9421", wanted
            elif response.status in knock.knock_statuses(method) and remembered is None \
                    and knock.other(scheme) not in tried:
                scheme, accept = knock.other(scheme), None
            else:
                break
            response.release()
        if response.status < 400:
            self.schemes.remember(host, scheme)
        try:
            yield response
        finally:
            response.release()

    async def _read_capped(self, response: aiohttp.ClientResponse) -> bytes:
        declared = response.content_length
        if declared is not None and declared > self.max_bytes:
            raise FetchError(f"{response.url} is {declared} bytes, more than the {self.max_bytes} allowed")
        chunks, size = [], 0
        async for chunk in response.content.iter_chunked(65536):
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(f"{response.url} is larger than the {self.max_bytes} bytes allowed")
            chunks.append(chunk)
        return b"".join(chunks)


def _served_at_own_id(fetched: Fetched, requested: str) -> bool:
    own_id = fetched.document.get("id")
    return hosts.same_url(own_id, requested) and hosts.same_url(own_id, fetched.final_url)


def _fetch_error(url: str, error: Exception) -> FetchError:
    if isinstance(error, FetchError):
        return error
    cause = error.__cause__ or error.__context__
    if isinstance(cause, RefusedAddress):
        return cause
    if isinstance(error, asyncio.TimeoutError):
        return FetchError(f"{url}: timed out")
    return FetchError(f"{url}: {type(error).__name__}: {error}")


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # not "²", which float() refuses
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
