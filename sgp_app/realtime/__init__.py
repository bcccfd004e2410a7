"""Live order events on ``/ws/pedidos`` and ``/pedidos/stream``: registry, broadcaster, broker, routes."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, TypeVar

from flask import Flask, Response, current_app

from .. import logs, signals
from ..extensions import sock
from .adapter import NoReader
from .broadcaster import Broadcaster
from .brokers import Broker, get_broker
from .connection import Connection
from .frames import CLOSE_GOING_AWAY
from .handshake import handshake_guard
from .janitor import Janitor
from .registry import Registry
from .socket import PATH, Session
from .stream import PATH as STREAM_PATH
from .stream import pedidos_stream

if TYPE_CHECKING:
    import socket

    from simple_websocket import Server

C = TypeVar("C", bound=Connection)

EXTENSION = "sgp_realtime"


class Hub:
    """This worker's realtime machinery; its greenlets start with the first socket.

    :param broker: a :class:`~sgp_app.realtime.brokers.Broker` to use instead of the one
        ``SGP_BROKER_URL`` names (tests, benchmarks).
    """

    def __init__(self, app: Flask, broker: Broker | None = None) -> None:
        config = app.config
        self.app = app
        self.registry = Registry()
        self.broker = broker or get_broker(
            config["SGP_BROKER_URL"], prefix=config["SGP_BROKER_CHANNEL_PREFIX"], max_queue=config["SGP_BROKER_QUEUE"]
        )
        self.broadcaster = Broadcaster(app, self.broker, self.registry)
        self.janitor = Janitor(app, self.registry)
        self._start_lock = threading.Lock()
        self.started = False
        self._connection_options = (
            config["SGP_WS_SEND_QUEUE"],
            config["SGP_WS_SEND_TIMEOUT"],
            config["SGP_WS_SEND_BUFFER"],
            config["SGP_WS_SEND_QUEUE_BYTES"],
        )

    def connection(self, cls: type[C], sock: socket.socket) -> C:
        """A :class:`~sgp_app.realtime.connection.Connection` (or subclass) over ``sock``, with the send bounds."""
        return cls(sock, *self._connection_options, request_id=logs.request_id())

    def ensure_started(self) -> None:
        with self._start_lock:
            if not self.started:
                self.broadcaster.start()
                self.janitor.start()
                self.started = True

    def going_away(self) -> int:
        """Close every socket (and stream) with 1001: the server is restarting; clients reconnect and resume."""
        return self.registry.close_where(lambda c: True, CLOSE_GOING_AWAY, "Servidor reiniciando; reconecte")


def going_away(app: Flask, wait: float = 0.0) -> None:
    """Called by gunicorn's hooks when the worker is told to stop."""
    closed = app.extensions[EXTENSION].going_away()
    if wait and closed:
        time.sleep(wait)  # let the writers flush the close frames


def current_hub() -> Hub:
    return current_app.extensions[EXTENSION]


@sock.route(PATH)
def pedidos_socket(ws: Server) -> None:
    """Order events for browsers and scripts (see the README's protocol section)."""
    hub = current_hub()
    hub.ensure_started()
    Session(hub, ws).run()


def stream() -> Response:
    """Order events as Server-Sent Events (see the README's protocol section)."""
    return pedidos_stream(current_hub())


def init_app(app: Flask, broker: Broker | None = None) -> None:
    hub = app.extensions[EXTENSION] = Hub(app, broker)
    # Revocations travel as events do: committed log entries, published in id order.
    signals.eventos_committed.connect(hub.broadcaster.publish, sender=app, weak=False)
    signals.tokens_revoked.connect(hub.broadcaster.publish, sender=app, weak=False)
    signals.lista_recarregada.connect(hub.broadcaster.publish, sender=app, weak=False)
    # simple-websocket does the handshake only; the handler reads, the janitor pings.
    app.config.setdefault("SOCK_SERVER_OPTIONS", {"thread_class": NoReader})
    app.before_request(handshake_guard(PATH))
    sock.init_app(app)
    app.add_url_rule(STREAM_PATH, "pedidos_stream", stream, methods=["GET"])
