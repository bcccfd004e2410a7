"""What a socket or an event stream is checked for before it is served: a gevent worker to hold it,
the browser's ``Origin``, the WebSocket handshake's headers, and the resume position it asks for.

Shared by the socket route, the stream route, ``/health`` and the webhook dispatcher (which also
needs gevent).
"""

import base64
import binascii
import functools
import logging
import re
from collections.abc import Callable

import gevent.monkey
from flask import current_app, request
from werkzeug.datastructures import Headers

from ..config import allowed_origins
from ..errors import ApiError

log = logging.getLogger(__name__)

# An id is a non-negative integer the database can hold: ASCII digits only ("²".isdigit() is true).
ULTIMO = re.compile(r"[0-9]{1,18}")
BAD_ULTIMO = "ultimo_evento_id deve ser um inteiro não negativo (um evento_id)"
NEEDS_GEVENT = (
    "Live events (/ws/pedidos) need gunicorn's gevent worker: start the service with `gunicorn wsgi:app`. "
    "This server (flask run, or a WSGI server without gevent) serves the REST API and the board only."
)


def live_events_available() -> bool:
    """Whether this process can hold sockets: the realtime part runs on gevent's monkey-patched I/O."""
    return gevent.monkey.is_module_patched("socket")


@functools.cache  # once per process
def _warn_needs_gevent() -> None:
    log.warning(NEEDS_GEVENT)


def realtime_unavailable() -> ApiError:
    """The 503 for a socket or stream this process cannot hold (no gevent worker); warns once in the log."""
    _warn_needs_gevent()
    return ApiError(503, "Eventos ao vivo precisam do worker gevent do gunicorn", code="realtime_unavailable")


def handshake_guard(path: str) -> Callable[[], None]:
    """A ``before_request`` for the socket at ``path``: checks its upgrade before Flask-Sock answers it."""

    def prepare_handshake() -> None:
        if request.path == path:
            check_upgrade()

    return prepare_handshake


def check_upgrade() -> None:
    """Before the upgrade: 503 without gevent, 426/400 for a bad handshake, 403 for a foreign browser
    ``Origin``; and decline compression.

    Without ``permessage-deflate`` a socket keeps no zlib state (tens of KiB each) and
    every client can be sent the very same frame bytes.
    """
    if not live_events_available():
        raise realtime_unavailable()
    _check_handshake(request.headers)
    request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
    check_origin()


def check_origin() -> None:
    """403 for a browser whose ``Origin`` is neither ours nor in ``SGP_ALLOWED_ORIGINS`` (socket and stream)."""
    origin = request.headers.get("Origin")
    if origin is None:
        return  # not a browser
    allowed = allowed_origins(current_app.config)
    own = {f"{scheme}://{request.host}" for scheme in ("http", "https")}
    if "*" not in allowed and origin.rstrip("/") not in allowed | own:
        raise ApiError(403, "Origem não permitida", code="origin_not_allowed")


def _check_handshake(headers: Headers) -> None:
    """RFC 6455 section 4.2.1-4.2.2: a version we do not speak is 426, a missing or bad key 400."""
    if headers.get("Sec-WebSocket-Version", "").strip() != "13":
        raise ApiError(
            426,
            "Versão do WebSocket não suportada (use 13)",
            code="upgrade_required",
            headers={"Sec-WebSocket-Version": "13"},
        )
    try:
        key_ok = len(base64.b64decode(headers.get("Sec-WebSocket-Key", ""), validate=True)) == 16
    except (binascii.Error, ValueError):
        key_ok = False
    if not key_ok:
        raise ApiError(400, "Sec-WebSocket-Key ausente ou inválida", code="bad_handshake")


def parse_ultimo(value: object) -> int | None:
    """A valid ``ultimo_evento_id`` (a non-negative integer the database can hold), or ``None``."""
    if isinstance(value, str) and ULTIMO.fullmatch(value):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**18:
        return value
    return None
