"""From committed log entries to every socket: ordered, exactly once, never blocking a request.

The event log gives every entry (order events and token revocations) a gap-free id in commit
order. The subscriber greenlet handles ids strictly in sequence: an id that arrives early is
held until the ones before it come, and ids the broker lost (or that were committed by a worker
this broker cannot hear) are read back from the log. A revocation therefore closes its sockets
before any event committed after it is fanned out, on every worker, with any broker.
"""

import json
import logging
import threading
import time
from typing import Any

from flask import Flask

from .. import events
from ..extensions import db
from ..metrics import EVENTS_BROADCAST, EVENTS_PUBLISHED, LIVE_DELIVERIES, observe_delivery
from .brokers import Broker
from .frames import BAD_TOKEN, CLOSE_POLICY, json_text, text_frame
from .registry import Registry
from .sse import event_frames
from .sse import message as sse_message

log = logging.getLogger(__name__)

CATCH_UP_PAGE = 1000
MALFORMED_LOG_EVERY = 60.0  # seconds between log lines about malformed broker messages


def parse(text: object) -> dict[str, Any] | None:
    """A broker message as a dict, or ``None`` when it is not one the event log could have made
    (bytes that are not UTF-8 included)."""
    if not isinstance(text, str):
        return None
    try:
        message = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        return None
    if not isinstance(message, dict):
        return None
    evento_id = message.get("evento_id")
    if not isinstance(evento_id, int) or isinstance(evento_id, bool) or evento_id < 1:
        return None
    if message.get("control") == events.TOKENS_REVOGADOS:
        tokens = message.get("tokens")
        valid = isinstance(tokens, list) and all(isinstance(t, str) for t in tokens)
    elif message.get("control") == events.RECARREGAR:
        valid = True
    elif "control" in message:
        valid = False
    else:
        valid = message.get("type") in events.TIPOS and isinstance(message.get("timestamp"), str)
    return message if valid else None


def reload_frames(evento_id: int) -> tuple[bytes, bytes]:
    """A reload hint framed for each kind of client: ``sincronizado`` with ``completo: false`` at
    ``evento_id``, as a resume that could not replay everything ends (the client reloads its list)."""
    body = {"ultimo_evento_id": evento_id, "completo": False}
    return text_frame(json_text({"type": "sincronizado", **body}).encode()), sse_message("sincronizado", body)


