"""A last-resort limit per test, behind pytest-timeout's.

pytest-timeout runs with the signal method (pyproject.toml): at the limit it raises into the
main thread, the test fails and the process goes on with the next test. Under pytest-xdist that
matters: the thread method ends the worker, and with --dist loadfile xdist then gave the crashed
file to the replacement worker, which ran the hanging test again, and again (seen in a CI check,
and reproduced with a 30 s sleep: nine crashed workers for one test).

What the signal cannot stop (the main thread stuck in a C call, or hanging again in a teardown
after the raise) this watchdog ends: faulthandler's own C thread dumps every thread's stack and
exits the process GRACE seconds after the test's limit. xdist reports that test as crashed, and
pytest_handlecrashitem below keeps it from running again.
"""

from __future__ import annotations

import faulthandler
import sys

import pytest

GRACE = 60.0


def _limit(item: pytest.Item) -> float:
    marker = item.get_closest_marker("timeout")
    if marker is not None and marker.args:
        return float(marker.args[0])
    return float(item.config.getini("timeout") or 0)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    limit = _limit(item)
    if limit > 0:
        faulthandler.dump_traceback_later(limit + GRACE, exit=True, file=sys.stderr)
    try:
        yield
    finally:
        if limit > 0:
            faulthandler.cancel_dump_traceback_later()


def pytest_handlecrashitem(crashitem: str, report: pytest.TestReport, sched: object) -> None:
    """On the controller, when a worker died in `crashitem`: count that test as done.

    xdist's --dist loadfile scheduler puts the dead worker's whole file back into its queue with
    the crashed test still marked pending, so the replacement worker would run it again and die
    again (pytest-xdist 3.8). The crash is already reported as that test's failure."""
    for units in (getattr(sched, "workqueue", {}), *getattr(sched, "assigned_work", {}).values()):
        for unit in units.values():
            if crashitem in unit:
                unit[crashitem] = True
