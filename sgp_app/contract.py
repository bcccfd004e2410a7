"""Each REST route's contract, declared once, at the route.

A route is one function with :func:`contract` under its blueprint decorator::

    @bp.get("/", strict_slashes=False)
    @contract(query=FiltroPedidos, answer=list[Pedido], headers=("X-Total-Count", "Link"))
    def list_pedidos(query): ...

The decorator enforces what it declares, in this order: who may call (401, 403), the query
string read into its pydantic model, the JSON body read into its model (400, 413, 415, 422);
the view gets ``query=`` and ``body=``, and may answer with a model, which is dumped as JSON.
:mod:`sgp_app.openapi` walks the URL map and documents every route that has a contract from
the same declaration (and the response codes the decorator itself can give), so the document
cannot say other than what the server does.

Why our own decorator and not a library (read side by side):

- APIFlask: the contract at the route, as here, but its app and blueprint classes replace
  Flask's, its validation errors have their own shape (``{"message", "detail": {location: ...}}``)
  and pydantic comes through an adapter over marshmallow's conventions; ours is
  ``{"error": {code, message, fields}}`` with messages in Portuguese per field.
- flask-openapi3: pydantic-native, but also its own app class, views receive models by
  annotated parameter names, 422 bodies are pydantic's list unless a callback rewrites them, and
  it reads the JSON body itself (past our checks: 415, 400 for malformed or too-deep JSON).
- spectree: a decorator over plain Flask, but it also parses the body itself, its validation
  answer is pydantic's error list, and it cannot document answer headers (our ``Link``,
  ``X-Total-Count``, ``ETag``, ``X-Ultimo-Evento-Id``).

Each would need its error path and body reading overridden and our header documentation added:
the part left over is this module.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from functools import cache, wraps
from typing import Any, Literal, get_args, get_origin

from flask import current_app
from flask import request as flask_request
from pydantic import BaseModel, TypeAdapter

from .auth.guard import authorize
from .http import json_body
from .validation import parse

Access = Literal["public", "login", "admin"]

# The codes the decorator itself answers with, by what the route declares.
ACCESS_ERRORS: dict[str, tuple[int, ...]] = {"public": (), "login": (401,), "admin": (401, 403)}
BODY_ERRORS = (400, 413, 415, 422)
QUERY_ERRORS = (414, 422)  # 414: a request line longer than gunicorn reads

# What each answer header means, for the document.
HEADERS = {
    "ETag": 'The versao, quoted ("3"): send it back in If-Match',
    "Content-Disposition": "attachment; filename=...: a download",
    "Link": 'The next and prev pages, same arguments (RFC 8288): <...>; rel="next"',
    "Location": "The new resource",
    "X-Total-Count": "How many match, over all pages",
    "X-Ultimo-Evento-Id": "The newest event id when the answer was read: resume the socket from it",
}


@dataclass(frozen=True)
class RequestHeader:
    """A request header a route reads, for the document (the route parses it)."""

    name: str
    schema: dict[str, Any]
    description: str = ""


@dataclass(frozen=True)
class Contract:
    """What a route takes and gives; :func:`contract` builds it, :mod:`sgp_app.openapi` reads it."""

    access: Access
    summary: str
    description: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    answer: Any = None  # a model, list[model], a JSON Schema (dict), or None for no content
    status: int = 200
    also: Mapping[int, str] = field(default_factory=dict)  # other codes with the same answer shape
    errors: tuple[int, ...] = ()
    headers: tuple[str, ...] = ()
    request_headers: tuple[RequestHeader, ...] = ()
    media_type: str = "application/json"
    tag: str | None = None
    raw_body: Mapping[str, dict[str, Any]] = field(default_factory=dict)  # media type: schema, read by the view
    downloads: Mapping[str, dict[str, Any]] = field(default_factory=dict)  # other media types of the answer

    @property
    def error_codes(self) -> list[int]:
        """Every error code the route can answer with: declared, and the decorator's own."""
        codes = set(self.errors) | set(ACCESS_ERRORS[self.access])
        if self.body is not None:
            codes.update(BODY_ERRORS)
        if self.query is not None:
            codes.update(QUERY_ERRORS)
        if self.raw_body:
            codes.update((413, 415))
        return sorted(codes)


