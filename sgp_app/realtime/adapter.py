"""The one place that knows simple-websocket's insides.

Flask-Sock and simple-websocket perform the handshake; after it SGP reads and writes the socket
itself (:mod:`.socket`, :mod:`.connection`), so each socket costs one greenlet, not three. That
needs three things simple-websocket does not offer as API: no reader thread of its own
(:class:`NoReader`), its negotiated wsproto connection and the raw socket (:func:`take_over`), and
its ``close()`` kept from writing after ours (:func:`hand_back`).
"""

import socket
from typing import Any

from wsproto.connection import Connection as WsProtocol


class NoReader:
    """Stands in for simple-websocket's per-socket reader thread: the handler reads instead."""

    name = "sgp-no-reader"

    def __init__(self, target: object = None, **_kwargs: object) -> None:
        pass

    def start(self) -> None:
        pass


def take_over(ws: Any) -> tuple[WsProtocol, socket.socket]:
    """The frame protocol negotiated for ``ws`` (a ``simple_websocket.Server``) and its socket.

    Only the wsproto connection is kept: dropping simple-websocket's wrapper frees its HTTP
    handshake state (h11), a few KiB per socket for its whole life.
    """
    protocol = ws.ws.connection
    ws.ws = None
    return protocol, ws.sock


def hand_back(ws: Any) -> None:
    """Our handler is done and has closed the socket: Flask-Sock's own ``close()`` must not write after it."""
    ws.connected = False
