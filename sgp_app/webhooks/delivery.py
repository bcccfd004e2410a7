"""Posting the order events to webhook endpoints: signed, in order, at least once, one deliverer each.

Every worker runs a :class:`Dispatcher`. It claims endpoints by taking a lease on their row
(``trava_dono``, ``trava_ate``: one ``UPDATE … WHERE`` the lease is free or lapsed, so only one
worker on one host wins, on SQLite and PostgreSQL alike) and runs one :class:`Deliverer`
greenlet per endpoint it holds. A deliverer reads the event log after the endpoint's cursor,
posts each event and moves the cursor on a 2xx, in the same transaction that checks it still
holds the lease. A failure is retried after 1, 2, 4 … seconds (at most 10 minutes, with
jitter) while the lease is kept; nothing else waits for it: requests never touch the
deliverers, and each endpoint has its own greenlet. An endpoint that keeps failing for
``SGP_WEBHOOK_GIVE_UP_HOURS`` is disabled. A worker that dies leaves its leases to lapse; another
claims them and resumes from the cursors, so a crash can repeat an event (at least once) but
never lose one.
"""

import hashlib
import hmac
import logging
import os
import random
import secrets
import socket
import time
from datetime import timedelta

import gevent
import gevent.event
import httpcore
from sqlalchemy import delete, func, or_, select, update

from .. import events
from ..db import begin_write, with_session
from ..extensions import db
from ..metrics import WEBHOOK_DELIVERED, WEBHOOK_FAILED
from ..models import EntregaWebhook, Webhook, utcnow
from ..realtime.frames import json_text
from .targets import CheckedBackend

log = logging.getLogger(__name__)

PAGE = 100
KEEP_ATTEMPTS = 100  # per endpoint, for GET /webhooks/<id>/entregas
FIRST_RETRY, MAX_RETRY = 1.0, 600.0
USER_AGENT = b"SGP-Webhooks/1"


