"""Small request helpers shared by the blueprints."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from .errors import ApiError

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

TOO_DEEP = object()
# Routes that read their body as a stream, with their own limit (not SGP_MAX_BODY_BYTES).
STREAMED_BODIES = re.compile(r"^/(clientes/importar|pedidos/[0-9]+/arquivos)$")
BODY_TOO_LARGE = "sgp.body_too_large"


class JSONProvider(DefaultJSONProvider):
    """UTF-8 JSON in the order given; text with a lone surrogate (which no UTF-8 can hold) is
    written with ASCII escapes instead, which clients read back as the very same value."""

    ensure_ascii = False
    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        text = super().dumps(obj, **kwargs)
        try:
            text.encode()
        except UnicodeEncodeError:
            text = super().dumps(obj, **{**kwargs, "ensure_ascii": True})
        return text


class IdConverter(IntegerConverter):
    """``<id:name>``: a row id. One beyond what a 32-bit integer column holds names no row, so it
    becomes 0, which names none either (404) without overflowing the database's integer."""

    MAX = 2**31 - 1
    regex = r"[0-9]+"  # werkzeug's \d+ takes every script's digits: "/pedidos/１" would be order 1

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= self.MAX else 0


def json_body() -> dict[str, Any]:
    """The request's JSON object; 415 when not JSON, 400 when malformed, too deep or not an object."""
    if not request.is_json:
        raise ApiError(415, "O corpo deve ser JSON (Content-Type: application/json)")
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # the parser's own limit, far past ours
        data = TOO_DEEP
    limit = current_app.config["SGP_MAX_JSON_DEPTH"]
    if data is TOO_DEEP or _deeper_than(data, limit):
        raise ApiError(400, f"JSON aninhado demais (no máximo {limit} níveis)", code="invalid_json")
    if data is None:
        raise ApiError(400, "JSON malformado", code="invalid_json")
    if not isinstance(data, dict):
        raise ApiError(400, "O corpo deve ser um objeto JSON", code="invalid_json")
    return data


def storable_text(value: object) -> bool:
    """Whether ``value`` is a string any database can store: no NUL, no lone surrogate."""
    if not isinstance(value, str) or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # "\ud800" and friends, which JSON can carry
        return False
    return True


def peek_json() -> Any:
    """The request's JSON, or ``None`` if it has none; never raises (for rate-limit keys)."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def _deeper_than(value: object, limit: int) -> bool:
    """Whether objects and arrays in ``value`` nest more than ``limit`` levels (without recursion)."""
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


class ChunkedBodyLimit:
    """WSGI middleware: a chunked request body, read whole up to the limit.

    Flask checks ``MAX_CONTENT_LENGTH`` against ``Content-Length``, which a chunked body lacks,
    and werkzeug then cuts such a body silently at the limit (a cut that still parses was
    accepted). Read here, the body has a length like any other; one over the limit is marked,
    and :func:`refuse_marked_bodies` answers it with 413.
    """

    def __init__(self, wsgi_app: WSGIApplication, limit: int, streamed: re.Pattern[str] | None = None) -> None:
        self.wsgi_app = wsgi_app
        self.limit = limit
        self.streamed = streamed  # paths whose views stream the body under their own limit

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not (self.streamed and self.streamed.match(environ.get("PATH_INFO", ""))):
            body = environ["wsgi.input"].read(self.limit + 1)
            if len(body) > self.limit:
                environ[BODY_TOO_LARGE] = True
                body = b""
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return self.wsgi_app(environ, start_response)


def refuse_marked_bodies() -> None:
    """``before_request``: 413 for a chunked body :class:`ChunkedBodyLimit` found too large."""
    if request.environ.get(BODY_TOO_LARGE):
        raise ApiError(413, "Corpo da requisição grande demais")
