"""``/usuarios`` routes, for admins only (403 for everyone else)."""

from flask import Blueprint, url_for
from sqlalchemy import select

from .. import events
from ..auth import tokens
from ..auth.passwords import hash_password
from ..contract import contract
from ..db import begin_write
from ..errors import ApiError
from ..extensions import db
from ..models import Usuario
from ..nomes import chave, duplicate_message
from .schemas import UsuarioAdmin, UsuarioCreate, UsuarioUpdate

bp = Blueprint("usuarios", __name__, url_prefix="/usuarios")


def _shown(usuario: Usuario) -> UsuarioAdmin:
    return UsuarioAdmin.model_validate(usuario)


def _get(usuario_id: int) -> Usuario:
    usuario = db.session.get(Usuario, usuario_id)
    if usuario is None:
        raise ApiError(404, "Usuário não encontrado")
    return usuario


@bp.get("/", strict_slashes=False)
@contract(access="admin", answer=list[UsuarioAdmin])
def list_usuarios() -> list[UsuarioAdmin]:
    """Every user, oldest first."""
    return [_shown(u) for u in db.session.scalars(select(Usuario).order_by(Usuario.id))]


@bp.post("/", strict_slashes=False)
@contract(access="admin", body=UsuarioCreate, answer=UsuarioAdmin, status=201, headers=("Location",), errors=(409,))
def create_usuario(body: UsuarioCreate) -> tuple[UsuarioAdmin, int, dict[str, str]]:
    """Add a user who can log in; 409 when the username is taken (ignoring case and look-alike letters)."""
    novo = body
    password_hash = hash_password(novo.password)  # before the write lock: it takes a while
    begin_write()
    taken = db.session.scalar(select(Usuario.username).where(Usuario.username_chave == chave(novo.username)))
    if taken is not None:
        raise ApiError(409, duplicate_message(novo.username, taken), code="duplicate")
    usuario = Usuario(username=novo.username, password_hash=password_hash, is_admin=novo.is_admin, setores=novo.setores)
    db.session.add(usuario)
    db.session.commit()
    return _shown(usuario), 201, {"Location": url_for("usuarios.get_usuario", usuario_id=usuario.id)}


@bp.get("/<id:usuario_id>")
@contract(access="admin", answer=UsuarioAdmin, errors=(404,))
def get_usuario(usuario_id: int) -> UsuarioAdmin:
    """One user."""
    return _shown(_get(usuario_id))


@bp.patch("/<id:usuario_id>")
@contract(access="admin", body=UsuarioUpdate, answer=UsuarioAdmin, errors=(404, 409))
def update_usuario(usuario_id: int, body: UsuarioUpdate) -> UsuarioAdmin:
    """Disable or enable a user, make or unmake an admin, or set a new password.

    Disabling a user or setting a password revokes every token of theirs at once (their sockets
    close with 1008). The last active admin cannot be disabled or demoted (409).
    """
    clean = {name: getattr(body, name) for name in body.model_fields_set}
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
    if clean.get("setores") is not None:
        usuario.setores = clean["setores"]
    if password_hash is not None:
        usuario.password_hash = password_hash
    if revoke:
        events.record_revocation(tokens.revoke_all(usuario.id))
    db.session.commit()
    return _shown(usuario)


def _active_admins() -> int:
    """How many active admins there are, their rows locked until commit.

    Two admins demoting each other at once: the second waits for the first, then counts again
    (SQLite's write transaction already serializes them; PostgreSQL needs the row locks).
    """
    return len(db.session.scalars(select(Usuario.id).where(Usuario.is_admin, Usuario.ativo).with_for_update()).all())
