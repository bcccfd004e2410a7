"""The bearer-token guard used by every protected route."""

from functools import wraps

from flask import g, request

from ..errors import ApiError
from . import tokens


def bearer_token(headers):
    """The token of an ``Authorization: Bearer`` header, or ``None``."""
    scheme, _, token = headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def login_required(view):
    """Reject the request with 401 unless it carries a live bearer token; sets ``g.sessao``."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        g.sessao = tokens.lookup(bearer_token(request.headers))
        if g.sessao is None:
            raise ApiError(401, "Token inválido ou ausente")
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    """Like :func:`login_required`, and 403 unless the user is an admin."""

    @login_required
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not g.sessao.is_admin:
            raise ApiError(403, "Apenas administradores podem fazer isto", code="forbidden")
        return view(*args, **kwargs)

    return wrapped
