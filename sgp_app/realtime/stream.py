"""``GET /pedidos/stream``: the order events as Server-Sent Events, for clients that cannot hold a
WebSocket (proxies that drop ``Upgrade``, ``curl -N``, EventSource).

A stream is served by the socket's machinery: the same registry, broadcaster, replay, janitor and
write path (a :class:`~sgp_app.realtime.connection.StreamConnection`), so the same resume, the same
slow-client bound and the same per-worker cap hold, and each event is framed once for every stream.
The response takes over the client's socket as Flask-Sock does for WebSockets: Flask's after-request
hooks set the headers (CORS, security, request id) as for any answer, then the socket is taken from
gunicorn, the head is written to it directly, and the request's greenlet returns. A stream reads
nothing, so while idle it is only an io watcher on the hub (:class:`~.reader.Reader`), which notices
the client leaving; the events are written to it by the broadcaster, as to the sockets.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import Response, current_app, request

from ..auth import bearer_token, tokens
from ..errors import ApiError, ValidationError
from ..extensions import db
from .adapter import detach
from .connection import StreamConnection
from .feed import Feed
from .frames import CLOSE_SERVER_ERROR
from .handshake import check_origin, live_events_available, parse_ultimo, realtime_unavailable
from .reader import Reader
from .sse import response_head

if TYPE_CHECKING:
    import socket
    from wsgiref.types import StartResponse, WSGIEnvironment

    from ..auth.tokens import Sessao
    from . import Hub

log = logging.getLogger(__name__)

PATH = "/pedidos/stream"


def resume_point() -> int | None:
    """Where to resume from: ``Last-Event-ID`` (an EventSource reconnecting), else ``?ultimo_evento_id``.

    The header wins: EventSource reconnects to the very URL it opened, query included, and the
    header then holds the last event it actually got. ``None``: live events only.
    """
    for name, raw in (
        ("Last-Event-ID", request.headers.get("Last-Event-ID", "").strip() or None),  # empty: none yet
        ("ultimo_evento_id", request.args.get("ultimo_evento_id")),
    ):
        if raw is None:
            continue
        value = parse_ultimo(raw)
        if value is None:
            raise ValidationError({name: "Deve ser um inteiro não negativo (um evento_id)"})
        return value
    return None


def pedidos_stream(hub: Hub) -> Response:
    """Check everything that can be answered with a status code, then hand over to :class:`StreamResponse`."""
    sock = request.environ.get("gunicorn.socket")  # taken over as Flask-Sock does
    if not live_events_available() or sock is None:
        raise realtime_unavailable()
    check_origin()
    sessao = tokens.lookup(request.args.get("token") or bearer_token(request.headers))
    db.session.remove()  # held for the stream's whole life otherwise
    if sessao is None:
        raise ApiError(401, "Token inválido ou ausente")
    ultimo = resume_point()
    if len(hub.registry) >= current_app.config["SGP_WS_MAX_CONNECTIONS"]:
        raise ApiError(
            503, "Servidor cheio; tente novamente mais tarde", code="server_full", headers={"Retry-After": "5"}
        )
    if request.method == "HEAD":
        return Response(status=200, mimetype="text/event-stream", headers=HEADERS)  # what GET would say, no stream
    hub.ensure_started()
    return StreamResponse(hub, sock, sessao, ultimo)


# X-Accel-Buffering: nginx passes each event on at once instead of buffering the stream.
HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no", "Connection": "close"}


class StreamResponse(Response):
    """A ``text/event-stream`` answer that, when served, writes itself to the client's socket."""

    def __init__(self, hub: Hub, sock: socket.socket, sessao: Sessao, ultimo: int | None) -> None:
        super().__init__(status=200, mimetype="text/event-stream", headers=HEADERS)
        self.hub, self.sock, self.sessao, self.ultimo = hub, sock, sessao, ultimo

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        head = response_head(self.status, self.headers.to_wsgi_list())
        conn = self.hub.connection(StreamConnection, detach(self.sock))
        Stream(self.hub, conn).run(head, self.sessao, self.ultimo)
        # The socket is the stream's now: gunicorn takes StopIteration as "done", and its close does nothing.
        raise StopIteration


class Stream:
    """One stream's life: subscribed (replaying if asked) in the request's greenlet, then watched until
    the client goes (or we end it)."""

    def __init__(self, hub: Hub, conn: StreamConnection) -> None:
        self.hub, self.conn = hub, conn
        self.feed = Feed(hub, conn)

    def run(self, head: bytes, sessao: Sessao, ultimo: int | None) -> None:
        conn = self.conn
        conn.send_frame(head)  # before the feed is registered: no event can come first
        try:
            self.feed.join(sessao, ultimo)
        except Exception:
            log.exception("stream handler failed")
            conn.close(CLOSE_SERVER_ERROR, "Erro interno")
        Reader(conn.fd, self.receive, self.end).start()

    @staticmethod
    def receive(_data: bytes) -> bool:
        """A stream's client has nothing more to say: what it sends anyway is dropped."""
        return True

    def end(self) -> None:
        """The client left (or we ended the response): forget the stream."""
        with self.hub.app.app_context():
            self.feed.leave()
