"""Broker backends carry the event log's entries between workers and hosts.

A backend is a :class:`Broker`; it is picked by the URL scheme and imported lazily
(``memory://``, ``redis://``), or handed to the hub directly (tests, benchmarks).
Losing a message is harmless: every entry is in the event log, and the broadcaster reads back
whatever the broker did not bring.
"""

import abc
import importlib
from typing import Any
from urllib.parse import urlsplit

BACKENDS = {
    "memory": ("sgp_app.realtime.brokers.memory", "MemoryBroker"),
    "redis": ("sgp_app.realtime.brokers.redis", "RedisBroker"),
}


class Broker(abc.ABC):
    """What the broadcaster needs from a backend."""

    #: Bumped on every new subscription: messages may have passed meanwhile, so the
    #: broadcaster then catches up from the event log.
    generation = 0

    @abc.abstractmethod
    def connect(self) -> None:
        """Subscribe; called once, by the broadcaster, when this worker's first socket opens."""

    @abc.abstractmethod
    def publish(self, text: str) -> None:
        """Carry ``text`` to every worker's subscriber; never blocks the caller, never raises."""

    @abc.abstractmethod
    def next_message(self, timeout: float | None = None) -> str | bytes | None:
        """The next message's text, or ``None`` after ``timeout`` seconds; a message that is not UTF-8
        comes as its ``bytes``, which the broadcaster counts as malformed."""

    @abc.abstractmethod
    def status(self) -> dict[str, Any]:
        """For ``/health``: ``{"backend", "state", …}``; ``state`` ``reconnecting`` means impaired."""


def get_broker(url: str, **options: Any) -> Broker:
    """Return the backend for ``url`` (``memory://``, ``redis://host:port/db``)."""
    scheme = urlsplit(url).scheme
    if scheme not in BACKENDS:
        raise RuntimeError(f"SGP_BROKER_URL={url!r}: unknown scheme; use memory:// or redis://")
    module, name = BACKENDS[scheme]
    return getattr(importlib.import_module(module), name)(url, **options)
