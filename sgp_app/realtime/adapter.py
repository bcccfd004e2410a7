"""The one place that knows simple-websocket's insides.

Flask-Sock and simple-websocket perform the handshake; after it SGP reads and writes the socket
itself (:mod:`.socket`, :mod:`.connection`), so each socket costs one greenlet, not three. That
needs three things simple-websocket does not offer as API: no reader thread of its own
(:class:`NoReader`), its negotiated wsproto connection and the raw socket (:func:`take_over`), and
its ``close()`` kept from writing after ours (:func:`hand_back`). :func:`detach` then takes the
socket from gunicorn itself, so that the request's greenlet can return while the socket stays open.
"""

import socket
from typing import Any

from gevent import socket as gsocket
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


def detach(sock: socket.socket) -> socket.socket:
    """The same connection as a new socket object that gunicorn does not know.

    gunicorn closes the request's socket once its greenlet returns; detaching leaves it a closed
    object (its ``close()`` does nothing), so the connection outlives the request. The descriptor
    keeps its number: nothing the hub watches for it goes stale.
    """
    return gsocket.socket(fileno=sock.detach())
