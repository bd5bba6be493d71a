"""CPU per signed inbox delivery inside the app, without Hypercorn or the network.

A steadier figure than bench.py's requests per second on a shared machine: the process's
own CPU time barely moves with the load of others. It drives the app through Quart's test
client (16 requests in flight), after 200 warm-up requests, with the signers cached as in
bench.py. Usage: `python benchmarks/inbox_cpu.py [N]` (default 1500); run it on two
checkouts alternately to compare them.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

from wecreate_fed import config as config_module
from wecreate_fed import signatures
from wecreate_fed.app import create_app

import bench_inbox
import bench_roles as roles

WARM_UP, IN_FLIGHT = 200, 16


async def main(n: int) -> None:
    raw = roles.instance_raw_config(Path(tempfile.mkdtemp()) / "db.sqlite3", 8999)
    signers = []
    for i in range(8):
        private_pem, public_pem = signatures.generate_key_pair()
        actor_id = f"{roles.SIGNER_BASE}/users/s{i}"
        signers.append({"actor_id": actor_id, "key_id": f"{actor_id}#main-key", "private_key_pem": private_pem,
                        "public_key_pem": public_pem})
    await bench_inbox.prepare_inbox_db(raw, signers)
    app = create_app(config_module.from_dict(raw), run_workers=False)
    url = f"{raw['instance']['base_url']}/inbox"
    prepared = []
    for i in range(n + WARM_UP):
        signer = signers[i % len(signers)]
        body = json.dumps(roles.remote_create(signer["actor_id"], f"cpu-{i}")).encode()
        headers = signatures.sign_request("POST", url, key_id=signer["key_id"],
                                          private_key_pem=signer["private_key_pem"], body=body)
        prepared.append((body, {**headers, "Content-Type": "application/activity+json"}))
    async with app.test_app():
        client = app.test_client()
        slots = asyncio.Semaphore(IN_FLIGHT)

        async def post(body: bytes, headers: dict) -> None:
            async with slots:
                response = await client.post("/inbox", data=body, headers=headers)
            if response.status_code != 202:
                raise SystemExit(f"inbox answered {response.status_code}: {await response.get_data()!r}")

        for body, headers in prepared[:WARM_UP]:
            await post(body, headers)
        cpu, wall = time.process_time(), time.monotonic()
        await asyncio.gather(*(post(body, headers) for body, headers in prepared[WARM_UP:]))
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    print(f"INBOX-CPU {n} signed deliveries: {cpu / n * 1e6:.0f} us CPU each, {n / wall:.0f} accepted/s in-process")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1500))
