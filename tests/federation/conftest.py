"""What the inbox tests that run their own inbox worker share."""

from __future__ import annotations

import pytest

from inbox.worker import InboxWorker
from tests.conftest import post_signed


@pytest.fixture
async def paused(make_instance, meissen):
    """Leipzig without workers (the test runs its inbox workers), Anna there, Jonas on Meißen."""
    leipzig = await make_instance("leipzig", run_workers=False)
    anna = await leipzig.create_user("anna")
    jonas = await meissen.create_user("jonas")
    return leipzig, anna, jonas


async def deliver(leipzig, sender, activity: dict) -> int:
    """`activity` signed by `sender` to Leipzig's shared inbox: the HTTP status."""
    status, _ = await post_signed(leipzig.shared_inbox, activity, key_id=sender.key_id,
                                  private_key_pem=sender.private_key_pem)
    return status


async def handled(leipzig, *deliveries) -> None:
    """Each (sender, activity) delivered in this order, then Leipzig's inbox worked off, every row done."""
    for sender, activity in deliveries:
        assert await deliver(leipzig, sender, activity) == 202
    assert await InboxWorker(leipzig.rt).run_once() == len(deliveries)
    states = await leipzig.query("SELECT state, last_error FROM incoming")
    assert all(s["state"] == "done" for s in states), states
