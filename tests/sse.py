"""A minimal Server-Sent Events client over a plain socket, for tests: every byte the server writes is seen."""

import json
import socket
import time


class SseClient:
    """``GET /pedidos/stream`` on a raw socket; parses the response head, then messages one at a time.

    :param rcvbuf: a small kernel receive buffer, for a client that stalls.
    """

    def __init__(self, server, query="", headers=None, rcvbuf=0, timeout=10):
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", server.port))
        lines = [f"GET /pedidos/stream{query} HTTP/1.1", f"Host: 127.0.0.1:{server.port}", "Accept: text/event-stream"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buffer = b""
        head = self._read_until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        self.status = int(head[0].split()[1])
        self.headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
        if "content-length" in self.headers:  # an error answer: read its JSON body
            self.body = json.loads(self._read_exactly(int(self.headers["content-length"])))

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("the server ended the stream")
        self.buffer += data

    def _read_until(self, marker):
        while marker not in self.buffer:
            self._fill()
        head, _, self.buffer = self.buffer.partition(marker)
        return head

    def _read_exactly(self, n):
        while len(self.buffer) < n:
            self._fill()
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def next_raw(self, timeout=10):
        """The next message's lines (comments included), as text, up to the blank line."""
        self.sock.settimeout(timeout)
        return self._read_until(b"\n\n").decode()

    def next(self, timeout=10):
        """The next message that is not a comment: ``{"id"?, "event", "data"}`` with ``data`` parsed."""
        deadline = time.monotonic() + timeout
        while True:
            raw = self.next_raw(max(0.01, deadline - time.monotonic()))
            fields = {}
            for line in raw.split("\n"):
                if line.startswith(":"):
                    continue
                name, _, value = line.partition(": ")
                fields[name] = value
            if fields:
                fields["data"] = json.loads(fields["data"])
                return fields

    def events(self, count, timeout=10):
        return [self.next(timeout) for _ in range(count)]

    def ended(self, timeout=10):
        """Whether the server closes the connection within ``timeout`` (after what it already sent)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                self._fill()
        except EOFError:
            return True
        except OSError:
            return False

    def close(self):
        self.sock.close()
