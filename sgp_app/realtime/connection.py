"""One open socket's write path: frames in order, one writer at a time, bounded in frames and bytes.

A write is first tried at once, without waiting (the descriptor is non-blocking under gevent).
A client whose kernel buffer is full gets a writer greenlet, which from then on is the only
one that writes to the socket: every later frame queues behind it, and the frame it is in the
middle of (``in flight``) is always finished before anything else, the close frame included,
so frames never interleave and nothing follows a close. A client that falls more than
``max_queue`` frames or ``max_queue_bytes`` bytes behind is closed with 1013; it reconnects and
resumes from its last ``evento_id``. Needs gevent (gunicorn's gevent worker).
"""

import contextlib
import logging
import os
import socket
import time
from collections import deque

import gevent

from ..metrics import SLOW_CLIENTS
from . import sse
from .frames import (
    CLOSE_TRY_AGAIN_LATER,
    PING_FRAME,
    SLOW_CLIENT,
    close_frame,
    echo_close_code,
    json_frame,
    text_frame,
)

log = logging.getLogger(__name__)

CLOSE_WAIT = 2.0  # seconds to wait for the client's answer to our close frame
RECV_BYTES = 65536  # what a handler reads from its socket at a time


class Connection:
    """A client socket of ``/ws/pedidos`` and what the server knows of it.

    :class:`StreamConnection` is the same for ``/pedidos/stream``; ``framing`` says which of an
    event's framings (:func:`~sgp_app.realtime.sse.event_frames`) a connection is written.

    :param sock: the client's gevent socket, after the handshake.
    :param max_queue: frames that may wait for this client; one more closes it with 1013.
    :param send_timeout: seconds a closing connection may take to write its last frames.
    :param send_buffer: the socket's kernel send buffer in bytes (``SO_SNDBUF``); 0 keeps the OS default.
    :param max_queue_bytes: bytes that may wait for this client; more closes it with 1013.
    """

    framing = sse.WS
    kind = "socket"

    def __init__(
        self,
        sock: socket.socket,
        max_queue: int,
        send_timeout: float,
        send_buffer: int = 0,
        max_queue_bytes: int = 1 << 20,
        request_id: str = "-",
    ) -> None:
        if send_buffer:
            # A small kernel buffer finds slow clients sooner and costs less memory per socket.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
        self.sock = sock
        self.max_queue = max_queue
        self.max_queue_bytes = max_queue_bytes
        self.send_timeout = send_timeout
        self.opened_at = time.monotonic()
        self.request_id = request_id  # the handshake's, for the close's log line
        self.closing = False  # a close frame is queued or sent: nothing more goes out
        self.close_code: int | None = None
        self.awaiting_pong = False
        self._fd: int | None = sock.fileno()  # None once finished: the number may then belong to another socket
        self._queue: deque[bytes] = deque()  # whole frames waiting behind the writer
        self._queued_bytes = 0
        self._in_flight: memoryview | None = None  # the unsent rest of the frame the writer is in the middle of
        self._writer: gevent.Greenlet | None = None  # the writer greenlet, while a client is behind
        self._abort_timer: gevent.Greenlet | None = None

    @property
    def fd(self) -> int:
        """The socket's descriptor (while open)."""
        assert self._fd is not None, "finished"
        return self._fd

    @property
    def behind(self) -> bool:
        """Frames wait for this client (a writer greenlet owns the socket)."""
        return self._writer is not None

    def send_frame(self, frame: bytes) -> bool:
        """Write ``frame`` now if the socket takes it, else queue it; never blocks the caller.

        Returns whether the frame went out or was queued.
        """
        if self.closing:
            return False
        return self._write(frame)

    def send_json(self, message: object) -> bool:
        return self.send_frame(json_frame(message))

    def event_frame(self, evento_id: int, tipo: str, payload: bytes) -> bytes:
        """One order event in this connection's framing (a replay's; live ones come framed for all)."""
        return text_frame(payload)

    def send_sincronizado(self, ultimo_evento_id: int, completo: bool) -> bool:
        """The end of a replay (see :meth:`~sgp_app.realtime.feed.Feed.replay`)."""
        return self.send_json({"type": "sincronizado", "ultimo_evento_id": ultimo_evento_id, "completo": completo})

    def _write(self, frame: bytes, bounded: bool = True) -> bool:
        if self._writer is not None:  # the writer owns the socket: queue behind it
            if bounded and (
                len(self._queue) >= self.max_queue or self._queued_bytes + len(frame) > self.max_queue_bytes
            ):
                waiting = (len(self._queue), self._queued_bytes)
                log.info("closing slow client %s: %d frames, %d bytes waiting", id(self), *waiting)
                self.drop_slow()
                return False
            self._queue.append(frame)
            self._queued_bytes += len(frame)
            return True
        if self._fd is None:
            return False
        try:
            sent = os.write(self._fd, frame)  # one write() syscall, no wrapper, no wait
        except BlockingIOError:
            sent = 0
        except OSError:
            self.abort()
            return False
        if sent < len(frame):
            self._in_flight = memoryview(frame)[sent:]
            self._writer = gevent.spawn(self._flush)
        return True

    def _flush(self) -> None:
        """The writer: finish the frame in flight, then the queue; exits once the client caught up."""
        try:
            while True:
                if self._in_flight is None:
                    if not self._queue:
                        return
                    frame = self._queue.popleft()
                    self._queued_bytes -= len(frame)
                    self._in_flight = memoryview(frame)
                sent = self.sock.send(self._in_flight)  # waits (cooperatively) until writable
                self._in_flight = self._in_flight[sent:] if sent < len(self._in_flight) else None
        except OSError:
            self._drop_queue()
            self._in_flight = None
            self.abort()
        finally:
            if self._writer is gevent.getcurrent():
                self._writer = None

    def _drop_queue(self) -> None:
        self._queue.clear()
        self._queued_bytes = 0

    def wait_for_room(self, timeout: float | None = None) -> bool:
        """Wait until the queue is at most half full (for replays); ``False`` if closed or timed out."""
        deadline = time.monotonic() + (self.send_timeout if timeout is None else timeout)
        while (
            len(self._queue) > self.max_queue // 2 or self._queued_bytes > self.max_queue_bytes // 2
        ) and not self.closing:
            if time.monotonic() >= deadline:
                self.drop_slow()
                return False
            gevent.sleep(0.01)
        return not self.closing

    def wait_written(self, timeout: float) -> None:
        """Let the writer finish what is queued (a close frame, say), for at most ``timeout`` seconds."""
        writer = self._writer
        if writer is not None:
            writer.join(timeout)

    def drop_slow(self) -> None:
        """Close with 1013 a client that fell too far behind; it reconnects and resumes."""
        SLOW_CLIENTS.inc()
        self.close(CLOSE_TRY_AGAIN_LATER, SLOW_CLIENT, drop_pending=True)

    def ping(self) -> bool:
        """A protocol ping; ``False`` if the previous one was never answered."""
        if self.awaiting_pong:
            return False
        self.awaiting_pong = True
        self.send_frame(PING_FRAME)
        return True

    def answer_close(self, code: int | None) -> None:
        """The client closed: echo its code (RFC 6455 section 5.5.1) and send nothing after.

        Frames still queued for it are dropped (it is leaving, and resumes when it comes back);
        the frame in flight is finished, since half a frame would corrupt the stream.
        """
        if self.closing:
            return  # it answered our close
        self.closing, self.close_code = True, code
        self._drop_queue()
        self._write(close_frame(echo_close_code(code)), bounded=False)

    def close(self, code: int, reason: str = "", drop_pending: bool = False) -> None:
        """Send a close frame after the queued frames (or, with ``drop_pending``, right after the one in flight).

        The connection is cut if the close cannot be written within ``send_timeout``, or the
        client does not answer it within a couple of seconds.
        """
        if self.closing:
            return
        self.closing, self.close_code = True, code
        if drop_pending:
            self._drop_queue()
        self._write(close_frame(code, reason), bounded=False)
        self._abort_timer = gevent.spawn_later(self.send_timeout if self.behind else CLOSE_WAIT, self.abort)

    def finish(self) -> None:
        """The handler is done: stop the timer and the writer, write nothing more, close the socket."""
        self.closing, self._fd = True, None
        if self._abort_timer is not None:
            self._abort_timer.kill(block=False)
        if self._writer is not None:
            self._writer.kill(block=False)
        with contextlib.suppress(OSError):
            self.sock.close()

    def abort(self) -> None:
        """Break off the TCP connection; the handler's read returns and it cleans up."""
        self.closing = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)


