"""A lean asyncio WebSocket client for thousands of connections (the benchmark's client side).

Speaks just enough of RFC 6455: the upgrade, unmasked server text frames, ping -> pong,
and close. Each connection records when every event arrived.
"""

import asyncio
import base64
import os
import re
import struct
import time

EVENTO_ID = re.compile(rb'"evento_id":(\d+)')


class Client(asyncio.Protocol):
    def __init__(self, path, host, on_event=None):
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        self.buffer = bytearray()
        self.upgraded = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.greeted = False
        self.on_event = on_event
        self.arrivals = {}
        self.close_code = None
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data):
        self.buffer += data
        if not self.upgraded.done():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self.buffer[:12])
            del self.buffer[: end + 4]
            if status != b"HTTP/1.1 101":
                self.upgraded.set_exception(ConnectionError(status.decode(errors="replace")))
                self.transport.close()
                return
            self.upgraded.set_result(True)
        self._frames()

    def _frames(self):
        buf = self.buffer
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
                    now = time.perf_counter()
                    evento_id = int(match.group(1))
                    self.arrivals[evento_id] = now
                    if self.on_event:
                        self.on_event(evento_id, now)
                else:
                    self.greeted = True
            elif opcode == 0x9:
                self.transport.write(_masked(0xA, payload))
            elif opcode == 0x8:
                self.close_code = struct.unpack_from("!H", payload)[0] if len(payload) >= 2 else 1005
                self.transport.close()

    def connection_lost(self, exc):
        if not self.upgraded.done():
            self.upgraded.set_exception(exc or ConnectionError("closed"))
        if not self.closed.done():
            self.closed.set_result(self.close_code)

    def close(self):
        if self.transport and not self.transport.is_closing():
            self.transport.write(_masked(0x8, struct.pack("!H", 1000)))
            self.transport.close()


def _masked(opcode, payload):
    key = os.urandom(4)
    masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + key + masked


async def open_clients(port, token, count, concurrency=200, on_event=None):
    """Open ``count`` authenticated connections, ``concurrency`` handshakes at a time."""
    loop = asyncio.get_running_loop()
    semaphore = asyncio.Semaphore(concurrency)
    path = f"/ws/pedidos?token={token}"

    async def one():
        async with semaphore:
            for attempt in range(5):
                try:
                    _, client = await loop.create_connection(
                        lambda: Client(path, f"127.0.0.1:{port}", on_event), "127.0.0.1", port
                    )
                    await asyncio.wait_for(client.upgraded, 30)
                    return client
                except (OSError, ConnectionError, TimeoutError):
                    await asyncio.sleep(0.2 * (attempt + 1))
            raise ConnectionError("could not connect")

    return await asyncio.gather(*(one() for _ in range(count)))