class Broadcaster:
    """Drains the broker in one greenlet and fans each event out once.

    :param app: the Flask app, for database access from background greenlets.
    :param broker: a :class:`~sgp_app.realtime.brokers.Broker`.
    :param registry: the worker's :class:`~sgp_app.realtime.registry.Registry`.
    """

    def __init__(self, app: Flask, broker: Broker, registry: Registry) -> None:
        self.app = app
        self.broker = broker
        self.registry = registry
        self.poll_interval = app.config["SGP_EVENT_POLL_INTERVAL"]
        self.gap_wait = app.config["SGP_EVENT_GAP_WAIT"]
        self.expected = 0  # next id to handle (read from the log by start())
        self._held: dict[int, tuple[dict[str, Any], str]] = {}  # id -> (message, text), for ids that came early
        self._held_since: float | None = None
        self._next_poll = 0.0
        self._generation = 0
        self._malformed = 0
        self._malformed_logged_at = 0.0

    # -- publishing side (request greenlets, after commit) ---------------------

    def publish(self, _sender: object, messages: list[dict[str, Any]], **_extra: object) -> None:
        """Signal receiver: hand committed log entries to the broker, in order."""
        for message in messages:
            self.broker.publish(json_text(message))
        EVENTS_PUBLISHED.inc(sum(1 for m in messages if "type" in m))

    # -- subscriber side ------------------------------------------------------

    def start(self) -> None:
        """Subscribe, then drain the broker in a greenlet of its own."""
        self.subscribe()
        threading.Thread(target=self._run, name="sgp-broadcaster", daemon=True).start()

    def subscribe(self) -> None:
        """Note where the log is, then subscribe.

        In this order, an entry committed in between is newer than ``expected`` and is read back
        from the log; subscribing first would drop it as already delivered.
        """
        with self.app.app_context():
            try:
                self.expected = events.newest_id() + 1
            finally:
                db.session.remove()
        self.broker.connect()

    def _run(self) -> None:
        while True:
            try:
                self.step()
            except Exception:  # noqa: BLE001 - the loop must outlive any one failure (the database, say)
                log.exception("broadcaster loop failed; retrying in 1s")
                time.sleep(1)

    def step(self) -> None:
        """Take one message (or time out), then catch up from the log if it is time to."""
        text = self.broker.next_message(timeout=self._wait_time())
        if text is not None:
            self.handle(text)
        now = time.monotonic()
        gap_overdue = bool(self._held) and self._held_since is not None and now - self._held_since >= self.gap_wait
        resubscribed = self.broker.generation != self._generation
        if gap_overdue or resubscribed or now >= self._next_poll:
            # Catch up after a new subscription too: entries may have passed meanwhile.
            self._generation = self.broker.generation
            self.catch_up()

    def _wait_time(self) -> float:
        deadline = self._next_poll
        if self._held:
            deadline = min(deadline, (self._held_since or 0.0) + self.gap_wait)
        return max(0.01, deadline - time.monotonic())

    def handle(self, text: str | bytes | None) -> None:
        message = parse(text)
        if message is None or not isinstance(text, str):
            self._malformed_message(text)
            return
        evento_id = message["evento_id"]
        if evento_id < self.expected:
            return  # already handled (read back from the log, or a duplicate)
        if evento_id > self.expected:
            self._held[evento_id] = (message, text)
            self._held_since = self._held_since or time.monotonic()
            return
        self._apply(message, text)
        self._apply_held()

    def _malformed_message(self, text: object) -> None:
        self._malformed += 1
        now = time.monotonic()
        if now - self._malformed_logged_at >= MALFORMED_LOG_EVERY:
            self._malformed_logged_at = now
            log.warning("broker: %d malformed message(s) dropped; latest starts %r", self._malformed, repr(text)[:80])

    def _apply(self, message: dict[str, Any], text: str) -> None:
        if message.get("control") == events.TOKENS_REVOGADOS:
            self.registry.close_tokens(message["tokens"], CLOSE_POLICY, BAD_TOKEN)
        elif message.get("control") == events.RECARREGAR:
            LIVE_DELIVERIES.inc(self.registry.fan_out(message["evento_id"], reload_frames(message["evento_id"])))
        else:
            frames = event_frames(message["evento_id"], message["type"], text.encode())
            LIVE_DELIVERIES.inc(self.registry.fan_out(message["evento_id"], frames))
            EVENTS_BROADCAST.inc()
            observe_delivery(message["timestamp"])
        self.expected = message["evento_id"] + 1

    def _apply_held(self) -> None:
        while self.expected in self._held:
            self._apply(*self._held.pop(self.expected))
        for stale in [i for i in self._held if i < self.expected]:
            del self._held[stale]
        self._held_since = time.monotonic() if self._held else None

    def catch_up(self) -> None:
        """Read the entries the broker has not brought (yet) from the event log."""
        self._next_poll = time.monotonic() + self.poll_interval
        with self.app.app_context():
            try:
                while True:
                    entries = events.entries_after(self.expected - 1, CATCH_UP_PAGE)
                    for message in entries:  # ids >= expected, in order
                        if message["evento_id"] > self.expected:
                            # Pruned before delivery (only after a very long outage): skip ahead.
                            skipped = (self.expected, message["evento_id"] - 1)
                            log.warning("log entries %d..%d no longer stored; skipping", *skipped)
                        self._apply(message, json_text(message))
                    if len(entries) < CATCH_UP_PAGE:
                        break
                newest = events.newest_id()
            finally:
                db.session.remove()
        # An entry is published only after its commit, so a held id beyond the newest committed
        # one was never written here: a forged or foreign message, which would otherwise wait forever.
        forged = [i for i in self._held if i > newest]
        if forged:
            log.warning("broker: dropped %d message(s) with ids beyond the event log (%d)", len(forged), newest)
            for i in forged:
                del self._held[i]
        self._apply_held()
