"""Raw TCP WebSocket peers for tests that must misbehave below what a client library allows."""

import base64
import os
import socket
import struct


def handshake(port, path="/ws/pedidos", extra=b"", timeout=10):
    """Open a socket, perform the upgrade by hand, return the socket (greeting not read)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    key = base64.b64encode(os.urandom(16))
    sock.sendall(
        b"GET " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n" + extra + b"\r\n"
    )
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed during handshake")
        response += chunk
    assert response.startswith(b"HTTP/1.1 101"), response[:100]
    return sock


def frame(payload, opcode=0x1, fin=True, mask=True):
    """A client frame (masked, as clients must) with any opcode and FIN bit."""
    header = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    mask_bit = 0x80 if mask else 0
    if n < 126:
        header += bytes([mask_bit | n])
    elif n < 65536:
        header += bytes([mask_bit | 126]) + struct.pack("!H", n)
    else:
        header += bytes([mask_bit | 127]) + struct.pack("!Q", n)
    if not mask:
        return header + payload
    key = os.urandom(4)
    return header + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def reset(sock):
    """Drop the connection with a TCP RST (no close frame, no FIN)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