def contract(
    *,
    access: Access = "login",
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    answer: Any = None,
    status: int = 200,
    also: Mapping[int, str] | None = None,
    errors: Collection[int] = (),
    headers: Collection[str] = (),
    request_headers: Collection[RequestHeader] = (),
    media_type: str = "application/json",
    tag: str | None = None,
    raw_body: Mapping[str, dict[str, Any]] | None = None,
    downloads: Mapping[str, dict[str, Any]] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare and enforce a route's contract; the view's docstring is its summary and description.

    :param access: ``public``, ``login`` (a live bearer token: 401) or ``admin`` (and 403).
    :param body: the JSON body's model; the view gets it validated as ``body``.
    :param query: the query string's model; the view gets it validated as ``query``.
    :param answer: the answer's model (or ``list[Model]``, or a JSON Schema); ``None``: no content.
    :param status: the code of a successful answer.
    :param also: other codes answered with the same shape, with their description.
    :param errors: the codes of ``{"error": ...}`` answers the view gives (404, 409, 412...).
    :param headers: the answer headers set (described from :data:`HEADERS`).
    :param request_headers: request headers the view reads.
    :param raw_body: a body that is not JSON (``{"text/csv": schema}``), for the document: the view reads it.
    :param downloads: other media types the answer comes in, by ``Accept`` (``{"text/csv": schema}``).
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        summary, _, description = (inspect.getdoc(view) or view.__name__).partition("\n\n")
        declared = Contract(
            access=access,
            summary=_plain(summary.replace("\n", " ")),
            description=_plain(description),
            body=body,
            query=query,
            answer=answer,
            status=status,
            also=dict(also or {}),
            errors=tuple(errors),
            headers=tuple(headers),
            request_headers=tuple(request_headers),
            media_type=media_type,
            tag=tag,
            raw_body=dict(raw_body or {}),
            downloads=dict(downloads or {}),
        )

        @wraps(view)
        def checked(**kwargs: Any) -> Any:
            authorize(access)
            if query is not None:
                kwargs["query"] = parse(query, flask_request.args.to_dict(), context=current_app.config)
            if body is not None:
                kwargs["body"] = parse(body, json_body(), context=current_app.config)
            answered = _dumped(view(**kwargs))
            if current_app.testing:
                _check_answer(view, answer, answered)
            return answered

        checked.contract = declared  # type: ignore[attr-defined]
        return checked

    return decorate


def of(view: Callable[..., Any]) -> Contract | None:
    """The contract of ``view``, looking through other decorators (the rate limiter's)."""
    while view is not None:
        found = getattr(view, "contract", None)
        if isinstance(found, Contract):
            return found
        view = getattr(view, "__wrapped__", None)  # type: ignore[assignment]
    return None


def _dumped(answer: Any) -> Any:
    """A model (or a list of them, or the model in a ``(body, status, headers)`` tuple) as JSON data."""
    if isinstance(answer, tuple):
        return (_dumped(answer[0]), *answer[1:])
    if isinstance(answer, BaseModel):
        return answer.model_dump(mode="json", by_alias=True)
    if isinstance(answer, list) and answer and isinstance(answer[0], BaseModel):
        return [item.model_dump(mode="json", by_alias=True) for item in answer]
    return answer


@cache
def _adapter(answer: Any) -> TypeAdapter[Any]:
    return TypeAdapter(answer)


def _check_answer(view: Callable[..., Any], answer: Any, answered: Any) -> None:
    """Under test, every answer must be exactly what its contract's model gives (no field more or
    less, the same formats): the shapes the document shows cannot drift from the ones sent."""
    body = answered[0] if isinstance(answered, tuple) else answered
    if not models_of(answer) or not isinstance(body, (dict, list)):
        return
    adapter = _adapter(answer)
    again = adapter.dump_python(adapter.validate_python(body), mode="json", by_alias=True)
    if again != body:
        raise AssertionError(f"{view.__qualname__} answered other than its contract says: {body!r} vs {again!r}")


def _plain(text: str) -> str:
    """Docstring markup as the document shows it: ``code`` becomes `code`, a paragraph one line."""
    text = re.sub(r"(?<!\n)\n(?!\n)", " ", text.strip())
    return re.sub(r"``([^`]+)``", r"`\1`", text)


def models_of(answer: Any) -> list[type[BaseModel]]:
    """The models an answer declaration names: ``Pedido`` or ``list[Pedido]``."""
    if isinstance(answer, type) and issubclass(answer, BaseModel):
        return [answer]
    if get_origin(answer) is list:
        return [m for arg in get_args(answer) for m in models_of(arg)]
    return []
