"""The HTTP servers' quirks handled in wecreate_fed/servers.py."""

from __future__ import annotations

import asyncio
import logging

from wecreate_fed import servers


async def test_a_connection_cancelled_at_shutdown_logs_no_traceback_and_other_errors_still_do(caplog):
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    servers.quiet_cancelled_connections(loop)
    started = asyncio.Event()

    async def hold(reader, writer):  # a connection that would stay open past the graceful timeout
        started.set()
        await asyncio.sleep(30)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", server.sockets[0].getsockname()[1])
        await asyncio.wait_for(started.wait(), 5)
        connection = next(t for t in asyncio.all_tasks() if t.get_coro().__name__ == "hold")
        with caplog.at_level(logging.ERROR, logger="asyncio"):
            connection.cancel()  # as Hypercorn cancels it when its graceful timeout ends
            await asyncio.sleep(0.1)
            assert [r for r in caplog.records if r.name == "asyncio"] == []
            loop.call_soon(lambda: 1 / 0)  # a real error in a callback is still logged
            await asyncio.sleep(0.05)
        logged = [r for r in caplog.records if r.name == "asyncio"]
        assert len(logged) == 1 and logged[0].exc_info and logged[0].exc_info[0] is ZeroDivisionError
        writer.close()
    finally:
        loop.set_exception_handler(previous)
        server.close()
        await server.wait_closed()
