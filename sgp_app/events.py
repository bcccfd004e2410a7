"""The event log, and every query on it.

Each change writes its entry in the change's own transaction. Entries are order events
(``pedido_criado`` …), token revocations and reload hints (a change too wide to send order by
order, such as an import); all take their id from the one gap-free ``evento`` counter, whose row
lock orders them by commit. Every worker handles entries strictly in id order, so a revocation is
always handled before any event committed after it, on every worker, whatever the broker.
Clients see order events, and a reload hint as ``sincronizado`` with ``completo: false``; their
``evento_id`` skips the ids of revocations. After commit the entries are announced on
:mod:`sgp_app.signals`; a rollback drops them unheard.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from blinker import NamedSignal
from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from . import signals
from .db import current_value, next_value
from .extensions import db
from .models import Evento, Pedido, Recarga, Revogacao, utcnow

if TYPE_CHECKING:
    from .auth.tokens import Sessao

PENDING = "sgp_log_pendente"

PEDIDO_CRIADO = "pedido_criado"
PEDIDO_ATUALIZADO = "pedido_atualizado"
PEDIDO_CANCELADO = "pedido_cancelado"
TIPOS = (PEDIDO_CRIADO, PEDIDO_ATUALIZADO, PEDIDO_CANCELADO)
TOKENS_REVOGADOS = "tokens_revogados"
RECARREGAR = "recarregar"
CONTROLES: tuple[type[Revogacao] | type[Recarga], ...] = (Revogacao, Recarga)  # log entries that are not order events


def record(tipo: str, pedido: Pedido, autor: Sessao | None = None) -> Evento:
    """Write the evento for ``pedido``'s change into the current transaction.

    :param autor: the :class:`~sgp_app.auth.tokens.Sessao` of the user who made the change, or
        ``None`` for a change made outside a request (the CLI).
    """
    evento = Evento(
        id=next_value("evento"),
        tipo=tipo,
        pedido_id=pedido.id,
        status_atual=pedido.status,
        cliente=pedido.cliente,
        valor_total=pedido.valor_total,
        timestamp=utcnow().isoformat(),
        usuario_id=autor.usuario_id if autor else None,
        usuario_nome=autor.username if autor else None,
    )
    db.session.add(evento)
    _pending().append((signals.eventos_committed, evento.to_message()))
    return evento


def record_revocation(token_hashes: list[str]) -> Revogacao | None:
    """Write the revocation of these tokens into the current transaction (which revokes them)."""
    if not token_hashes:
        return None
    revogacao = Revogacao(id=next_value("evento"), tokens=json.dumps(sorted(token_hashes)))
    db.session.add(revogacao)
    _pending().append((signals.tokens_revoked, revogacao.to_message()))
    return revogacao


def record_reload(motivo: str) -> Recarga:
    """Write a reload hint into the current transaction: every client reloads its list after it."""
    recarga = Recarga(id=next_value("evento"), motivo=motivo)
    db.session.add(recarga)
    _pending().append((signals.lista_recarregada, recarga.to_message()))
    return recarga


def _pending() -> list[tuple[NamedSignal, dict[str, Any]]]:
    return db.session.info.setdefault(PENDING, [])


def newest_id() -> int:
    """The id of the newest entry written (``X-Ultimo-Evento-Id``)."""
    return current_value("evento")


def eventos_after(after_id: int, limit: int) -> Sequence[Evento]:
    """Stored order events with ``id > after_id``, oldest first, at most ``limit``."""
    return db.session.scalars(select(Evento).where(Evento.id > after_id).order_by(Evento.id).limit(limit)).all()


def entries_after(after_id: int, limit: int) -> list[dict[str, Any]]:
    """Every stored entry (order events, revocations, reload hints) with ``id > after_id``, as broker messages."""
    messages = [row.to_message() for row in eventos_after(after_id, limit)]
    for model in CONTROLES:
        rows: Iterable[Revogacao | Recarga] = db.session.scalars(
            select(model).where(model.id > after_id).order_by(model.id).limit(limit)
        )
        messages += [row.to_message() for row in rows]
    return sorted(messages, key=lambda m: m["evento_id"])[:limit]


@dataclass(frozen=True)
class Page:
    """The log between two positions, and whether it is all still stored.

    Ids come from one gap-free counter, so a range of positions is whole exactly when it holds
    as many entries as it is long: a reader that follows ``upper`` from page to page knows, page
    by page, whether the pruner took anything it had not read yet (Centrifugo's offset check).
    """

    after: int  # the range is (after, upper]
    upper: int
    eventos: Sequence[Evento]  # the order events in the range, oldest first
    revogacoes: Sequence[Revogacao]  # the revocations in the range, oldest first
    recargas: Sequence[Recarga] = ()  # the reload hints in the range, oldest first

    @property
    def missing(self) -> tuple[int, int] | None:
        """Positions in the range no longer stored (pruned), as ``(first, last)``, or ``None``."""
        present = {row.id for rows in (self.eventos, self.revogacoes, self.recargas) for row in rows}
        gone = [i for i in range(self.after + 1, self.upper + 1) if i not in present]
        return (gone[0], gone[-1]) if gone else None

    @property
    def complete(self) -> bool:
        return len(self.eventos) + len(self.revogacoes) + len(self.recargas) == self.upper - self.after


def page(after_id: int, size: int) -> Page:
    """The log's entries at positions ``(after_id, after_id + size]``, up to the newest committed.

    The newest position is read first: every entry up to it is committed, so an entry absent
    from the range was pruned, not still being written.
    """
    upper = min(newest_id(), after_id + size)
    if upper <= after_id:
        return Page(after_id, after_id, [], [])
    in_range = (Evento.id > after_id, Evento.id <= upper)
    eventos = db.session.scalars(select(Evento).where(*in_range).order_by(Evento.id)).all()
    revogacoes, recargas = (
        db.session.scalars(select(model).where(model.id > after_id, model.id <= upper).order_by(model.id)).all()
        for model in CONTROLES
    )
    return Page(after_id, upper, eventos, revogacoes, recargas)  # type: ignore[arg-type]


def first_stored_after(after_id: int) -> int | None:
    """The position of the oldest entry still stored after ``after_id``, or ``None``."""
    ids = [db.session.scalar(select(func.min(model.id)).where(model.id > after_id)) for model in (Evento, *CONTROLES)]
    return min((i for i in ids if i is not None), default=None)


def prune(retention_days: float, retention_count: int) -> int:
    """Delete entries older than ``retention_days`` or beyond the newest ``retention_count``.

    Always a prefix of the log (every entry up to one position): a reader that finds the entry
    just after its position still stored knows nothing after it was pruned (see :class:`Page`).
    """
    cutoff = utcnow() - timedelta(days=retention_days)
    upto = newest_id() - retention_count
    for model in (Evento, *CONTROLES):
        aged = db.session.scalar(select(func.max(model.id)).where(model.criado_em < cutoff))
        upto = max(upto, aged or 0)
    removed = 0
    if upto > 0:
        for model in (Evento, *CONTROLES):
            removed += db.session.execute(delete(model).where(model.id <= upto)).rowcount  # type: ignore[attr-defined]
    db.session.commit()
    return removed


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    for signal in (signals.tokens_revoked, signals.eventos_committed, signals.lista_recarregada):
        messages = [message for sent_on, message in pending if sent_on is signal]
        if messages:
            signal.send(app, messages=messages)


@sa_event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)
