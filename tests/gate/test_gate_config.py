"""instance.mode in the config file: public by default, private refusing open registration."""

from __future__ import annotations

from pathlib import Path

import pytest

from wecreate_fed import config as config_module
from wecreate_fed.errors import ConfigError


def _raw(**instance) -> dict:
    return {"instance": {"name": "Partei", "base_url": "https://partei.example.org", **instance},
            "city": {"name": "Musterstadt"}}


def test_the_mode_is_public_unless_the_config_says_private():
    assert config_module.from_dict(_raw()).private is False
    assert config_module.from_dict(_raw(mode="public")).private is False
    private = config_module.from_dict(_raw(mode="private"))
    assert private.private is True and private.mode == "private"
    assert private.registration == "invite"  # the default registration fits a private instance


def test_a_private_instance_refuses_open_registration_with_a_clear_error():
    with pytest.raises(ConfigError) as caught:
        config_module.from_dict(_raw(mode="private", registration="open"))
    message = str(caught.value)
    assert "instance.registration" in message and "instance.mode" in message and "invite" in message
    assert config_module.from_dict(_raw(mode="private", registration="closed")).registration == "closed"


def test_an_unknown_mode_names_its_key():
    with pytest.raises(ConfigError, match="instance.mode must be one of public, private"):
        config_module.from_dict(_raw(mode="secret"))


def test_the_example_config_documents_the_mode():
    text = (Path(__file__).resolve().parents[2] / "config.example.toml").read_text(encoding="utf-8")
    assert '# mode = "public"' in text
