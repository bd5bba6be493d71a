"""hosts.py: one reading of every host and URL, and the table of addresses no request may reach."""

from __future__ import annotations

import re

import pytest

from wecreate_fed import config as config_module
from wecreate_fed import hosts, http, urls
from wecreate_fed.errors import BadRequest, ConfigError

# --- the address table ---------------------------------------------------------------------

REFUSED = {
    # IPv4: IANA special-purpose blocks that are not globally reachable, multicast and reserved
    "0.0.0.0": "this network", "0.1.2.3": "this network",
    "10.0.0.1": "private", "10.255.255.255": "private",
    "100.64.0.1": "shared address space (CGN)", "100.127.255.254": "shared address space (CGN)",
    "127.0.0.1": "loopback", "127.255.0.1": "loopback",
    "169.254.169.254": "link-local (cloud metadata)",
    "172.16.0.1": "private", "172.31.255.255": "private",
    "192.0.0.1": "IETF protocol assignments", "192.0.0.8": "IPv4 dummy", "192.0.0.170": "NAT64 discovery",
    "192.0.2.1": "TEST-NET-1", "192.31.196.1": "AS112-v4", "192.52.193.1": "AMT",
    "192.88.99.1": "6to4 relay anycast", "192.168.1.1": "private", "192.175.48.1": "direct delegation AS112",
    "198.18.0.1": "benchmarking", "198.19.255.255": "benchmarking",
    "198.51.100.7": "TEST-NET-2", "203.0.113.9": "TEST-NET-3",
    "224.0.0.1": "multicast", "239.255.255.250": "multicast (SSDP)",
    "240.0.0.1": "reserved", "255.255.255.255": "limited broadcast",
    # IPv6: special-purpose blocks
    "::": "unspecified", "::1": "loopback",
    "64:ff9b:1::1": "local-use NAT64", "100::1": "discard-only",
    "2001::1": "Teredo", "2001:0:4136:e378:8000:63bf:3fff:fdd2": "Teredo (RFC 4380 example)",
    "2001:2::1": "benchmarking", "2001:10::1": "ORCHID", "2001:20::1": "ORCHIDv2",
    "2001:db8::1": "documentation", "3fff::1": "documentation (2024)", "5f00::1": "SRv6 SIDs",
    "fc00::1": "unique local", "fd12:3456::1": "unique local", "fe80::1": "link-local",
    "fe80::1%eth0": "link-local with a zone", "fec0::1": "site-local (deprecated)",
    "ff02::1": "multicast", "ff0e::1": "multicast (global scope)",
    # IPv4 hidden in IPv6 transition forms, judged by the IPv4 they lead to
    "::ffff:127.0.0.1": "IPv4-mapped loopback", "::ffff:10.0.0.1": "IPv4-mapped private",
    "::ffff:169.254.169.254": "IPv4-mapped metadata", "::ffff:0.0.0.0": "IPv4-mapped this-network",
    "::127.0.0.1": "IPv4-compatible (deprecated)", "::93.184.216.34": "IPv4-compatible, even of a public one",
    "2002:7f00:1::": "6to4 of loopback", "2002:a00:1::1": "6to4 of 10.0.0.1",
    "2002:a9fe:a9fe::": "6to4 of 169.254.169.254", "2002:c0a8:101:1::1": "6to4 of 192.168.1.1",
    "64:ff9b::7f00:1": "NAT64 of loopback", "64:ff9b::a00:1": "NAT64 of 10.0.0.1",
    "64:ff9b::a9fe:a9fe": "NAT64 of the metadata address", "64:ff9b::c612:1": "NAT64 of benchmarking",
}
ALLOWED = {
    "93.184.216.34": "public IPv4", "1.1.1.1": "public IPv4", "100.128.0.1": "just above CGN",
    "172.32.0.1": "just above 172.16/12", "198.20.0.1": "just above benchmarking",
    "192.0.1.1": "just above 192.0.0.0/24",
    "2a00:1450:4001:80b::200e": "public IPv6", "2606:4700:4700::1111": "public IPv6",
    "::ffff:93.184.216.34": "IPv4-mapped public", "2002:5db8:d822::1": "6to4 of a public IPv4",
    "64:ff9b::5db8:d822": "NAT64 of a public IPv4",
}


@pytest.mark.parametrize("address", list(REFUSED), ids=[f"{a} {why}" for a, why in REFUSED.items()])
def test_special_purpose_addresses_are_refused(address):
    assert hosts.address_refusal(address) is not None
    assert not http.address_allowed(address, allow_private=False)
    # The switch for tests and the demo lets everything through, as before
    assert http.address_allowed(address, allow_private=True)


