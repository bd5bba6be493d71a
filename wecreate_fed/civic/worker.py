"""The civic worker: publishes changed support, share and comment counts of local ideas as Update.

Counts are recounted from the facts in the same transaction as each change; this worker only
tells other servers, bundling a burst of changes into one Update per idea.
"""

from __future__ import annotations

import asyncio
import logging

from wecreate_fed.errors import WeCreateError
from wecreate_fed.runtime import Runtime

from . import ideas

log = logging.getLogger(__name__)
INTERVAL = 1.0


async def run(rt: Runtime) -> None:
    """Until cancelled."""
    while True:
        try:
            await ideas.publish_counts_once(rt)
        except WeCreateError as e:  # e.g. an idea deleted meanwhile; the flag stays, next round retries
            log.warning("publishing counts: %s", e)
        await asyncio.sleep(INTERVAL)
