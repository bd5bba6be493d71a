"""Fixtures of the publishing tests: a private party instance (as tests/private makes one)."""

from __future__ import annotations

import pytest

from tests.conftest import Instance
from tests.private.private_setup import private_config


@pytest.fixture
async def make_party(tmp_path):
    """Factory: `await make_party("partei")` -> a started private Instance (stopped at teardown)."""
    started: list[Instance] = []

    async def make(name: str = "partei", **federation) -> Instance:
        instance = Instance(private_config(tmp_path, name, **federation))
        await instance.start()
        started.append(instance)
        return instance

    yield make
    for instance in started:
        await instance.stop()
