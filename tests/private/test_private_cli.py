"""`wecreate-fed allowlist`: run as an operator runs it (a subprocess), against a private instance's
database; a running server takes the change within a second, without a restart."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli import assert_one_line_error, run_cli, write_config
from tests.conftest import Instance, eventually
from wecreate_fed import config as config_module

pytestmark = pytest.mark.timeout(300)  # each command is a Python start-up on a shared machine


def private_config_file(tmp_path):
    path = write_config(tmp_path / "etc", mode="private", registration="invite")  # gate refuses "open"
    path.write_text(path.read_text(encoding="utf-8") + 'allowed_domains = ["land.example"]\n', encoding="utf-8")
    return path


async def test_allowlist_add_list_remove_and_the_clear_errors(tmp_path):
    path = private_config_file(tmp_path)
    code, _, err = await run_cli("init", "--config", str(path))
    assert code == 0, err
    code, out, err = await run_cli("allowlist", "add", "Stadt.Example:8443", "--comment", "die Stadt",
                                   "--config", str(path))
    assert code == 0 and out.strip() == "stadt.example:8443: allowed", (out, err)
    code, out, _ = await run_cli("allowlist", "add", "*.leipzig.example", "--config", str(path))
    assert code == 0 and out.strip() == "leipzig.example: allowed"
    code, out, _ = await run_cli("allowlist", "list", "--json", "--config", str(path))
    listed = {e["domain"]: e for e in json.loads(out)}
    assert set(listed) == {"land.example", "leipzig.example", "stadt.example:8443"}
    assert listed["land.example"]["from_config"] is True
    assert listed["stadt.example:8443"]["comment"] == "die Stadt" and listed["stadt.example:8443"]["added_by"] == "cli"

    line = assert_one_line_error(*await run_cli("allowlist", "add", "https://x.example/inbox", "--config", str(path)))
    assert "not a domain" in line
    line = assert_one_line_error(*await run_cli("allowlist", "remove", "land.example", "--config", str(path)))
    assert "federation.allowed_domains" in line
    line = assert_one_line_error(*await run_cli("allowlist", "remove", "nie.example", "--config", str(path)))
    assert "not on the allowlist" in line

    code, out, _ = await run_cli("allowlist", "remove", "stadt.example:8443", "--config", str(path))
    assert code == 0 and out.strip() == "stadt.example:8443: removed from the allowlist"
    code, out, _ = await run_cli("allowlist", "list", "--config", str(path))
    assert [line.split("\t")[0] for line in out.splitlines()] == ["land.example", "leipzig.example"]


async def test_a_running_server_takes_a_cli_change_within_a_second(tmp_path):
    path = private_config_file(tmp_path)
    code, _, err = await run_cli("init", "--config", str(path))
    assert code == 0, err
    server = await Instance(config_module.load(path)).start()
    try:
        assert server.rt.config.private and not server.rt.domains.allow.allows("stadt.example")
        assert server.rt.domains.refused("stadt.example") and not server.rt.domains.refused("land.example")
        code, _, err = await run_cli("allowlist", "add", "stadt.example", "--config", str(path))
        assert code == 0, err
        await eventually(lambda: not server.rt.domains.refused("www.stadt.example:8443"), timeout=5,
                         message="the server to allow the city")
        code, _, err = await run_cli("allowlist", "remove", "stadt.example", "--config", str(path))
        assert code == 0, err
        await eventually(lambda: server.rt.domains.refused("stadt.example"), timeout=5,
                         message="the server to refuse the city again")
    finally:
        await server.stop()
