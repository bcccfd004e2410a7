"""RFC 6455 as the server writes it: frames, close codes and the one JSON serialization. No I/O.

Server frames are never masked, so a frame built once is valid for every client: the
broadcaster frames each event once and every connection writes the same bytes.
"""

import json
import struct

TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_SERVER_ERROR = 1011
CLOSE_TRY_AGAIN_LATER = 1013
# Codes a peer may not put on the wire (RFC 6455 section 7.4.1): "no status", "abnormal".
NOT_ON_THE_WIRE = (1005, 1006)

BAD_TOKEN = "Token inválido ou ausente"
SLOW_CLIENT = "Cliente lento demais; reconecte e retome"
MAX_CONTROL_PAYLOAD = 125


def frame(opcode: int, payload: bytes) -> bytes:
    """A complete, unmasked, unfragmented frame."""
    n = len(payload)
    if n < 126:
        return bytes((0x80 | opcode, n)) + payload
    if n < 65536:
        return struct.pack("!BBH", 0x80 | opcode, 126, n) + payload
    return struct.pack("!BBQ", 0x80 | opcode, 127, n) + payload


def text_frame(payload: bytes) -> bytes:
    """A text frame carrying ``payload`` (UTF-8 bytes)."""
    return frame(TEXT, payload)


def json_text(message: object) -> str:
    """The one serialization of a message, used on the socket, in the broker and in the log.

    Text a client sent may hold lone surrogates (``"\\ud800"`` is valid JSON); those have no
    UTF-8 form, so such a message is written with ASCII escapes instead, which a client
    parses back to the very same value.
    """
    text = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode()
    except UnicodeEncodeError:
        text = json.dumps(message, separators=(",", ":"))
    return text


def json_frame(message: object) -> bytes:
    return text_frame(json_text(message).encode())


def close_frame(code: int, reason: str = "") -> bytes:
    """A close frame; the reason is cut to fit a control frame, never inside a character."""
    reason_bytes = reason.encode()[: MAX_CONTROL_PAYLOAD - 2]
    return frame(CLOSE, struct.pack("!H", code) + reason_bytes.decode(errors="ignore").encode())


def echo_close_code(code: int | None) -> int:
    """The code to answer a client's close with (RFC 6455 section 5.5.1)."""
    return CLOSE_NORMAL if code is None or code in NOT_ON_THE_WIRE else code


def pong_frame(payload: bytes | bytearray) -> bytes:
    return frame(PONG, bytes(payload)[:MAX_CONTROL_PAYLOAD])


PING_FRAME = frame(PING, b"sgp")
