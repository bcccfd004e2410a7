"""The one JSON error shape, and the handlers that make every error use it."""

import logging
from collections.abc import Mapping
from typing import Annotated

from flask import Flask, Response, jsonify, request
from pydantic import BaseModel, WithJsonSchema
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from .logs import request_id

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    422: "validation_error",
    426: "upgrade_required",
    429: "too_many_requests",
    431: "headers_too_large",
    500: "internal_error",
    501: "not_implemented",
}


class ApiError(Exception):
    """An error answered to the client as ``{"error": {...}}`` with ``status``.

    :param status: the HTTP status code.
    :param message: a sentence for people.
    :param code: a stable machine-readable code; derived from ``status`` when omitted.
    :param fields: per-field messages, for validation errors.
    :param headers: extra response headers.
    """

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or CODES.get(status, "error")
        self.fields = fields
        self.headers = headers or {}


class ValidationError(ApiError):
    def __init__(self, fields: dict[str, str], message: str = "Dados inválidos") -> None:
        super().__init__(422, message, fields=fields)


class Problem(BaseModel):
    code: str
    message: str
    fields: Annotated[
        dict[str, str] | None,
        WithJsonSchema({"type": "object", "additionalProperties": {"type": "string"}, "description": "per field"}),
    ] = None


class Error(BaseModel):
    """Every error the service answers: ``{"error": {"code", "message", "fields"?}}``."""

    error: Problem


def error_response(
    status: int,
    message: str,
    code: str | None = None,
    fields: dict[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body = Error(error=Problem(code=code or CODES.get(status, "error"), message=message, fields=fields or None))
    response = jsonify(body.model_dump(exclude_none=True))
    response.status_code = status
    if headers:
        response.headers.update(headers)
    return response


MESSAGES = {
    400: "Requisição malformada",
    401: "Token inválido ou ausente",
    403: "Acesso negado",
    404: "Recurso não encontrado",
    405: "Método não permitido para este recurso",
    413: "Corpo da requisição grande demais",
    415: "O corpo deve ser JSON (Content-Type: application/json)",
    429: "Muitas requisições; tente novamente mais tarde",
    500: "Erro interno do servidor",
}


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else {}
        return error_response(error.status, error.message, error.code, error.fields, {**headers, **error.headers})

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException) -> Response:
        headers = {}
        code = error.code or 500
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            headers["Allow"] = ", ".join(error.valid_methods)
        message = MESSAGES.get(code) or error.name
        return error_response(code, message, headers=headers)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Response:
        # Internal details go to the log, never to the client; and no request data goes to the
        # log: the request id, the route, the exception (the engine hides statement parameters).
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        log.exception("unhandled error id=%s on %s %s (%s)", request_id(), request.method, route, request.path)
        return error_response(500, MESSAGES[500])