class StreamConnection(Connection):
    """A client of ``/pedidos/stream`` (Server-Sent Events): the socket's write path and bounds,
    SSE framing, heartbeats instead of pings, and no close handshake.

    Closing writes a last ``encerrado`` message with the socket's close code and reason, then
    ends the response once what is queued is written; EventSource reconnects by itself (with
    ``Last-Event-ID``) unless the token is no longer good, which then gets 401.
    """

    framing = sse.SSE
    kind = "stream"

    def event_frame(self, evento_id: int, tipo: str, payload: bytes) -> bytes:
        return sse.event(evento_id, tipo, payload)

    def send_sincronizado(self, ultimo_evento_id: int, completo: bool) -> bool:
        body = {"ultimo_evento_id": ultimo_evento_id, "completo": completo}
        return self.send_frame(sse.message("sincronizado", body))

    def ping(self) -> bool:
        """A heartbeat comment: keeps proxies from timing out an idle stream, and finds dead peers."""
        self.send_frame(sse.HEARTBEAT)
        return True

    def close(self, code: int, reason: str = "", drop_pending: bool = False) -> None:
        if self.closing:
            return
        if drop_pending:
            self._drop_queue()
        self._write(sse.message("encerrado", {"code": code, "reason": reason}), bounded=False)
        self.closing, self.close_code = True, code
        self._abort_timer = gevent.spawn(self._end)

    def _end(self) -> None:
        self.wait_written(self.send_timeout)
        self.abort()
