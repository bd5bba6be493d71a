"""A private instance for the tests of private instance mode: `instance.mode = "private"`, its
allowlist empty until a test adds to it (as an admin would, through moderation.allowlist)."""

from __future__ import annotations

import dataclasses

from tests.conftest import Instance, free_port, instance_config
from wecreate_fed import hosts
from wecreate_fed.moderation import allowlist, roles


def private_config(tmp_path, name: str = "partei", *, allowed: tuple[str, ...] = (), **federation):
    config = instance_config(tmp_path, name, free_port(), **federation)
    return dataclasses.replace(config, mode="private", allowed_domains=frozenset(allowed))


def authority(instance_or_url) -> str:
    url = instance_or_url if isinstance(instance_or_url, str) else instance_or_url.base_url
    return hosts.authority_of(url)


async def allow(private: Instance, *others) -> None:
    for other in others:
        await allowlist.add(private.rt, authority(other), comment="test", by=roles.CLI)


async def disallow(private: Instance, other) -> int:
    return await allowlist.remove(private.rt, authority(other), by=roles.CLI)
