"""Fixtures of the private instance mode tests (tests/private)."""

from __future__ import annotations

import pytest

from tests.conftest import Instance
from tests.private.private_setup import private_config


@pytest.fixture
async def make_private(tmp_path):
    """Factory: `await make_private("partei")` -> a started private Instance (stopped at teardown)."""
    started: list[Instance] = []

    async def make(name: str = "partei", *, allowed: tuple[str, ...] = (), **federation) -> Instance:
        instance = Instance(private_config(tmp_path, name, allowed=allowed, **federation))
        await instance.start()
        started.append(instance)
        return instance

    yield make
    for instance in started:
        await instance.stop()
