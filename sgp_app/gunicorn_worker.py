"""gunicorn's gevent worker, with the errors gunicorn answers itself in the service's JSON shape.

Some requests never reach the app: a request line over ``limit_request_line`` (414), headers
over the limits (431), a malformed request (400). gunicorn writes those as small HTML pages;
here they use the one error shape every client of the service expects.
"""

import json
import socket
import time

import gevent
from gunicorn import util
from gunicorn.workers.ggevent import GeventWorker

from .errors import CODES

MESSAGES = {
    400: "Requisição malformada",
    403: "Acesso negado",
    414: "Endereço (URL) longo demais",
    417: "Expectativa não atendida",
    431: "Cabeçalhos da requisição grandes demais",
    500: "Erro interno do servidor",
    501: "Codificação de transferência não suportada",
}


def write_json_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """What ``gunicorn.util.write_error`` writes, as ``{"error": {"code", "message"}}``."""
    body = json.dumps(
        {"error": {"code": CODES.get(status_int, "error"), "message": MESSAGES.get(status_int, reason)}},
        ensure_ascii=False,
    ).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"Cache-Control: no-store\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin1") + body)


# gunicorn's workers call util.write_error for every error page they answer themselves.
util.write_error = write_json_error


class Worker(GeventWorker):
    """``worker_class`` in ``gunicorn.conf.py``: the gevent worker, with JSON error pages, that also
    waits for its sockets when it stops.

    A socket leaves gunicorn's request greenlet after its handshake (see :mod:`sgp_app.realtime.socket`),
    so gunicorn's graceful stop, which waits for its request greenlets only, would exit while the
    sockets are still finishing their 1001 close handshakes. Within the same ``graceful_timeout``,
    the worker waits for them too.
    """

    def run(self) -> None:
        super().run()  # returns once told to stop and its request greenlets are done
        from .realtime import EXTENSION

        hub = getattr(self.wsgi, "extensions", {}).get(EXTENSION)
        deadline = time.monotonic() + self.cfg.graceful_timeout  # the arbiter's own limit ends it anyway
        while hub is not None and len(hub.registry) and time.monotonic() < deadline:
            self.notify()
            gevent.sleep(0.05)
