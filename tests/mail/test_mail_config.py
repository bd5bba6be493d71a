"""[email]: off without a host; the port follows the security; a password never goes in the clear
to another machine, and never into a printed config."""

from __future__ import annotations

import pytest

from wecreate_fed import config as config_module
from wecreate_fed.errors import ConfigError

BASE = {"instance": {"name": "WeCreate Leipzig", "base_url": "https://leipzig.example"}, "city": {"name": "Leipzig"}}


def load(**email):
    return config_module.from_dict({**BASE, "email": email} if email else BASE)


def test_email_is_off_without_a_host():
    assert not load().email_enabled
    assert not load(host="").email_enabled


def test_defaults_and_the_port_of_each_security():
    config = load(host="smtp.example.org")
    assert config.email_enabled and (config.email_security, config.email_port) == ("starttls", 587)
    assert config.email_from == "noreply@leipzig.example"
    assert (config.email_retry_base_seconds, config.email_retry_cap_seconds, config.email_give_up_days) == (60, 3600, 3)
    assert load(host="smtp.example.org", security="tls").email_port == 465
    assert load(host="127.0.0.1", security="none").email_port == 25
    assert load(host="smtp.example.org", security="tls", port=2465).email_port == 2465


@pytest.mark.parametrize("email, message", [
    ({"host": "smtp.example.org", "security": "ssl"}, "email.security must be one of starttls, tls, none"),
    ({"host": "smtp.example.org", "user": "me"}, "email.user and email.password go together"),
    ({"host": "smtp.example.org", "security": "none", "user": "me", "password": "pw"}, "only for a loopback host"),
    ({"host": "smtp.example.org", "from": "nobody"}, "email.from must be an address"),
    ({"host": "smtp.example.org", "from": "A <a@b.example>\nBcc: x@y.example"}, "email.from must be an address"),
    ({"host": "smtp.example.org", "port": 0}, "email.port must be a whole number"),
    ({"host": "smtp.example.org", "give_up_days": 0}, "email.give_up_days must be a number"),
    ({"host": "smtp.example.org", "ca_file": "/no/such/ca.pem"}, "email.ca_file: /no/such/ca.pem is not a file"),
])
def test_bad_email_settings_name_their_key(email, message):
    with pytest.raises(ConfigError, match=message):
        load(**email)


def test_a_local_relay_may_take_a_password_in_the_clear_and_the_password_is_never_printed():
    config = load(host="127.0.0.1", security="none", user="me", password="geheim-123")
    assert config.email_password == "geheim-123"
    assert "geheim-123" not in repr(config)
