"""The ``/ws/pedidos`` route: greeting, authentication, ping, resume, errors.

Flask-Sock and simple-websocket perform the handshake; after that this module's
handler greenlet reads the socket itself (through simple-websocket's wsproto
connection), so each socket costs one greenlet, not three.
"""

import base64
import binascii
import functools
import json
import logging
import re
import time

import gevent
import gevent.monkey
from flask import current_app, request
from wsproto.events import BytesMessage, CloseConnection, Ping, Pong, TextMessage

from .. import logs
from ..auth import bearer_token, tokens
from ..config import allowed_origins
from ..errors import ApiError
from ..extensions import db
from ..models import utcnow
from .connection import Connection
from .frames import BAD_TOKEN, CLOSE_POLICY, CLOSE_SERVER_ERROR, CLOSE_TOO_BIG, CLOSE_TRY_AGAIN_LATER, pong_frame

log = logging.getLogger(__name__)

PATH = "/ws/pedidos"
RECV_BYTES = 65536
# An id is a non-negative integer the database can hold: ASCII digits only ("²".isdigit() is true).
ULTIMO = re.compile(r"[0-9]{1,18}")
BAD_ULTIMO = "ultimo_evento_id deve ser um inteiro não negativo (um evento_id)"
NEEDS_GEVENT = (
    "Live events (/ws/pedidos) need gunicorn's gevent worker: start the service with `gunicorn wsgi:app`. "
    "This server (flask run, or a WSGI server without gevent) serves the REST API and the board only."
)


def live_events_available():
    """Whether this process can hold sockets: the realtime part runs on gevent's monkey-patched I/O."""
    return gevent.monkey.is_module_patched("socket")


class NoReader:
    """Stands in for simple-websocket's per-socket reader thread: the handler reads instead."""

    name = "sgp-no-reader"

    def __init__(self, target=None, **_kwargs):
        pass

    def start(self):
        pass


@functools.cache  # once per process
def _warn_needs_gevent():
    log.warning(NEEDS_GEVENT)


def realtime_unavailable():
    """The 503 for a socket or stream this process cannot hold (no gevent worker); warns once in the log."""
    _warn_needs_gevent()
    return ApiError(503, "Eventos ao vivo precisam do worker gevent do gunicorn", code="realtime_unavailable")


def prepare_handshake():
    """Before the upgrade: refuse a foreign browser ``Origin`` (403), and decline compression.

    Without ``permessage-deflate`` a socket keeps no zlib state (tens of KiB each) and
    every client can be sent the very same frame bytes.
    """
    if request.path != PATH:
        return
    if not live_events_available():
        raise realtime_unavailable()
    _check_handshake(request.headers)
    request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
    check_origin()


def check_origin():
    """403 for a browser whose ``Origin`` is neither ours nor in ``SGP_ALLOWED_ORIGINS`` (socket and stream)."""
    origin = request.headers.get("Origin")
    if origin is None:
        return  # not a browser
    allowed = allowed_origins(current_app.config)
    own = {f"{scheme}://{request.host}" for scheme in ("http", "https")}
    if "*" not in allowed and origin.rstrip("/") not in allowed | own:
        raise ApiError(403, "Origem não permitida", code="origin_not_allowed")


def _check_handshake(headers):
    """RFC 6455 section 4.2.1-4.2.2: a version we do not speak is 426, a missing or bad key 400."""
    if headers.get("Sec-WebSocket-Version", "").strip() != "13":
        raise ApiError(
            426,
            "Versão do WebSocket não suportada (use 13)",
            code="upgrade_required",
            headers={"Sec-WebSocket-Version": "13"},
        )
    try:
        key_ok = len(base64.b64decode(headers.get("Sec-WebSocket-Key", ""), validate=True)) == 16
    except (binascii.Error, ValueError):
        key_ok = False
    if not key_ok:
        raise ApiError(400, "Sec-WebSocket-Key ausente ou inválida", code="bad_handshake")


def parse_ultimo(value):
    """A valid ``ultimo_evento_id`` (a non-negative integer the database can hold), or ``None``."""
    if isinstance(value, str) and ULTIMO.fullmatch(value):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**18:
        return value
    return None


