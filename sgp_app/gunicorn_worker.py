"""gunicorn's gevent worker, with the errors gunicorn answers itself in the service's JSON shape.

Some requests never reach the app: a request line over ``limit_request_line`` (414), headers
over the limits (431), a malformed request (400). gunicorn writes those as small HTML pages;
here they use the one error shape every client of the service expects.
"""

import json
import socket

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
    """``worker_class`` in ``gunicorn.conf.py``: the gevent worker, with JSON error pages."""