def sign(segredo, timestamp, body):
    """``X-SGP-Assinatura``: ``sha256=`` and the hex HMAC-SHA256 of ``"<timestamp>.<body>"``."""
    mac = hmac.new(segredo.encode(), b"%d." % timestamp + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def retry_delay(tentativa, rng=random):
    """Seconds before attempt ``tentativa + 1``: 1, 2, 4 … doubling, ±20 % jitter, at most 10 minutes."""
    return min(MAX_RETRY, FIRST_RETRY * 2 ** (tentativa - 1) * rng.uniform(0.8, 1.2))


def new_segredo():
    return secrets.token_urlsafe(32)


class Dispatcher:
    """This worker's share of the webhook deliveries: claims free endpoints, runs a deliverer for each."""

    def __init__(self, app):
        self.app = app
        config = app.config
        self.timeout = config["SGP_WEBHOOK_TIMEOUT"]
        self.poll_interval = config["SGP_WEBHOOK_POLL_INTERVAL"]
        self.give_up = timedelta(hours=config["SGP_WEBHOOK_GIVE_UP_HOURS"])
        # Long enough to outlast a post and a renewal; renewed when a third of it has passed.
        self.lease = max(30.0, 3 * self.timeout)
        self.owner = f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"
        self.pool = httpcore.ConnectionPool(
            network_backend=CheckedBackend(config["SGP_WEBHOOK_ALLOW_PRIVATE"]),
            max_connections=100,
            keepalive_expiry=30.0,
        )
        self.deliverers = {}  # endpoint id -> Deliverer, for the endpoints this worker holds
        self.wake = gevent.event.Event()
        self._greenlet = None

    def start(self):
        if self._greenlet is None:
            self._greenlet = gevent.spawn(self._run)

    def stop(self):
        """Stop claiming and delivering, and free the leases at once (a worker going away)."""
        if self._greenlet is not None:
            self._greenlet.kill(block=False)
        for deliverer in list(self.deliverers.values()):
            deliverer.stop()

    def status(self):
        """For ``/health``: whether this worker delivers, and to how many endpoints right now."""
        return {"delivering": self._greenlet is not None, "endpoints_held": len(self.deliverers)}

    def notify(self, _sender=None, **_extra):
        """Signal receiver: events were committed in this worker; deliver them now, not at the next poll."""
        self.wake.set()
        for deliverer in list(self.deliverers.values()):
            deliverer.wake.set()

    def _run(self):
        while True:
            self.wake.wait(self.poll_interval)
            self.wake.clear()
            try:
                self.claim()
            except Exception:  # noqa: BLE001 - keep dispatching whatever one round hit (the database, say)
                log.exception("webhook dispatcher round failed")

    def claim(self):
        """Take the lease of every active endpoint nobody holds, and start delivering to it."""
        for webhook_id in self.with_db(self._claimable):
            if webhook_id not in self.deliverers and self.with_db(self._lock, webhook_id):
                deliverer = self.deliverers[webhook_id] = Deliverer(self, webhook_id)
                deliverer.start()

    def _free(self, now):
        """Active, and nobody's lease: none, a lapsed one, or this worker's own."""
        lease = or_(Webhook.trava_dono.is_(None), Webhook.trava_ate < now, Webhook.trava_dono == self.owner)
        return Webhook.ativo & lease

    def _claimable(self):
        return db.session.scalars(select(Webhook.id).where(self._free(utcnow()))).all()

    def _lock(self, webhook_id):
        now = utcnow()
        begin_write()
        taken = db.session.execute(
            update(Webhook)
            .where(Webhook.id == webhook_id, self._free(now))
            .values(trava_dono=self.owner, trava_ate=now + timedelta(seconds=self.lease))
        ).rowcount
        db.session.commit()
        return taken == 1

    def with_db(self, fn, *args):
        return with_session(self.app, fn, *args)


class Deliverer:
    """Delivers one endpoint's events in ``evento_id`` order, while this worker holds its lease."""

    def __init__(self, dispatcher, webhook_id):
        self.dispatcher = dispatcher
        self.id = webhook_id
        self.wake = gevent.event.Event()
        self.renewed_at = time.monotonic()
        self._greenlet = None

    def start(self):
        self._greenlet = gevent.spawn(self.run)

    def stop(self):
        if self._greenlet is not None:
            self._greenlet.kill(block=False)

    def run(self):
        try:
            while self.step():
                pass
        except gevent.GreenletExit:
            pass
        except Exception:  # noqa: BLE001 - the lease is freed below; a later round claims it again
            log.exception("webhook %d: deliverer failed", self.id)
        finally:
            self.dispatcher.deliverers.pop(self.id, None)
            try:
                self.dispatcher.with_db(self._release)
            except Exception:  # noqa: BLE001 - the lease then lapses by itself
                log.exception("webhook %d: could not free its lease", self.id)

    # -- one round ------------------------------------------------------------------

    def step(self):
        """Deliver what is pending after the cursor; ``False`` once this worker should stop."""
        endpoint = self.dispatcher.with_db(self._current)
        if endpoint is None:
            return False
        pending = self.dispatcher.with_db(self._pending, endpoint["cursor"])
        if not pending:
            self.wake.wait(self.dispatcher.poll_interval)
            self.wake.clear()
            return True
        passed = None  # the last event passed over (not of the endpoint's tipos), not yet recorded
        for evento_id, tipo, body in pending:
            if endpoint["tipos"] is not None and tipo not in endpoint["tipos"]:
                passed = evento_id
                continue
            if passed is not None and not self.dispatcher.with_db(self._advance, passed):
                return False
            passed = None
            endpoint = self.deliver(endpoint, evento_id, body)
            if endpoint is None:
                return False
        return passed is None or self.dispatcher.with_db(self._advance, passed)

    def deliver(self, endpoint, evento_id, body):
        """Post one event until it is taken; the endpoint as it is now, or ``None`` to stop.

        Between attempts the endpoint is read again, so a new URL or secret applies to the next one.
        """
        tentativa = self.dispatcher.with_db(self._attempts_so_far, evento_id) + 1
        while True:
            status, erro, duracao_ms = self.post(endpoint, evento_id, body)
            ok = status is not None and 200 <= status < 300
            (WEBHOOK_DELIVERED if ok else WEBHOOK_FAILED).inc()
            kept = self.dispatcher.with_db(self._record, evento_id, tentativa, status, erro, duracao_ms, ok)
            if not kept:
                return None
            if ok:
                return endpoint
            delay = retry_delay(tentativa)
            tentativa += 1
            log.info("webhook %d: event %d failed (%s); retry in %.1fs", self.id, evento_id, erro or status, delay)
            endpoint = self._wait(delay)
            if endpoint is None:
                return None

    def post(self, endpoint, evento_id, body):
        """One attempt: ``(status or None, error text or None, milliseconds)``. The answer's body is not read."""
        timestamp = int(time.time())
        headers = [
            (b"Content-Type", b"application/json"),
            (b"User-Agent", USER_AGENT),
            (b"X-SGP-Evento-Id", str(evento_id).encode()),
            (b"X-SGP-Timestamp", str(timestamp).encode()),
            (b"X-SGP-Assinatura", sign(endpoint["segredo"], timestamp, body).encode()),
        ]
        timeout = self.dispatcher.timeout
        started = time.perf_counter()
        status = erro = None
        try:
            # httpcore's timeouts bound each wait; this bounds the whole exchange (a receiver that drips).
            with (
                gevent.Timeout(timeout + 1),
                self.dispatcher.pool.stream(
                    "POST",
                    endpoint["url"],
                    headers=headers,
                    content=body,
                    extensions={"timeout": {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}},
                ) as response,
            ):
                status = response.status
        except (gevent.Timeout, httpcore.TimeoutException):
            erro = f"Sem resposta em {timeout:g}s"
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as exc:
            erro = (str(exc) or type(exc).__name__)[:300]
        return status, erro, round((time.perf_counter() - started) * 1000)

    def _wait(self, seconds):
        """Sleep before a retry, keeping the lease; the endpoint as it is then, ``None`` if lost or disabled."""
        deadline = time.monotonic() + seconds
        while True:
            gevent.sleep(min(max(0.0, deadline - time.monotonic()), self.dispatcher.lease / 3))
            endpoint = self.dispatcher.with_db(self._current)
            if endpoint is None or time.monotonic() >= deadline:
                return endpoint

    # -- database steps (each in its own short transaction) -------------------------

    def _current(self):
        """The endpoint's url, secret, tipos and cursor, renewing the lease when due; ``None`` if not ours."""
        dispatcher = self.dispatcher
        if time.monotonic() - self.renewed_at >= dispatcher.lease / 3:
            begin_write()
            kept = db.session.execute(
                update(Webhook)
                .where(Webhook.id == self.id, Webhook.trava_dono == dispatcher.owner, Webhook.ativo)
                .values(trava_ate=utcnow() + timedelta(seconds=dispatcher.lease))
            ).rowcount
            db.session.commit()
            if kept != 1:
                return None
            self.renewed_at = time.monotonic()
        webhook = db.session.get(Webhook, self.id)
        if webhook is None or not webhook.ativo or webhook.trava_dono != dispatcher.owner:
            return None
        return {
            "url": webhook.url,
            "segredo": webhook.segredo,
            "tipos": webhook.tipos_lista,
            "cursor": webhook.ultimo_evento_id,
        }

    def _pending(self, cursor):
        rows = events.eventos_after(cursor, PAGE)
        return [(row.id, row.tipo, json_text(row.to_message()).encode()) for row in rows]

    def _attempts_so_far(self, evento_id):
        """Attempts already made for this event (by an earlier holder of the lease, say)."""
        return db.session.scalar(
            select(func.coalesce(func.max(EntregaWebhook.tentativa), 0)).where(
                EntregaWebhook.webhook_id == self.id, EntregaWebhook.evento_id == evento_id
            )
        )

    def _advance(self, evento_id):
        """Move the cursor past events not of the endpoint's tipos, if the lease is still ours; whether it was."""
        begin_write()
        moved = db.session.execute(
            update(Webhook)
            .where(Webhook.id == self.id, Webhook.trava_dono == self.dispatcher.owner)
            .values(ultimo_evento_id=evento_id)
        ).rowcount
        db.session.commit()
        return moved == 1

    def _record(self, evento_id, tentativa, status, erro, duracao_ms, ok):
        """Keep the attempt; on success move the cursor, on failure start or check the failing clock.

        Returns whether to go on: ``False`` if the lease was lost or the endpoint was given up.
        """
        begin_write()
        # Locked: a DELETE /webhooks/<id> now waits for this attempt to be kept, or comes first.
        webhook = db.session.scalar(select(Webhook).where(Webhook.id == self.id).with_for_update())
        if webhook is None or webhook.trava_dono != self.dispatcher.owner:
            db.session.rollback()  # deleted, or handed to another deliverer meanwhile
            return False
        db.session.add(
            EntregaWebhook(
                webhook_id=self.id,
                evento_id=evento_id,
                tentativa=tentativa,
                status_http=status,
                erro=erro,
                duracao_ms=duracao_ms,
            )
        )
        db.session.flush()
        self._keep_latest_attempts()
        if ok:
            webhook.ultimo_evento_id = max(webhook.ultimo_evento_id, evento_id)
            webhook.falhando_desde = None
        else:
            now = utcnow()
            webhook.falhando_desde = webhook.falhando_desde or now
            if now - webhook.falhando_desde >= self.dispatcher.give_up:
                webhook.ativo = False
                log.warning(
                    "webhook %d: failing since %s; disabled (SGP_WEBHOOK_GIVE_UP_HOURS)",
                    self.id,
                    webhook.falhando_desde.isoformat(),
                )
        db.session.commit()
        return webhook.ativo

    def _keep_latest_attempts(self):
        oldest_kept = db.session.scalar(
            select(EntregaWebhook.id)
            .where(EntregaWebhook.webhook_id == self.id)
            .order_by(EntregaWebhook.id.desc())
            .offset(KEEP_ATTEMPTS - 1)
            .limit(1)
        )
        if oldest_kept is not None:
            db.session.execute(
                delete(EntregaWebhook).where(EntregaWebhook.webhook_id == self.id, EntregaWebhook.id < oldest_kept)
            )

    def _release(self):
        begin_write()
        db.session.execute(
            update(Webhook)
            .where(Webhook.id == self.id, Webhook.trava_dono == self.dispatcher.owner)
            .values(trava_dono=None, trava_ate=None)
        )
        db.session.commit()