@pytest.mark.parametrize("address", list(ALLOWED), ids=[f"{a} {why}" for a, why in ALLOWED.items()])
def test_public_unicast_addresses_are_allowed(address):
    assert hosts.address_refusal(address) is None
    assert http.address_allowed(address, allow_private=False)


def test_an_exception_is_exactly_one_address_and_port():
    exceptions = frozenset({("127.0.0.1", 8443)})
    assert http.address_allowed("127.0.0.1", False, port=8443, exceptions=exceptions)
    assert not http.address_allowed("127.0.0.1", False, port=8444, exceptions=exceptions)
    assert not http.address_allowed("127.0.0.2", False, port=8443, exceptions=exceptions)
    assert not http.address_allowed("127.0.0.1", False, exceptions=exceptions)  # no port known: refused
    assert http.parse_target("[::1]:443") == ("::1", 443)
    for bad in ("127.0.0.1", "localhost:80", "127.0.0.1:0", "127.0.0.1:99999"):
        with pytest.raises(ValueError):
            http.parse_target(bad)


@pytest.mark.parametrize("url", [
    "http://[::ffff:127.0.0.1]/", "http://[2002:7f00:1::]/", "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "http://192.0.0.170/", "http://198.18.0.1/",
    "http://0x7f.1/", "http://2130706433/", "http://127.1/", "http://[::127.0.0.1]/",
])
def test_ip_literals_in_urls_go_through_the_same_table(url):
    # aiohttp connects to a literal without asking the resolver, so check_url must judge it
    client = http.HttpClient(base_url="https://leipzig.example", allow_private=False, timeout=1,
                             max_bytes=1000, max_redirects=0)
    with pytest.raises(http.RefusedAddress, match="not a public address"):
        client.check_url(url)


# --- hosts and URLs --------------------------------------------------------------------------

@pytest.mark.parametrize("spelled, normal", [
    ("blocked.example", "blocked.example"), ("BLOCKED.Example", "blocked.example"),
    ("blocked.example.", "blocked.example"), ("Blocked.Example.", "blocked.example"),
    ("münchen.example", "xn--mnchen-3ya.example"), ("MÜNCHEN.example.", "xn--mnchen-3ya.example"),
    ("xn--mnchen-3ya.example", "xn--mnchen-3ya.example"), ("127.1", "127.0.0.1"), ("0x7f.0.0.1", "127.0.0.1"),
    ("[::FFFF:127.0.0.1]", "::ffff:7f00:1"), ("2001:DB8:0:0::1", "2001:db8::1"),
])
def test_hosts_are_normalised(spelled, normal):
    assert hosts.normalise_host(spelled) == normal


@pytest.mark.parametrize("url, reason", [
    ("http://a@b/", "user name or password"),
    ("https://user:secret@leipzig.example/users/anna", "user name or password"),
    ("https://leipzig.example@evil.example/users/anna", "user name or password"),
    ("http://[::1", "not a valid URL"),
    ("http://[::1]:99999/", "not a valid URL"),
    ("http://example.org:port/", "not a valid URL"),
    ("ftp://example.org/file", "not an http"),
    ("javascript:alert(1)", "not an http"),
    ("https:///no-host", "no host"),
    ("https://exa mple.org/", "spaces"),
    ("https://example.org\\@evil.example/", "backslashes"),
    ("https://ex..ample/", "not a valid host name"),
    ("https://1.2.3.4.5/", "not a valid IPv4"),
    ("https://[fe80::1%25eth0]/", "not a valid IPv6"),
    (42, "not a string"),
])
def test_malformed_urls_are_refused_with_a_clear_400(url, reason):
    with pytest.raises(hosts.InvalidURL, match=reason) as caught:
        hosts.parse_url(url)
    assert isinstance(caught.value, BadRequest) and caught.value.status == 400 and caught.value.code == "url"


def test_parsed_urls_drop_default_ports_and_keep_the_path():
    url = hosts.parse_url("HTTPS://Leipzig.Example.:443/users/Anna?x=1#main-key")
    assert str(url) == "https://leipzig.example/users/Anna?x=1#main-key"
    assert url.without_fragment() == "https://leipzig.example/users/Anna?x=1"
    assert (url.authority, url.origin, url.effective_port) == ("leipzig.example", "https://leipzig.example", 443)
    assert hosts.parse_url("http://[::1]:8000/x").authority == "[::1]:8000"
    assert hosts.parse_url("http://example.org:443/").authority == "example.org:443"  # not http's default


