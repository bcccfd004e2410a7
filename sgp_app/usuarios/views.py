"""``/usuarios`` routes, for admins only (403 for everyone else)."""

from flask import Blueprint, url_for
from sqlalchemy import select

from .. import events
from ..auth import admin_required, tokens
from ..auth.passwords import hash_password
from ..db import begin_write
from ..errors import ApiError, ValidationError
from ..extensions import db
from ..http import json_body, storable_text
from ..models import Usuario

bp = Blueprint("usuarios", __name__, url_prefix="/usuarios")

MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # a hash of a longer one costs the same, but nobody types it
MAX_USERNAME = 80


def _validate(data, fields, required=()):
    """Check the fields a request may carry (``fields``); every problem at once, as 422."""
    errors = {name: "Campo desconhecido" for name in data.keys() - fields}
    errors.update({name: "Obrigatório" for name in required if name not in data})
    clean = {}
    if "username" in data:
        username = data["username"].strip() if storable_text(data["username"]) else ""
        if not 1 <= len(username) <= MAX_USERNAME:
            errors["username"] = f"Obrigatório, de 1 a {MAX_USERNAME} caracteres"
        clean["username"] = username
    if "password" in data:
        password = data["password"]
        if not storable_text(password) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            errors["password"] = f"A senha deve ter de {MIN_PASSWORD} a {MAX_PASSWORD} caracteres"
        clean["password"] = password
    for flag in ("is_admin", "ativo"):
        if flag in data:
            if not isinstance(data[flag], bool):
                errors[flag] = "Deve ser true ou false"
            clean[flag] = data[flag]
    if errors:
        raise ValidationError(errors)
    return clean


def _get(usuario_id):
    usuario = db.session.get(Usuario, usuario_id)
    if usuario is None:
        raise ApiError(404, "Usuário não encontrado")
    return usuario


@bp.get("/", strict_slashes=False)
@admin_required
def list_usuarios():
    """Every user, oldest first."""
    return [u.to_admin_dict() for u in db.session.scalars(select(Usuario).order_by(Usuario.id))]


@bp.post("/", strict_slashes=False)
@admin_required
def create_usuario():
    """Add a user who can log in; 409 when the username is taken."""
    clean = _validate(json_body(), {"username", "password", "is_admin"}, required=("username", "password"))
    password_hash = hash_password(clean["password"])  # before the write lock: it takes a while
    begin_write()
    if db.session.scalar(select(Usuario.id).where(Usuario.username == clean["username"])) is not None:
        raise ApiError(409, f"O usuário {clean['username']!r} já existe", code="duplicate")
    usuario = Usuario(username=clean["username"], password_hash=password_hash, is_admin=clean.get("is_admin", False))
    db.session.add(usuario)
    db.session.commit()
    return usuario.to_admin_dict(), 201, {"Location": url_for("usuarios.update_usuario", usuario_id=usuario.id)}


@bp.patch("/<id:usuario_id>")
@admin_required
def update_usuario(usuario_id):
    """Disable or enable a user, make or unmake an admin, or set a new password.

    Disabling a user or setting a password revokes every token of theirs at once (their sockets
    close with 1008). The last active admin cannot be disabled or demoted (409).
    """
    clean = _validate(json_body(), {"ativo", "is_admin", "password"})
    password_hash = hash_password(clean["password"]) if "password" in clean else None
    begin_write()
    usuario = _get(usuario_id)
    loses_admin = (
        usuario.is_admin and usuario.ativo and (not clean.get("ativo", True) or not clean.get("is_admin", True))
    )
    if loses_admin and _active_admins() <= 1:
        raise ApiError(409, "Este é o último administrador ativo: promova outro antes", code="last_admin")
    revoke = (usuario.ativo and clean.get("ativo") is False) or password_hash is not None
    usuario.ativo = clean.get("ativo", usuario.ativo)
    usuario.is_admin = clean.get("is_admin", usuario.is_admin)
    if password_hash is not None:
        usuario.password_hash = password_hash
    if revoke:
        events.record_revocation(tokens.revoke_all(usuario.id))
    db.session.commit()
    return usuario.to_admin_dict()


def _active_admins():
    """How many active admins there are, their rows locked until commit.

    Two admins demoting each other at once: the second waits for the first, then counts again
    (SQLite's write transaction already serializes them; PostgreSQL needs the row locks).
    """
    return len(db.session.scalars(select(Usuario.id).where(Usuario.is_admin, Usuario.ativo).with_for_update()).all())
