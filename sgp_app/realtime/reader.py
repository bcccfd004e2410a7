"""Readiness without a greenlet: an idle socket is an io watcher on the gevent hub, nothing more.

After the handshake a socket's descriptor leaves gunicorn's request greenlet, which returns to the
worker (:func:`~sgp_app.realtime.adapter.detach`). The hub's loop watches the descriptor; when it
becomes readable, a greenlet is spawned that reads what is there without waiting, hands it to the
owner, and ends, re-arming the watcher. So a socket holds a greenlet only while it has work (bytes
to read, a close to finish), and its bursts run one at a time, in order. A burst reads at most
``BURST_READS`` times before letting the other sockets have their turn.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

import gevent
from gevent import get_hub

from .connection import RECV_BYTES

log = logging.getLogger(__name__)

BURST_READS = 16  # reads per burst; more waiting bytes wait for the next turn
READ = 1  # libev/libuv's EV_READ


class Reader:
    """Watches one descriptor and hands its bytes to ``on_data`` in short-lived greenlets.

    :param fd: the socket's descriptor (non-blocking, as gevent keeps it).
    :param on_data: called with each read's bytes; returns ``False`` when the conversation is over.
    :param on_end: called once, in a burst greenlet, when the peer is gone (end of stream, a reset),
        ``on_data`` said so, or the descriptor failed; the owner closes the socket there.
    """

    __slots__ = ("fd", "on_data", "on_end", "_watcher")

    def __init__(self, fd: int, on_data: Callable[[bytes], bool], on_end: Callable[[], None]) -> None:
        self.fd = fd
        self.on_data = on_data
        self.on_end = on_end
        self._watcher = get_hub().loop.io(fd, READ)

    def start(self) -> None:
        """Watch from now on (from any greenlet): bytes already waiting start a burst at once."""
        self._watcher.start(self._ready)

    @property
    def watching(self) -> bool:
        """Idle: no burst is running and the hub watches the descriptor."""
        return bool(self._watcher.active)

    def _ready(self) -> None:
        """In the hub, which must never block: hand the work to a greenlet of its own."""
        self._watcher.stop()
        gevent.spawn(self._burst)

    def _burst(self) -> None:
        try:
            for _ in range(BURST_READS):
                try:
                    data = os.read(self.fd, RECV_BYTES)
                except BlockingIOError:
                    break  # all read: idle again
                except OSError:
                    data = b""  # a reset, or the descriptor closed under us: the peer is gone
                if not data or not self.on_data(data):
                    self._end()
                    return
        except Exception:  # noqa: BLE001 - the owner's failure must not leave the socket unwatched forever
            log.exception("socket reader failed")
            self._end()
            return
        self._watcher.start(self._ready)

    def _end(self) -> None:
        self._watcher.close()
        self.on_end()
