"""Connections accepted on uvicorn's own multi-worker listener get TCP_NODELAY from our protocol."""

import asyncio
import socket

import uvicorn
from uvicorn.server import ServerState

from brokerdesk.core.httpserver import H11Protocol


async def _app(scope, receive, send):  # never called: the probe only accepts the connection
    raise AssertionError("no request is sent")


def _nodelay_of_accepted_connection(protocol_class) -> int:
    """Accept one loopback connection on a listener bound the way `uvicorn --workers N` binds it."""
    config = uvicorn.Config(app=_app, host="127.0.0.1", port=0, log_level="warning")
    config.load()
    listener = config.bind_socket()
    seen: dict[str, int] = {}

    class Probe(protocol_class):
        def connection_made(self, transport):
            super().connection_made(transport)
            seen["nodelay"] = transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            transport.close()

    async def accept_one():
        loop = asyncio.get_running_loop()
        state = ServerState()
        server = await loop.create_server(lambda: Probe(config=config, server_state=state, app_state={}),
                                          sock=listener)
        _, writer = await asyncio.open_connection(*listener.getsockname()[:2])
        for _ in range(200):
            if "nodelay" in seen:
                break
            await asyncio.sleep(0.01)
        writer.close()
        server.close()
        await server.wait_closed()

    try:
        asyncio.run(accept_one())
    finally:
        listener.close()
    return seen["nodelay"]


def test_uvicorns_own_protocol_leaves_nagle_on_for_a_multi_worker_listener():
    # The uvicorn behaviour the override exists for; when uvicorn fixes it this fails and the override can go.
    from uvicorn.protocols.http.h11_impl import H11Protocol as UvicornH11Protocol

    assert _nodelay_of_accepted_connection(UvicornH11Protocol) == 0


def test_our_protocol_switches_nagle_off_on_every_connection():
    assert _nodelay_of_accepted_connection(H11Protocol) != 0
