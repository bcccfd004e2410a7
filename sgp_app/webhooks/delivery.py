"""Delivering the order events to webhook endpoints: signed, in order, at least once, one deliverer each.

Every worker runs a :class:`Dispatcher`. It claims endpoints by their lease (:mod:`.lease`: one
worker on one host wins) and runs one :class:`Deliverer` greenlet per endpoint it holds. A
deliverer reads the event log after the endpoint's cursor, posts each event (:mod:`.sender`) and
moves the cursor on a 2xx, in a write the lease fences. A failure is retried after 1, 2, 4 …
seconds (at most 10 minutes, with jitter) while the lease is kept; nothing else waits for it:
requests never touch the deliverers, and each endpoint has its own greenlet. An endpoint that keeps
failing for ``SGP_WEBHOOK_GIVE_UP_HOURS`` is disabled. A worker that dies leaves its leases to
lapse; another claims them and resumes from the cursors, so a crash can repeat an event (at least
once) but never lose one.
"""

import logging
import os
import random
import secrets
import socket
import time
from datetime import timedelta
from typing import Any

import gevent
import gevent.event
from flask import Flask
from sqlalchemy import delete, func, select

from .. import events
from ..db import begin_write, with_session
from ..extensions import db
from ..metrics import WEBHOOK_DELIVERED, WEBHOOK_FAILED
from ..models import EntregaWebhook, Webhook, utcnow
from ..realtime.frames import json_text
from . import lease
from .lease import Lease
from .sender import Attempt, Sender

log = logging.getLogger(__name__)

PAGE = 100  # log positions read at a time
KEEP_ATTEMPTS = 100  # per endpoint, for GET /webhooks/<id>/entregas
FIRST_RETRY, MAX_RETRY = 1.0, 600.0


def retry_delay(tentativa: int, rng: Any = random) -> float:
    """Seconds before attempt ``tentativa + 1``: 1, 2, 4 … doubling, ±20 % jitter, at most 10 minutes."""
    doublings = min(max(tentativa - 1, 0), 30)  # 2**30 s is far past the cap; more would overflow a float
    return min(MAX_RETRY, FIRST_RETRY * 2**doublings * rng.uniform(0.8, 1.2))


def new_segredo() -> str:
    return secrets.token_urlsafe(32)


