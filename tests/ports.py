"""Loopback ports for the test servers that stay ours until the test ends, also under pytest-xdist.

Binding port 0 and closing the socket again (the usual "free port") leaves a gap before the
server binds it, and another pytest-xdist worker, another test run on the machine, or any
outgoing connection's source port may take the port in that gap; a test that stops a server and
starts it again on the same port has the same gap. So `free_port()` keeps a socket bound to the
port (SO_REUSEADDR, never listening): the kernel then gives that port to no other bind(0) and no
outgoing connection, while our own servers, which set SO_REUSEADDR too (Hypercorn, asyncio's
servers, aiohttp, aiosmtpd, Node), can listen on it as often as they like. Nothing listens on a
reserved port by itself: a connection to it is refused, as to a closed port. The conftest's
autouse fixture releases the ports at the end of each test (`release_ports()`).
"""

from __future__ import annotations

import socket

_reserved: list[socket.socket] = []


def free_port() -> int:
    """A loopback port that nobody else gets until the end of the current test."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    _reserved.append(sock)
    return sock.getsockname()[1]


def release_ports() -> None:
    """Give back every port reserved so far (after the test's servers stopped)."""
    while _reserved:
        _reserved.pop().close()