class RateLimit:
    """A token bucket per connection: over the rate, one warning, then silence, then a cut."""

    OK, WARN, DROP, CUT = "ok", "warn", "drop", "cut"

    def __init__(self, rate, burst):
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp, self.excess = float(burst), time.monotonic(), 0

    def take(self):
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
    """The conversation with one client, in the greenlet Flask-Sock gives it."""

    def __init__(self, hub, ws):
        self.hub = hub
        config = current_app.config
        self.ws = ws
        # Keep only the negotiated frame protocol; dropping simple-websocket's wsproto wrapper
        # frees its HTTP handshake state (h11), a few KiB per socket for its whole life.
        self.protocol = ws.ws.connection
        ws.ws = None
        self.conn = hub.connection(Connection, ws.sock)
        # A resume asked for before authenticating runs once the client authenticates.
        self.pending_ultimo = None
        self.replay = None  # the greenlet replaying stored events, while it runs
        self.max_connections = config["SGP_WS_MAX_CONNECTIONS"]
        self.max_message = config["SGP_WS_MAX_MESSAGE"]
        self.rate = RateLimit(config["SGP_WS_RATE_LIMIT"], config["SGP_WS_RATE_BURST"])
        self._parts = []
        self._size = 0

    def run(self):
        conn = self.conn
        registry = self.hub.registry
        if len(registry) >= self.max_connections:
            conn.close(CLOSE_TRY_AGAIN_LATER, "Servidor cheio; tente novamente mais tarde")
            self._drain_until_closed()
            return
        registry.add(conn)
        logs.socket_event("open", conn)
        try:
            raw_ultimo = request.args.get("ultimo_evento_id")
            self.pending_ultimo = parse_ultimo(raw_ultimo)
            token = request.args.get("token") or bearer_token(request.headers)
            if raw_ultimo is not None and self.pending_ultimo is None:
                token = None  # a resume we cannot honour: nothing of the request is applied (see below)
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
            if raw_ultimo is not None and self.pending_ultimo is None:
                self.error("invalid_message", BAD_ULTIMO + "; autentique-se de novo com um válido")
            if token:
                self.authenticate(sessao, announce=False)
            db.session.remove()  # ~1 KiB per socket for its whole life otherwise
            self._read_loop()
        except Exception:
            log.exception("socket handler failed")
            conn.close(CLOSE_SERVER_ERROR, "Erro interno")
        finally:
            self.hub.release(conn, self.replay)  # after our close frame, or the echo of the client's
            self.ws.connected = False  # Flask-Sock's own close() must not write after ours

    def _read_loop(self):
        protocol = self.protocol
        while True:
            try:
                data = self.conn.sock.recv(RECV_BYTES)
            except OSError:
                return
            if not data:
                return
            protocol.receive_data(data)
            for event in protocol.events():
                if isinstance(event, (TextMessage, BytesMessage)):
                    self._message_part(event)
                elif isinstance(event, Ping):
                    self.conn.send_frame(pong_frame(event.payload))
                elif isinstance(event, Pong):
                    self.conn.awaiting_pong = False
                elif isinstance(event, CloseConnection):
                    self.conn.answer_close(event.code)  # a no-op when we closed first
                    return

    def _drain_until_closed(self):
        try:
            while self.conn.sock.recv(RECV_BYTES):
                pass
        except OSError:
            pass
        finally:
            self.conn.finish()
            self.ws.connected = False

    def _message_part(self, event):
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

    def authenticate(self, sessao, announce=True):
        """Make the socket ``sessao``'s (a looked-up token), or close it with 1008 when ``None``."""
        if sessao is None:
            self.conn.close(CLOSE_POLICY, BAD_TOKEN)
            return False
        ultimo, self.pending_ultimo = self.pending_ultimo, None
        registry = self.hub.registry
        # Hold live events before the first one can reach this socket, if a replay is to come.
        replaying = ultimo is not None and registry.begin_replay(self.conn)
        if not registry.authenticate(self.conn, sessao):  # revoked since it was looked up
            registry.abort_replay(self.conn, CLOSE_POLICY, BAD_TOKEN)
            return False
        if announce:
            self.conn.send_json({"type": "authenticated", "message": "Autenticação realizada com sucesso"})
        if replaying:
            self.replay = self.hub.replay(self.conn, ultimo)
        return True

    def resume(self, ultimo):
        """Replay in a greenlet of its own: meanwhile this one goes on reading (pongs, pings)."""
        if not self.hub.registry.begin_replay(self.conn):
            self.error("resume_in_progress", "Uma retomada já está em andamento; aguarde o sincronizado")
            return
        self.replay = self.hub.replay(self.conn, ultimo)

    def error(self, code, message):
        self.conn.send_json({"type": "error", "code": code, "message": message})

    def handle(self, data):
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
            elif not self.conn.authenticated:
                self.pending_ultimo = ultimo
                self.error("not_authenticated", "Autentique-se antes de retomar")
            else:
                self.resume(ultimo)
        else:
            self.error("unknown_type", f"Tipo de mensagem desconhecido: {kind[:50]}")
