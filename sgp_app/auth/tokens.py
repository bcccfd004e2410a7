"""Session tokens: random, stored only as SHA-256 hashes, expiring and revocable."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, or_, select, update

from ..extensions import db
from ..models import SessaoToken, Usuario, utcnow


@dataclass(frozen=True)
class Sessao:
    """Who a valid token belongs to; plain data, so it outlives the DB session."""

    usuario_id: int
    username: str
    is_admin: bool
    token_hash: str
    expira_em: datetime

    def usuario(self) -> dict[str, Any]:
        return {"id": self.usuario_id, "username": self.username, "is_admin": self.is_admin}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(usuario: Usuario) -> tuple[str, datetime]:
    """Create a token for ``usuario``; return ``(token, expira_em)``. The caller commits."""
    token = secrets.token_urlsafe(32)
    expira_em = utcnow() + timedelta(hours=current_app.config["SGP_TOKEN_TTL_HOURS"])
    db.session.add(SessaoToken(token_hash=hash_token(token), usuario=usuario, expira_em=expira_em))
    return token, expira_em


def lookup(token: str | None) -> Sessao | None:
    """Return the :class:`Sessao` for a live token, or ``None``.

    Ends its read transaction, so a long-lived caller (a socket) holds no lock.
    """
    if not isinstance(token, str) or not token or len(token) > 200 or not token.isascii():
        return None  # tokens are URL-safe base64; anything else (a lone surrogate, say) is no token
    try:
        row = db.session.scalar(select(SessaoToken).where(SessaoToken.token_hash == hash_token(token)))
        if row is None or row.revogado_em is not None or row.expira_em <= utcnow() or not row.usuario.ativo:
            return None
        u = row.usuario
        return Sessao(u.id, u.username, u.is_admin, row.token_hash, row.expira_em)
    finally:
        db.session.rollback()


def revoked(token_hash: str) -> bool:
    """Whether the token with this hash no longer works because it was revoked (or is gone)."""
    row = db.session.execute(select(SessaoToken.revogado_em).where(SessaoToken.token_hash == token_hash)).first()
    return row is None or row.revogado_em is not None


def revoke(token_hash: str) -> None:
    """Revoke a token at once. The caller commits."""
    db.session.execute(
        update(SessaoToken)
        .where(SessaoToken.token_hash == token_hash, SessaoToken.revogado_em.is_(None))
        .values(revogado_em=utcnow())
    )


def revoke_all(usuario_id: int) -> list[str]:
    """Revoke every live token of a user at once; return their hashes. The caller commits."""
    now = utcnow()
    hashes = list(
        db.session.scalars(
            select(SessaoToken.token_hash).where(
                SessaoToken.usuario_id == usuario_id, SessaoToken.revogado_em.is_(None), SessaoToken.expira_em > now
            )
        )
    )
    if hashes:
        db.session.execute(update(SessaoToken).where(SessaoToken.token_hash.in_(hashes)).values(revogado_em=now))
    return hashes


def prune(retention_hours: float) -> int:
    """Delete tokens that expired or were revoked more than ``retention_hours`` ago; return how many."""
    cutoff = utcnow() - timedelta(hours=retention_hours)
    removed: int = db.session.execute(  # type: ignore[attr-defined]  # a DELETE's CursorResult
        delete(SessaoToken).where(or_(SessaoToken.expira_em < cutoff, SessaoToken.revogado_em < cutoff))
    ).rowcount
    db.session.commit()
    return removed
