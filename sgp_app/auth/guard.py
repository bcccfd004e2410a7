"""The bearer-token guard every protected route passes through (see :func:`sgp_app.contract.contract`)."""

from collections.abc import Mapping

from flask import g, request
from werkzeug.datastructures import Headers

from ..errors import ApiError
from . import tokens


def bearer_token(headers: Headers | Mapping[str, str]) -> str | None:
    """The token of an ``Authorization: Bearer`` header, or ``None``."""
    scheme, _, token = headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def authorize(access: str) -> None:
    """Let the request through as ``access`` says, setting ``g.sessao``; else raise.

    ``public``: anyone. ``login``: a live bearer token (401 otherwise). ``admin``: an admin's (403).
    """
    if access == "public":
        return
    g.sessao = tokens.lookup(bearer_token(request.headers))
    if g.sessao is None:
        raise ApiError(401, "Token inválido ou ausente")
    if access == "admin" and not g.sessao.is_admin:
        raise ApiError(403, "Apenas administradores podem fazer isto", code="forbidden")
