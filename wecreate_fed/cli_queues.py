"""`wecreate-fed queues [--json] [--hosts N]`: what the inbox, delivery and civic queues hold now.

Read-only (the reader connection), so it is safe beside a running `serve`. The figures come
from `store.queue_report.queue_report`, which the admin pages can show as well.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from . import leases
from .store import open_database, utcnow
from .store.queue_report import QUEUES, queue_report

DEFAULT_HOSTS = 20


def add_commands(commands, common: argparse.ArgumentParser) -> None:
    queues = commands.add_parser(
        "queues", parents=[common], help="pending, locked and failed rows per queue and per remote host",
        description="Pending (waiting), locked (claimed, in flight), retrying and failed (given up) rows of "
                    "the inbox, delivery and civic queues, the oldest pending of each, deliveries per "
                    "remote host, and the processes working them.")
    queues.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    queues.add_argument("--hosts", type=int, default=DEFAULT_HOSTS, metavar="N",
                        help=f"show the N hosts with most pending deliveries (0: all; default {DEFAULT_HOSTS})")
    queues.set_defaults(handler=run)


async def run(config, args) -> int:
    db = await open_database(config.database_url)
    try:
        report = await queue_report(db.reader, host_limit=args.hosts or None, dead_after=leases.DEAD_AFTER)
    finally:
        await db.close()
    print(json.dumps(report, indent=2) if args.json else "\n".join(text_lines(report)))
    return 0


def text_lines(report: dict) -> list[str]:
    lines = [f"{'queue':<10} {'pending':>8} {'locked':>7} {'retrying':>9} {'failed':>7}  oldest pending"]
    for name in QUEUES:
        q = report["queues"][name]
        lines.append(f"{name:<10} {q['pending']:>8} {q['locked']:>7} {q['retrying']:>9} {q['failed']:>7}  "
                     f"{_when(q['oldest_pending'])}")
    hosts = report["hosts"]
    lines.append("")
    if not hosts:
        lines.append("deliveries per host: none pending or failed")
    else:
        shown = f"{len(hosts)} of {report['hosts_total']}" if len(hosts) < report["hosts_total"] else "all"
        lines.append(f"deliveries per host ({shown}, most pending first)")
        width = max(len("host"), *(len(h["host"]) for h in hosts))
        lines.append(f"{'host':<{width}} {'pending':>8} {'locked':>7} {'failed':>7}  oldest pending / health")
        for h in hosts:
            health = [f"failing since {_when(h['failing_since'])}"] if h["failing_since"] else []
            health += [f"paused until {h['paused_until']}"] if h["paused_until"] else []
            lines.append(f"{h['host']:<{width}} {h['pending']:>8} {h['locked']:>7} {h['failed']:>7}  "
                         + "; ".join([_when(h["oldest_pending"]), *health]))
    lines.append("")
    workers = report["workers"]
    if not workers:
        lines.append("processes: none beating (no `serve` running)")
    for w in workers:
        state = "alive" if w["alive"] else "silent (its rows are given back)"
        lines.append(f"process {w['process_id']} (pid {w['pid']} on {w['hostname']}): last beat "
                     f"{_when(w['last_beat'])}, {state}")
    return lines


def _when(stored: str | None) -> str:
    """A stored time with how long ago it was, or '-'."""
    if stored is None:
        return "-"
    seconds = (utcnow() - datetime.fromisoformat(stored.replace("Z", "+00:00"))).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{stored[:19]}Z ({seconds / size:.0f} {unit} ago)"
    return f"{stored[:19]}Z ({max(0.0, seconds):.0f} s ago)"
