"""The ``/ws/pedidos`` route: greeting, authentication, ping, resume, errors.

Flask-Sock and simple-websocket perform the handshake (checked first by :mod:`.handshake`); then
:mod:`.adapter` takes the socket over, from simple-websocket and from gunicorn. The request's
greenlet greets the client, authenticates a token given in the handshake, and returns to the
worker: from then on an idle socket is an io watcher on the hub (:class:`~.reader.Reader`), and
what the client sends is handled in short-lived greenlets, each inside an app context of its own.
No Flask context, environ or request object stays alive per socket.
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

from flask import current_app, request
from wsproto.events import BytesMessage, CloseConnection, Ping, Pong, TextMessage

from ..auth import bearer_token, tokens
from ..extensions import db
from ..models import utcnow
from .adapter import detach, hand_back, take_over
from .connection import RECV_BYTES, Connection
from .feed import Feed
from .frames import BAD_TOKEN, CLOSE_POLICY, CLOSE_SERVER_ERROR, CLOSE_TOO_BIG, CLOSE_TRY_AGAIN_LATER, pong_frame
from .handshake import BAD_ULTIMO, parse_ultimo
from .reader import Reader

if TYPE_CHECKING:
    from simple_websocket import Server

    from ..auth.tokens import Sessao
    from . import Hub

log = logging.getLogger(__name__)

PATH = "/ws/pedidos"


class RateLimit:
    """A token bucket per connection: over the rate, one warning, then silence, then a cut."""

    OK, WARN, DROP, CUT = "ok", "warn", "drop", "cut"

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp, self.excess = float(burst), time.monotonic(), 0

    def take(self) -> str:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            self.excess = 0
            return self.OK
        self.excess += 1
        if self.excess == 1:
            return self.WARN
        return self.CUT if self.excess > self.burst else self.DROP


class Session:
    """The conversation with one client: opened in the greenlet Flask-Sock gives it, then carried on
    in the greenlets its :class:`~.reader.Reader` spawns while the client has something to say."""

    def __init__(self, hub: Hub, ws: Server) -> None:
        self.hub = hub
        config = current_app.config
        self.protocol, sock = take_over(ws)
        hand_back(ws)  # simple-websocket writes nothing more, and its Server (with the environ) is dropped
        self.conn = hub.connection(Connection, detach(sock))
        self.feed = Feed(hub, self.conn)
        # A resume asked for before authenticating runs once the client authenticates.
        self.pending_ultimo: int | None = None
        self.max_connections = config["SGP_WS_MAX_CONNECTIONS"]
        self.max_message = config["SGP_WS_MAX_MESSAGE"]
        self.rate = RateLimit(config["SGP_WS_RATE_LIMIT"], config["SGP_WS_RATE_BURST"])
        self._parts: list[Any] = []
        self._size = 0

    def run(self) -> None:
        """Greet, authenticate a handshake token, and leave the socket to its reader (the request returns)."""
        conn = self.conn
        if len(self.hub.registry) >= self.max_connections:
            conn.close(CLOSE_TRY_AGAIN_LATER, "Servidor cheio; tente novamente mais tarde")
            self._drain_until_closed()
            return
        self.feed.join()
        try:
            raw_ultimo = request.args.get("ultimo_evento_id")
            self.pending_ultimo = parse_ultimo(raw_ultimo)
            bad_resume = raw_ultimo is not None and self.pending_ultimo is None
            # A resume we cannot honour: nothing of the URL applies, its token neither (the client is told).
            token = None if bad_resume else request.args.get("token") or bearer_token(request.headers)
            # Look the token up before greeting: a client that has seen "connected" must
            # already receive every later event.
            sessao = tokens.lookup(token) if token else None
            conn.send_json(
                {
                    "type": "connected",
                    "message": "Conectado ao sistema de eventos de pedidos",
                    "timestamp": utcnow().isoformat(),
                }
            )
            if bad_resume:
                self.error("invalid_message", BAD_ULTIMO + "; autentique-se de novo com um válido")
            if token:
                self.authenticate(sessao, announce=False)
        except Exception:
            log.exception("socket handler failed")
            conn.close(CLOSE_SERVER_ERROR, "Erro interno")
        finally:
            db.session.remove()  # ~1 KiB per socket for its whole life otherwise
        self.reader = Reader(conn.fd, self.receive, self.end)
        self.reader.start()

    def receive(self, data: bytes) -> bool:
        """Bytes from the client (in a reader's greenlet); ``False`` once the close handshake is done."""
        with self.hub.app.app_context():
            try:
                return self._receive(data)
            except Exception:
                log.exception("socket handler failed")
                self.conn.close(CLOSE_SERVER_ERROR, "Erro interno")
                return True  # read on, for the client's answer to the close
            finally:
                db.session.remove()

    def _receive(self, data: bytes) -> bool:
        self.protocol.receive_data(data)
        for event in self.protocol.events():
            if isinstance(event, (TextMessage, BytesMessage)):
                self._message_part(event)
            elif isinstance(event, Ping):
                self.conn.send_frame(pong_frame(event.payload))
            elif isinstance(event, Pong):
                self.conn.awaiting_pong = False
            elif isinstance(event, CloseConnection):
                self.conn.answer_close(event.code)  # a no-op when we closed first
                return False
        return True

    def end(self) -> None:
        """The client is gone or the close handshake is done: forget the socket, after our last frames."""
        with self.hub.app.app_context():
            self.feed.leave()

    def _drain_until_closed(self) -> None:
        try:
            while self.conn.sock.recv(RECV_BYTES):
                pass
        except OSError:
            pass
        finally:
            self.conn.finish()

    def _message_part(self, event: TextMessage | BytesMessage) -> None:
        self._size += len(event.data)
        if self._size > self.max_message:
            self.conn.close(CLOSE_TOO_BIG, "Mensagem grande demais")
            return
        self._parts.append(event.data)
        if not event.message_finished:
            return
        data = self._parts[0] if len(self._parts) == 1 else type(self._parts[0])().join(self._parts)
        self._parts, self._size = [], 0
        if not self.conn.closing:
            self.handle(data)

    def authenticate(self, sessao: Sessao | None, announce: bool = True) -> bool:
        """Make the socket ``sessao``'s (a looked-up token), or close it with 1008 when ``None``."""
        if sessao is None:
            self.conn.close(CLOSE_POLICY, BAD_TOKEN)
            return False
        ultimo, self.pending_ultimo = self.pending_ultimo, None
        greeting = {"type": "authenticated", "message": "Autenticação realizada com sucesso"} if announce else None
        return self.feed.subscribe(sessao, ultimo, greeting)

    def resume(self, ultimo: int) -> None:
        """Replay in a greenlet of its own: meanwhile this one goes on reading (pongs, pings)."""
        if not self.feed.resume(ultimo):
            self.error("resume_in_progress", "Uma retomada já está em andamento; aguarde o sincronizado")

    def error(self, code: str, message: str) -> None:
        self.conn.send_json({"type": "error", "code": code, "message": message})

    def handle(self, data: str | bytes) -> None:
        verdict = self.rate.take()
        if verdict is RateLimit.WARN:
            return self.error("rate_limited", "Mensagens demais; diminua o ritmo")
        if verdict is RateLimit.CUT:
            return self.conn.close(CLOSE_POLICY, "Mensagens demais")
        if verdict is RateLimit.DROP:
            return
        if isinstance(data, (bytes, bytearray)):
            return self.error("invalid_message", "Mensagens binárias não são aceitas; envie JSON em texto")
        try:
            message = json.loads(data)
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            return self.error("invalid_json", "Mensagem não é JSON válido")
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            return self.error("invalid_message", 'A mensagem deve ser um objeto JSON com "type"')
        kind = message["type"]
        if kind == "ping":
            self.conn.send_json({"type": "pong", "timestamp": message.get("timestamp")})
        elif kind == "authenticate":
            raw = message.get("ultimo_evento_id")
            ultimo = parse_ultimo(raw)
            if raw is not None and ultimo is None:
                return self.error("invalid_message", BAD_ULTIMO)  # the client would believe it resumed
            if ultimo is not None:
                self.pending_ultimo = ultimo
            token = message.get("token")
            self.authenticate(tokens.lookup(token) if isinstance(token, str) else None)
            db.session.remove()
        elif kind == "resume":
            ultimo = parse_ultimo(message.get("ultimo_evento_id"))
            if ultimo is None:
                self.error("invalid_message", BAD_ULTIMO)
            elif not self.feed.authenticated:
                self.pending_ultimo = ultimo
                self.error("not_authenticated", "Autentique-se antes de retomar")
            else:
                self.resume(ultimo)
        else:
            self.error("unknown_type", f"Tipo de mensagem desconhecido: {kind[:50]}")
