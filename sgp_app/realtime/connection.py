"""One open socket: frames written in order, without a greenlet unless the client is behind.

Server-to-client frames are never masked, so a frame built once is valid for every
client: the broadcaster frames each event once and every connection writes the same
bytes. A write is first tried without waiting; only a client whose kernel buffer is
full gets a flusher greenlet, and a queue bound (``max_queue`` frames) that closes
it with 1013 when it falls too far behind. Every byte to the client, events and
replies and pongs and close frames alike, goes through :meth:`Connection.send_frame`,
so frames never interleave. Needs gevent (gunicorn's gevent worker).
"""

import contextlib
import json
import logging
import os
import socket
import struct
import time
from collections import deque

import gevent

from ..metrics import SLOW_CLIENTS

log = logging.getLogger(__name__)

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_SERVER_ERROR = 1011
CLOSE_TRY_AGAIN_LATER = 1013
BAD_TOKEN = "Token inválido ou ausente"
SLOW_CLIENT = "Cliente lento demais; reconecte e retome"
CLOSE_WAIT = 2.0  # seconds to wait for the client's answer to our close frame


def _frame(opcode, payload):
    n = len(payload)
    if n < 126:
        return bytes((0x80 | opcode, n)) + payload
    if n < 65536:
        return struct.pack("!BBH", 0x80 | opcode, 126, n) + payload
    return struct.pack("!BBQ", 0x80 | opcode, 127, n) + payload


def text_frame(payload):
    """A complete, unmasked WebSocket text frame carrying ``payload`` (UTF-8 bytes)."""
    return _frame(0x1, payload)


def json_text(message):
    """The one serialization of a message, used on the socket and in the broker."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def json_frame(message):
    return text_frame(json_text(message).encode())


def close_frame(code, reason=""):
    return _frame(0x8, struct.pack("!H", code) + reason.encode()[:123])


def pong_frame(payload):
    return _frame(0xA, bytes(payload)[:125])


PING_FRAME = _frame(0x9, b"sgp")


class Connection:
    """A client socket of ``/ws/pedidos`` and what the server knows of it.

    :param sock: the client's gevent socket, after the handshake.
    :param max_queue: frames that may wait for this client; one more closes it with 1013.
    :param send_timeout: seconds a closing connection may take to write its last frames.
    :param send_buffer: the socket's kernel send buffer in bytes (``SO_SNDBUF``); 0 keeps the OS default.
    """

    def __init__(self, sock, max_queue, send_timeout, send_buffer=0):
        if send_buffer:
            # A small kernel buffer finds slow clients sooner and costs less memory per socket.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
        self.sock = sock
        self.max_queue = max_queue
        self.send_timeout = send_timeout
        self.opened_at = time.monotonic()
        self.sessao = None
        self.last_evento_id = None  # newest event sent; later ones only
        self.syncing = False  # replaying stored events: live ones wait in backlog
        self.backlog = []
        self.closing = False  # a close frame is queued or sent: nothing more goes out
        self.close_code = None
        self.awaiting_pong = False
        self._fd = sock.fileno()  # None once finished: the number may then belong to another socket
        self._pending = deque()  # frames (or their unsent tails) waiting for the socket
        self._flusher = None
        self._abort_timer = None

    @property
    def authenticated(self):
        return self.sessao is not None

    def send_frame(self, frame):
        """Write ``frame`` now if the socket takes it, else queue it; never blocks the caller."""
        if self.closing:
            return False
        return self._write(frame)

    def send_json(self, message):
        return self.send_frame(json_frame(message))

    def _write(self, frame, force=False):
        if self._pending:
            if len(self._pending) >= self.max_queue and not force:
                log.info("closing slow client %s: %d frames waiting", id(self), len(self._pending))
                self.drop_slow()
                return False
            self._pending.append(frame)
            return True
        if self._fd is None:
            return False
        try:
            # The fd is non-blocking (gevent made it so): one write() syscall, no wrapper, no wait.
            sent = os.write(self._fd, frame)
        except BlockingIOError:
            sent = 0
        except OSError:
            self.abort()
            return False
        if sent < len(frame):
            self._pending.append(memoryview(frame)[sent:])
            self._flusher = gevent.spawn(self._flush)
        return True

    def _flush(self):
        """Drain the queue for a client that fell behind; exits once it has caught up."""
        try:
            while self._pending:
                chunk = self._pending[0]
                sent = self.sock.send(chunk)  # waits (cooperatively) until the socket is writable
                if sent < len(chunk):
                    self._pending[0] = memoryview(chunk)[sent:]
                else:
                    self._pending.popleft()
        except OSError:
            self._pending.clear()
            self.abort()
        finally:
            self._flusher = None

    def wait_for_room(self, timeout=None):
        """Wait until the queue is at most half full (for replays); ``False`` if closed or timed out."""
        deadline = time.monotonic() + (self.send_timeout if timeout is None else timeout)
        while len(self._pending) > self.max_queue // 2 and not self.closing:
            if time.monotonic() >= deadline:
                self.drop_slow()
                return False
            gevent.sleep(0.01)
        return not self.closing

    def deliver(self, evento_id, frame):
        """Send a live event once, in order; hold it while a replay is running.

        Returns whether the frame went out (or was queued) now.
        """
        if self.syncing:
            self.backlog.append((evento_id, frame))
        elif self.last_evento_id is None or evento_id > self.last_evento_id:
            self.last_evento_id = evento_id
            return self.send_frame(frame)
        return False

    def drop_slow(self):
        """Close with 1013 a client that fell too far behind; it reconnects and resumes."""
        SLOW_CLIENTS.inc()
        self.close(CLOSE_TRY_AGAIN_LATER, SLOW_CLIENT, drop_pending=True)

    def ping(self):
        """A protocol ping; ``False`` if the previous one was never answered."""
        if self.awaiting_pong:
            return False
        self.awaiting_pong = True
        self.send_frame(PING_FRAME)
        return True

    def answer_close(self, code):
        """The client closed: echo its code (RFC 6455 section 5.5.1) and send nothing after."""
        if not self.closing:
            self.closing, self.close_code = True, code
            self._write(close_frame(CLOSE_NORMAL if code in (1005, 1006) else code), force=True)

    def close(self, code, reason="", drop_pending=False):
        """Send a close frame after the queued frames (or, with ``drop_pending``, right after the one in flight).

        A client dropped for slowness loses its queue; it resumes from its last ``evento_id``.
        The connection is cut if the close cannot be written within ``send_timeout``, or the
        client does not answer it within a couple of seconds.
        """
        if self.closing:
            return
        if drop_pending:
            partly_sent = self._pending[0] if self._pending and isinstance(self._pending[0], memoryview) else None
            self._pending.clear()
            if partly_sent is not None:
                self._pending.append(partly_sent)  # a frame cut in half would corrupt the stream
        self.closing, self.close_code = True, code
        self._write(close_frame(code, reason), force=True)
        self._abort_timer = gevent.spawn_later(self.send_timeout if self._pending else CLOSE_WAIT, self.abort)

    def finish(self):
        """The handler is done: stop the timers and any flusher; write nothing more."""
        self.closing, self._fd = True, None
        if self._abort_timer is not None:
            self._abort_timer.kill(block=False)
        if self._flusher is not None:
            self._flusher.kill(block=False)

    def abort(self):
        """Break off the TCP connection; the handler's read returns and it cleans up."""
        self.closing = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
