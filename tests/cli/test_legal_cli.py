"""`wecreate-fed serve` refuses a public instance without its Impressum (§ 5 DDG) or privacy
policy (GDPR Art. 13), in one line naming the setting; on loopback it starts without them."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import aiohttp

from tests.cli.test_cli import assert_one_line_error, run_cli, write_config
from tests.conftest import free_port

SERVING_WITHIN = 60.0


def with_tables(path: Path, **tables: dict) -> Path:
    """Append TOML tables ({"legal": {"imprint": "..."}}) to a config file."""
    lines = []
    for name, settings in tables.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    with path.open("a", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    return path


def public_config(folder: Path, **legal: str) -> Path:
    """A config named by a public host (behind a reverse proxy on loopback)."""
    port = free_port()
    path = write_config(folder, port=port, base_url="https://leipzig.example.org")
    return with_tables(path, legal=legal) if legal else path


async def test_serve_refuses_a_public_instance_without_its_legal_pages(tmp_path):
    (tmp_path / "imprint.md").write_text("## Angaben gemäß § 5 DDG\n\nStadt Leipzig", encoding="utf-8")
    no_imprint = public_config(tmp_path / "a")
    no_privacy = public_config(tmp_path / "b", imprint_file=str(tmp_path / "imprint.md"))
    loopback_but_listening_widely = write_config(tmp_path / "c")
    line = assert_one_line_error(*await run_cli("serve", "--config", str(no_imprint)))
    assert "Impressum" in line and "legal.imprint_file" in line and "legal.imprint " in line
    line = assert_one_line_error(*await run_cli("serve", "--config", str(no_privacy)))
    assert "privacy policy" in line and "legal.privacy_file" in line
    line = assert_one_line_error(*await run_cli("serve", "--host", "0.0.0.0", "--config",
                                                str(loopback_but_listening_widely)))
    assert "legal.imprint_file" in line


async def test_unreadable_or_doubled_legal_settings_are_one_line_errors(tmp_path):
    missing = with_tables(write_config(tmp_path / "a"), legal={"privacy_file": "nowhere.md"})
    line = assert_one_line_error(*await run_cli("init", "--config", str(missing)))
    assert line.startswith("wecreate-fed: legal.privacy_file: cannot read") and "nowhere.md" in line
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "imprint.md").write_text("Stadt Leipzig", encoding="utf-8")
    both = with_tables(write_config(tmp_path / "b"), legal={"imprint": "Stadt", "imprint_file": "imprint.md"})
    line = assert_one_line_error(*await run_cli("init", "--config", str(both)))
    assert "set legal.imprint or legal.imprint_file, not both" in line


async def _serve_until_serving(config: Path) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wecreate_fed.cli", "serve", "--config", str(config),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    assert process.stderr is not None
    line = await asyncio.wait_for(process.stderr.readline(), SERVING_WITHIN)
    assert b" serving " in line, line
    return process


async def _stop(process: asyncio.subprocess.Process) -> int:
    process.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(process.wait(), 30)


async def test_serve_starts_on_loopback_without_them_and_in_public_with_them(tmp_path):
    port = free_port()
    loopback = write_config(tmp_path / "loopback", port=port)
    (tmp_path / "public").mkdir()
    (tmp_path / "public" / "privacy.md").write_text("## Verantwortlich\n\nStadt Leipzig", encoding="utf-8")
    public = public_config(tmp_path / "public", imprint="Stadt Leipzig, Markt 1", privacy_file="privacy.md")
    local_server, public_server = await asyncio.gather(_serve_until_serving(loopback), _serve_until_serving(public))
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(100):  # the "serving" line comes just before the socket listens
                try:
                    async with session.get(f"http://127.0.0.1:{port}/about", headers={"Accept": "text/html"}) as r:
                        status, text = r.status, await r.text()
                    break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
        assert status == 200 and 'href="/impressum"' not in text and 'href="/transparency"' in text
    finally:
        codes = await asyncio.gather(_stop(local_server), _stop(public_server))
    assert codes == [0, 0]
