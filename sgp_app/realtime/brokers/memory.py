"""The in-process broker: one worker, no network."""

import queue
from typing import Any

from . import Broker


class MemoryBroker(Broker):
    """Events published in this process, for this process's subscriber.

    Bounded: when the subscriber falls ``max_queue`` messages behind, new ones
    are dropped and the broadcaster fetches them from the event log instead.
    """

    def __init__(self, url: str = "memory://", max_queue: int = 10000, **_options: object) -> None:
        self._queue: queue.Queue[str] = queue.Queue(max_queue)
        self.dropped = 0
        self.subscribed = False
        self.generation = 0

    def connect(self) -> None:
        self.subscribed = True
        self.generation = 1

    def publish(self, text: str) -> None:
        if not self.subscribed:
            return  # nobody in this process listens yet; the event log has it
        try:
            self._queue.put_nowait(text)
        except queue.Full:
            self.dropped += 1

    def next_message(self, timeout: float | None = None) -> str | bytes | None:
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def status(self) -> dict[str, Any]:
        # Nothing here can be down, so no "connected": that would read as a fault before the
        # first socket subscribes.
        return {
            "backend": "memory",
            "state": "in-process",
            "detail": "Events reach this worker's own sockets at once; other workers' events are read "
            "from the event log every SGP_EVENT_POLL_INTERVAL seconds (use redis:// to share them at once).",
            "dropped": self.dropped,
        }
