"""A lean client fleet for thousands of connections (the benchmark's client side).

One thread, one epoll, non-blocking sockets; it speaks just enough of RFC 6455 (the
upgrade, unmasked server frames, ping -> pong, close), or of Server-Sent Events (a
``text/event-stream`` answer, messages up to a blank line, their ``id:``). Arrival times come from the
kernel (``SO_TIMESTAMPNS``): when the bytes reached this host's socket, not when this
Python process got round to reading them, so the client's own speed does not inflate
the latencies it reports. Times are ``time.time()`` seconds.
"""

import base64
import contextlib
import os
import re
import select
import socket
import struct
import threading
import time

EVENTO_ID = re.compile(rb'"evento_id":\s*(\d+)')
SSE_ID = re.compile(rb"^id: (\d+)$", re.M)
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
CMSG_SPACE = socket.CMSG_SPACE(16)


class Peer:
    """One connection's state; ``arrivals`` maps ``evento_id`` to its kernel arrival time."""

    __slots__ = ("sock", "buffer", "upgraded", "arrivals", "close_code")

    def __init__(self, sock):
        self.sock = sock
        self.buffer = bytearray()
        self.upgraded = False
        self.arrivals = {}
        self.close_code = None

    def close(self):
        with contextlib.suppress(OSError):
            self.sock.send(_masked(0x8, struct.pack("!H", 1000)))


class Fleet:
    """Open ``count`` authenticated connections and keep reading them in a thread.

    :param kind: ``"ws"`` (``/ws/pedidos``) or ``"sse"`` (``/pedidos/stream``).
    """

    def __init__(self, port, token, count, batch=200, kind="ws"):
        self.port = port
        self.kind = kind
        if kind == "sse":
            self.request = (
                f"GET /pedidos/stream?token={token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                "Accept: text/event-stream\r\n\r\n"
            ).encode()
        else:
            self.request = (
                f"GET /ws/pedidos?token={token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
            ).encode()
        self.epoll = select.epoll()
        self.peers = {}
        self.stopped = False
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        for start in range(0, count, batch):
            for _ in range(min(batch, count - start)):
                self._open()
            goal = min(start + batch, count)
            self.wait(lambda goal=goal: self.upgraded() >= goal, 60)
        if self.upgraded() < count:
            raise ConnectionError("not every client could connect")

    def upgraded(self):
        return sum(p.upgraded for p in self.peers.values())

    def _open(self):
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        if self.kind == "sse":
            sock.sendall(self.request)
        else:
            sock.sendall(self.request + base64.b64encode(os.urandom(16)) + b"\r\n\r\n")
        sock.setblocking(False)
        self.peers[sock.fileno()] = Peer(sock)
        self.epoll.register(sock.fileno(), select.EPOLLIN)

    @property
    def clients(self):
        return list(self.peers.values())

    def wait(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        while not predicate() and time.monotonic() < deadline:
            time.sleep(0.002)
        return predicate()

    def _loop(self):
        while not self.stopped:
            for fd, _ in self.epoll.poll(0.05):
                peer = self.peers.get(fd)
                if peer is not None:
                    self._read(fd, peer)

    def _read(self, fd, peer):
        try:
            data, ancdata, _, _ = peer.sock.recvmsg(262144, CMSG_SPACE)
        except BlockingIOError:
            return
        except OSError:
            data, ancdata = b"", []
        if not data:
            self.epoll.unregister(fd)
            return
        arrived = time.time()
        for level, kind, value in ancdata:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                seconds, nanos = struct.unpack("ll", value[:16])
                arrived = seconds + nanos / 1e9
        peer.buffer += data
        if not peer.upgraded:
            end = peer.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not peer.buffer.startswith(b"HTTP/1.1 200" if self.kind == "sse" else b"HTTP/1.1 101"):
                raise ConnectionError(bytes(peer.buffer[:40]))
            del peer.buffer[: end + 4]
            peer.upgraded = True
        if self.kind == "sse":
            self._messages(peer, arrived)
        else:
            self._frames(peer, arrived)

    def _messages(self, peer, arrived):
        buf = peer.buffer
        end = buf.rfind(b"\n\n")
        if end < 0:
            return
        for match in SSE_ID.finditer(buf, 0, end):
            peer.arrivals[int(match.group(1))] = arrived
        del buf[: end + 2]

    def _frames(self, peer, arrived):
        buf = peer.buffer
        while len(buf) >= 2:
            opcode, length = buf[0] & 0x0F, buf[1] & 0x7F
            offset = 2
            if length == 126:
                if len(buf) < 4:
                    return
                length, offset = struct.unpack_from("!H", buf, 2)[0], 4
            elif length == 127:
                if len(buf) < 10:
                    return
                length, offset = struct.unpack_from("!Q", buf, 2)[0], 10
            if len(buf) < offset + length:
                return
            payload = bytes(buf[offset : offset + length])
            del buf[: offset + length]
            if opcode == 0x1:
                match = EVENTO_ID.search(payload)
                if match:
                    peer.arrivals[int(match.group(1))] = arrived
            elif opcode == 0x9:
                peer.sock.send(_masked(0xA, payload))
            elif opcode == 0x8:
                peer.close_code = struct.unpack_from("!H", payload)[0] if len(payload) >= 2 else 1005

    def close(self):
        for peer in self.peers.values():
            if self.kind == "ws":
                peer.close()
        self.stopped = True
        self.thread.join(5)
        for peer in self.peers.values():
            peer.sock.close()
        self.epoll.close()


def _masked(opcode, payload):
    key = os.urandom(4)
    masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + key + masked
