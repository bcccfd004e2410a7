"""Retention: the event log (events and revocations) and dead session tokens are pruned in every worker.

Started by gunicorn's ``post_worker_init`` for every worker, whatever it serves: a deployment that
uses only REST and webhooks prunes as one with sockets does. Pruning is idempotent, so several
workers pruning is harmless; ``flask --app sgp_app prune-eventos`` does the same by hand.
"""

import logging
import random
import threading
import time

from flask import Flask

from . import events
from .auth import tokens
from .db import with_session

EXTENSION = "sgp_retention"
log = logging.getLogger(__name__)


class Retention:
    """Prunes at start, then every ``SGP_EVENT_PRUNE_INTERVAL`` seconds, in a thread (a greenlet under gevent)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.interval = app.config["SGP_EVENT_PRUNE_INTERVAL"]
        self._started = False
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._run, name="sgp-retention", daemon=True).start()

    def _run(self) -> None:
        while True:
            try:
                with_session(self.app, self.prune)
            except Exception:  # noqa: BLE001 - try again next round (the database may be back)
                log.exception("pruning failed")
            # Jitter, so that the workers of one deployment do not all prune at the same moment.
            time.sleep(self.interval * random.uniform(0.9, 1.1))

    def prune(self) -> None:
        """Apply the event retention, and delete session tokens past their grace period."""
        config = self.app.config
        removed = events.prune(config["SGP_EVENT_RETENTION_DAYS"], config["SGP_EVENT_RETENTION_COUNT"])
        if removed:
            log.info("pruned %d log entr(ies) past the retention", removed)
        removed = tokens.prune(config["SGP_TOKEN_RETENTION_HOURS"])
        if removed:
            log.info("pruned %d expired or revoked session token(s)", removed)


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = Retention(app)


def start(app: Flask) -> None:
    """Start pruning in this process (gunicorn's ``post_worker_init``)."""
    app.extensions[EXTENSION].start()
