"""Configuration: every bad or missing key is a ConfigError that names it; defaults fill the rest."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from wecreate_fed import config as config_module
from wecreate_fed.errors import ConfigError

MINIMAL = {"instance": {"name": "WeCreate Leipzig", "base_url": "https://leipzig.example"},
           "city": {"name": "Leipzig"}}
DELETE = object()


def with_change(key: str, value) -> dict:
    """MINIMAL with one dotted key set (or removed, for value=DELETE)."""
    raw = copy.deepcopy(MINIMAL)
    *parents, last = key.split(".")
    node = raw
    for part in parents:
        node = node.setdefault(part, {})
    if value is DELETE:
        node.pop(last)
    else:
        node[last] = value
    return raw


def test_minimal_config_gets_the_documented_defaults(tmp_path):
    config = config_module.from_dict(MINIMAL, base_dir=tmp_path)
    assert config.base_url == "https://leipzig.example"
    assert (config.host, config.domain) == ("leipzig.example", "leipzig.example")
    assert config.registration == "invite"
    assert config.default_language == "de"
    assert config.description == ""
    assert config.districts == ()
    assert config.database_path == tmp_path / "wecreate.sqlite3"
    assert (config.listen_host, config.listen_port) == ("127.0.0.1", 8000)
    assert config.allow_private_addresses is False
    assert config.require_signed_fetch is False
    assert config.blocked_domains == frozenset()
    assert config.clock_skew_seconds == 3600
    assert config.max_body_bytes == 1_000_000
    assert (config.fetch_timeout_seconds, config.fetch_max_bytes, config.fetch_max_redirects) == (10.0, 2_000_000, 3)
    assert (config.delivery_concurrency, config.delivery_per_host) == (32, 4)
    assert config.delivery_give_up_days == 3.0
    assert config.actor_cache_hours == 24.0


def test_full_config_is_read_as_written(tmp_path):
    raw = {
        "instance": {"name": " WeCreate Meißen ", "base_url": "https://meissen.example:8443/", "registration": "open",
                     "description": "Ideen für Meißen", "default_language": "en"},
        "city": {"name": "Meißen", "districts": [{"slug": "altstadt", "name": "Altstadt", "population": 4200},
                                                 {"slug": "cölln", "name": "Cölln"}]},
        "database": {"path": "/var/lib/wecreate/meissen.sqlite3"},
        "server": {"host": "0.0.0.0", "port": 9000},
        "federation": {"blocked_domains": ["Spam.Example"], "fetch_timeout_seconds": 2, "delivery_give_up_days": 5},
    }
    config = config_module.from_dict(raw, base_dir=tmp_path)
    assert config.instance_name == "WeCreate Meißen"
    assert config.base_url == "https://meissen.example:8443"
    assert (config.host, config.domain) == ("meissen.example:8443", "meissen.example")
    assert config.registration == "open" and config.default_language == "en"
    assert [(d.slug, d.name, d.population) for d in config.districts] == [("altstadt", "Altstadt", 4200),
                                                                          ("cölln", "Cölln", None)]
    assert config.database_path == Path("/var/lib/wecreate/meissen.sqlite3")
    assert config.blocked_domains == frozenset({"spam.example"})
    assert config.fetch_timeout_seconds == 2.0 and isinstance(config.fetch_timeout_seconds, float)
    assert config.delivery_give_up_days == 5.0


@pytest.mark.parametrize("key, value, named", [
    # missing required keys
    ("instance.base_url", DELETE, "instance.base_url is missing"),
    ("instance.name", DELETE, "instance.name is missing"),
    ("city.name", DELETE, "city.name is missing"),
    # base_url
    ("instance.base_url", "leipzig.example", "instance.base_url"),
    ("instance.base_url", "ftp://leipzig.example", "instance.base_url"),
    ("instance.base_url", "https://leipzig.example/wecreate", "instance.base_url"),
    ("instance.base_url", "https://leipzig.example/?lang=de", "instance.base_url"),
    ("instance.base_url", "https://leipzig.example#top", "instance.base_url"),
    ("instance.base_url", "https://admin:secret@leipzig.example", "instance.base_url"),
    ("instance.base_url", "https://leipzig.example:99999", "instance.base_url"),
    ("instance.base_url", "http://leipzig.example", "instance.base_url must use https"),
    ("instance.base_url", "http://127.0.0.1:8000", "instance.base_url must use https"),  # not without allow_private
    # choices
    ("instance.registration", "everyone", "instance.registration must be one of open, invite, closed"),
    ("instance.default_language", "fr", "instance.default_language must be one of de, en"),
    # wrong types
    ("instance.name", 5, "instance.name must be a non-empty string"),
    ("instance.name", "   ", "instance.name must be a non-empty string"),
    ("instance.description", ["Ideen"], "instance.description must be a string"),
    ("server.port", "8000", "server.port must be a whole number"),
    ("server.port", True, "server.port must be a whole number"),
    ("server.port", 70000, "server.port must be a whole number from 1 to 65535"),
    ("federation.allow_private_addresses", "yes", "federation.allow_private_addresses must be true or false"),
    ("federation.require_signed_fetch", 1, "federation.require_signed_fetch must be true or false"),
    ("federation.blocked_domains", "spam.example", "federation.blocked_domains must be an array of strings"),
    ("federation.blocked_domains", ["spam.example", 3], "federation.blocked_domains must be an array of strings"),
    ("federation.clock_skew_seconds", 5, "federation.clock_skew_seconds must be a whole number from 30"),
    ("federation.fetch_timeout_seconds", "10", "federation.fetch_timeout_seconds must be a number"),
    ("federation.fetch_timeout_seconds", 0, "federation.fetch_timeout_seconds must be a number"),
    ("federation.delivery_give_up_days", False, "federation.delivery_give_up_days must be a number"),
    ("federation.fetch_max_redirects", 1.5, "federation.fetch_max_redirects must be a whole number"),
    ("database.path", "", "database.path must be a non-empty string"),
    ("database.pool_size", 0, "database.pool_size must be a whole number from 1 to 1000"),
    ("database.read_pool_size", "5", "database.read_pool_size must be a whole number"),
    # districts
    ("city.districts", {"slug": "mitte"}, "city.districts must be an array"),
    ("city.districts", ["mitte"], r"city.districts\[0\] must be a table"),
    ("city.districts", [{"slug": "Mitte", "name": "Mitte"}], r"city.districts\[0\].slug must be lower-case"),
    ("city.districts", [{"slug": "a b", "name": "A B"}], r"city.districts\[0\].slug"),
    ("city.districts", [{"name": "Mitte"}], r"city.districts\[0\].slug"),
    ("city.districts", [{"slug": "mitte", "name": ""}], r"city.districts\[0\].name must be a non-empty string"),
    ("city.districts", [{"slug": "mitte", "name": "Mitte", "population": "viele"}],
     r"city.districts\[0\].population must be a whole number"),
    ("city.districts", [{"slug": "mitte", "name": "Mitte"}, {"slug": "west", "name": "West"},
                        {"slug": "mitte", "name": "Zentrum"}], r"city.districts\[2\].slug 'mitte' appears twice"),
])
def test_bad_or_missing_keys_are_named(key, value, named):
    with pytest.raises(ConfigError, match=named):
        config_module.from_dict(with_change(key, value))


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"])
def test_http_on_loopback_is_allowed_together_with_private_addresses(base_url):
    raw = with_change("federation.allow_private_addresses", True)
    raw["instance"]["base_url"] = base_url
    assert config_module.from_dict(raw).base_url == base_url


def test_http_on_a_public_name_is_refused_even_with_private_addresses():
    raw = with_change("federation.allow_private_addresses", True)
    raw["instance"]["base_url"] = "http://leipzig.example"
    with pytest.raises(ConfigError, match="instance.base_url must use https"):
        config_module.from_dict(raw)


def test_load_reads_toml_and_resolves_the_database_next_to_the_file(tmp_path):
    path = tmp_path / "etc" / "leipzig.toml"
    path.parent.mkdir()
    path.write_text('[instance]\nname = "WeCreate Leipzig"\nbase_url = "https://leipzig.example"\n'
                    '[city]\nname = "Leipzig"\n[database]\npath = "data/leipzig.sqlite3"\n', encoding="utf-8")
    config = config_module.load(path)
    assert config.database_path == tmp_path / "etc" / "data" / "leipzig.sqlite3"
    assert config.source_path == path


def test_load_names_a_missing_file_and_invalid_toml(tmp_path):
    with pytest.raises(ConfigError, match=f"config file {tmp_path / 'nowhere.toml'} not found"):
        config_module.load(tmp_path / "nowhere.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text('[instance\nname = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        config_module.load(broken)


def test_config_path_comes_from_the_option_then_the_environment_then_the_folder(monkeypatch):
    monkeypatch.setenv(config_module.CONFIG_ENV, "/etc/wecreate/leipzig.toml")
    assert config_module.config_path_from_env("given.toml") == Path("given.toml")
    assert config_module.config_path_from_env(None) == Path("/etc/wecreate/leipzig.toml")
    monkeypatch.delenv(config_module.CONFIG_ENV)
    assert config_module.config_path_from_env(None) == Path("config.toml")


def test_database_url_names_sqlite_or_postgresql(tmp_path):
    default = config_module.from_dict(MINIMAL, base_dir=tmp_path)
    assert default.database_url == f"sqlite://{tmp_path / 'wecreate.sqlite3'}"
    assert default.data_dir == tmp_path
    absolute = config_module.from_dict(with_change("database.url", "sqlite:///var/lib/wecreate/x.sqlite3"),
                                       base_dir=tmp_path)
    assert absolute.database_path == Path("/var/lib/wecreate/x.sqlite3")
    assert absolute.database_url == "sqlite:///var/lib/wecreate/x.sqlite3"
    relative = config_module.from_dict(with_change("database.url", "sqlite:data/x.sqlite3"), base_dir=tmp_path)
    assert relative.database_path == tmp_path / "data" / "x.sqlite3"
    pg = config_module.from_dict(with_change("database.url", "postgresql://wecreate@db.internal:5432/leipzig"),
                                 base_dir=tmp_path)
    assert (pg.database_url, pg.database_path, pg.data_dir) == (
        "postgresql://wecreate@db.internal:5432/leipzig", None, tmp_path / ".")
    assert (pg.database_pool_size, pg.database_read_pool_size) == (10, 5)  # the documented defaults
    sized = copy.deepcopy(MINIMAL)
    sized["database"] = {"url": "postgresql://wecreate@db.internal:5432/leipzig", "pool_size": 40,
                         "read_pool_size": 12}
    sized_config = config_module.from_dict(sized, base_dir=tmp_path)
    assert (sized_config.database_pool_size, sized_config.database_read_pool_size) == (40, 12)


@pytest.mark.parametrize(("database", "message"), [
    ({"url": "mysql://x/y"}, "database.url must start with"),
    ({"url": "sqlite://"}, "names no file"),
    ({"url": "postgresql://x/y", "path": "x.sqlite3"}, "url or path, not both"),
])
def test_a_bad_database_url_is_refused_clearly(tmp_path, database, message):
    raw = copy.deepcopy(MINIMAL)
    raw["database"] = database
    with pytest.raises(ConfigError, match=message):
        config_module.from_dict(raw, base_dir=tmp_path)
