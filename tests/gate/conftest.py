"""Fixtures of the gate's tests: a private instance (instance.mode = "private") and a public one,
both real servers on loopback, and browsers without JavaScript (tests/web/conftest.py's Visitor)."""

from __future__ import annotations

import dataclasses

import pytest

from tests.conftest import Instance, free_port, instance_config
from tests.web.conftest import Visitor

LEGAL = {"legal": {"imprint": "Kreisverband Musterstadt, Marktplatz 1", "privacy": "Wir speichern wenig."}}


@pytest.fixture
async def make_gated(tmp_path):
    """Factory: `await make_gated("partei", mode="private")` -> a started Instance with imprint and
    privacy policy (tests/conftest.py's config with mode set; reading instance.mode from
    a file is test_gate_config.py's)."""
    started: list[Instance] = []

    async def make(name: str = "partei", *, mode: str = "private", registration: str = "invite") -> Instance:
        config = instance_config(tmp_path, name, free_port(), registration="invite", tables=LEGAL)
        config = dataclasses.replace(config, mode=mode, registration=registration)
        instance = Instance(config)
        await instance.start()
        started.append(instance)
        return instance

    yield make
    for instance in started:
        await instance.stop()


@pytest.fixture
async def browser_for():
    """Factory of Visitors (one cookie jar each), closed at the end."""
    made: list[Visitor] = []

    def make(instance, **kwargs) -> Visitor:
        visitor = Visitor(instance.base_url, **kwargs)
        made.append(visitor)
        return visitor

    yield make
    for visitor in made:
        await visitor.close()
