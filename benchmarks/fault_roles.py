"""The processes of benchmarks/faults.py that bench_roles.py does not already have.

- `ledger`: remote hosts (one port each) that answer 202 to POST /inbox and keep, per host,
  every activity id in the order it arrived, so the parent can count what each received,
  what arrived twice and whether an actor's activities came in order.
- `paced-client`: signed deliveries to an inbox at a fixed rate for a fixed time, signing on
  the fly (a ten-minute soak cannot be signed beforehand), reporting statuses and answer times
  (a histogram in whole milliseconds) minute by minute.

Started as `python fault_roles.py ROLE JSON-ARGS`, like bench_roles.py.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import time
from collections import Counter

import aiohttp
from aiohttp import web

from wecreate_fed import signatures

import bench_roles as roles


def role_ledger(args: dict) -> None:
    roles.run(ledger(args), args["loop"])


async def ledger(args: dict) -> None:
    """Listen on the given ports (or on `hosts` free ones). On each line on stdin, report: "count"
    gives the number of POSTs and of distinct (host, activity) pairs, anything else the whole ledger."""
    arrived: dict[int, list[str]] = {}

    async def inbox(req: web.Request) -> web.Response:
        body = await req.read()
        try:
            activity_id = json.loads(body)["id"]
        except (ValueError, KeyError, TypeError):
            return web.Response(status=400)
        arrived.setdefault(req.transport.get_extra_info("sockname")[1], []).append(activity_id)
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/inbox", inbox)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    ports = []
    for port in args.get("ports") or [0] * args["hosts"]:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        ports.append(sock.getsockname()[1])
        await web.SockSite(runner, sock, backlog=512).start()
    roles.emit({"ports": ports})
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        if line.strip() == "count":
            roles.emit({"posts": sum(map(len, arrived.values())),
                        "distinct": sum(len(set(ids)) for ids in arrived.values())})
        else:
            roles.emit({"arrived": {str(port): ids for port, ids in arrived.items()}})


def role_paced_client(args: dict) -> None:
    roles.run(paced_client(args), args["loop"])


async def paced_client(args: dict) -> None:
    """POST `rate` signed activities a second for `seconds`, at most `concurrency` in flight."""
    url, signers, rate = args["url"], args["signers"], args["rate"]
    in_flight = asyncio.Semaphore(args["concurrency"])
    minutes: list[Counter] = []
    latencies: list[Counter] = []  # per minute: whole milliseconds -> answers that took that long
    late = 0
    tasks: set[asyncio.Task] = set()

    async def deliver(session: aiohttp.ClientSession, i: int, minute: Counter, latency: Counter) -> None:
        began = time.monotonic()
        try:
            signer = signers[i % len(signers)]
            body = json.dumps(roles.remote_create(signer["actor_id"], f"{args['prefix']}-{i}")).encode()
            headers = signatures.sign_request("POST", url, key_id=signer["key_id"],
                                              private_key_pem=signer["private_key_pem"], body=body)
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                minute[response.status] += 1
                latency[int((time.monotonic() - began) * 1000)] += 1
        except (aiohttp.ClientError, TimeoutError) as e:
            minute[f"error {type(e).__name__}"] += 1
        finally:
            in_flight.release()

    roles.emit({"ready": True})
    await roles.wait_for_go()
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=args["concurrency"]),
                                     timeout=timeout) as session:
        start = time.monotonic()
        sent = 0
        while (elapsed := time.monotonic() - start) < args["seconds"]:
            while len(minutes) <= int(elapsed // 60):
                minutes.append(Counter())
                latencies.append(Counter())
            due = int(elapsed * rate)
            while sent < due:
                if in_flight.locked():
                    late += 1  # the server is slower than the pace: count it, do not pile up
                await in_flight.acquire()
                task = asyncio.create_task(deliver(session, sent, minutes[-1], latencies[-1]))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                sent += 1
            await asyncio.sleep(0.005)
        await asyncio.gather(*tasks)
    roles.emit({"sent": sent, "seconds": time.monotonic() - start, "late": late,
                "minutes": [{str(k): v for k, v in m.items()} for m in minutes],
                "latency_ms": [{str(k): v for k, v in m.items()} for m in latencies]})


ROLES = {"ledger": role_ledger, "paced-client": role_paced_client}


if __name__ == "__main__":
    ROLES[sys.argv[1]](json.loads(sys.argv[2]))
