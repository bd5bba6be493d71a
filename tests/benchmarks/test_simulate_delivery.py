"""benchmarks/simulate_delivery.py run small: the real delivery worker on a simulated clock delivers
a fan-out exactly once, reaches 99% of the followers, leaves only the dead hosts' rows pending,
keeps healthy hosts from waiting behind dead ones, and does not claim in a loop while idle."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "simulate_delivery.py"


@pytest.mark.timeout(300)
def test_a_small_fan_out_on_a_simulated_clock(tmp_path):
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--followers", "3000", "--hosts", "400", "--workers", "1,4", "--json",
         "--dir", str(tmp_path)],
        capture_output=True, text=True, timeout=240, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [line["workers"] for line in lines] == [1, 4]
    for line in lines:
        assert line["duplicates"] == 0, line
        assert line["99% of followers"] != "never", line
        assert line["healthy hosts wait behind dead ones"] is False, line
        assert line["queue peak rows"] > 400 and line["queue peak bytes"] > 0, line
    first = lines[0]  # run until everything that can arrive has: only the dead hosts' rows are left
    assert first["states"]["pending"] == first["rows on dead hosts"] > 0, first
    assert first["states"]["done"] + first["states"]["gone"] == first["queue peak rows"] - first["rows on dead hosts"]
    # Idle, a worker claims when a row falls due or every 30 s (every 50 ms only while a request is in
    # flight), not every 50 ms for as long as a dead host has rows queued (72,000 an hour)
    hours = first["simulated seconds"] / 3600
    assert hours > 1 and first["claims"] < 1000 * hours, first
