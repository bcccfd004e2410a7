"""Server-Sent Events as the server writes them (the WHATWG HTML "event stream" format). No I/O.

An event's bytes depend only on the event, so the broadcaster frames each one once and every
stream client is written the very same bytes, as with the socket's frames. The JSON text of
:func:`~sgp_app.realtime.frames.json_text` never holds a raw CR or LF (JSON escapes them), so it
always fits one ``data:`` line.
"""

from collections.abc import Iterable

from .frames import json_text, text_frame

HEARTBEAT = b": ping\n\n"
# Which of an event's framings a connection is written: its ``framing`` indexes event_frames().
WS, SSE = 0, 1


def event_frames(evento_id: int, tipo: str, payload: bytes) -> tuple[bytes, bytes]:
    """An order event framed for each kind of client: ``(socket frame, stream event)``.

    :param payload: the event's JSON text (:func:`~sgp_app.realtime.frames.json_text`) as UTF-8 bytes.
    """
    return text_frame(payload), event(evento_id, tipo, payload)


def event(evento_id: int, tipo: str, payload: bytes) -> bytes:
    """An order event: ``id:``, ``event:``, ``data:`` (the socket's JSON, as UTF-8 bytes), blank line."""
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (evento_id, tipo.encode(), payload)


def message(tipo: str, body: object) -> bytes:
    """A message without an ``id:`` line (``sincronizado``, ``encerrado``): EventSource keeps its last id."""
    return b"event: %s\ndata: %s\n\n" % (tipo.encode(), json_text(body).encode())


def response_head(status: str, headers: Iterable[tuple[str, str]]) -> bytes:
    """The status line and headers of the stream's HTTP response, written to the socket directly."""
    lines = [f"HTTP/1.1 {status}"] + [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
