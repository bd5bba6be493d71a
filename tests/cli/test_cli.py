"""The `wecreate-fed` command run as a real program, the way an admin or a script runs it.

Each call is a subprocess with its own interpreter; independent calls run side by side to
keep the suite quick.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path

from argon2 import PasswordHasher

from tests import pg_databases, processes
from tests.conftest import Instance, free_port
from wecreate_fed import config as config_module

COMMAND = [sys.executable, "-m", "wecreate_fed.cli"]
PASSWORD = "Lindenauer Markt 7"


async def run_cli(*args: str, stdin: str | None = None, env: dict | None = None,
                  cwd: Path | None = None) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of one `wecreate-fed` run; fails the test after 60 s."""
    environment = {k: v for k, v in os.environ.items() if k != config_module.CONFIG_ENV}
    environment.update(env or {})
    process = await asyncio.create_subprocess_exec(
        *COMMAND, *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=environment, cwd=cwd,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode() if stdin is not None else b""), 60)
    return process.returncode, out.decode(), err.decode()


def write_config(folder: Path, *, port: int | None = None, **instance) -> Path:
    """A config file for an instance on loopback, on the backend of this run: an SQLite file next to
    it, or (WECREATE_TEST_DATABASE) a fresh PostgreSQL database with its files in data/ next to it."""
    folder.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    settings = {"name": "WeCreate Leipzig", "base_url": f"http://127.0.0.1:{port}", "registration": "open",
                **instance}
    database = (["url = " + json.dumps(pg_databases.fresh_now()), 'data_dir = "data"'] if pg_databases.enabled()
                else ['path = "data/leipzig.sqlite3"'])
    lines = ["[instance]"] + [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    lines += ['[city]', 'name = "Leipzig"', '[database]', *database,
              '[server]', 'host = "127.0.0.1"', f'port = {port}',
              '[federation]', 'allow_private_addresses = true']
    path = folder / "leipzig.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def assert_one_line_error(code: int, out: str, err: str) -> str:
    """Exit 1, nothing on stdout, one line on stderr and no traceback; returns that line."""
    assert code == 1, err
    assert out == ""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


async def test_every_subcommand_has_help():
    commands = [[], ["serve"], ["init"], ["user"], ["user", "add"], ["user", "list"], ["user", "token"], ["user", "role"],
                ["demo"], ["queues"], ["worker"]]
    results = await asyncio.gather(*(run_cli(*command, "--help") for command in commands))
    for command, (code, out, err) in zip(commands, results, strict=True):
        assert code == 0, (command, err)
        assert out.startswith(" ".join(["usage: wecreate-fed", *command])), (command, out)


async def test_unknown_subcommands_are_usage_errors():
    (code, _, err), (user_code, _, user_err) = await asyncio.gather(run_cli("publish"), run_cli("user", "delete"))
    assert code == 2 and "invalid choice: 'publish'" in err
    assert user_code == 2 and "invalid choice: 'delete'" in user_err


async def test_init_creates_the_database_with_the_instance_actor(tmp_path):
    config_path = write_config(tmp_path / "etc")
    code, out, err = await run_cli("init", "--config", str(config_path))
    assert code == 0, err
    if pg_databases.enabled():  # the server and the database, without the user (or a password)
        database = config_module.load(config_path).database_url.rsplit("@", 1)[1]
        assert database.startswith("127.0.0.1:")
    else:
        database = str(tmp_path / "etc" / "data" / "leipzig.sqlite3")
    assert f"database ready at {database};" in out
    rows = await processes.query(config_path, "SELECT type, ap_id FROM actors WHERE is_local = 1")
    assert [(row["type"], row["ap_id"]) for row in rows] == [("Application", out.strip().rsplit(" ", 1)[1])]


async def test_add_list_and_token_then_the_token_opens_the_outbox(tmp_path):
    config_path = write_config(tmp_path / "etc")
    # Given Anna added with a password from standard input
    code, out, err = await run_cli("user", "add", "anna", "--name", "Anna Schulz", "--password-stdin",
                                   "--config", str(config_path), stdin=PASSWORD + "\n")
    assert code == 0, err
    config = config_module.load(config_path)
    anna_id = f"{config.base_url}/users/anna"
    assert out == anna_id + "\n"

    # When her list and token are asked for, one listing through $WECREATE_CONFIG from another folder
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (list_code, listing, list_err), (json_code, as_json, json_err), (token_code, token_out, token_err) = \
        await asyncio.gather(
            run_cli("user", "list", env={config_module.CONFIG_ENV: str(config_path)}, cwd=elsewhere),
            run_cli("user", "list", "--json", "--config", str(config_path)),
            run_cli("user", "token", "anna", "--label", "Mobil-App", "--config", str(config_path)),
        )

    # Then the listings show her, and the token is all that `user token` prints
    assert (list_code, json_code, token_code) == (0, 0, 0), (list_err, json_err, token_err)
    assert listing == f"anna\tPerson\tAnna Schulz\t{anna_id}\n"
    assert json.loads(as_json) == [{"username": "anna", "name": "Anna Schulz", "type": "Person", "id": anna_id}]
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}\n", token_out), repr(token_out)
    token = token_out.strip()
    [(password_hash,)] = [tuple(row.values()) for row in
                          await processes.query(config_path, "SELECT password_hash FROM accounts")]
    assert PasswordHasher().verify(password_hash, PASSWORD)

    # And the running instance accepts the token as Anna's, and nothing else
    instance = await Instance(config, run_workers=False).start()
    try:
        status, body = await instance.post_outbox("anna", {"type": "Note", "content": "Hallo Leipzig"}, token=token)
        assert status == 201, body
        assert body["id"].startswith(config.base_url + "/activities/")
        status, _ = await instance.post_outbox("anna", {"type": "Note", "content": "x"}, token=token[:-1] + "!")
        assert status == 401
    finally:
        await instance.stop()


async def test_duplicate_username_and_unknown_user_are_one_line_errors(tmp_path):
    config_path = write_config(tmp_path / "etc")
    code, _, err = await run_cli("user", "add", "anna", "--config", str(config_path))
    assert code == 0, err
    (dup_code, dup_out, dup_err), (token_code, token_out, token_err) = await asyncio.gather(
        run_cli("user", "add", "anna", "--config", str(config_path)),
        run_cli("user", "token", "bert", "--config", str(config_path)),
    )
    assert assert_one_line_error(dup_code, dup_out, dup_err) == "wecreate-fed: username 'anna' is taken"
    assert assert_one_line_error(token_code, token_out, token_err) == "wecreate-fed: no local user 'bert'"


async def test_config_problems_are_one_line_errors_naming_the_file_or_key(tmp_path):
    missing = tmp_path / "nowhere.toml"
    bad_mode = write_config(tmp_path / "bad-mode", registration="everyone")
    no_url = tmp_path / "no-url" / "leipzig.toml"
    no_url.parent.mkdir()
    no_url.write_text('[instance]\nname = "WeCreate Leipzig"\n[city]\nname = "Leipzig"\n', encoding="utf-8")
    results = await asyncio.gather(
        run_cli("init", "--config", str(missing)),
        run_cli("user", "list", "--config", str(bad_mode)),
        run_cli("init", env={config_module.CONFIG_ENV: str(no_url)}),
    )
    messages = [assert_one_line_error(*result) for result in results]
    assert f"config file {missing} not found" in messages[0]
    assert "instance.registration must be one of open, invite, closed" in messages[1]
    assert "instance.base_url is missing" in messages[2]
    assert not (tmp_path / "bad-mode" / "data").exists()  # nothing was created
