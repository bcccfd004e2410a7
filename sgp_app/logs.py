"""Logging: one line per request and per socket open/close, each with a request id; never a token.

``SGP_LOG_FORMAT=json`` writes one JSON object per line; ``text`` (default) is for people. Either
way a logged value cannot start a line of its own or hide text: in ``text`` every control, line
separator and bidirectional-override character (and the backslash, so escapes stay unambiguous)
is written as a ``\\xNN`` or ``\\uNNNN`` escape; in ``json`` the ones JSON leaves raw are
written as JSON escapes.

A request's id comes from a sane ``X-Request-Id`` header (a proxy's) or is made here, and is
sent back in ``X-Request-Id``.
"""

import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_app_context, request

from .redaction import redact

log = logging.getLogger("sgp_app.access")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Routes that hold a connection open: their requests are logged as an open and a close.
LIVE_PATHS = ("/ws/pedidos", "/pedidos/stream")
# What would start a new line, ring, erase, or hide or reorder text in a terminal or a log viewer.
UNSAFE = r"\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c"
TEXT_UNSAFE = re.compile(rf"[{UNSAFE}\\]")
JSON_UNSAFE = re.compile(rf"[{UNSAFE}]")  # json.dumps already escapes C0 controls, backslash and quote


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char == "\\":
        return "\\\\"
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape(text: str) -> str:
    """``text`` with every character that could forge or hide a log line written as an escape."""
    return TEXT_UNSAFE.sub(_escape, text)


class TextFormatter(logging.Formatter):
    """The line for people, escaped (see :func:`escape`); a traceback after it keeps its lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        return escape(super().formatMessage(record))


FIELDS = ("request_id", "method", "path", "status", "duration_ms", "remote", "usuario", "close_code", "event")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: getattr(record, k) for k in FIELDS if hasattr(record, k)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(entry, ensure_ascii=False))


def configure(app: Flask) -> None:
    logger = logging.getLogger("sgp_app")
    if not any(getattr(h, "sgp", False) for h in logger.handlers):
        ours = logging.StreamHandler(sys.stderr)
        ours.sgp = True  # type: ignore[attr-defined]  # a mark: a second app reuses the handler
        logger.addHandler(ours)
        logger.propagate = False
    for handler in logger.handlers:
        if getattr(handler, "sgp", False):
            handler.setFormatter(
                JsonFormatter()
                if app.config["SGP_LOG_FORMAT"] == "json"
                else TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
            )
    logger.setLevel(app.config["SGP_LOG_LEVEL"].upper())


def request_id() -> str:
    return (getattr(g, "request_id", None) if has_app_context() else None) or "-"


def init_app(app: Flask) -> None:
    configure(app)

    @app.before_request
    def start_request() -> None:
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def log_request(response: Response) -> Response:
        response.headers["X-Request-Id"] = request_id()
        if request.path in LIVE_PATHS and response.status_code in (101, 200):
            return response  # sockets and streams log their own open and close
        duration = round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 2)
        path = redact(request.full_path.rstrip("?"))
        log.info(
            "%s %s %s %.2fms id=%s",
            request.method,
            path,
            response.status_code,
            duration,
            request_id(),
            extra={
                "request_id": request_id(),
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": duration,
                "remote": request.remote_addr,
            },
        )
        return response


def socket_event(event: str, feed: Any, **fields: object) -> None:
    """Log a socket's (or a stream's) open or close, with its request id and user (never its token)."""
    conn = feed.conn
    usuario = feed.sessao.username if feed.sessao is not None else None
    rid = getattr(conn, "request_id", None) or request_id()  # a socket outlives its request's context
    log.info(
        "%s %s id=%s usuario=%s %s",
        conn.kind,
        event,
        rid,
        usuario or "-",
        " ".join(f"{k}={v}" for k, v in fields.items()),
        extra={"event": f"{conn.kind}_{event}", "request_id": rid, "usuario": usuario, **fields},
    )
