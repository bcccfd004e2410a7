"""The event log: each change writes its evento in the change's own transaction.

Listeners (the realtime broadcaster, :func:`sgp_app.testing.capture_eventos`) hear
an evento only after its transaction commits; a rollback drops it unheard.
"""

from flask import current_app
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from .db import next_value
from .extensions import db
from .models import Evento, utcnow

PENDING = "sgp_eventos_pendentes"
LISTENERS = "sgp_listeners"

PEDIDO_CRIADO = "pedido_criado"
PEDIDO_ATUALIZADO = "pedido_atualizado"
PEDIDO_CANCELADO = "pedido_cancelado"


def init_app(app):
    app.extensions[LISTENERS] = []


def add_listener(app, listener):
    """Call ``listener(kind, payload)`` after each commit.

    ``kind`` is ``"eventos"`` (payload: the committed messages, in order) or
    ``"token_revogado"`` (payload: the revoked token's hash).
    """
    app.extensions[LISTENERS].append(listener)


def remove_listener(app, listener):
    app.extensions[LISTENERS].remove(listener)


def record(tipo, pedido):
    """Write the evento for ``pedido``'s change into the current transaction."""
    evento = Evento(
        id=next_value("evento"),
        tipo=tipo,
        pedido_id=pedido.id,
        status_atual=pedido.status,
        cliente=pedido.cliente,
        valor_total=pedido.valor_total,
        timestamp=utcnow().isoformat(),
    )
    db.session.add(evento)
    db.session.info.setdefault(PENDING, []).append(evento.to_message())
    return evento


def token_revoked(token_hash):
    """Tell listeners a token was revoked (call after the revocation commits)."""
    _notify("token_revogado", token_hash)


def _notify(kind, payload):
    for listener in list(current_app.extensions.get(LISTENERS, ())):
        listener(kind, payload)


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session):
    messages = session.info.pop(PENDING, None)
    if messages:
        _notify("eventos", messages)


@sa_event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    session.info.pop(PENDING, None)
