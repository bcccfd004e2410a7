"""The Redis broker: every worker on every host hears every event.

Publishing never blocks a request: messages go to a bounded outbox that a
publisher greenlet sends. Losing a message is harmless: every event is in the
event log, and subscribers read back whatever the broker did not bring (see
:mod:`sgp_app.realtime.broadcaster`). A lost subscription is retried with
backoff, and each new subscription bumps ``generation`` so the broadcaster
catches up at once.
"""

import contextlib
import logging
import queue
import threading
import time
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from ...redaction import redact
from . import Broker

log = logging.getLogger(__name__)

MAX_BACKOFF = 10.0


class RedisBroker(Broker):
    """Events over a Redis pub/sub channel named ``<prefix>:eventos``.

    :param url: ``redis://host:port/db`` (``rediss://`` for TLS).
    :param prefix: channel prefix, so deployments can share one Redis.
    :param max_queue: messages the outbox holds while Redis is slow; more are dropped.
    """

    def __init__(self, url: str, prefix: str = "sgp", max_queue: int = 10000, **_options: object) -> None:
        self.url = url
        self.channel = f"{prefix}:eventos"
        options = {"socket_connect_timeout": 2, "socket_keepalive": True, "health_check_interval": 15}
        # Named, so an operator (or a test) can find this deployment's connections in CLIENT LIST.
        self._publisher = redis.Redis.from_url(url, socket_timeout=5, client_name=f"{prefix}-pub", **options)
        # No silent reconnects for the subscriber: we must know, to catch up.
        self._subscriber = redis.Redis.from_url(
            url, retry=Retry(NoBackoff(), 0), client_name=f"{prefix}-sub", **options
        )
        self._outbox: queue.Queue[str] = queue.Queue(max_queue)
        self._pubsub = None
        self._retry_at = 0.0
        self._backoff = 0.5
        self._publishing = False
        self.generation = 0
        self.connected = False
        self.dropped = 0
        self.last_error: str | None = None

    def connect(self) -> None:
        self._start_publisher()

    def _start_publisher(self) -> None:
        if not self._publishing:
            self._publishing = True
            threading.Thread(target=self._publish_loop, name="sgp-redis-publisher", daemon=True).start()

    def publish(self, text: str) -> None:
        # A worker with no socket of its own still publishes for the other workers.
        self._start_publisher()
        try:
            self._outbox.put_nowait(text)
        except queue.Full:
            self.dropped += 1

    def _publish_loop(self) -> None:
        failing = False
        while True:
            text = self._outbox.get()
            try:
                self._publisher.publish(self.channel, text)
                if failing:
                    log.info("redis broker: publishing to %s again", redact(self.url))
                    failing = False
            except (redis.RedisError, OSError) as exc:
                self.dropped += 1 + self._outbox.qsize()
                self._drain_outbox()  # subscribers read these back from the event log
                if not failing:
                    log.warning("redis broker: publish failed (%s); events wait in the event log", exc)
                    failing = True
                time.sleep(1)

    def _drain_outbox(self) -> None:
        try:
            while True:
                self._outbox.get_nowait()
        except queue.Empty:
            pass

    def next_message(self, timeout: float | None = None) -> str | bytes | None:
        """The next message's text, or ``None`` after ``timeout`` seconds or a broken subscription."""
        if self._pubsub is None:
            # Return at once after a new subscription, so the broadcaster catches up now
            # rather than after waiting ``timeout`` for a message that may never come.
            self._subscribe(timeout)
            return None
        try:
            message = self._pubsub.get_message(ignore_subscribe_messages=True, timeout=timeout)
        except (redis.RedisError, OSError) as exc:
            self._lost(exc)
            return None
        if message and message["type"] == "message":
            data = message["data"]
            try:
                return data.decode() if isinstance(data, bytes) else data
            except UnicodeDecodeError:
                return data  # not a message of ours: the broadcaster drops it as malformed
        return None

    def _subscribe(self, timeout: float | None) -> bool:
        wait = self._retry_at - time.monotonic()
        if wait > 0:
            time.sleep(min(wait, timeout or wait))
            return False
        try:
            pubsub = self._subscriber.pubsub()
            pubsub.subscribe(self.channel)
        except (redis.RedisError, OSError) as exc:
            self._lost(exc)
            return False
        self._pubsub, self.connected, self.last_error = pubsub, True, None
        self._backoff = 0.5
        self.generation += 1
        log.info("redis broker: subscribed to %s at %s", self.channel, redact(self.url))
        return True

    def _lost(self, exc: Exception) -> None:
        if self.connected or self.last_error is None:
            log.warning("redis broker: subscription lost (%s); retrying with backoff", exc)
        self.connected, self.last_error = False, str(exc)
        if self._pubsub is not None:
            with contextlib.suppress(Exception):  # the connection is gone anyway
                self._pubsub.reset()
            self._pubsub = None
        self._retry_at = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, MAX_BACKOFF)

    def status(self) -> dict[str, Any]:
        if self.connected:
            state = "connected"
        elif self.last_error is None:
            state = "idle"  # no socket on this worker yet: it publishes, and subscribes with the first socket
        else:
            state = "reconnecting"
        return {
            "backend": "redis",
            "state": state,
            "url": redact(self.url),
            "connected": self.connected,
            "dropped": self.dropped,
            "last_error": self.last_error,
        }
