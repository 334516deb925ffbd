"""uvicorn's HTTP/1.1 protocol with Nagle's algorithm switched off on every connection.

With --workers N uvicorn binds the listening socket itself without IPPROTO_TCP, so asyncio does not set
TCP_NODELAY on accepted connections (uvicorn issue #3149, open in 0.54). Django sends a response's headers
and body as two writes; with Nagle on, the body waits for the client's delayed ACK, and every keep-alive
request after the first took ~45 ms instead of ~5 ms (bench/screen_pop, one connection). Setting the
option per connection fixes every way of starting the server. Used as
`uvicorn --http brokerdesk.core.httpserver:H11Protocol`.
"""

import socket

from uvicorn.protocols.http.h11_impl import H11Protocol as _UvicornH11Protocol

SERVER_HTTP_PROTOCOL = "brokerdesk.core.httpserver:H11Protocol"


def enable_nodelay(transport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class H11Protocol(_UvicornH11Protocol):
    def connection_made(self, transport) -> None:
        enable_nodelay(transport)
        super().connection_made(transport)
