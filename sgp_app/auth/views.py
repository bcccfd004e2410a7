"""``/auth`` routes: login, logout, current user."""

import hashlib

from flask import Blueprint, Response, current_app, g
from sqlalchemy import select

from .. import events
from ..contract import contract
from ..db import begin_write
from ..errors import ApiError
from ..extensions import db, limiter
from ..http import peek_json
from ..models import Usuario
from ..nomes import chave
from . import schemas, tokens
from .passwords import check_password

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _login_limit() -> str:
    return current_app.config["SGP_LOGIN_RATE_LIMIT"]


def _address_limit() -> str:
    return current_app.config["SGP_LOGIN_ADDRESS_RATE_LIMIT"]


def _login_username() -> str:
    data = peek_json()
    username = data.get("username") if isinstance(data, dict) else None
    if not isinstance(username, str):
        return "login-user:"
    # Hashed: any length and any character make a short key the limiter's storage accepts. Keyed
    # as names are compared, so "ANA" and "ana" share one allowance.
    digest = hashlib.sha256(chave(username).encode("utf-8", "surrogatepass")).hexdigest()
    return f"login-user:{digest[:32]}"


def find_usuario(username: str) -> Usuario | None:
    """The user a login names: by the exact name, else by the name as compared (``ANA`` finds ``ana``).

    The exact name first: two users made before names were compared (``ana``, ``ANA``) each log in by theirs.
    """
    username = username.strip()
    exact = db.session.scalar(select(Usuario).where(Usuario.username == username))
    return exact or db.session.scalar(select(Usuario).where(Usuario.username_chave == chave(username)))


def _failed(response: Response) -> bool:
    return response.status_code == 401


# Failures are limited per username, tightly: that stops guessing one account's password. Per
# client address every attempt counts (each costs a password hash), with a far larger allowance,
# so a stranger failing for many usernames cannot lock out the colleagues behind the same address.
@bp.post("/login")
@limiter.limit(_address_limit)
@limiter.limit(_login_limit, key_func=_login_username, deduct_when=_failed)
@contract(access="public", body=schemas.Credenciais, answer=schemas.Sessao, errors=(401, 429))
def login(body: schemas.Credenciais) -> schemas.Sessao:
    """Exchange a username and password for a session token."""
    credenciais = body
    usuario = find_usuario(credenciais.username)
    # No transaction stays open while the hash runs (it yields to other greenlets): on SQLite a
    # read transaction that later writes fails at once if another login wrote meanwhile.
    db.session.commit()
    matches = check_password(usuario.password_hash if usuario else None, credenciais.password)
    if usuario is None or not matches or not usuario.ativo:  # a disabled user hears what a wrong password hears
        raise ApiError(401, "Usuário ou senha inválidos", code="invalid_credentials")
    begin_write()
    token, expira_em = tokens.issue(usuario)
    db.session.commit()
    return schemas.Sessao(session_token=token, expires_at=expira_em, usuario=schemas.Usuario.model_validate(usuario))


@bp.post("/logout")
@contract(status=204)
def logout() -> tuple[str, int]:
    """Revoke this token, also for the sockets and streams opened with it."""
    begin_write()
    tokens.revoke(g.sessao.token_hash)
    events.record_revocation([g.sessao.token_hash])
    db.session.commit()
    return "", 204


@bp.get("/me")
@contract(answer=schemas.Usuario)
def get_me() -> schemas.Usuario:
    """The token's user."""
    return schemas.Usuario.model_validate(db.session.get(Usuario, g.sessao.usuario_id))
