"""All outgoing HTTP: timeouts, size caps, redirect limits and the address guard.

Every request goes through one aiohttp session whose resolver refuses loopback,
private, link-local and other non-public addresses after DNS resolution, unless the
configuration allows them (tests and the demo). Redirects are followed by hand so each
hop is checked again. Signing is done by `signatures`; this module only carries bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver

from . import __version__, jsonbody, signatures, urls
from .errors import FetchError, RefusedAddress
from .signatures import knock, rfc9421

log = logging.getLogger(__name__)

JSON_TYPES = ("application/activity+json", "application/ld+json", "application/json", "application/jrd+json")
ACCEPT_AP = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


def is_loopback(host: str | None) -> bool:
    """localhost, 127.x.x.x or ::1, with or without a port (IPv6 with or without brackets)."""
    name = (host or "").strip().lower()
    if name.startswith("["):
        name = name[1:].partition("]")[0]
    elif name.count(":") == 1:
        name = name.partition(":")[0]
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
    """The host is one of the blocked domains or below one (the federation policy)."""
    host = (host or "").lower()
    return any(host == d or host.endswith("." + d) for d in blocked_domains)


def address_allowed(address: str, allow_private: bool) -> bool:
    """True for a public unicast address, or any address when private ones are allowed."""
    if allow_private:
        return True
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved)


class GuardedResolver(AbstractResolver):
    """Resolves names, then drops the request if any address is not allowed."""

    def __init__(self, allow_private: bool):
        self.allow_private = allow_private
        self._inner = aiohttp.ThreadedResolver()

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET):
        found = await self._inner.resolve(host, port, family)
        for entry in found:
            if not address_allowed(entry["host"], self.allow_private):
                raise RefusedAddress(f"{host} resolves to {entry['host']}, which is not a public address")
        return found

    async def close(self) -> None:
        await self._inner.close()


@dataclass
class PostResult:
    status: int
    retry_after: float | None
    body_excerpt: str


class HttpClient:
    """One per process; `start()` in the app's startup, `close()` at shutdown."""

    def __init__(self, *, base_url: str, allow_private: bool, timeout: float, max_bytes: int,
                 max_redirects: int, blocked_domains: frozenset[str] = frozenset(), connections: int = 100,
                 signature_first: str = "cavage"):
        self.allow_private = allow_private
        self.timeout = aiohttp.ClientTimeout(total=timeout, connect=min(timeout, 5.0))
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.blocked_domains = blocked_domains
        self.connections = connections
        self.user_agent = f"WeCreateFed/{__version__} (+{base_url})"
        self._session: aiohttp.ClientSession | None = None
        self.schemes = knock.SchemeMemory(signature_first)  # what signature scheme each host takes

    @classmethod
    def from_config(cls, config) -> HttpClient:
        return cls(
            base_url=config.base_url, allow_private=config.allow_private_addresses,
            timeout=config.fetch_timeout_seconds, max_bytes=config.fetch_max_bytes,
            max_redirects=config.fetch_max_redirects, blocked_domains=config.blocked_domains,
            connections=max(config.delivery_concurrency * 2, 20), signature_first=config.signature_first,
        )

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(
            resolver=GuardedResolver(self.allow_private), limit=self.connections, ttl_dns_cache=300,
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

    def check_url(self, url: str) -> None:
        """Refuse non-http(s) URLs, blocked domains, and IP literals that are not public."""
        if not urls.is_http_url(url):  # also `http://[::1`, on which urlsplit() raises
            raise FetchError(f"not an http(s) URL: {url[:200]}")
        host = (urlsplit(url).hostname or "").lower()
        if domain_blocked(host, self.blocked_domains):
            raise FetchError(f"{host} is blocked by this instance's federation policy")
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return  # a name: the resolver checks what it resolves to
        # aiohttp does not ask the resolver for IP literals, so check them here.
        if not address_allowed(host, self.allow_private):
            raise RefusedAddress(f"{host} is not a public address")

    async def get_json(self, url: str, *, accept: str = ACCEPT_AP, signer: tuple[str, str] | None = None) -> dict:
        """GET a JSON document, following at most max_redirects checked redirects.

        `signer` is (key_id, private_key_pem) for an authorised-fetch signed GET (double-knocked).
        """
        for _ in range(self.max_redirects + 1):
            self.check_url(url)
            try:
                async with self._request("GET", url, None, {"Accept": accept}, signer) as response:
                    if response.status in (301, 302, 303, 307, 308) and "Location" in response.headers:
                        url = urljoin(url, response.headers["Location"])
                        continue
                    if response.status != 200:
                        raise FetchError(f"GET {url} answered {response.status}", http_status=response.status)
                    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
                    if content_type not in JSON_TYPES:
                        raise FetchError(f"GET {url} answered {content_type or 'no content type'}, not JSON")
                    body = await self._read_capped(response)
            except (TimeoutError, aiohttp.ClientError, OSError) as e:
                raise _fetch_error(url, e) from e
            try:
                document = jsonbody.loads(body)
            except jsonbody.InvalidJSON as e:
                raise FetchError(f"GET {url} did not return valid JSON: {e}") from None
            if not isinstance(document, dict):
                raise FetchError(f"GET {url} returned JSON that is not an object")
            bad = jsonbody.malformed_url(document)
            if bad is not None:
                raise FetchError(f"GET {url} returned a malformed URL in '{bad[0]}'")
            return document
        raise FetchError(f"GET {url}: more than {self.max_redirects} redirects")

    async def post(self, url: str, body: bytes, headers: dict[str, str] | None = None, *,
                   signer: tuple[str, str] | None = None) -> PostResult:
        """POST without following redirects (as Mastodon does for deliveries); signed (double-knocked) with `signer`."""
        self.check_url(url)
        try:
            async with self._request("POST", url, body, headers or {}, signer) as response:
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
        host = urlsplit(url).netloc.lower()
        remembered = self.schemes.get(host)
        tried: list[str] = []
        scheme, accept = remembered or self.schemes.first, None
        while True:
            signed = knock.sign(scheme, method, url, key_id=signer[0], private_key_pem=signer[1], body=body,
                                accept=accept)
            response = await self.session.request(method, url, data=body, headers={**headers, **signed},
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
