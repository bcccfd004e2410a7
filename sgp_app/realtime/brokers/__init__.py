"""Broker backends carry events between workers and hosts.

A backend has ``connect()``, ``disconnect()``, ``publish(text)`` (never blocks
the caller, never raises), ``next_message(timeout)`` (the subscriber side,
``None`` on timeout), ``generation`` (bumped on every new subscription) and
``status()``. Picked by the URL scheme and imported lazily.
"""

from urllib.parse import urlsplit

BACKENDS = {
    "memory": ("sgp_app.realtime.brokers.memory", "MemoryBroker"),
    "redis": ("sgp_app.realtime.brokers.redis", "RedisBroker"),
}


def get_broker(url, **options):
    """Return the backend for ``url`` (``memory://``, ``redis://host:port/db``)."""
    import importlib

    scheme = urlsplit(url).scheme
    if scheme not in BACKENDS:
        raise RuntimeError(f"SGP_BROKER_URL={url!r}: unknown scheme; use memory:// or redis://")
    module, name = BACKENDS[scheme]
    return getattr(importlib.import_module(module), name)(url, **options)
