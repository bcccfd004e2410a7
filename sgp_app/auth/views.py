"""``/auth`` routes: login, logout, current user."""

from flask import Blueprint, current_app, g, request
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from .. import events
from ..errors import ApiError, ValidationError
from ..extensions import db, limiter
from ..http import json_body
from ..models import Usuario
from . import tokens
from .guard import login_required

bp = Blueprint("auth", __name__, url_prefix="/auth")

_dummy_hash = None


def _login_limit():
    return current_app.config["SGP_LOGIN_RATE_LIMIT"]


def _login_username():
    data = request.get_json(silent=True)
    username = data.get("username") if isinstance(data, dict) else None
    return f"login-user:{username.strip().lower()}" if isinstance(username, str) else "login-user:"


def _failed(response):
    return response.status_code == 401


def _check_password(usuario, password):
    """Check ``password``; for an unknown user, spend the same time on a dummy hash."""
    global _dummy_hash
    if usuario is None:
        _dummy_hash = _dummy_hash or generate_password_hash("dummy-password")
        check_password_hash(_dummy_hash, password)
        return False
    return check_password_hash(usuario.password_hash, password)


@bp.post("/login")
@limiter.limit(_login_limit, deduct_when=_failed)
@limiter.limit(_login_limit, key_func=_login_username, deduct_when=_failed)
def login():
    """Exchange a username and password for a session token."""
    data = json_body()
    fields = {
        k: "Obrigatório (texto, sem caractere nulo)"
        for k in ("username", "password")
        if not isinstance(data.get(k), str) or not data[k] or "\x00" in data[k]
    }
    if fields:
        raise ValidationError(fields)
    usuario = db.session.scalar(select(Usuario).where(Usuario.username == data["username"].strip()))
    if not _check_password(usuario, data["password"]):
        raise ApiError(401, "Usuário ou senha inválidos", code="invalid_credentials")
    token, expira_em = tokens.issue(usuario)
    db.session.commit()
    return {
        "session_token": token,
        "token_type": "bearer",
        "expires_at": expira_em.isoformat(),
        "usuario": usuario.to_dict(),
    }


@bp.post("/logout")
@login_required
def logout():
    """Revoke the token of this request, also for sockets opened with it."""
    tokens.revoke(g.sessao.token_hash)
    db.session.commit()
    events.token_revoked(g.sessao.token_hash)
    return "", 204


@bp.get("/me")
@login_required
def me():
    """The user the token belongs to."""
    return g.sessao.usuario()
