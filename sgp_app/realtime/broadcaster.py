"""From committed events to every socket: ordered, exactly once, never blocking a request.

The event log gives every event a gap-free id in commit order. The subscriber
greenlet delivers ids strictly in sequence: an id that arrives early is held
until the ones before it come, and ids the broker lost (or that were committed
by a worker this broker cannot hear) are read back from the event log.
"""

import json
import logging
import threading
import time

from sqlalchemy import func, select

from ..db import current_value
from ..extensions import db
from ..metrics import EVENTS_BROADCAST, EVENTS_PUBLISHED, LIVE_DELIVERIES, REPLAYED_DELIVERIES, observe_delivery
from ..models import Evento
from .connection import BAD_TOKEN, CLOSE_POLICY, json_text, text_frame

log = logging.getLogger(__name__)

REPLAY_PAGE = 500
CATCH_UP_PAGE = 1000


class Broadcaster:
    """Drains the broker in one greenlet and fans each event out once.

    :param app: the Flask app, for database access from background greenlets.
    :param broker: a broker backend (see :mod:`sgp_app.realtime.brokers`).
    :param registry: the worker's :class:`~sgp_app.realtime.registry.Registry`.
    """

    def __init__(self, app, broker, registry):
        self.app = app
        self.broker = broker
        self.registry = registry
        self.poll_interval = app.config["SGP_EVENT_POLL_INTERVAL"]
        self.gap_wait = app.config["SGP_EVENT_GAP_WAIT"]
        self.expected = None  # next evento_id to deliver
        self._held = {}
        self._held_since = None
        self._next_poll = 0.0
        self._generation = 0
        self._thread = None

    # -- publishing side (request greenlets) ---------------------------------

    def publish_eventos(self, messages):
        for message in messages:
            self.broker.publish(json_text(message))
        EVENTS_PUBLISHED.inc(len(messages))

    def publish_token_revoked(self, token_hash):
        self.broker.publish(json_text({"control": "token_revogado", "token_hash": token_hash}))

    # -- subscriber side ------------------------------------------------------

    def start(self):
        self.broker.connect()
        self._thread = threading.Thread(target=self._run, name="sgp-broadcaster", daemon=True)
        self._thread.start()

    def _run(self):
        while True:
            try:
                if self.expected is None:
                    with self.app.app_context():
                        self.expected = current_value("evento") + 1
                        db.session.remove()
                text = self.broker.next_message(timeout=self._wait_time())
                if text is not None:
                    self._handle(text)
                now = time.monotonic()
                gap_overdue = self._held and now - self._held_since >= self.gap_wait
                resubscribed = self.broker.generation != self._generation
                if gap_overdue or resubscribed or now >= self._next_poll:
                    # Catch up after a new subscription too: events may have passed meanwhile.
                    self._generation = self.broker.generation
                    self._catch_up()
            except Exception:  # noqa: BLE001 - the loop must outlive any one failure
                log.exception("broadcaster loop failed; retrying in 1s")
                time.sleep(1)

    def _wait_time(self):
        now = time.monotonic()
        deadline = self._next_poll
        if self._held:
            deadline = min(deadline, self._held_since + self.gap_wait)
        return max(0.01, deadline - now)

    def _handle(self, text):
        message = json.loads(text)
        if message.get("control") == "token_revogado":
            token_hash = message["token_hash"]
            self.registry.close_where(
                lambda c: c.sessao is not None and c.sessao.token_hash == token_hash,
                CLOSE_POLICY,
                BAD_TOKEN,
            )
            return
        evento_id = message["evento_id"]
        if evento_id < self.expected:
            return  # already delivered (read back from the log, or a duplicate)
        if evento_id > self.expected:
            self._held[evento_id] = (text, message["timestamp"])
            self._held_since = self._held_since or time.monotonic()
            return
        self._deliver(evento_id, text, message["timestamp"])
        self._deliver_held()

    def _deliver(self, evento_id, text, timestamp):
        LIVE_DELIVERIES.inc(self.registry.fan_out(evento_id, text_frame(text.encode())))
        EVENTS_BROADCAST.inc()
        observe_delivery(timestamp)
        self.expected = evento_id + 1

    def _deliver_held(self):
        while self.expected in self._held:
            self._deliver(self.expected, *self._held.pop(self.expected))
        for stale in [i for i in self._held if i < self.expected]:
            del self._held[stale]
        self._held_since = time.monotonic() if self._held else None

    def _catch_up(self):
        """Read events the broker has not brought (yet) from the event log."""
        self._next_poll = time.monotonic() + self.poll_interval
        with self.app.app_context():
            try:
                while True:
                    rows = db.session.scalars(
                        select(Evento).where(Evento.id >= self.expected).order_by(Evento.id).limit(CATCH_UP_PAGE)
                    ).all()
                    for row in rows:  # ids >= expected, in order
                        if row.id > self.expected:
                            # Pruned before delivery (only after a very long outage): skip ahead.
                            log.warning("events %d..%d no longer stored; skipping", self.expected, row.id - 1)
                        message = row.to_message()
                        self._deliver(row.id, json_text(message), message["timestamp"])
                    if len(rows) < CATCH_UP_PAGE:
                        break
            finally:
                db.session.remove()
        self._deliver_held()

    # -- resume ---------------------------------------------------------------

    def resume(self, conn, ultimo_evento_id):
        """Replay stored events after ``ultimo_evento_id``, then ``sincronizado``, then live.

        Live events that arrive during the replay wait in the connection's
        backlog; the switch to live happens under the registry lock, so nothing
        is missed or sent twice.
        """
        with self.registry.lock:
            conn.syncing, conn.backlog = True, []
        last = ultimo_evento_id
        try:
            newest, oldest = self._bounds()
            completo = ultimo_evento_id <= newest and (
                ultimo_evento_id >= newest or (oldest is not None and oldest <= ultimo_evento_id + 1)
            )
            last = self._replay(conn, ultimo_evento_id) if completo else newest
        finally:
            with self.registry.lock:
                for evento_id, frame in conn.backlog:
                    if evento_id > last:
                        LIVE_DELIVERIES.inc(conn.send_frame(frame))
                        last = evento_id
                conn.backlog, conn.syncing = [], False
                conn.last_evento_id = max(last, conn.last_evento_id or 0)
        conn.send_json({"type": "sincronizado", "ultimo_evento_id": conn.last_evento_id, "completo": completo})

    def _bounds(self):
        try:
            return current_value("evento"), db.session.scalar(select(func.min(Evento.id)))
        finally:
            db.session.rollback()

    def _replay(self, conn, after):
        last = after
        while not conn.closing:
            try:
                rows = db.session.scalars(
                    select(Evento).where(Evento.id > last).order_by(Evento.id).limit(REPLAY_PAGE)
                ).all()
                frames = [(row.id, text_frame(json_text(row.to_message()).encode())) for row in rows]
            finally:
                db.session.rollback()
            for evento_id, frame in frames:
                if not conn.wait_for_room() or not conn.send_frame(frame):
                    return last
                REPLAYED_DELIVERIES.inc()
                last = evento_id
            if len(frames) < REPLAY_PAGE:
                return last
        return last
