"""The rules of the allowlist without a server: what an entry is, what it covers, how it sits beside
the domain policy, and the configuration of private instance mode."""

from __future__ import annotations

import pytest

from wecreate_fed import config as config_module
from wecreate_fed import hosts
from wecreate_fed.domainpolicy import Allowed, DomainPolicy, PolicyTable
from wecreate_fed.errors import BlockedDomain, ConfigError
from wecreate_fed.http import HttpClient


@pytest.mark.parametrize("text, entry", [
    ("Stadt.Example", "stadt.example"), ("*.stadt.example", "stadt.example"), ("stadt.example.", "stadt.example"),
    ("stadt.example:8443", "stadt.example:8443"), ("[::1]:8443", "[::1]:8443"), ("::1", "[::1]"),
    ("münchen.example", "xn--mnchen-3ya.example"), (" 127.0.0.1:9000 ", "127.0.0.1:9000"),
])
def test_an_entry_is_a_normalised_domain_or_host_and_port(text, entry):
    assert hosts.allow_entry(text) == entry


@pytest.mark.parametrize("text", ["", "https://stadt.example", "stadt.example/inbox", "anna@stadt.example",
                                  "stadt.example:0", "stadt.example:99999", "stadt.example:x", "bad_name!.example"])
def test_what_is_not_an_entry_is_refused(text):
    with pytest.raises(hosts.InvalidURL):
        hosts.allow_entry(text)


def table(*stored: str, private: bool = True, config=(), own="party.example") -> PolicyTable:
    t = PolicyTable(private=private, allowed_domains=config, own=own)
    t.allow.replace([Allowed(e) for e in stored], "1")
    return t


def test_a_domain_covers_its_subdomains_on_any_port_and_host_port_only_that_server():
    t = table("stadt.example", "127.0.0.1:9000")
    for allowed in ("stadt.example", "www.stadt.example", "STADT.example:8443", "a.b.stadt.example", "127.0.0.1:9000"):
        assert t.allow.allows(allowed) and not t.refused(allowed), allowed
    for refused in ("evilstadt.example", "stadt.example.evil", "127.0.0.1", "127.0.0.1:9001", "example", "", None,
                    "not a host"):
        assert t.refused(refused), refused


def test_our_own_authority_and_configs_entries_are_always_allowed():
    t = table(config=("land.example",), own="127.0.0.1:8000")
    assert not t.refused("127.0.0.1:8000") and t.refused("127.0.0.1:8001")
    assert not t.refused("kv.land.example")
    assert [(e.domain, e.from_config) for e in t.allow.all()] == [("land.example", True)]


def test_a_suspension_wins_over_the_allowlist_and_a_public_instance_refuses_only_suspended():
    t = table("stadt.example")
    t.replace([DomainPolicy("bad.stadt.example", "suspend")], "1")
    assert t.refused("bad.stadt.example") and not t.refused("good.stadt.example")
    public = table("stadt.example", private=False)
    assert not public.refused("anywhere.example")
    public.replace([DomainPolicy("anywhere.example", "suspend")], "1")
    assert public.refused("anywhere.example")


def test_the_http_guard_refuses_a_server_off_the_list_by_its_host_and_port():
    t = table("127.0.0.1:9000")
    client = HttpClient(base_url="http://127.0.0.1:8000", allow_private=True, timeout=1, max_bytes=1000,
                        max_redirects=0, blocked=t.refused)
    assert client.check_url("http://127.0.0.1:9000/users/a").authority == "127.0.0.1:9000"
    with pytest.raises(BlockedDomain):
        client.check_url("http://127.0.0.1:9001/users/a")
    with pytest.raises(BlockedDomain):
        client.check_url("https://elsewhere.example/.well-known/webfinger?resource=acct:a@elsewhere.example")


def raw(tmp_path, *, instance=None, federation=None) -> dict:
    return {"instance": {"name": "P", "base_url": "http://127.0.0.1:8000", **(instance or {})},
            "city": {"name": "Leipzig"}, "database": {"path": str(tmp_path / "p.sqlite3")},
            "federation": {"allow_private_addresses": True, **(federation or {})}}


def test_private_mode_in_the_configuration(tmp_path):
    config = config_module.from_dict(raw(tmp_path, instance={"mode": "private"},
                                         federation={"allowed_domains": ["Stadt.Example", "127.0.0.1:9000"]}))
    assert config.private and config.require_signed_fetch
    assert config.allowed_domains == frozenset({"stadt.example", "127.0.0.1:9000"})
    public = config_module.from_dict(raw(tmp_path))
    assert not public.private and public.mode == "public" and not public.require_signed_fetch
    with pytest.raises(ConfigError, match="require_signed_fetch cannot be false"):
        config_module.from_dict(raw(tmp_path, instance={"mode": "private"},
                                    federation={"require_signed_fetch": False}))
    with pytest.raises(ConfigError, match="instance.mode must be one of public, private"):
        config_module.from_dict(raw(tmp_path, instance={"mode": "secret"}))
    with pytest.raises(ConfigError, match="federation.allowed_domains"):
        config_module.from_dict(raw(tmp_path, federation={"allowed_domains": ["https://stadt.example/"]}))
