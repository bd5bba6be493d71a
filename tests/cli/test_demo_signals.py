"""`wecreate-fed demo` as a real process: SIGTERM, SIGINT and SIGHUP stop it and both of its
servers within seconds, leaving no server behind (today's orphans) and both ports closed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent.parent
STOP_WITHIN = 15.0  # seconds; the servers get 10 s to finish, and stop in well under one


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def children(pid: int) -> list[int]:
    """The demo's child processes (its two servers), read from /proc."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def start_demo(directory: Path, ports: tuple[int, int]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "wecreate_fed.cli", "demo", "--dir", str(directory),
         "--leipzig-port", str(ports[0]), "--meissen-port", str(ports[1])],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True)  # its own process group, as a shell's job is


def wait_until_running(demo: subprocess.Popen, ports: tuple[int, int], timeout: float = 120.0) -> None:
    """Until the demo says it runs (the first start seeds both cities over the network first)."""
    assert demo.stderr is not None
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = demo.stderr.readline()
        if not line and demo.poll() is not None:
            raise AssertionError(f"the demo ended early ({demo.returncode}): {''.join(seen)[-3000:]}")
        seen.append(line)
        if "WeCreate demo is running" in line:
            break
    else:
        raise AssertionError("the demo did not come up: " + "".join(seen)[-3000:])
    assert all(port_open(p) for p in ports)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from /proc (Linux)")
def test_the_demo_stops_both_servers_on_sigterm_sigint_and_sighup(tmp_path):
    directory = tmp_path / "demo-data"
    ports = (free_port(), free_port())  # written into the cities' configs at the first start, reused later
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        demo = start_demo(directory, ports)
        try:
            wait_until_running(demo, ports)
            servers = children(demo.pid)
            assert len(servers) == 2 and all(alive(s) for s in servers)

            if number == signal.SIGHUP:  # a closed terminal hangs up the whole foreground job
                os.killpg(demo.pid, number)
            else:
                demo.send_signal(number)
            started = time.monotonic()
            code = demo.wait(timeout=STOP_WITHIN)
            took = time.monotonic() - started
            assert code == 0, (number, demo.stderr.read() if demo.stderr else "")
            while any(alive(s) for s in servers) and time.monotonic() - started < STOP_WITHIN:
                time.sleep(0.1)
            assert not any(alive(s) for s in servers), f"{signal.Signals(number).name}: a server outlived the demo"
            assert not any(port_open(p) for p in ports), f"{signal.Signals(number).name}: a port is still open"
            assert took < STOP_WITHIN
        finally:
            if demo.poll() is None:
                demo.kill()
                demo.wait()
            if demo.stderr:
                demo.stderr.close()
    # its data is where the README says, and the later starts reused it
    assert {p.name for p in directory.iterdir()} >= {"leipzig", "meissen", "seeded", "tokens.json"}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_servers_end_even_when_the_demo_is_killed(tmp_path):
    """SIGKILL gives the demo no chance to clean up: the kernel tells its servers instead."""
    ports = (free_port(), free_port())
    demo = start_demo(tmp_path / "demo-data", ports)
    servers: list[int] = []
    try:
        wait_until_running(demo, ports)
        servers = children(demo.pid)
        assert len(servers) == 2
        demo.kill()
        demo.wait()
        deadline = time.monotonic() + STOP_WITHIN
        while any(alive(s) for s in servers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(s) for s in servers)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
        for pid in servers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        if demo.stderr:
            demo.stderr.close()
