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
from .targets import CheckedBackend, TargetRefused, normalize_url

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
    doublings = min(max(tentativa - 1, 0), 30)  # 2**30 s is far past the cap; more would overflow a float
    return min(MAX_RETRY, FIRST_RETRY * 2**doublings * rng.uniform(0.8, 1.2))


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
    """Delivers one endpoint's events in ``evento_id`` order, while this worker holds its lease.

    The lease is renewed before any post once a third of it has passed (a post takes at most
    ``SGP_WEBHOOK_TIMEOUT`` + 1 s, far less than the rest of the lease), and every write is fenced
    by it: the statement itself checks that the lease is this worker's and has not lapsed, so a
    deliverer that lost its lease (a stalled worker, a clock jump) can neither record nor move the
    cursor after another worker took over. The endpoint is read again before every event, so an
    edit (``url``, ``tipos``, ``ativo``) applies to the very next post.
    """

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
        with_db = self.dispatcher.with_db
        endpoint = with_db(self._current)
        if endpoint is None:
            return False
        cursor = endpoint["cursor"]
        page = with_db(self._page, cursor)
        if page is None:  # pruned before delivery: recorded, and the cursor moved past the gap
            return with_db(self._skip_pruned, cursor)
        pending, upper = page
        if upper == cursor:
            self.wake.wait(self.dispatcher.poll_interval)
            self.wake.clear()
            return True
        for evento_id, tipo, body in pending:
            endpoint = with_db(self._current)  # an edit applies to the very next event
            if endpoint is None:
                return False
            wanted = endpoint["tipos"] is None or tipo in endpoint["tipos"]
            if wanted and not self.deliver(endpoint, evento_id, body):
                return False
        # Every event of the page is delivered or not wanted; revocations are never delivered.
        return with_db(self._advance, upper)

    def deliver(self, endpoint, evento_id, body):
        """Post one event until it is taken; ``False`` to stop (the lease lost, the endpoint disabled or gone).

        Between attempts the endpoint is read again, so a new URL or secret applies to the next one.
        """
        tentativa = self.dispatcher.with_db(self._attempts_so_far, evento_id) + 1
        while True:
            status, erro, duracao_ms = self.post(endpoint, evento_id, body)
            ok = status is not None and 200 <= status < 300
            (WEBHOOK_DELIVERED if ok else WEBHOOK_FAILED).inc()
            kept = self.dispatcher.with_db(self._record, evento_id, tentativa, status, erro, duracao_ms, ok)
            if not kept:
                return False
            if ok:
                return True
            delay = retry_delay(tentativa)
            tentativa += 1
            log.info("webhook %d: event %d failed (%s); retry in %.1fs", self.id, evento_id, erro or status, delay)
            endpoint = self._wait(delay)
            if endpoint is None:
                return False

    def post(self, endpoint, evento_id, body):
        """One attempt: ``(status or None, error text or None, milliseconds)``. The answer's body is not read.

        Never raises: whatever goes wrong is this attempt's error, recorded and retried.
        """
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
            url = normalize_url(endpoint["url"])  # stored before URLs were normalized on saving, say
            # httpcore's timeouts bound each wait; this bounds the whole exchange (a receiver that drips).
            with (
                gevent.Timeout(timeout + 1),
                self.dispatcher.pool.stream(
                    "POST",
                    url,
                    headers=headers,
                    content=body,
                    extensions={"timeout": {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}},
                ) as response,
            ):
                status = response.status
        except httpcore.TimeoutException:
            erro = f"Sem resposta em {timeout:g}s"
        except gevent.Timeout:
            erro = f"A resposta não terminou em {timeout + 1:g}s"
        except TargetRefused as exc:
            erro = str(exc)[:300]
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as exc:
            erro = (str(exc) or type(exc).__name__)[:300]
        except Exception as exc:  # noqa: BLE001 - a library's surprise must not kill the deliverer
            log.warning("webhook %d: attempt failed unexpectedly: %r", self.id, exc)
            erro = f"Erro inesperado: {type(exc).__name__}"
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

    def _held(self, now):
        """This worker's lease on the endpoint, unexpired: the fence of every write."""
        return (Webhook.id == self.id) & (Webhook.trava_dono == self.dispatcher.owner) & (Webhook.trava_ate > now)

    def _current(self):
        """The endpoint's url, secret, tipos and cursor, renewing the lease when due; ``None`` if not ours."""
        dispatcher = self.dispatcher
        if time.monotonic() - self.renewed_at >= dispatcher.lease / 3:
            begin_write()
            now = utcnow()
            kept = db.session.execute(
                update(Webhook)
                .where(self._held(now), Webhook.ativo)
                .values(trava_ate=now + timedelta(seconds=dispatcher.lease))
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

    def _page(self, cursor):
        """``([(evento_id, tipo, body)], upper)`` for the log after ``cursor``; ``None`` if part of it was pruned."""
        page = events.page(cursor, PAGE)
        if not page.complete:
            return None
        return [(row.id, row.tipo, json_text(row.to_message()).encode()) for row in page.eventos], page.upper

    def _skip_pruned(self, cursor):
        """Events after the cursor were pruned before they were delivered: say so, and move past them."""
        first_kept = events.first_stored_after(cursor)
        last_gone = events.newest_id() if first_kept is None else first_kept - 1
        if last_gone <= cursor:
            return True  # pruned and written meanwhile: the next page is whole again
        erro = (
            f"Eventos {cursor + 1}–{last_gone} removidos pela retenção do log antes da entrega "
            "(SGP_EVENT_RETENTION_DAYS, SGP_EVENT_RETENTION_COUNT); não serão entregues"
        )
        log.warning(
            "webhook %d: log entries %d..%d were pruned before delivery; skipped", self.id, cursor + 1, last_gone
        )
        return self._record(last_gone, 0, None, erro, 0, ok=True, skipped=True)

    def _attempts_so_far(self, evento_id):
        """Attempts already made for this event (by an earlier holder of the lease, say)."""
        return db.session.scalar(
            select(func.coalesce(func.max(EntregaWebhook.tentativa), 0)).where(
                EntregaWebhook.webhook_id == self.id, EntregaWebhook.evento_id == evento_id
            )
        )

    def _advance(self, evento_id):
        """Move the cursor past events not delivered on purpose (other tipos, revocations); whether the lease held."""
        begin_write()
        moved = db.session.execute(
            update(Webhook).where(self._held(utcnow())).values(ultimo_evento_id=evento_id)
        ).rowcount
        db.session.commit()
        return moved == 1

    def _record(self, evento_id, tentativa, status, erro, duracao_ms, ok, skipped=False):
        """Keep the attempt; on success move the cursor, on failure start or check the failing clock.

        Returns whether to go on: ``False`` if the lease was lost or the endpoint was given up.
        """
        begin_write()
        # Locked: a DELETE /webhooks/<id> now waits for this attempt to be kept, or comes first.
        webhook = db.session.scalar(select(Webhook).where(self._held(utcnow())).with_for_update())
        if webhook is None:
            db.session.rollback()  # deleted, or the lease lapsed or went to another deliverer meanwhile
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
            if not skipped:
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