def test_same_origin_and_same_url_read_hosts_the_same_way():
    assert urls.same_origin("https://Leipzig.example./users/anna", "https://leipzig.example:443/notes/1")
    assert urls.same_origin("https://münchen.example/a", "https://xn--mnchen-3ya.example/b")
    assert not urls.same_origin("https://leipzig.example/a", "https://leipzig.example:8443/a")
    assert not urls.same_origin("https://leipzig.example/a", "http://leipzig.example/a")
    assert not urls.same_origin("https://leipzig.example/a", "https://evil.leipzig.example/a")
    # An id with a user name is nobody's: not even the same string is the same origin
    assert not urls.same_origin("https://leipzig.example@evil.example/", "https://leipzig.example@evil.example/")
    assert not urls.same_origin(None, None)
    assert hosts.same_url("https://LEIPZIG.example/users/anna", "https://leipzig.example:443/users/anna")
    assert not hosts.same_url("https://leipzig.example/users/anna", "https://leipzig.example/users/Anna")
    assert not hosts.same_url("https://leipzig.example/users/anna", "https://leipzig.example/users/anna#k")
    assert urls.host_of("https://Leipzig.Example.:443/x") == "leipzig.example"
    assert urls.host_of("http://a@b/") == ""


@pytest.mark.parametrize("host", [
    "blocked.example", "BLOCKED.example", "blocked.example.", "relay.Blocked.Example.",
    "münchen.example", "xn--mnchen-3ya.example", "sub.MÜNCHEN.example.",
])
def test_blocked_domains_match_however_the_host_is_spelled(host):
    # The configuration names one in Unicode and one plain; both match both spellings
    config = config_module.from_dict({
        "instance": {"name": "L", "base_url": "https://leipzig.example"}, "city": {"name": "Leipzig"},
        "federation": {"blocked_domains": ["Blocked.Example.", "münchen.example"]},
    })
    assert config.blocked_domains == frozenset({"blocked.example", "xn--mnchen-3ya.example"})
    assert http.domain_blocked(host, config.blocked_domains)
    assert http.domain_blocked(host, {"xn--mnchen-3ya.example", "blocked.example"})
    assert not http.domain_blocked("notblocked.example", config.blocked_domains)
    assert not http.domain_blocked("münchen.example.org", config.blocked_domains)


def test_config_refuses_malformed_blocked_domains_and_targets():
    base = {"instance": {"name": "L", "base_url": "https://leipzig.example"}, "city": {"name": "Leipzig"}}
    with pytest.raises(ConfigError, match="federation.blocked_domains"):
        config_module.from_dict({**base, "federation": {"blocked_domains": ["bad..example"]}})
    with pytest.raises(ConfigError, match="federation.allowed_private_targets"):
        config_module.from_dict({**base, "federation": {"allowed_private_targets": ["localhost"]}})
    config = config_module.from_dict({**base, "federation": {"allowed_private_targets": ["127.0.0.1:8443"]}})
    assert config.allowed_private_targets == frozenset({("127.0.0.1", 8443)})


# --- the shortcuts for plain URLs ---------------------------------------------------------

NEVER = re.compile(r"(?!)")
EXAMPLES = [
    "https://meissen.example/users/anna", "HTTP://Meissen.Example:8080/x?y=1#z", "http://127.0.0.1:65535",
    "http://127.0.0.1:65536/", "http://host:99999/", "http://host:/", "http://host:0", "http://[::1",
    "http://[::1]:80/", "https://user:pw@host/", "https://host@evil/", "https://host/a b", "https://-/",
    "https://./", "https://", "https:///path", "ftp://host/", "https://höst.example/", "https://host\t/",
    " https://host/", "https://host/\u00e4?q=\u00df", "https://ho_st/", "https://host:08080/",
    "https://host:443/", "http://host.:80", "https://host#f?q", "https://host?q#f/x", "https://xn--hst-sna.example/"]


def _both_ways(value: str) -> tuple:
    """(is_http_url, parse_url or its error) of `value`, with the shortcuts and without them."""
    def answers():
        urls._is_http_url.cache_clear()
        hosts._parse_url.cache_clear()
        try:
            parsed: object = hosts.parse_url(value)
        except hosts.InvalidURL:
            parsed = hosts.InvalidURL
        return urls.is_http_url(value), parsed

    shortcut = answers()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hosts, "_PLAIN_URL", NEVER)
        plain = answers()
    return shortcut, plain


@pytest.mark.parametrize("value", EXAMPLES)
def test_a_plain_url_is_read_as_urlsplit_reads_it(value):
    shortcut, plain = _both_ways(value)
    assert shortcut == plain


def test_generated_urls_are_read_as_urlsplit_reads_them():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=400, deadline=None)
    @given(st.sampled_from(["http://", "HTTPS://", "https:", "http:///", "x://"]),
           st.text(alphabet="ab.-0:[]@_ 9\u00e4", max_size=12), st.text(alphabet="/?#a \t%\u00df:", max_size=6))
    def check(scheme, name, tail):
        shortcut, plain = _both_ways(scheme + name + tail)
        assert shortcut == plain, scheme + name + tail

    check()
