"""Periodic care of open sockets and of the event log."""

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from flask import Flask
from sqlalchemy import select

from ..db import with_session
from ..extensions import db
from ..models import SessaoToken, utcnow
from .frames import BAD_TOKEN, CLOSE_POLICY, CLOSE_TRY_AGAIN_LATER
from .registry import Registry
from .sse import SSE, WS

T = TypeVar("T")

log = logging.getLogger(__name__)

SWEEP_INTERVAL = 1.0


class Janitor:
    """Pings every socket and heartbeats every stream; closes those whose peer, auth window, token lifetime
    or token ended. (Pruning the logs is :mod:`sgp_app.retention`'s, in every worker.)"""

    def __init__(self, app: Flask, registry: Registry) -> None:
        self.app = app
        self.registry = registry
        config = app.config
        self.auth_timeout = config["SGP_WS_AUTH_TIMEOUT"]
        self.ping_interval = config["SGP_WS_PING_INTERVAL"]
        self.heartbeat_interval = config["SGP_SSE_HEARTBEAT"]

    def start(self) -> None:
        threading.Thread(target=self._run, name="sgp-janitor", daemon=True).start()

    def _run(self) -> None:
        next_ping = time.monotonic() + self.ping_interval
        next_heartbeat = time.monotonic() + self.heartbeat_interval
        while True:
            time.sleep(min(SWEEP_INTERVAL, self.ping_interval, self.heartbeat_interval))
            try:
                self.sweep()
                now = time.monotonic()
                if now >= next_heartbeat:
                    next_heartbeat = now + self.heartbeat_interval
                    self.heartbeat()
                if now >= next_ping:
                    next_ping = now + self.ping_interval
                    self.ping_all()
                    self._with_db(self.close_revoked)
            except Exception:  # noqa: BLE001 - keep sweeping whatever one round hit
                log.exception("janitor round failed")

    def _with_db(self, fn: Callable[..., T], *args: object) -> T:
        return with_session(self.app, fn, *args)

    def sweep(self) -> None:
        """Close unauthenticated sockets past the auth timeout and sockets whose token expired."""
        now_mono, now = time.monotonic(), utcnow()
        self.registry.close_where(
            lambda f: f.sessao is None and now_mono - f.conn.opened_at >= self.auth_timeout,
            CLOSE_POLICY,
            "Tempo para autenticação esgotado",
        )
        self.registry.close_where(
            lambda f: f.sessao is not None and f.sessao.expira_em <= now, CLOSE_POLICY, "Token expirado"
        )

    def heartbeat(self) -> None:
        """A comment line on every stream: proxies keep it open, and a dead peer's writes fail."""
        for feed in self.registry.snapshot():
            if feed.conn.framing == SSE:
                feed.conn.ping()

    def ping_all(self) -> None:
        """Send every socket a protocol ping; close those that never answered the last one."""
        conns = [feed.conn for feed in self.registry.snapshot()]
        silent = [conn for conn in conns if conn.framing == WS and not conn.ping()]
        for conn in silent:
            conn.close(CLOSE_TRY_AGAIN_LATER, "Sem resposta ao ping")
            conn.abort()  # a silent peer will not read our close frame either
        if silent:
            log.info("dropped %d socket(s) that missed a ping", len(silent))

    def close_revoked(self) -> None:
        """Close sockets whose token was revoked (a safety net if the broker lost the notice)."""
        hashes = {f.sessao.token_hash for f in self.registry.snapshot() if f.sessao is not None}
        revoked: set[str] = set()
        chunk = sorted(hashes)
        for i in range(0, len(chunk), 500):
            revoked.update(
                db.session.scalars(
                    select(SessaoToken.token_hash).where(
                        SessaoToken.token_hash.in_(chunk[i : i + 500]), SessaoToken.revogado_em.is_not(None)
                    )
                )
            )
        if revoked:
            self.registry.close_tokens(revoked, CLOSE_POLICY, BAD_TOKEN)
