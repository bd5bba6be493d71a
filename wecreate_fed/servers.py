"""The HTTP server `wecreate-fed serve` runs the app on: Hypercorn (the default) or uvicorn.

Both serve the same ASGI app and stop the same way at SIGTERM or SIGINT: the workers begin to
stop at the signal (app.begin_shutdown) while the connections drain, requests still running
after REQUEST_GRACE are answered 503, and the app's after_serving (workers stopped, their
batches committed, the database closed) runs before the process exits 0.

uvicorn with its C parser (httptools) costs about a sixth of Hypercorn's CPU per request
(benchmarks/README.md), which matters most on the inbox; it is the optional "speed" extra
(`pip install 'wecreate-fed[speed]'`), chosen with `[server] engine = "uvicorn"` or
`serve --engine uvicorn`. Hypercorn stays the default: it is a dependency, speaks HTTP/2, and
Quart is written against it.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import signal
from collections.abc import Callable
from types import ModuleType

from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config as HypercornConfig

from .app import REQUEST_GRACE
from .config import SERVER_ENGINES
from .errors import ConfigError


def _optional(name: str) -> ModuleType | None:
    """An optional module of the "speed" extra, or None (typed the same whether installed or not)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


uvloop = _optional("uvloop")
uvicorn = _optional("uvicorn")
httptools = _optional("httptools")


def check_engine(engine: str) -> None:
    """A ConfigError (one line) when the chosen server is not installed."""
    if engine not in SERVER_ENGINES:
        raise ConfigError(f"server.engine must be one of {', '.join(SERVER_ENGINES)}")
    if engine == "uvicorn" and (uvicorn is None or httptools is None):
        raise ConfigError("server.engine = \"uvicorn\" needs uvicorn and httptools: "
                          "pip install 'wecreate-fed[speed]' (or choose \"hypercorn\")")


def run(app, *, engine: str, bind: str, listen_fd: int | None) -> None:
    """Serve `app` until SIGTERM or SIGINT on `bind` ("host:port"), or on an inherited socket."""
    check_engine(engine)
    serving = _uvicorn(app, bind, listen_fd) if engine == "uvicorn" else _hypercorn(app, bind, listen_fd)
    # uvloop, when installed, runs the same code on a faster event loop (see benchmarks/).
    (uvloop.run if uvloop is not None else asyncio.run)(serving)


def _signalled(on_signal: Callable[[], None]) -> asyncio.Event:
    """An event set at SIGTERM or SIGINT, after `on_signal` ran (on the event loop)."""
    event = asyncio.Event()
    loop = asyncio.get_running_loop()

    def handle() -> None:
        if not event.is_set():
            on_signal()
            event.set()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, handle)
    return event


def quiet_cancelled_connections(loop: asyncio.AbstractEventLoop) -> None:
    """Hypercorn cancels the connections still open when its graceful timeout ends. Python 3.11's
    asyncio (streams.py) then asks each cancelled connection task for its exception, which raises
    CancelledError inside a callback, and logs that as an error with a traceback (3.12 checks for a
    cancelled task first). Nothing failed: those are dropped, everything else is handled as before."""
    previous = loop.get_exception_handler()

    def handle(loop: asyncio.AbstractEventLoop, context: dict) -> None:
        if isinstance(context.get("exception"), asyncio.CancelledError) and \
                str(context.get("message", "")).startswith("Exception in callback"):
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)
    loop.set_exception_handler(handle)


async def _hypercorn(app, bind: str, listen_fd: int | None) -> None:
    quiet_cancelled_connections(asyncio.get_running_loop())
    settings = HypercornConfig()
    settings.bind = [f"fd://{listen_fd}" if listen_fd is not None else bind]
    settings.accesslog = None
    # Connections still open this long after SIGTERM are cut; requests are answered before (REQUEST_GRACE).
    settings.graceful_timeout = REQUEST_GRACE + 1.0
    signalled = _signalled(app.begin_shutdown)
    await hypercorn_serve(app, settings, shutdown_trigger=signalled.wait)


async def _uvicorn(app, bind: str, listen_fd: int | None) -> None:
    assert uvicorn is not None  # check_engine
    host, _, port = bind.rpartition(":")
    settings = uvicorn.Config(
        app, host=host.strip("[]"), port=int(port), fd=listen_fd, http="httptools", loop="none", lifespan="on",
        # The app reads X-Forwarded-For itself ([server] trusted_proxies), so uvicorn must not rewrite the client.
        proxy_headers=False, access_log=False, log_config=None, server_header=False,
        timeout_graceful_shutdown=REQUEST_GRACE + 1.0, backlog=1024)
    server = _uvicorn_server(settings)
    signalled = _signalled(app.begin_shutdown)

    async def stop_at_signal() -> None:
        await signalled.wait()
        server.should_exit = True
    stopper = asyncio.create_task(stop_at_signal())
    try:
        await server.serve()
    finally:
        stopper.cancel()
    if not server.started:  # the app's start-up failed (uvicorn logged why)
        raise SystemExit(1)


def _uvicorn_server(settings):
    """uvicorn's server with our signal handling (_signalled): its own re-raises the signal once it
    has stopped, which would end the process by the signal instead of with exit 0."""
    assert uvicorn is not None

    class Server(uvicorn.Server):
        def capture_signals(self):
            return contextlib.nullcontext()
    return Server(settings)