class Dispatcher:
    """This worker's share of the webhook deliveries: claims free endpoints, runs a deliverer for each."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        config = app.config
        self.poll_interval = config["SGP_WEBHOOK_POLL_INTERVAL"]
        self.give_up = timedelta(hours=config["SGP_WEBHOOK_GIVE_UP_HOURS"])
        self.sender = Sender(config["SGP_WEBHOOK_TIMEOUT"], config["SGP_WEBHOOK_ALLOW_PRIVATE"])
        # Long enough to outlast a post and a renewal; renewed when a third of it has passed.
        self.lease_seconds = max(30.0, 3 * config["SGP_WEBHOOK_TIMEOUT"])
        self.owner = f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"
        self.deliverers: dict[int, Deliverer] = {}  # endpoint id -> its deliverer, for the endpoints held
        self.wake = gevent.event.Event()
        self._greenlet: gevent.Greenlet | None = None

    def start(self) -> None:
        if self._greenlet is None:
            self._greenlet = gevent.spawn(self._run)

    def stop(self) -> None:
        """Stop claiming and delivering, and free the leases at once (a worker going away)."""
        if self._greenlet is not None:
            self._greenlet.kill(block=False)
        for deliverer in list(self.deliverers.values()):
            deliverer.stop()

    def status(self) -> dict[str, Any]:
        """For ``/health``: whether this worker delivers, and to how many endpoints right now."""
        return {"delivering": self._greenlet is not None, "endpoints_held": len(self.deliverers)}

    def notify(self, _sender: object = None, **_extra: object) -> None:
        """Signal receiver: events were committed in this worker; deliver them now, not at the next poll."""
        self.wake.set()
        for deliverer in list(self.deliverers.values()):
            deliverer.wake.set()

    def _run(self) -> None:
        while True:
            self.wake.wait(self.poll_interval)
            self.wake.clear()
            try:
                self.claim()
            except Exception:  # noqa: BLE001 - keep dispatching whatever one round hit (the database, say)
                log.exception("webhook dispatcher round failed")

    def claim(self) -> None:
        """Take the lease of every active endpoint nobody holds, and start delivering to it."""
        for webhook_id in self.with_db(lease.claimable, self.owner):
            if webhook_id in self.deliverers:
                continue
            held = Lease(webhook_id, self.owner, self.lease_seconds)
            if self.with_db(held.claim):
                deliverer = self.deliverers[webhook_id] = Deliverer(self, held)
                deliverer.start()

    def with_db(self, fn: Any, *args: Any) -> Any:
        return with_session(self.app, fn, *args)


class Deliverer:
    """Delivers one endpoint's events in ``evento_id`` order, while this worker holds its lease.

    The lease is renewed before any post once a third of it has passed (a post takes at most
    ``SGP_WEBHOOK_TIMEOUT`` + 1 s, far less than the rest of the lease), and every write is fenced
    by it. The endpoint is read again before every event, so an edit (``url``, ``tipos``,
    ``ativo``) applies to the very next post.
    """

    def __init__(self, dispatcher: Dispatcher, held: Lease) -> None:
        self.dispatcher = dispatcher
        self.lease = held
        self.id = held.webhook_id
        self.wake = gevent.event.Event()
        self._greenlet: gevent.Greenlet | None = None

    def start(self) -> None:
        self._greenlet = gevent.spawn(self.run)

    def stop(self) -> None:
        if self._greenlet is not None:
            self._greenlet.kill(block=False)

    def run(self) -> None:
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
                self.dispatcher.with_db(self.lease.release)
            except Exception:  # noqa: BLE001 - the lease then lapses by itself
                log.exception("webhook %d: could not free its lease", self.id)

    # -- one round ------------------------------------------------------------------

    def step(self) -> bool:
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
        delivered = cursor  # the cursor as the last delivery left it
        for index, (evento_id, tipo, body) in enumerate(pending):
            if index:  # the endpoint as it is now: an edit applies to the very next event
                endpoint = with_db(self._current)
                if endpoint is None:
                    return False
            if endpoint["tipos"] is None or tipo in endpoint["tipos"]:
                if not self.deliver(endpoint, evento_id, body):
                    return False
                delivered = evento_id
        # Every event of the page is delivered or not wanted; revocations are never delivered. The
        # cursor moves past the rest of the page unless the last delivery already took it there.
        return delivered == upper or with_db(self._advance, upper)

    def deliver(self, endpoint: dict[str, Any], evento_id: int, body: bytes) -> bool:
        """Post one event until it is taken; ``False`` to stop (the lease lost, the endpoint disabled or gone).

        Between attempts the endpoint is read again, so a new URL or secret applies to the next one.
        """
        tentativa = self.dispatcher.with_db(self._attempts_so_far, evento_id) + 1
        while True:
            attempt = self.dispatcher.sender.post(endpoint["url"], endpoint["segredo"], evento_id, body)
            (WEBHOOK_DELIVERED if attempt.ok else WEBHOOK_FAILED).inc()
            if not self.dispatcher.with_db(self._record, evento_id, tentativa, attempt):
                return False
            if attempt.ok:
                return True
            delay = retry_delay(tentativa)
            tentativa += 1
            why = attempt.erro or attempt.status
            log.info("webhook %d: event %d failed (%s); retry in %.1fs", self.id, evento_id, why, delay)
            refreshed = self._wait(delay)
            if refreshed is None:
                return False
            endpoint = refreshed

    def _wait(self, seconds: float) -> dict[str, Any] | None:
        """Sleep before a retry, keeping the lease; the endpoint as it is then, ``None`` if lost or disabled."""
        deadline = time.monotonic() + seconds
        while True:
            gevent.sleep(min(max(0.0, deadline - time.monotonic()), self.lease.seconds / 3))
            endpoint = self.dispatcher.with_db(self._current)
            if endpoint is None or time.monotonic() >= deadline:
                return endpoint

    # -- database steps (each in its own short transaction) -------------------------

    def _current(self) -> dict[str, Any] | None:
        """The endpoint's url, secret, tipos and cursor, renewing the lease when due; ``None`` if not ours."""
        if not self.lease.renew_if_due():
            return None
        webhook = db.session.get(Webhook, self.id)
        if webhook is None or not webhook.ativo or not self.lease.mine(webhook):
            return None
        return {
            "url": webhook.url,
            "segredo": webhook.segredo,
            "tipos": webhook.tipos_lista,
            "cursor": webhook.ultimo_evento_id,
        }

    def _page(self, cursor: int) -> tuple[list[tuple[int, str, bytes]], int] | None:
        """``([(evento_id, tipo, body)], upper)`` for the log after ``cursor``; ``None`` if part of it was pruned."""
        page = events.page(cursor, PAGE)
        if not page.complete:
            return None
        return [(row.id, row.tipo, json_text(row.to_message()).encode()) for row in page.eventos], page.upper

    def _skip_pruned(self, cursor: int) -> bool:
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
        return self._record(last_gone, 0, Attempt(None, erro, 0), skipped=True)

    def _attempts_so_far(self, evento_id: int) -> int:
        """Attempts already made for this event (by an earlier holder of the lease, say)."""
        made = db.session.scalar(
            select(func.max(EntregaWebhook.tentativa)).where(
                EntregaWebhook.webhook_id == self.id, EntregaWebhook.evento_id == evento_id
            )
        )
        return made or 0

    def _advance(self, evento_id: int) -> bool:
        """Move the cursor past events not delivered on purpose (other tipos, revocations); whether the lease held."""
        begin_write()
        webhook = db.session.scalar(select(Webhook).where(self.lease.fence(utcnow())).with_for_update())
        if webhook is not None:
            webhook.ultimo_evento_id = max(webhook.ultimo_evento_id, evento_id)
        db.session.commit()
        return webhook is not None

    def _record(self, evento_id: int, tentativa: int, attempt: Attempt, skipped: bool = False) -> bool:
        """Keep the attempt; on success (or a skipped gap) move the cursor, on failure start or check the
        failing clock. Whether to go on: ``False`` if the lease was lost or the endpoint was given up."""
        begin_write()
        # Locked, and fenced by the lease: a DELETE /webhooks/<id> waits for this attempt to be kept, or
        # comes first; a lease that lapsed or went to another worker meanwhile records nothing.
        webhook = db.session.scalar(select(Webhook).where(self.lease.fence(utcnow())).with_for_update())
        if webhook is None:
            db.session.rollback()
            return False
        db.session.add(
            EntregaWebhook(
                webhook_id=self.id,
                evento_id=evento_id,
                tentativa=tentativa,
                status_http=attempt.status,
                erro=attempt.erro,
                duracao_ms=attempt.duracao_ms,
            )
        )
        db.session.flush()
        self._keep_latest_attempts()
        if attempt.ok or skipped:
            webhook.ultimo_evento_id = max(webhook.ultimo_evento_id, evento_id)
            if attempt.ok:
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

    def _keep_latest_attempts(self) -> None:
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
