"""One open socket: a bounded send queue drained by its own writer.

Server-to-client frames are never masked, so a text frame built once is valid
for every client; the broadcaster frames each event once and every connection
writes the same bytes.
"""

import contextlib
import json
import logging
import socket
import struct
import threading
import time
from collections import deque

log = logging.getLogger(__name__)

CLOSE_GOING_AWAY = 1001
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_SERVER_ERROR = 1011
CLOSE_TRY_AGAIN_LATER = 1013
BAD_TOKEN = "Token inválido ou ausente"
SLOW_CLIENT = "Cliente lento demais; reconecte e retome"

_STOP = object()


def text_frame(payload):
    """A complete, unmasked WebSocket text frame carrying ``payload`` (UTF-8 bytes)."""
    n = len(payload)
    if n < 126:
        return bytes((0x81, n)) + payload
    if n < 65536:
        return struct.pack("!BBH", 0x81, 126, n) + payload
    return struct.pack("!BBQ", 0x81, 127, n) + payload


def json_frame(message):
    return text_frame(json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode())


class SerializedSocket:
    """The raw socket, with every write made whole under one lock.

    simple-websocket writes pongs and close frames with ``sock.send`` from its
    reader thread, and ``send`` may write part of a buffer; the lock and
    ``sendall`` keep frames from interleaving with the writer's.
    """

    def __init__(self, sock):
        self._sock = sock
        self._lock = threading.Lock()

    def send(self, data):
        with self._lock:
            self._sock.sendall(data)
        return len(data)

    def abort(self):
        """Break off the TCP connection, waking any reader or writer blocked on it."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)

    def __getattr__(self, name):
        return getattr(self._sock, name)


class Connection:
    """A client socket of ``/ws/pedidos`` and what the server knows of it.

    :param ws: the simple-websocket ``Server`` object Flask-Sock handed over.
    :param max_queue: frames that may wait for this client; one more closes it with 1013.
    :param send_timeout: seconds a blocked write may last once the connection is closing.
    :param send_buffer: the socket's kernel send buffer in bytes (``SO_SNDBUF``); 0 keeps the OS default.
    """

    def __init__(self, ws, max_queue, send_timeout, send_buffer=0):
        if send_buffer:
            # A small kernel buffer finds slow clients sooner and costs less memory per socket.
            ws.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
        ws.sock = self.sock = SerializedSocket(ws.sock)
        self.ws = ws
        self.max_queue = max_queue
        self.send_timeout = send_timeout
        self.opened_at = time.monotonic()
        self.sessao = None
        self.last_evento_id = None  # newest event sent; later ones only
        self.syncing = False  # replaying stored events: live ones wait in backlog
        self.backlog = []
        self.closing = False
        self.close_code = None
        self._pending = deque()
        self._wakeup = threading.Event()
        self._writer = threading.Thread(target=self._write_loop, name="sgp-ws-writer", daemon=True)
        self._writer.start()

    @property
    def authenticated(self):
        return self.sessao is not None

    def send_frame(self, frame):
        """Queue ``frame`` without blocking; a client too far behind is closed with 1013."""
        if self.closing:
            return False
        if len(self._pending) >= self.max_queue:
            log.info("closing slow client %s: %d frames waiting", id(self), len(self._pending))
            self.close(CLOSE_TRY_AGAIN_LATER, SLOW_CLIENT, drop_pending=True)
            return False
        self._pending.append(frame)
        self._wakeup.set()
        return True

    def send_json(self, message):
        return self.send_frame(json_frame(message))

    def wait_for_room(self, timeout=None):
        """Wait until the queue is at most half full (for replays); ``False`` if closed or timed out."""
        deadline = time.monotonic() + (self.send_timeout if timeout is None else timeout)
        while len(self._pending) > self.max_queue // 2 and not self.closing:
            if time.monotonic() >= deadline:
                self.close(CLOSE_TRY_AGAIN_LATER, SLOW_CLIENT, drop_pending=True)
                return False
            time.sleep(0.01)
        return not self.closing

    def deliver(self, evento_id, frame):
        """Send a live event once, in order; hold it while a replay is running."""
        if self.syncing:
            self.backlog.append((evento_id, frame))
        elif self.last_evento_id is None or evento_id > self.last_evento_id:
            self.last_evento_id = evento_id
            self.send_frame(frame)

    def close(self, code, reason="", drop_pending=False):
        """Close after the frames already queued, or with ``drop_pending`` right after the one being written.

        A client dropped for slowness loses its queue; it resumes from its last ``evento_id``.
        """
        if self.closing:
            return
        self.closing, self.close_code = True, code
        if drop_pending:
            self._pending.clear()
        self._pending.append((code, reason))
        self._wakeup.set()
        # A client that stopped reading would hold the writer forever.
        timer = threading.Timer(self.send_timeout, self._abort_if_stuck)
        timer.daemon = True
        timer.start()

    def _abort_if_stuck(self):
        if self._writer.is_alive():
            log.info("aborting client %s: close not written in %ss", id(self), self.send_timeout)
            self.sock.abort()

    def finish(self, close_wait=2.0):
        """Called once the handler is done: stop the writer, let the TCP connection end."""
        if not self.closing:
            self.closing = True
            self._pending.append(_STOP)
            self._wakeup.set()
        self._writer.join(self.send_timeout + 1)
        # Give the peer a moment to answer our close frame, then cut it off.
        self.ws.thread.join(close_wait)
        if self.ws.thread.is_alive():
            self.sock.abort()

    def _write_loop(self):
        try:
            while True:
                self._wakeup.wait()
                self._wakeup.clear()
                while self._pending:
                    item = self._pending.popleft()
                    if item is _STOP:
                        return
                    if isinstance(item, tuple):
                        self._send_close(*item)
                        return
                    self.sock.send(item)
        except OSError:
            self.ws.connected = False
        finally:
            self.ws.event.set()  # wake the handler blocked in receive()

    def _send_close(self, code, reason):
        try:
            self.ws.close(code, reason)
        except Exception:  # noqa: BLE001 - already closed by the peer
            self.ws.connected = False
